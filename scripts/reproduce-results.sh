#!/usr/bin/env bash
# Reproduces docs/results.md (the paper's claims on our integer model). Heavy: run by
# hand, not in CI (hours on 2 cores for everything; each network is one step).
#
#   bash scripts/reproduce-results.sh MNIST_DIR FASHION_DIR OUT_DIR [name...]
#
# MNIST_DIR holds t10k-* and train-* (../shared/data/mnist); FASHION_DIR the
# Fashion-MNIST t10k-* and train-* (Debian: dataset-fashion-mnist,
# /usr/share/datasets/fashion-mnist). OUT_DIR receives the logs and the trained
# 784-1200-1200-10 nets (9.5 MB each, not committed: retrained by their recipe).
# `name` selects networks (default: all).
#
# Resumable per network: each network's results go to docs/results/NAME/
# (calibration.json, eval.json, plots) and its calibrated network to
# examples/NAME/calibrated.toml; a network whose eval.json exists is skipped and one
# whose calibration.json and calibrated.toml exist is not calibrated again, so an
# interrupted run continues where it stopped (delete the folder to redo one).
# Protocol: docs/results.head.md. Calibration sees CALIB_SAMPLES (default 2,000) images of the validation
# split held out of the training set (examples/data/*-val, written by
# python/train_mnist.py --holdout 5000 --val-dir); the test set is only scored.
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST=${1:?MNIST_DIR}
FASHION=${2:?FASHION_DIR}
OUT=${3:?OUT_DIR}
shift 3
WANT=("$@")
mkdir -p "$OUT"
# ASNN=path/to/asnn runs that binary (e.g. a copy, while the tree is rebuilt).
if [ -z "${ASNN:-}" ]; then
    cargo build --release --quiet
    ASNN=target/release/asnn
fi
PY=/usr/bin/python3
# The calibration rule's images (docs/results.head.md, protocol): at 1,000 the accuracy
# bound's standard error (~0.2 points) is as large as the bound.
CALIB_SAMPLES=${CALIB_SAMPLES:-2000}
MV="idx:examples/data/mnist-val:val"
FV="idx:examples/data/fashion-val:val"

# ARITHMETIC=shift measures each network again under `[asn] arithmetic = "shift"`
# (docs/numerics.md section 11): the network file gets that line (examples/NAME/
# network-shift.toml, written once), is calibrated by the same rule into
# calibrated-shift.toml, and its results go to docs/results/shift/NAME/.
ARITHMETIC=${ARITHMETIC:-multiply}
case "$ARITHMETIC" in
    multiply) SUFFIX=""; RESULTS=docs/results ;;
    shift) SUFFIX="-shift"; RESULTS=docs/results/shift ;;
    *) echo "ARITHMETIC must be multiply or shift, found $ARITHMETIC" >&2; exit 2 ;;
esac

