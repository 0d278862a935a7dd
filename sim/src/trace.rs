//! What a simulator reports for one sample, independent of number format.

use serde::{Deserialize, Serialize};

/// One neuron's state after a step (for probes and divergence reports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeState {
    pub i: f64,
    pub sd: f64,
    pub s: f64,
    pub sh: f64,
    pub theta: f64,
    pub spiked: bool,
}

/// Options shared by the float simulators.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimOptions {
    pub record_spikes: bool,
    /// Record the state of (layer, neuron) after every step.
    pub probe: Option<(usize, usize)>,
    /// Track the largest magnitude of every state variable per layer (calibration).
    pub track_max: bool,
    /// Keep the readout vector of every step.
    pub record_readout: bool,
}

/// One sample's run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub predictions: Vec<u16>,
    pub spikes_per_step: Vec<u32>,
    pub spikes_per_layer: Vec<u64>,
    pub synops: u64,
    /// Hidden-spike synaptic operations per step.
    pub synops_per_step: Vec<u64>,
    pub input_synops: u64,
    /// Input-encoding spikes (Poisson baseline only), never counted with hidden spikes.
    pub input_spikes: u64,
    /// (step, layer, neuron, payload).
    pub spikes: Vec<(u32, u16, u32, f64)>,
    pub final_readout: Vec<f64>,
    /// Readout after each step (when recorded).
    pub readout: Vec<Vec<f64>>,
    pub probe: Vec<ProbeState>,
    pub max_abs: Vec<f64>,
}

impl Trace {
    pub fn total_spikes(&self) -> u64 {
        self.spikes_per_layer.iter().sum()
    }
}

/// Index of the largest value, ties to the lowest index.
pub fn argmax_f64(v: &[f64]) -> u16 {
    let mut best = 0;
    for (k, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = k;
        }
    }
    best as u16
}

/// First step after which the prediction never changes (0 if it never changes).
pub fn decision_step(pred: &[u16]) -> u32 {
    let Some(last) = pred.last() else { return 0 };
    let mut t = pred.len();
    while t > 0 && pred[t - 1] == *last {
        t -= 1;
    }
    t as u32
}
