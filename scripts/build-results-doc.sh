#!/usr/bin/env bash
# Assembles docs/results.md: the written head, the tables generated from the JSON runs,
# the plots, and the written tail.   bash scripts/build-results-doc.sh
# Eval results come from docs/results/NAME/eval.json, streaming runs from
# docs/results/stream/NAME.json (both written by scripts/reproduce-results.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
order="mnist-mlp128-up5k mnist-mlp256-graded mnist-mlp1200-graded mnist-cnn-small-graded mnist-cnn-graded
fashion-mlp256-graded fashion-cnn-graded
mnist-mlp256-binary mnist-mlp1200-binary mnist-cnn-small-binary mnist-cnn-binary fashion-mlp256-binary fashion-cnn-binary"
files=()
for n in $order; do [ -f "docs/results/$n/eval.json" ] && files+=("docs/results/$n/eval.json"); done
for n in mnist-mlp256-graded mnist-cnn-graded; do
    [ -f "docs/results/stream/$n.json" ] && files+=("docs/results/stream/$n.json")
done
{
    cat docs/results.head.md
    echo
    echo "## Measured tables"
    echo
    python3 scripts/results-table.py "${files[@]}"
    echo "## Plots"
    echo
    for n in $order; do
        [ -f "docs/results/$n/eval.json" ] || continue
        echo "**$n** — accuracy by step / accuracy vs cumulative hidden spikes:"
        echo
        echo "![$n accuracy by step](results/$n/accuracy_vs_step.svg) ![$n accuracy vs spikes](results/$n/accuracy_vs_spikes.svg)"
        echo
    done
    cat docs/results.tail.md
} > docs/results.md
echo "wrote docs/results.md from ${#files[@]} runs"
