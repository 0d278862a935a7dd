"""An independent numpy implementation of the discrete-time ASN neuron
(../shared/docs/asn-model.md, reference order), written without looking at asnn's Rust
code. Used to cross-check asnn's float model spike by spike."""

import numpy as np


def asn_neuron(s_const, steps=300, theta0=0.1, m_f=0.1, tau_phi=2.5, tau_gamma=15.0, tau_eta=50.0):
    """One neuron whose activation S is held constant (bias = S, no input).

    Returns (spike_steps, s_hat_history, theta_history). Vectorised over a batch of
    S values when ``s_const`` is an array.
    """
    s = np.atleast_1d(np.asarray(s_const, dtype=np.float64))
    d_eta = np.exp(-1.0 / tau_eta)
    d_gamma = np.exp(-1.0 / tau_gamma)
    s_hat = np.zeros_like(s)
    theta_dyn = np.zeros_like(s)
    theta = np.full_like(s, theta0)
    spikes = [[] for _ in s]
    hist_sh = np.zeros((steps, len(s)))
    hist_th = np.zeros((steps, len(s)))
    for t in range(steps):
        # S = b + S_dyn with S_dyn = 0 (no input): S is the bias.
        s_hat = s_hat * d_eta
        fire = (s - s_hat) > theta / 2.0
        s_hat = np.where(fire, s_hat + theta, s_hat)
        theta_dyn = np.where(fire, theta_dyn + m_f * theta, theta_dyn)
        theta_dyn = theta_dyn * d_gamma
        hist_th[t] = theta
        theta = theta0 + theta_dyn
        hist_sh[t] = s_hat
        for k in np.nonzero(fire)[0]:
            spikes[k].append(t)
    return spikes, hist_sh, hist_th
