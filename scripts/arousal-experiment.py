#!/usr/bin/python3
"""A float experiment, not the product: would an arousal mechanism (Zambrano et al.,
"Sparse Computation in Adaptive Spiking Neural Networks", 2019) cut the spikes a
calibrated dense graded ASNN needs to reach 99% of its ANN's accuracy?

    /usr/bin/python3 scripts/arousal-experiment.py examples/mnist-mlp128-up5k/calibrated.toml \\
        --val examples/data/mnist-val --test ../shared/data/mnist

An independent numpy ASNN (asn-model.md's order, delay 0, one hidden layer, graded
spikes), batched over images. Every hidden neuron starts "calm", with θ0 multiplied by
`calm`; after each step from `--from-step` on, an image whose readout margin
(best − second best score) is below `margin` · |best| becomes "aroused" for the rest of
the sample and its neurons use the calibrated θ0 again. The settings are chosen on 1,000
validation images (the fewest spikes to 99% of the ANN with the final accuracy within
0.2 points of it); the test images are only scored. Nothing here is in
docs/numerics.md, the golden model or the RTL: it measures whether building it is worth
it (docs/results.md, "The frontier").
"""
import argparse
import json
import os
import struct
import sys
import tomllib

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from asnn_export import read_idx as idx  # noqa: E402


def safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    out = {}
    for k, v in json.loads(b[8:8 + n]).items():
        if k != "__metadata__":
            s, e = v["data_offsets"]
            dt = {"F32": np.float32, "F64": np.float64}[v["dtype"]]
            out[k] = np.frombuffer(b[8 + n + s:8 + n + e], dtype=dt).reshape(v["shape"]).astype(np.float64)
    return out


def load(path):
    """(W1, b1, W2, b2, scale, hidden ASN parameters, readout tau_phi) of a calibrated
    784-H-10 network file."""
    net = tomllib.load(open(path, "rb"))
    g = net["asn"]
    layers = net["layer"]
    if len(layers) != 2 or layers[0]["kind"] != "dense" or net["network"]["coding"] != "graded":
        raise SystemExit(f"{path}: this experiment takes a graded dense 784-H-10 network")
    w = safetensors(os.path.join(os.path.dirname(path), net["network"]["weights"]))
    hid = {**g, **layers[0].get("asn", {})}
    ro_tau = layers[1].get("asn", {}).get("tau_phi", g.get("readout_tau_phi", 50.0))
    return (w[layers[0]["weight"]], w[layers[0]["bias"]], w[layers[1]["weight"]], w[layers[1]["bias"]],
            net["input"]["scale"], hid, ro_tau)


def run(net, x, calm=1.0, margin=None, from_step=3, steps=300):
    """Predictions and hidden spikes per step ([steps, N] each), and the share aroused."""
    W1, b1, W2, b2, _, p, ro_tau = net
    th0 = p["theta0"]
    d = {k: np.exp(-1.0 / p[k]) for k in ("tau_phi", "tau_gamma", "tau_eta", "tau_beta")}
    dro = np.exp(-1.0 / ro_tau)
    n = len(x)
    cur = x @ W1.T
    sd, sh, td = (np.zeros((n, W1.shape[0])) for _ in range(3))
    aroused = np.zeros(n, bool) if margin is not None else np.ones(n, bool)
    theta0 = lambda: np.where(aroused[:, None], th0, calm * th0)
    th = theta0() + td
    ir, sdr = np.zeros((n, 10)), np.zeros((n, 10))
    preds, spikes = np.zeros((steps, n), np.int64), np.zeros((steps, n))
    for t in range(steps):
        sd = (1 - d["tau_phi"]) * cur + d["tau_phi"] * sd
        sh = sh * d["tau_eta"]
        fire = (b1 + sd - sh) > th / 2
        pay = np.where(fire, th, 0.0)
        sh = sh + pay
        td = (td + p["m_f"] * pay) * d["tau_gamma"]
        spikes[t] = fire.sum(1)
        ir = ir * d["tau_beta"] + pay @ W2.T
        sdr = (1 - dro) * ir + dro * sdr
        score = b2 + sdr
        preds[t] = score.argmax(1)
        if margin is not None and t >= from_step:
            top = np.sort(score, 1)
            aroused |= (top[:, -1] - top[:, -2]) < margin * np.abs(top[:, -1])
        th = theta0() + td
    return preds, spikes, float(aroused.mean())


