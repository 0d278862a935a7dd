#!/usr/bin/python3
"""Train the bundled example: a 64-32-10 ReLU MLP on scikit-learn's 8x8 digits.

Run with Debian's interpreter (it sees python3-torch and python3-sklearn):

    /usr/bin/python3 python/train_digits.py --out examples/digits

Writes network.toml + weights.safetensors (graded coding, theta0 = "auto", calibrated by
asnn from the calibration slice), and IDX files: calib-* (200 images from the training
split) and test-* (200 held-out images). Pixel values are 0..16, so raw_max = 16 and the
first layer sees raw / 16.
"""

import argparse
import os
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asnn_export import export, write_idx_u8  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="examples/digits")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    d = load_digits()
    x = d.images.astype(np.uint8)  # (1797, 8, 8), values 0..16
    y = d.target.astype(np.uint8)
    order = rng.permutation(len(x))
    test, train = order[:200], order[200:]
    calib = train[:200]

    xt = torch.tensor(x[train].reshape(len(train), -1) / 16.0, dtype=torch.float32)
    yt = torch.tensor(y[train], dtype=torch.long)
    model = nn.Sequential(nn.Linear(64, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    for epoch in range(args.epochs):
        perm = torch.randperm(len(xt))
        for k in range(0, len(xt), 64):
            idx = perm[k:k + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        xs = torch.tensor(x[test].reshape(len(test), -1) / 16.0, dtype=torch.float32)
        acc = (model(xs).argmax(1).numpy() == y[test]).mean()
        train_acc = (model(xt).argmax(1).numpy() == y[train]).mean()
    print(f"train accuracy {train_acc:.4f}, held-out test accuracy {acc:.4f} ({len(test)} images)")

    export(model, args.out, "digits-mlp", [64], 1.0 / 16.0, raw_max=16, steps=300,
           asn={"tau_phi": 2.5, "tau_gamma": 15.0, "tau_eta": 50.0, "tau_beta": 50.0, "m_f": 0.1,
                "theta0": "auto", "readout_tau_phi": 50.0},
           quantization={"weight_bits": 8, "state_bits": 24},
           calibration={"theta0_fraction": "auto", "min_agreement": 0.999, "percentile": 99.9, "headroom_bits": 1})
    for split, idx in (("calib", calib), ("test", test)):
        write_idx_u8(os.path.join(args.out, f"{split}-images-idx3-ubyte"), x[idx])
        write_idx_u8(os.path.join(args.out, f"{split}-labels-idx1-ubyte"), y[idx])
    print(f"wrote {args.out}/network.toml, weights.safetensors, calib-* and test-* IDX files")


if __name__ == "__main__":
    main()
