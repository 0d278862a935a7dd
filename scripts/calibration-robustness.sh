#!/usr/bin/env bash
# Is the calibration rule robust? Runs it on two disjoint 1,000-image subsets of the
# validation split (asnn calibrate --calib-offset 0 and 1) for each network, then scores
# both calibrated networks on the same images, the test set (integer ASNN only; the test
# set chooses nothing here). Benchmark: run by hand, not in CI.
#
#   bash scripts/calibration-robustness.sh MNIST_DIR OUT_DIR [name...]
#
# Writes OUT_DIR/NAME-{0,1}.{toml,json,test.json} and prints a markdown table (also
# saved as docs/results/robustness.md, or robustness-N.md for CALIB_SAMPLES=N, with a
# row for every network measured in OUT_DIR,
# not only those named): the chosen fractions, m_f and readout tau_phi,
# how many candidate steps apart the two choices are, and the spikes to 99% of the ANN
# of each, measured on its own subset (what the search saw) and on the test set (what a
# user gets). TEST_SAMPLES (default 10000) limits the test images. Resumable: existing
# NAME-J.json / NAME-J.test.json are reused. Networks not under examples/ are looked
# for in OUT_DIR/../NAME (the reproduce-results.sh output of the 784-1200-1200-10).
# ASNN=BINARY uses that asnn instead of building target/release/asnn; CALIB_SAMPLES=N
# (default 1000) calibrates on two disjoint N-image subsets instead.
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST=${1:?MNIST_DIR}
OUT=${2:?OUT_DIR}
shift 2
NAMES=("$@")
[ ${#NAMES[@]} -eq 0 ] && NAMES=(mnist-mlp128-up5k mnist-mlp256-graded mnist-mlp256-binary
    mnist-cnn-small-graded mnist-cnn-small-binary mnist-cnn-graded mnist-cnn-binary)
mkdir -p "$OUT"
# ASNN=path/to/asnn runs that binary (e.g. a copy, while the tree is rebuilt).
if [ -z "${ASNN:-}" ]; then
    cargo build --release --quiet
    ASNN=target/release/asnn
fi
VAL="idx:examples/data/mnist-val:val"
for n in "${NAMES[@]}"; do
    net=examples/$n/network.toml
    [ -f "$net" ] || net=$OUT/../$n/network.toml
    for j in 0 1; do
        if [ ! -f "$OUT/$n-$j.json" ]; then
            echo "== $n, validation subset $j"
            $ASNN calibrate "$net" --calib "$VAL" --calib-samples "${CALIB_SAMPLES:-1000}" --calib-offset $j \
                -o "$OUT/$n-$j.toml" --json "$OUT/$n-$j.json.tmp" > "$OUT/$n-$j.log" 2>&1
            mv "$OUT/$n-$j.json.tmp" "$OUT/$n-$j.json"
        fi
        if [ ! -f "$OUT/$n-$j.test.json" ]; then
            echo "== $n, subset $j's choice on the test set"
            $ASNN eval "$OUT/$n-$j.toml" --dataset "idx:$MNIST:t10k" --calib "$VAL" --calib-samples "${CALIB_SAMPLES:-1000}" \
                --samples "${TEST_SAMPLES:-10000}" --models asnn_int \
                --json "$OUT/$n-$j.test.json.tmp" > "$OUT/$n-$j.test.log" 2>&1
            mv "$OUT/$n-$j.test.json.tmp" "$OUT/$n-$j.test.json"
        fi
    done
done
N=${CALIB_SAMPLES:-1000}
DOC=docs/results/robustness.md
[ "$N" = 1000 ] || DOC=docs/results/robustness-$N.md
python3 - "$OUT" "$N" <<'PY' | tee "$DOC"
import glob, json, os, sys
out = sys.argv[1]
order = ["mnist-mlp128-up5k", "mnist-mlp256-graded", "mnist-mlp256-binary", "mnist-cnn-small-graded",
         "mnist-cnn-small-binary", "mnist-cnn-graded", "mnist-cnn-binary", "mnist-mlp1200-graded",
         "mnist-mlp1200-binary"]
done = {os.path.basename(p)[:-len("-1.test.json")] for p in glob.glob(f"{out}/*-1.test.json")}
names = [n for n in order if n in done] + sorted(done - set(order))
cands = [1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.125, 0.09, 0.06, 0.03]
n_img = int(sys.argv[2])
print(f"Calibration on two disjoint {n_img:,}-image validation subsets "
      f"(`{'' if n_img == 1000 else f'CALIB_SAMPLES={n_img} '}bash scripts/calibration-robustness.sh`). "
      "Spikes to 99% of the ANN: on the subset the search saw, and on the test set (the "
      "same images for both choices; integer ASNN).\n")
print("| network | subset 0: fractions; m_f, readout tau_phi | subset 1 | candidate steps apart "
      "| spikes to 99%, own subset (0 / 1) | on the test set (0 / 1) | test: larger / smaller "
      "| test accuracy (0 / 1; ANN) |")
print("|---|---|---|---|---|---|---|---|")
for n in names:
    rows = []
    for j in (0, 1):
        d = json.load(open(f"{out}/{n}-{j}.json"))
        models = json.load(open(f"{out}/{n}-{j}.test.json"))["models"]
        e, ann = models["asnn_int"], models["ann"]["accuracy"]
        fr = [f for f in d["theta0_fractions"] if f is not None]
        t = d["theta0_search"][d["chosen_trial"]] if d.get("chosen_trial") is not None else None
        rows.append((fr, t, e))
    (f0, t0, e0), (f1, t1, e1) = rows
    apart = max(abs(cands.index(a) - cands.index(b)) for a, b in zip(f0, f1)) if f0 else 0
    desc = lambda f, t: (", ".join(str(x) for x in f) or "fixed") + (
        f"; m_f {t['m_f']}, tau {t['readout_tau_phi']}" if t and t.get("m_f") is not None else "")
    f = lambda v: "never" if not v else f"{v:.1f}"
    own = [t and t.get("spikes_to_99pct") for t in (t0, t1)]
    test = [e.get("spikes_to_99pct") for e in (e0, e1)]
    ratio = f"{max(test) / min(test):.2f}" if all(test) else "-"
    print(f"| {n} | {desc(f0, t0)} | {desc(f1, t1)} | {apart} | {f(own[0])} / {f(own[1])} "
          f"| {f(test[0])} / {f(test[1])} | {ratio} "
          f"| {100 * e0['accuracy']:.2f}% / {100 * e1['accuracy']:.2f}%; {100 * ann:.2f}% |")
PY