def frontier(preds, spikes, y, ann, level=0.99):
    """(step from which accuracy stays >= level x ann, spikes to it, final accuracy,
    spikes over the window)."""
    acc = (preds == y[None, :]).mean(1)
    cum = spikes.cumsum(0).mean(1)
    low = np.nonzero(acc < level * ann - 1e-12)[0]
    t = 0 if len(low) == 0 else low[-1] + 1
    return (None if t >= len(acc) else int(t), None if t >= len(acc) else float(cum[t]),
            float(acc[-1]), float(cum[-1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("net")
    ap.add_argument("--val", required=True, help="folder with val-*-idx*-ubyte(.gz)")
    ap.add_argument("--test", required=True, help="folder with t10k-*-idx*-ubyte(.gz)")
    ap.add_argument("--test-samples", type=int, default=2000)
    ap.add_argument("--from-step", type=int, default=3)
    a = ap.parse_args()
    net = load(a.net)
    W1, b1, W2, b2, scale = net[:5]
    xv = idx(f"{a.val}/val-images-idx3-ubyte")[::5].reshape(-1, 784) * scale
    yv = idx(f"{a.val}/val-labels-idx1-ubyte")[::5].astype(np.int64)
    xt = idx(f"{a.test}/t10k-images-idx3-ubyte")[:a.test_samples].reshape(-1, 784) * scale
    yt = idx(f"{a.test}/t10k-labels-idx1-ubyte")[:a.test_samples].astype(np.int64)
    ann = lambda x, y: float(((np.maximum(x @ W1.T + b1, 0) @ W2.T + b2).argmax(1) == y).mean())
    av, at = ann(xv, yv), ann(xt, yt)
    print(f"{a.net}: ANN {100 * av:.2f}% on {len(yv)} validation images, {100 * at:.2f}% on {len(yt)} test images")
    plain = frontier(*run(net, xv)[:2], yv, av)
    print(f"validation, no arousal: spikes to 99% {plain[1]:.1f} (step {plain[0]}), final {100 * plain[2]:.2f}%, "
          f"window {plain[3]:.1f}")
    best = (plain, None)
    print("| calm | margin | steps to 99% | spikes to 99% | final accuracy | spikes over the window | aroused |")
    print("|---|---|---|---|---|---|---|")
    for calm in (1.5, 2.0, 3.0, 4.0):
        for margin in (0.0625, 0.125, 0.25, 0.5):
            p, s, share = run(net, xv, calm, margin, a.from_step)
            f = frontier(p, s, yv, av)
            print(f"| {calm} | {margin} | {f[0]} | {'never' if f[1] is None else f'{f[1]:.1f}'} | "
                  f"{100 * f[2]:.2f}% | {f[3]:.1f} | {100 * share:.0f}% |")
            ok = f[1] is not None and f[2] >= av - 0.002 - 1e-9
            if ok and (best[0][1] is None or f[1] < best[0][1]):
                best = (f, (calm, margin))
    print(f"chosen on validation: {best[1]}")
    for name, setting in (("no arousal", None), ("arousal", best[1])):
        p, s, share = run(net, xt) if setting is None else run(net, xt, *setting, a.from_step)
        f = frontier(p, s, yt, at)
        print(f"test, {name}: spikes to 99% {f[1]}, step {f[0]}, final {100 * f[2]:.2f}%, window {f[3]:.1f}, "
              f"aroused {100 * share:.0f}%")


if __name__ == "__main__":
    main()
