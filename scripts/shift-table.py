#!/usr/bin/env python3
"""The shift arithmetic's cost (docs/results.md): for every network with results under
both docs/results/NAME/eval.json (multiply) and docs/results/shift/NAME/eval.json, the
integer ASNN's accuracy, spikes per inference over the window and spikes / steps to 99%
of the ANN, side by side, as a markdown table.

    python3 scripts/shift-table.py [NAME...]
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "docs", "results")


def load(path):
    d = json.load(open(path))
    return d["samples"], d["models"]["ann"]["accuracy"], d["models"]["asnn_int"]


def row(name):
    a = os.path.join(ROOT, name, "eval.json")
    b = os.path.join(ROOT, "shift", name, "eval.json")
    if not (os.path.exists(a) and os.path.exists(b)):
        return None
    na, ann, m = load(a)
    nb, ann_b, s = load(b)
    n = f"{na:,}" if na == nb else f"{na:,} / {nb:,}"
    return (
        f"| {name} | {n} | {100 * ann:.2f}% | {100 * m['accuracy']:.2f}% | {100 * s['accuracy']:.2f}% "
        f"| {m['spikes_per_inference']:,.0f} | {s['spikes_per_inference']:,.0f} "
        f"| {m['spikes_to_99pct']:,.0f} ({m['steps_to_99pct']}) | {s['spikes_to_99pct']:,.0f} ({s['steps_to_99pct']}) |"
    )


def main():
    names = sys.argv[1:] or sorted(
        n for n in os.listdir(os.path.join(ROOT, "shift")) if os.path.isdir(os.path.join(ROOT, "shift", n))
    )
    print("| network | test images | ANN | ASNN int, multiply | ASNN int, shift | spikes / image, multiply | shift | spikes (steps) to 99% of ANN, multiply | shift |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in names:
        r = row(n)
        if r:
            print(r)


if __name__ == "__main__":
    main()
