#!/usr/bin/env bash
# Assembles docs/results.md: the written head, the tables generated from the JSON runs,
# the plots, and the written tail.   bash scripts/build-results-doc.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?OUT_DIR with the eval/stream JSON files}
order="mnist-mlp256-graded mnist-mlp1200-graded mnist-cnn-graded fashion-mlp256-graded fashion-cnn-graded
mnist-mlp256-binary mnist-mlp1200-binary mnist-cnn-binary fashion-mlp256-binary fashion-cnn-binary
stream-mnist-mlp256-graded stream-mnist-cnn-graded"
files=()
for n in $order; do [ -f "$OUT/$n.json" ] && files+=("$OUT/$n.json"); done
{
    cat docs/results.head.md
    echo
    echo "## Measured tables"
    echo
    python3 scripts/results-table.py "${files[@]}"
    echo "## Plots"
    echo
    for d in docs/results/*/; do
        n=$(basename "$d")
        echo "**$n** — accuracy by step / accuracy vs cumulative hidden spikes:"
        echo
        echo "![$n accuracy by step](results/$n/accuracy_vs_step.svg) ![$n accuracy vs spikes](results/$n/accuracy_vs_spikes.svg)"
        echo
    done
    cat docs/results.tail.md
} > docs/results.md
echo "wrote docs/results.md from ${#files[@]} runs"
