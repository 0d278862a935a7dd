#!/usr/bin/env bash
# Is the calibration rule robust? Runs it on two disjoint 1,000-image subsets of the
# validation split (asnn calibrate --calib-offset 0 and 1) for each network and compares
# the choices. Benchmark: run by hand, not in CI.
#
#   bash scripts/calibration-robustness.sh OUT_DIR [name...]
#
# Writes OUT_DIR/NAME-{0,1}.{toml,json} and prints a markdown table (also saved as
# docs/results/robustness.md): the chosen fractions, m_f and readout tau_phi, how many
# candidate steps apart the two choices are, and the spikes to 99% of the ANN each
# measured on its own subset. Resumable: an existing NAME-J.json is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?OUT_DIR}
shift
NAMES=("$@")
[ ${#NAMES[@]} -eq 0 ] && NAMES=(mnist-mlp128-up5k mnist-mlp256-graded mnist-mlp256-binary
    mnist-cnn-small-graded mnist-cnn-small-binary mnist-cnn-graded mnist-cnn-binary)
mkdir -p "$OUT"
cargo build --release --quiet
ASNN=target/release/asnn
for n in "${NAMES[@]}"; do
    net=examples/$n/network.toml
    [ -f "$net" ] || net=$OUT/../$n/network.toml
    for j in 0 1; do
        [ -f "$OUT/$n-$j.json" ] && continue
        echo "== $n, validation subset $j"
        $ASNN calibrate "$net" --calib idx:examples/data/mnist-val:val --calib-offset $j \
            -o "$OUT/$n-$j.toml" --json "$OUT/$n-$j.json.tmp" > "$OUT/$n-$j.log" 2>&1
        mv "$OUT/$n-$j.json.tmp" "$OUT/$n-$j.json"
    done
done
python3 - "$OUT" "${NAMES[@]}" <<'EOF' | tee docs/results/robustness.md
import json, sys
out, names = sys.argv[1], sys.argv[2:]
cands = [1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.125, 0.09, 0.06, 0.03]
print("| network | subset 0: fractions, m_f, readout tau_phi | spikes to 99% | subset 1 | spikes to 99% "
      "| candidate steps apart | spikes to 99%: larger / smaller |")
print("|---|---|---|---|---|---|---|")
for n in names:
    rows = []
    for j in (0, 1):
        d = json.load(open(f"{out}/{n}-{j}.json"))
        fr = [f for f in d["theta0_fractions"] if f is not None]
        t = d["theta0_search"][d["chosen_trial"]] if d.get("chosen_trial") is not None else None
        rows.append((fr, t))
    (f0, t0), (f1, t1) = rows
    apart = max(abs(cands.index(a) - cands.index(b)) for a, b in zip(f0, f1)) if f0 else 0
    desc = lambda f, t: (", ".join(str(x) for x in f) or "fixed") + (
        f"; m_f {t['m_f']}, tau {t['readout_tau_phi']}" if t and t.get("m_f") is not None else "")
    s0 = t0 and t0.get("spikes_to_99pct")
    s1 = t1 and t1.get("spikes_to_99pct")
    ratio = f"{max(s0, s1) / min(s0, s1):.2f}" if s0 and s1 else "-"
    f = lambda v: "never" if not v else f"{v:.1f}"
    print(f"| {n} | {desc(f0, t0)} | {f(s0)} | {desc(f1, t1)} | {f(s1)} | {apart} | {ratio} |")
EOF
