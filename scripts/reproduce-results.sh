#!/usr/bin/env bash
# Reproduces docs/results.md (the paper's claims on our integer model). Heavy: run by
# hand, not in CI (about an hour on 2 cores).
#
#   bash scripts/reproduce-results.sh MNIST_DIR FASHION_DIR OUT_DIR [what...]
#
# MNIST_DIR holds t10k-* and train5k-* (or pass a full train-* set by editing TRAIN);
# FASHION_DIR holds the Fashion-MNIST t10k-* and train-* (Debian: dataset-fashion-mnist,
# /usr/share/datasets/fashion-mnist). OUT_DIR receives JSON, logs and the trained
# 784-1200-1200-10 nets (9.5 MB each, not committed). `what` selects runs by name
# (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST=${1:?MNIST_DIR}
FASHION=${2:?FASHION_DIR}
OUT=${3:?OUT_DIR}
shift 3
WANT=("$@")
TRAIN=train5k
mkdir -p "$OUT"
cargo build --release --quiet
ASNN=target/release/asnn
PY=/usr/bin/python3

want() { [ ${#WANT[@]} -eq 0 ] && return 0; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

evaluate() { # name net data calib [extra eval args]
    local name=$1 net=$2 data=$3 calib=$4
    shift 4
    want "$name" || return 0
    echo "== $name"
    $ASNN eval "$net" --dataset "$data" --calib "$calib" --json "$OUT/$name.json" \
        --plots "docs/results/$name" "$@" | tee "$OUT/$name.log"
}

for c in graded binary; do
    if want "mnist-mlp1200-$c" && [ ! -f "$OUT/mnist-mlp1200-$c/network.toml" ]; then
        $PY python/train_mnist.py --data "$MNIST" --train-prefix $TRAIN --arch mlp1200 --coding $c --out "$OUT/mnist-mlp1200-$c"
        sed -i 's/^theta0_fraction = 0.125$/theta0_fraction = "auto"\nmin_agreement = 0.999/' "$OUT/mnist-mlp1200-$c/network.toml"
    fi
done

M="idx:$MNIST:t10k"; MC="idx:$MNIST:$TRAIN"
F="idx:$FASHION:t10k"; FC="idx:$FASHION:train"
evaluate mnist-mlp256-graded examples/mnist-mlp256-graded "$M" "$MC" --theta0-sweep 0.06,0.125,0.25,0.35,0.5
evaluate mnist-mlp256-binary examples/mnist-mlp256-binary "$M" "$MC"
evaluate fashion-mlp256-graded examples/fashion-mlp256-graded "$F" "$FC"
evaluate mnist-mlp1200-graded "$OUT/mnist-mlp1200-graded" "$M" "$MC"
evaluate fashion-cnn-graded examples/fashion-cnn-graded "$F" "$FC"
evaluate mnist-cnn-graded examples/mnist-cnn-graded "$M" "$MC"
# Binary-coded CNNs and larger binary nets: 2,000 test images (time budget; marked in results.md).
evaluate mnist-cnn-binary examples/mnist-cnn-binary "$M" "$MC" --samples 2000
evaluate mnist-mlp1200-binary "$OUT/mnist-mlp1200-binary" "$M" "$MC" --samples 2000
evaluate fashion-mlp256-binary examples/fashion-mlp256-binary "$F" "$FC" --samples 2000
evaluate fashion-cnn-binary examples/fashion-cnn-binary "$F" "$FC" --samples 2000

if want stream; then
    for net in mnist-mlp256-graded mnist-cnn-graded; do
        echo "== stream $net"
        $ASNN stream examples/$net --dataset "$M" --calib "$MC" --frames 1000 --hold 10,50,100,200 \
            --json "$OUT/stream-$net.json" | tee "$OUT/stream-$net.log"
    done
fi