want() { [ ${#WANT[@]} -eq 0 ] && return 0; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

run() { # name net_dir test_data val [extra eval args]
    local name=$1 dir=$2 data=$3 val=$4
    shift 4
    want "$name" || return 0
    local res="$RESULTS/$name"
    local net="$dir/network$SUFFIX.toml" cal="$dir/calibrated$SUFFIX.toml"
    if [ "$ARITHMETIC" = shift ] && [ ! -f "$net" ]; then
        grep -q '^\[asn\]' "$dir/network.toml" || { echo "$dir/network.toml has no [asn] section" >&2; exit 1; }
        sed -e '1a # The same network with shift arithmetic (docs/numerics.md section 11), by scripts/reproduce-results.sh.' \
            -e 's/^\[asn\]$/[asn]\narithmetic = "shift"/' "$dir/network.toml" > "$net"
    fi
    if [ -f "$res/eval.json" ]; then
        echo "== $name: done ($res/eval.json), skipped"
        return 0
    fi
    mkdir -p "$res"
    if [ -f "$res/calibration.json" ] && [ -f "$cal" ]; then
        echo "== $name: calibrated ($res/calibration.json)"
    else
        echo "== $name: calibrating on $CALIB_SAMPLES validation images"
        $ASNN calibrate "$net" --calib "$val" --calib-samples "$CALIB_SAMPLES" -o "$cal" \
            --json "$res/calibration.json.tmp" 2>&1 | tee "$OUT/$name$SUFFIX.calibrate.log"
        mv "$res/calibration.json.tmp" "$res/calibration.json"
    fi
    echo "== $name: evaluating"
    $ASNN eval "$cal" --dataset "$data" --calib "$val" --calib-samples "$CALIB_SAMPLES" --json "$res/eval.json.tmp" \
        --plots "$res" "$@" | tee "$OUT/$name$SUFFIX.eval.log"
    mv "$res/eval.json.tmp" "$res/eval.json"
}

# The 784-1200-1200-10 nets are not committed (9.5 MB each): trained here by their recipe.
for c in graded binary; do
    if want "mnist-mlp1200-$c" && [ ! -f "$OUT/mnist-mlp1200-$c/network.toml" ]; then
        $PY python/train_mnist.py --data "$MNIST" --arch mlp1200 --coding $c --holdout 5000 \
            --val-dir examples/data/mnist-val --shift 1 --lr 2e-3 --epochs 10 --threads 1 \
            --out "$OUT/mnist-mlp1200-$c"
    fi
    # The recorded recipe (docs/results/NAME/TRAINING.txt) names the weights' sha256:
    # a retrained net that differs is not the one the results were measured on.
    rec="docs/results/mnist-mlp1200-$c/TRAINING.txt"
    if want "mnist-mlp1200-$c" && [ -f "$rec" ]; then
        want_sha=$(sed -n 's/^weights.safetensors sha256 //p' "$rec")
        got_sha=$(sha256sum "$OUT/mnist-mlp1200-$c/weights.safetensors" | cut -d' ' -f1)
        if [ "$want_sha" != "$got_sha" ]; then
            echo "warning: $OUT/mnist-mlp1200-$c/weights.safetensors has sha256 $got_sha, not the $want_sha recorded in $rec" >&2
        fi
    fi
done

M="idx:$MNIST:t10k"
F="idx:$FASHION:t10k"
run mnist-mlp128-up5k examples/mnist-mlp128-up5k "$M" "$MV"
run mnist-mlp256-graded examples/mnist-mlp256-graded "$M" "$MV"
run mnist-mlp256-binary examples/mnist-mlp256-binary "$M" "$MV"
run mnist-cnn-small-graded examples/mnist-cnn-small-graded "$M" "$MV"
run mnist-cnn-small-binary examples/mnist-cnn-small-binary "$M" "$MV"
# The 12c5-64c5 CNNs and the 784-1200-1200-10 are slow (each conv-1 spike reaches 1,600
# targets and the IF baselines spike ~10x more than the ASNN: a 10k run of the six
# models takes most of an hour per network here): BIG_SAMPLES=2000 runs them on the
# first 2,000 test images (marked in results.md). Default: the full test set.
BIG=(--samples "${BIG_SAMPLES:-10000}")
run mnist-cnn-graded examples/mnist-cnn-graded "$M" "$MV" "${BIG[@]}"
run mnist-cnn-binary examples/mnist-cnn-binary "$M" "$MV" "${BIG[@]}"
run mnist-mlp1200-graded "$OUT/mnist-mlp1200-graded" "$M" "$MV" "${BIG[@]}"
run mnist-mlp1200-binary "$OUT/mnist-mlp1200-binary" "$M" "$MV" "${BIG[@]}"
run fashion-mlp256-graded examples/fashion-mlp256-graded "$F" "$FV"
run fashion-mlp256-binary examples/fashion-mlp256-binary "$F" "$FV"
run fashion-cnn-graded examples/fashion-cnn-graded "$F" "$FV" "${BIG[@]}"
run fashion-cnn-binary examples/fashion-cnn-binary "$F" "$FV" "${BIG[@]}"

# Claim 3: streaming (consecutive frames, no reset). Kept with the eval results
# (docs/results/stream/NAME.json); an existing one is skipped.
if want stream; then
    mkdir -p docs/results/stream
    for net in mnist-mlp256-graded mnist-cnn-graded; do
        js=docs/results/stream/$net.json
        if [ -f "$js" ]; then echo "== stream $net: done ($js), skipped"; continue; fi
        echo "== stream $net"
        $ASNN stream examples/$net/calibrated.toml --dataset "$M" --calib "$MV" --calib-samples "$CALIB_SAMPLES" --frames 1000 \
            --hold 10,50,100,200 --json "$js.tmp" | tee "$OUT/stream-$net.log"
        mv "$js.tmp" "$js"
    done
fi
