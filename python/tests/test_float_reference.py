"""asnn's float ASNN against the independent numpy neuron (asn_numpy.py): spike steps of
single neurons under constant S over 300 steps, for several S, theta0 and m_f."""

import os
import tempfile
import unittest

import numpy as np

from common import run_json
from asn_numpy import asn_neuron
from asnn_export import write_idx_u8

CASES = [(s, th, mf) for th, mf in ((0.1, 0.1), (1.0, 0.1), (0.5, 0.25), (0.2, 0.03), (0.3, 1.0))
         for s in (0.05, 0.3, 0.6, 1.0, 2.5, 7.0, 10.0)]


def write_net(d, biases, theta0, m_f):
    """N independent neurons: input [1] (always 0), dense N units, weight 0, bias = S."""
    n = len(biases)
    np.save(os.path.join(d, "w1.npy"), np.zeros((n, 1)))
    np.save(os.path.join(d, "b1.npy"), np.asarray(biases, dtype=np.float64))
    np.save(os.path.join(d, "wr.npy"), np.zeros((2, n)))
    with open(os.path.join(d, "network.toml"), "w") as f:
        f.write(f"""[network]
name = "single-neurons"
weights = "."
steps = 300
[input]
shape = [1]
scale = 1.0
raw_max = 1
[asn]
m_f = {m_f}
theta0 = {theta0}
[quantization]
state_frac = 16
[[layer]]
kind = "dense"
name = "n"
units = {n}
weight = "w1"
bias = "b1"
[[layer]]
kind = "readout"
units = 2
weight = "wr"
""")
    write_idx_u8(os.path.join(d, "x-images-idx3-ubyte"), np.zeros((1, 1, 1)))


class FloatVsNumpy(unittest.TestCase):
    def test_spike_steps_identical(self):
        total = 0
        for theta0, m_f in sorted({(c[1], c[2]) for c in CASES}):
            ss = [c[0] for c in CASES if c[1] == theta0 and c[2] == m_f]
            with tempfile.TemporaryDirectory() as d:
                write_net(d, ss, theta0, m_f)
                out = run_json(os.path.join(d, "o.json"), "sim", d, "--input", f"idx:{d}:x",
                               "--model", "asnn-float", "--spikes")
                got = [[] for _ in ss]
                for step, layer, neuron, _payload in out["samples"][0]["spike_list"]:
                    self.assertEqual(layer, 0)
                    got[neuron].append(step)
                want, _, _ = asn_neuron(np.array(ss), 300, theta0, m_f)
                for k, s in enumerate(ss):
                    self.assertEqual(got[k], want[k], f"S={s} theta0={theta0} m_f={m_f}")
                    total += len(want[k])
        print(f"\n{len(CASES)} neurons, {total} spikes: asnn float == numpy reference")
        self.assertGreater(total, 1000)

    def test_numpy_reference_decodes_s(self):
        # asn-model.md: with theta0 = m_f = 0.1 the mean S-hat over steps 100-299 is
        # within 1% of S for S in [0.5, 10] (checked here on the independent model too).
        ss = np.linspace(0.5, 10.0, 20)
        _, sh, _ = asn_neuron(ss, 300, 0.1, 0.1)
        err = np.abs(sh[100:300].mean(axis=0) / ss - 1.0)
        self.assertLess(err.max(), 0.01, f"worst relative error {err.max():.4f}")


if __name__ == "__main__":
    unittest.main()
