#!/usr/bin/env python3
"""Per-block resources of a generated design, for the budget table of
docs/hardware-plan.md section 7.

Usage: scripts/block-budget.py STAT.txt
where STAT.txt is yosys's `stat` after `synth_ice40 -dsp -noflatten` of the board top
(the files of `asnn build`'s rtl/ folder). Each module's own cells are counted once per
instance; blocks are named by the module they come from.
"""
import re
import sys
from collections import defaultdict

KINDS = ("SB_LUT4", "SB_CARRY", "FF", "SB_MAC16", "SB_RAM40_4K", "SB_SPRAM256KA")


def parse(path):
    mods, cur = {}, None
    for line in open(path):
        m = re.match(r"=== (.*) ===", line)
        if m:
            cur = m.group(1)
            mods[cur] = defaultdict(int)
            continue
        m = re.match(r"\s+(\S+)\s+(\d+)$", line)
        if cur and m:
            mods[cur][m.group(1)] += int(m.group(2))
    return mods


def block(name):
    base = [p for p in name.split("\\") if p.startswith("asnn_")][-1]
    if base.endswith("_board"):
        return "board top (host link framing, LEDs)"
    if base in ("asnn_uart_rx", "asnn_uart_tx", "asnn_spi_flash_reader"):
        return "board top: UART and flash loader"
    if base == "asnn_neuron" or base == "asnn_const_mul":
        return "hidden neuron lane (with its constant multiplies)"
    if base == "asnn_readout_neuron":
        return "readout neuron lane"
    if base in ("asnn_os_synapse", "asnn_accum", "asnn_shift_add_mul", "asnn_rescale"):
        return "synapse units and rescale"
    if base in ("asnn_ram", "asnn_fifo", "asnn_spram", "asnn_rr_arbiter"):
        return "memories, FIFOs, arbiter"
    if re.search(r"_l\d+$", base):
        return "layer glue (walk, sweep, ports)"
    return "core top (controller, argmax, exit rules)"


def main():
    mods = parse(sys.argv[1])
    names = set(mods)
    top = [n for n in names if n.endswith("_board")][0]
    totals = defaultdict(lambda: defaultdict(int))

    def walk(name, mult):
        own = block(name)
        for cell, n in mods[name].items():
            if cell in names:
                walk(cell, mult * n)
            elif cell.startswith("SB_DFF"):
                totals[own]["FF"] += mult * n
            elif cell in KINDS:
                totals[own][cell] += mult * n
    walk(top, 1)
    print("| block | LUT4 | carry | FF | DSP | BRAM | SPRAM |")
    print("|---|---|---|---|---|---|---|")
    grand = defaultdict(int)
    for b in sorted(totals):
        t = totals[b]
        for k in KINDS:
            grand[k] += t[k]
        print(f"| {b} | {t['SB_LUT4']:,} | {t['SB_CARRY']:,} | {t['FF']:,} | {t['SB_MAC16']} | {t['SB_RAM40_4K']} | {t['SB_SPRAM256KA']} |")
    g = grand
    print(f"| **total** | {g['SB_LUT4']:,} | {g['SB_CARRY']:,} | {g['FF']:,} | {g['SB_MAC16']} | {g['SB_RAM40_4K']} | {g['SB_SPRAM256KA']} |")


main()
