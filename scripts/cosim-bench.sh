#!/usr/bin/env bash
# Co-simulation benchmarks of docs/hardware-plan.md (by hand, not in CI; hours on 2 cores):
#   bash scripts/cosim-bench.sh MNIST_DIR OUT_DIR [what...]
# what: digits mnist-mlp-1k mnist-mlp-10k mnist-cnn-1k mnist-cnn-1k-exit random-200 (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST=${1:?MNIST_DIR}
OUT=${2:?OUT_DIR}
shift 2
WANT=("$@")
mkdir -p "$OUT"
cargo build --release --quiet
ASNN=target/release/asnn
want() { [ ${#WANT[@]} -eq 0 ] && return 0; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
printf '[hardware]\ndevice = "ecp5-85f"\nlanes = 8\n' > "$OUT/hw-ecp5-lanes8.toml"
printf '[hardware]\ndevice = "ecp5-85f"\nlanes = 16\n' > "$OUT/hw-ecp5-lanes16.toml"
printf '[hardware]\ndevice = "ecp5-85f"\nlanes = 16\nearly_exit = 8\n' > "$OUT/hw-ecp5-lanes16-exit8.toml"
run() { # name args...
    local name=$1; shift
    echo "== $name"
    /usr/bin/time -f "wall %e s, max RSS %M KB" $ASNN "$@" --json "$OUT/$name.json" 2>&1 | grep -v '^building' | tee "$OUT/$name.log"
}
if want digits; then
    for p in 1 2 4 8; do
        printf '[hardware]\nlanes = %d\n' $p > "$OUT/hw-lanes$p.toml"
        run digits-verilator-lanes$p cosim examples/digits --calib idx:examples/digits:calib --hw "$OUT/hw-lanes$p.toml" --sim verilator --dir "$OUT/w-digits-v$p"
    done
    run digits-iverilog cosim examples/digits --calib idx:examples/digits:calib --sim iverilog --dir "$OUT/w-digits-i"
fi
want mnist-mlp-1k && run mnist-mlp-1k cosim examples/mnist-mlp256-graded/calibrated.toml --hw "$OUT/hw-ecp5-lanes8.toml" \
    --dataset "idx:$MNIST:t10k" --samples 1000 --sim verilator --dir "$OUT/w-mlp"
want mnist-mlp-10k && run mnist-mlp-10k cosim examples/mnist-mlp256-graded/calibrated.toml --hw "$OUT/hw-ecp5-lanes8.toml" \
    --dataset "idx:$MNIST:t10k" --sim verilator --dir "$OUT/w-mlp"
# The CNN spikes ~34k times per image at the calibrated θ0 and every conv-0 spike walks
# 25 taps x 4 channel groups: ~2-5 M cycles per image, a few seconds each in Verilator.
want mnist-cnn-1k && run mnist-cnn-1k cosim examples/mnist-cnn-graded/calibrated.toml --hw "$OUT/hw-ecp5-lanes16.toml" \
    --dataset "idx:$MNIST:t10k" --samples "${CNN_SAMPLES:-1000}" --sim verilator --dir "$OUT/w-cnn"
# The same CNN with early exit after 8 stable steps (numerics.md section 10): every
# spike of every step run is still diffed; a sample costs ~20 steps instead of 300.
want mnist-cnn-1k-exit && run mnist-cnn-1k-exit cosim examples/mnist-cnn-graded/calibrated.toml --hw "$OUT/hw-ecp5-lanes16-exit8.toml" \
    --dataset "idx:$MNIST:t10k" --samples "${CNN_SAMPLES:-1000}" --sim verilator --dir "$OUT/w-cnn-exit"
want random-200 && run random-200 cosim-random --first 0 --count 200 --sim iverilog --dir "$OUT/w-random"
echo "results in $OUT"
