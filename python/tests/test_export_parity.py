"""Exporter parity: the same inputs through PyTorch and through asnn's ANN path give the
same logits. Catches flatten order, padding, stride, transposes and batch-norm folding."""

import os
import tempfile
import unittest

import numpy as np
import torch
from torch import nn

from common import run_json
from asnn_export import ExportError, export, write_idx_u8


def randomize_bn(m):
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)


def models():
    torch.manual_seed(0)
    yield "mlp", [64], nn.Sequential(nn.Linear(64, 24), nn.ReLU(), nn.Linear(24, 16), nn.ReLU(), nn.Linear(16, 10))
    yield "mlp-bn", [20], nn.Sequential(nn.Linear(20, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Dropout(0.3), nn.Linear(12, 4))
    yield "cnn-avg", [1, 12, 12], nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.AvgPool2d(2), nn.ReLU(),
        nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False), nn.ReLU(),
        nn.Flatten(), nn.Linear(6 * 3 * 3, 5))
    yield "cnn-max-bn", [2, 9, 11], nn.Sequential(
        nn.Conv2d(2, 3, 2), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2, stride=2),
        nn.Flatten(), nn.Linear(3 * 4 * 5, 7), nn.ReLU(), nn.Linear(7, 3))


class ExportParity(unittest.TestCase):
    def test_logits_match_pytorch(self):
        rng = np.random.default_rng(0)
        for name, shape, model in models():
            randomize_bn(model)
            model.eval()
            with tempfile.TemporaryDirectory() as d:
                export(model, d, name, shape, 1.0 / 255.0, raw_max=255, steps=10,
                       asn={"theta0": 0.1}, quantization={"state_frac": 12})
                n = 16
                raw = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
                raw[raw < 60] = 0  # zeros must stay zeros
                idx_shape = raw.reshape(n, -1) if len(shape) == 1 else raw.reshape(n, shape[0] * shape[1], shape[2])
                write_idx_u8(os.path.join(d, "x-images-idx3-ubyte"), idx_shape)
                out = run_json(os.path.join(d, "o.json"), "sim", d, "--input", f"idx:{d}:x", "--model", "ann")
                got = np.array([s["logits"] for s in out["samples"]])
                with torch.no_grad():
                    want = model(torch.tensor(raw / 255.0, dtype=torch.float32)).double().numpy()
                err = np.abs(got - want).max()
                self.assertLess(err, 1e-4, f"{name}: max |logit difference| {err}")
                print(f"\n{name}: {n} inputs, max |asnn - torch| logit difference {err:.2e}")

    def test_unsupported_modules_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ExportError, r"module #1 \(Sigmoid\): unsupported"):
                export(nn.Sequential(nn.Linear(4, 4), nn.Sigmoid(), nn.Linear(4, 2)), d, "x", [4], 1.0)
            with self.assertRaisesRegex(ExportError, "last weight layer must be nn.Linear"):
                export(nn.Sequential(nn.Conv2d(1, 1, 3)), d, "x", [1, 5, 5], 1.0)
            with self.assertRaisesRegex(ExportError, r"module #2 \(AvgPool2d\): ReLU before AvgPool2d"):
                export(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.AvgPool2d(3), nn.Flatten(), nn.Linear(1, 2)),
                       d, "x", [1, 5, 5], 1.0)
            with self.assertRaisesRegex(ExportError, "dilation"):
                export(nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2), nn.Flatten(), nn.Linear(1, 2)), d, "x", [1, 5, 5], 1.0)


if __name__ == "__main__":
    unittest.main()
