#!/usr/bin/env python3
"""Render docs/results.md tables from `asnn eval --json` / `asnn stream --json` files.

    python3 scripts/results-table.py OUT_DIR/*.json

Prints markdown: one comparison table per network, then a summary across networks
(ASNN vs each baseline: spikes over the window, spikes and steps to 99% of the ANN).
"""
import json
import os
import sys


def fmt(v, spec="{:.1f}"):
    return "never" if v is None else spec.format(v)


def main(paths):
    evals, streams = [], []
    for p in paths:
        d = json.load(open(p))
        (streams if "runs" in d else evals).append((p, d))
    summary = []
    for p, d in evals:
        m = d["models"]
        ann = m["ann"]["accuracy"]
        print(f"### {d['network']} — {d['samples']} test images, {d['steps']} steps\n")
        cal = d.get("calibration", {})
        th = [f"{l['name']} {l['theta0']:.3g}" for l in cal.get("layers", []) if l.get("theta0")]
        if th:
            print(f"theta0 per layer (calibration: {cal.get('samples')} images of {cal.get('source')}): {', '.join(th)}\n")
        # The search itself is in the calibration step's JSON beside the eval's.
        side = os.path.join(os.path.dirname(p), "calibration.json")
        search = json.load(open(side)) if os.path.exists(side) else cal
        ch = search.get("chosen_trial")
        if ch is not None and search.get("theta0_search"):
            t = search["theta0_search"][ch]
            if t.get("m_f") is not None:
                # Trials with a settled accuracy were bounded on it (docs/numerics.md section 8);
                # older runs bounded the last step's accuracy.
                bound = (f"settled {100 * t['settled_accuracy']:.2f}% ± {100 * t['drop_se']:.2f}"
                         if t.get("settled_accuracy") is not None else "bound on the last step's accuracy (previous rule)")
                print(f"chosen on {search.get('samples')} validation images: theta0 fractions {t['fractions']}, m_f {t['m_f']}, "
                      f"readout tau_phi {t['readout_tau_phi']} ({len(search['theta0_search'])} candidates; validation "
                      f"accuracy {100 * t['accuracy']:.2f}%, {bound}, spikes to 99% {fmt(t['spikes_to_99pct'])})\n")
        tuned = cal.get("if_baseline_tuned")
        if tuned:
            print(f"if_baseline_tuned: normalisation percentile {tuned['percentile']} "
                  f"(chosen on the same validation images by the same objective)\n")
        print("| model | accuracy | Δ vs ANN (pp) | hidden spikes / inference | input spikes | synops / inference | steps to 99% of ANN | spikes to 99% of ANN | mean decision step |")
        print("|---|---|---|---|---|---|---|---|---|")
        models = ["ann", "asnn_float", "asnn_int", "if_baseline", "if_baseline_tuned", "if_poisson"]
        for k in models:
            if k not in m:
                continue
            s = m[k]
            sp = k != "ann"
            print(f"| {k} | {100 * s['accuracy']:.2f}% | {100 * (s['accuracy'] - ann):+.2f} | "
                  f"{fmt(s['spikes_per_inference']) if sp else '-'} | "
                  f"{fmt(s['input_spikes_per_inference'], '{:.0f}') if k == 'if_poisson' else '-'} | "
                  f"{fmt(s['synops_per_inference'], '{:.0f}') if sp else '-'} | "
                  f"{fmt(s['steps_to_99pct'], '{}') if sp else '-'} | "
                  f"{fmt(s['spikes_to_99pct']) if sp else '-'} | "
                  f"{fmt(s['mean_decision_step']) if sp else '-'} |")
        for nr in d.get("not_run", []):
            print(f"\n{nr['model']} not run: {nr['reason']}")
        levels = [p["level"] for p in m["asnn_int"].get("frontier", [])]
        if levels:
            print("\nAt matched accuracy (mean hidden spikes / synops to reach and keep the share of the "
                  "ANN's accuracy; step in brackets):\n")
            print("| model | " + " | ".join(f"{100 * l:g}% of ANN ({100 * l * ann:.2f}%)" for l in levels) + " |")
            print("|---|" + "---|" * len(levels))
            for k in models[1:]:
                if k not in m:
                    continue
                cells = []
                for p in m[k]["frontier"]:
                    cells.append("never" if p["spikes"] is None else
                                 f"{p['spikes']:.0f} / {p['synops']:.0f} ({p['steps']})")
                print(f"| {k} | " + " | ".join(cells) + " |")
        if d.get("theta0_sweep"):
            print("\ntheta0 sweep (integer ASNN):\n")
            print("| theta0_fraction | accuracy | spikes / inference | steps to 99% | spikes to 99% |")
            print("|---|---|---|---|---|")
            for t in d["theta0_sweep"]:
                print(f"| {t['theta0_fraction']} | {100 * t['accuracy']:.2f}% | {t['spikes_per_inference']:.1f} | "
                      f"{fmt(t['steps_to_99pct'], '{}')} | {fmt(t['spikes_to_99pct'])} |")
        print()
        a = m["asnn_int"]
        row = [d["network"], f"{100 * ann:.2f}%", f"{100 * a['accuracy']:.2f}%"]
        for b in ["if_baseline", "if_baseline_tuned", "if_poisson"]:
            if b not in m:
                row += ["-", "-", "-"]
                continue
            s = m[b]
            ratio = s["spikes_per_inference"] / max(a["spikes_per_inference"], 1e-9)
            acc_note = "≥" if a["accuracy"] >= s["accuracy"] else "<"
            r99 = ("-" if a["spikes_to_99pct"] is None or s["spikes_to_99pct"] is None
                   else f"{s['spikes_to_99pct'] / a['spikes_to_99pct']:.2f}x")
            st = f"{fmt(a['steps_to_99pct'], '{}')} vs {fmt(s['steps_to_99pct'], '{}')}"
            row += [f"{ratio:.1f}x ({acc_note})", r99, st]
        summary.append(row)
    if summary:
        print("### Summary: integer ASNN against the baselines\n")
        print("Ratios are baseline / ASNN (above 1: the ASNN needs fewer). (≥) means the ASNN's "
              "accuracy is at least the baseline's.\n")
        print("| network | ANN | ASNN int | vs if_baseline: spikes over 300 steps | spikes to 99% | steps to 99% (ASNN vs IF) "
              "| vs if_baseline_tuned: spikes over 300 steps | spikes to 99% | steps to 99% (ASNN vs tuned IF) "
              "| vs if_poisson: spikes over 300 steps | spikes to 99% | steps to 99% (ASNN vs Poisson) |")
        print("|---|---|---|" + "---|" * 9)
        for r in summary:
            print("| " + " | ".join(r) + " |")
        print()
    for p, d in streams:
        print(f"### Streaming: {d['network']}\n")
        print("| hold K | frames | ASNN accuracy | ANN accuracy | ASNN synops | ASNN input synops | ANN MACs | ASNN / ANN |")
        print("|---|---|---|---|---|---|---|---|")
        for r in d["runs"]:
            print(f"| {r['hold']} | {r['frames']} | {100 * r['asnn_accuracy']:.2f}% | {100 * r['ann_accuracy']:.2f}% | "
                  f"{r['asnn_synops']} | {r['asnn_input_synops']} | {r['ann_macs']:.0f} | {r['ratio_asnn_to_ann']:.3f} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
