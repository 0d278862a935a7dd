"""Helpers shared by the Python tests: locating the asnn binary, running it."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))


def asnn_bin():
    b = os.environ.get("ASNN_BIN") or os.path.join(ROOT, "target", "release", "asnn")
    if not os.path.exists(b):
        raise RuntimeError(f"asnn binary not found at {b}: build it (cargo build --release) or set ASNN_BIN")
    return b


def run_asnn(*args):
    r = subprocess.run([asnn_bin(), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"asnn {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def run_json(out_path, *args):
    run_asnn(*args, "--json", out_path)
    with open(out_path) as f:
        return json.load(f)
