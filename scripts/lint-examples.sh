#!/usr/bin/env bash
# Documented run (not CI): generates every example network at 1, 2, 4 and 8 lanes for the
# ECP5-85F (the MNIST/Fashion nets do not fit the UP5K) and checks each design with
# `verilator --lint-only -Wall` (must print nothing), iverilog, and yosys
# `hierarchy -check; proc; check -assert` plus a generic `synth`. Designs whose memories
# exceed 256 Kbit get yosys's coarse synthesis (`synth -run begin:fine`): the generic fine
# pass maps every memory bit to a flip-flop, which for 1.6 Mbit of weights does not finish.
#   bash scripts/lint-examples.sh OUT_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?OUT_DIR}
mkdir -p "$OUT"
cargo build --release --quiet
ASNN=$PWD/target/release/asnn
nets=("examples/digits --calib idx:examples/digits:calib")
for f in examples/*/calibrated.toml; do nets+=("$f"); done
echo "| network | lanes | memory bits | verilator -Wall | iverilog | yosys | synth | seconds |" > "$OUT/lint.md"
echo "|---|---|---|---|---|---|---|---|" >> "$OUT/lint.md"
fail=0
for n in "${nets[@]}"; do
    name=$(echo "$n" | awk '{print $1}' | sed 's|examples/||; s|/calibrated.toml||')
    for p in 1 2 4 8; do
        d="$OUT/$name-lanes$p"
        mkdir -p "$d"
        printf '[hardware]\ndevice = "ecp5-85f"\nlanes = %d\n' $p > "$d/hw.toml"
        t0=$(date +%s)
        if ! $ASNN generate $n --hw "$d/hw.toml" -o "$d" > "$d/generate.log" 2>&1; then
            echo "| $name | $p | - | generate failed | | | | |" >> "$OUT/lint.md"; fail=1; continue
        fi
        top=$(python3 -c "import json;print(json.load(open('$d/plan.json'))['top'])")
        bits=$(python3 -c "import json;print(json.load(open('$d/plan.json'))['total_memory_bits'])")
        (cd "$d" && verilator --lint-only -Wall --top-module "$top" -f files.f > lint.log 2>&1)
        if [ $? -eq 0 ] && [ ! -s "$d/lint.log" ]; then v=clean; else v=FAIL; fail=1; fi
        if (cd "$d" && iverilog -g2012 -Wall -o /dev/null -s "$top" -f files.f > iverilog.log 2>&1) && [ ! -s "$d/iverilog.log" ]; then i=ok; else i=FAIL; fail=1; fi
        if [ "$bits" -gt 262144 ]; then synth="synth -top $top -run begin:fine"; kind=coarse; else synth="synth -top $top"; kind=full; fi
        if (cd "$d" && yosys -q -p "read_verilog -sv $(tr '\n' ' ' < files.f); hierarchy -check -top $top; proc; check -assert; $synth" > yosys.log 2>&1); then y=ok; else y=FAIL; fail=1; fi
        echo "| $name | $p | $bits | $v | $i | $y | $kind | $(( $(date +%s) - t0 )) |" | tee -a "$OUT/lint.md"
    done
done
exit $fail
