#!/usr/bin/env bash
# Documented run (not CI): every example network on the ECP5-85F at 1, 2, 4 and 8 lanes,
# co-simulated in Verilator on its first test images (3 for the MLPs, 1 for the CNNs),
# with the cycle model beside the measured count. Writes OUT_DIR/cycles.md.
#   bash scripts/cycle-table.sh MNIST_DIR FASHION_DIR OUT_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
MNIST=${1:?MNIST_DIR}
FASHION=${2:?FASHION_DIR}
OUT=${3:?OUT_DIR}
mkdir -p "$OUT"
cargo build --release --quiet
ASNN=$PWD/target/release/asnn
echo "| network | lanes | samples | mismatches | cycles / inference | model error |" > "$OUT/cycles.md"
echo "|---|---|---|---|---|---|" >> "$OUT/cycles.md"
fail=0
for f in examples/*/calibrated.toml; do
    name=$(basename "$(dirname "$f")")
    case "$name" in
        fashion*) data="idx:$FASHION:t10k" ;;
        *) data="idx:$MNIST:t10k" ;;
    esac
    case "$name" in *cnn*) n=1 ;; *) n=3 ;; esac
    for p in 1 2 4 8; do
        d="$OUT/$name-lanes$p"
        mkdir -p "$d"
        printf '[hardware]\ndevice = "ecp5-85f"\nlanes = %d\n' $p > "$d/hw.toml"
        if $ASNN cosim "$f" --hw "$d/hw.toml" --dataset "$data" --samples $n --dir "$d/w" --json "$d/c.json" > "$d/log" 2>&1; then
            python3 - "$d/c.json" "$name" "$p" >> "$OUT/cycles.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {sys.argv[3]} | {r['samples']} | {r['mismatches']} | {r['cycles_per_inference']['mean']:.0f} | {r['model_cycle_error_pct']:+.2f}% |")
PY
        else
            echo "| $name | $p | - | FAILED (see $d/log) | | |" >> "$OUT/cycles.md"; fail=1
        fi
        rm -rf "$d/w/obj_dir"
    done
done
cat "$OUT/cycles.md"
exit $fail
