"""python/train_mnist.py on a tiny synthetic IDX set: the shared validation split, the
recorded provenance, the activity penalty, and the network asnn then calibrates by the
accuracy rule on that split."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from common import ROOT, run_json
from asnn_export import write_idx_u8

PY = sys.executable
RECIPE = os.path.join(ROOT, "python", "train_mnist.py")


def write_set(d, prefix, n, seed):
    """`n` 28x28 images whose class is which quarter-row band is bright."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n).astype(np.uint8)
    x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    for i, c in enumerate(y):
        x[i, 7 * c:7 * c + 7, :] = 200
    write_idx_u8(os.path.join(d, f"{prefix}-images-idx3-ubyte"), x)
    write_idx_u8(os.path.join(d, f"{prefix}-labels-idx1-ubyte"), y)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def train(data, out, val, *extra):
    return subprocess.run(
        [PY, RECIPE, "--data", data, "--arch", "mlp128", "--epochs", "1", "--threads", "1",
         "--holdout", "100", "--val-dir", val, "--out", out, *extra],
        capture_output=True, text=True)


class TrainRecipe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        os.makedirs(cls.data)
        write_set(cls.data, "train", 600, 1)
        write_set(cls.data, "t10k", 100, 2)

    def test_one_validation_split_per_dataset_and_provenance(self):
        val = os.path.join(self.tmp.name, "val")
        a = train(self.data, os.path.join(self.tmp.name, "a"), val)
        self.assertEqual(a.returncode, 0, a.stderr)
        first = read(os.path.join(val, "val-images-idx3-ubyte.gz"), "rb")
        # A second network with the same seed shares the split, byte for byte.
        b = train(self.data, os.path.join(self.tmp.name, "b"), val, "--activity-penalty", "0.05")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(read(os.path.join(val, "val-images-idx3-ubyte.gz"), "rb"), first)
        rec = read(os.path.join(self.tmp.name, "b", "TRAINING.txt"))
        for want in ("500 training images", "seed 1", "torch threads", "sha256", "validation split: 100",
                     "activity penalty 0.05"):
            self.assertIn(want, rec)
        # Another seed draws another split: refused, not overwritten.
        c = train(self.data, os.path.join(self.tmp.name, "c"), val, "--seed", "2")
        self.assertNotEqual(c.returncode, 0)
        self.assertIn("different validation split", c.stderr + c.stdout)
        self.assertEqual(read(os.path.join(val, "val-images-idx3-ubyte.gz"), "rb"), first)
        # The network calibrates by the accuracy rule on that split.
        net = read(os.path.join(self.tmp.name, "a", "network.toml"))
        self.assertIn('target = "accuracy"', net)
        self.assertIn("dynamics = true", net)
        js = os.path.join(self.tmp.name, "cal.json")
        v = run_json(js, "calibrate", os.path.join(self.tmp.name, "a"), "--calib", f"idx:{val}:val",
                     "--calib-samples", "100", "-o", os.path.join(self.tmp.name, "a", "calibrated.toml"))
        self.assertEqual(v["target"], "accuracy")
        self.assertEqual(v["samples"], 100)
        self.assertIsNotNone(v["chosen_trial"])

    def test_binary_coding_trains_at_m_f_one_half_by_default(self):
        val = os.path.join(self.tmp.name, "val-bin")
        out = os.path.join(self.tmp.name, "bin")
        r = train(self.data, out, val, "--coding", "binary")
        self.assertEqual(r.returncode, 0, r.stderr)
        net = read(os.path.join(out, "network.toml"))
        self.assertIn("m_f = 0.5", net)
        self.assertIn("theta0 = 0.5", net)
        self.assertIn("binary coding: m_f = theta0 = 0.5", read(os.path.join(out, "TRAINING.txt")))
        # Graded coding keeps the reference's 0.1 as the exported start (theta0 "auto").
        g = os.path.join(self.tmp.name, "graded")
        r = train(self.data, g, val)
        self.assertEqual(r.returncode, 0, r.stderr)
        net = read(os.path.join(g, "network.toml"))
        self.assertIn("m_f = 0.1", net)
        self.assertIn('theta0 = "auto"', net)


if __name__ == "__main__":
    unittest.main()
