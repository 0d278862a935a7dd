#!/usr/bin/env bash
# The whole asnn test suite: formatting, lints, Rust tests, Python tests.
#
# It installs what it needs first: the FPGA tools (verilator, iverilog, yosys,
# nextpnr-ice40, fpga-icestorm) and Debian's Python stack (python3-torch,
# python3-sklearn, python3-numpy) via apt-get when run as root. Anything missing
# afterwards is a loud failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# command:debian-package pairs the suite (and later the RTL work) needs.
TOOLS="verilator:verilator iverilog:iverilog yosys:yosys nextpnr-ice40:nextpnr-ice40 icepack:fpga-icestorm"
PY=/usr/bin/python3
PY_PKGS="python3-torch python3-sklearn python3-numpy"

missing=()
for pair in $TOOLS; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
if ! [ -x "$PY" ] || ! "$PY" -c 'import torch, sklearn, numpy' >/dev/null 2>&1; then
    missing+=($PY_PKGS)
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "installing: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || die "apt-get update failed"
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
    else
        die "missing ${missing[*]}: run this script as root on Debian, or: sudo apt-get install ${missing[*]}"
    fi
fi
for pair in $TOOLS; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || die "${pair%%:*} is still missing after installing ${pair##*:}"
done
"$PY" -c 'import torch, sklearn, numpy' || die "$PY cannot import torch, sklearn and numpy"
say "tools: $(verilator --version | head -1); $(iverilog -V 2>/dev/null | head -1); $(yosys -V); $(nextpnr-ice40 --version 2>&1 | head -1); python $("$PY" -c 'import torch; print("torch", torch.__version__)')"

say "cargo fmt --check"
cargo fmt --all -- --check || die "cargo fmt: run cargo fmt --all"

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings || die "clippy"

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

say "cargo test"
cargo test --workspace 2>&1 | tee "$log/cargo.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "cargo test"

say "Python tests (exporter parity, float model vs numpy)"
cargo build --release --quiet || die "release build"
ASNN_BIN="$PWD/target/release/asnn" "$PY" -m unittest discover -s python/tests -v 2>&1 | tee "$log/py.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "Python tests"

# One closing line over both runners.
rust=$(awk '/^test result:/ {p += $4; f += $6} END {print p + 0, f + 0}' "$log/cargo.txt")
py=$(awk '/^Ran [0-9]+ test/ {n += $2} END {print n + 0}' "$log/py.txt")
passed=$(( ${rust% *} + py ))
failed=${rust#* }
[ "$passed" -gt 0 ] || die "no test ran"
echo
echo "asnn: $passed passed, $failed failed"
