#!/usr/bin/env python3
"""Early-exit rules on the integer ASNN's readout traces (docs/numerics.md section 10).

    asnn sim NET --input idx:VAL_DIR:val --samples N --json val.json
    python3 scripts/exit-rule-choice.py val.json [--apply test.json --margin M --hold H]

Without --apply: for every rule in the grid (the stability rule W, the margin rule M/H)
the accuracy and mean exit step on the given (validation) traces, and the choice by the
documented rule: the margin rule with the fewest mean steps whose accuracy is at least
the full window's minus 0.1 points (ties: the smaller hold, then the smaller margin).
With --apply: the given rule, and the stability rules, scored on other traces (the test
set), for the record. Integer readout values, so the rule is the hardware's bit for bit.
"""
import argparse
import json


def load(path):
    d = json.load(open(path))
    return [(s["readout_trace"], s.get("label")) for s in d["samples"]]


def best_two(s):
    b = 0
    for k in range(len(s)):
        if s[k] > s[b]:
            b = k
    second = max(s[k] for k in range(len(s)) if k != b)
    return b, s[b] - second


def exit_step(trace, w=None, mh=None):
    run = mrun = 0
    prev = None
    for t, s in enumerate(trace):
        b, m = best_two(s)
        same = prev == b
        run = run + 1 if same else 1
        if mh is not None:
            mrun = 0 if m < mh[0] else (mrun + 1 if same and mrun > 0 else 1)
        prev = b
        if (w is not None and run >= w) or (mh is not None and mrun >= mh[1]):
            return t, b
    return len(trace) - 1, prev


def score(data, w=None, mh=None):
    right = steps = 0
    for trace, y in data:
        t, p = exit_step(trace, w, mh)
        right += p == y
        steps += t + 1
    return 100.0 * right / len(data), steps / len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("traces")
    ap.add_argument("--apply")
    ap.add_argument("--margin", type=int)
    ap.add_argument("--hold", type=int, default=1)
    ap.add_argument("--margins", default="50,100,150,200,250,300,400,600,800")
    ap.add_argument("--holds", default="1,2,3")
    ap.add_argument("--tolerance", type=float, default=0.1, help="points below the full window")
    a = ap.parse_args()
    data = load(a.apply or a.traces)
    full, _ = score(data, w=10**9)
    print(f"{len(data)} samples; full window: {full:.2f}%")
    print("| rule | accuracy | mean steps |\n|---|---|---|")
    for w in (8, 16, 32):
        acc, st = score(data, w=w)
        print(f"| stable {w} steps | {acc:.2f}% | {st:.2f} |")
    if a.apply:
        acc, st = score(data, mh=(a.margin, a.hold))
        print(f"| margin {a.margin} held {a.hold} | {acc:.2f}% | {st:.2f} |")
        return
    best = None
    for h in [int(x) for x in a.holds.split(",")]:
        for m in [int(x) for x in a.margins.split(",")]:
            acc, st = score(data, mh=(m, h))
            ok = acc >= full - a.tolerance
            print(f"| margin {m} held {h} | {acc:.2f}% | {st:.2f} |{' ok' if ok else ''}")
            if ok and (best is None or st < best[0] - 1e-9):
                best = (st, m, h, acc)
    if best is None:
        print("no margin rule within the tolerance")
    else:
        print(f"choice: exit_margin = {best[1]}, exit_hold = {best[2]} "
              f"({best[3]:.2f}%, {best[0]:.2f} steps; full window {full:.2f}%)")


if __name__ == "__main__":
    main()
