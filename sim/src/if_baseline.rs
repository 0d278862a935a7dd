//! The rate-coded baselines (asn-model.md): integrate-and-fire, no leak, threshold 1,
//! weights normalised per layer by an activation statistic λ of the ANN; the readout
//! is the accumulated potential of a non-spiking output layer (bias every step).
//!
//! - [`IfVariant::Analog`] (Rueckauer 2017, `if_baseline`): analog input current, reset
//!   by subtraction, λ = the `percentile`-th activation.
//! - [`IfVariant::Poisson`] (Diehl 2015, `if_poisson`): Poisson input spikes (probability
//!   per step = the input value, i.e. 1000 Hz at full scale), reset to zero, λ = the
//!   maximum activation. Each sample's spike trains come from its own ChaCha8 stream
//!   seeded by (seed, sample id), so results do not depend on thread scheduling.

use crate::trace::{argmax_f64, SimOptions, Trace};
use asnn_ir::{IrError, Network};
use asnn_numerics::synapse::FanOut;
use asnn_numerics::{Conn, PoolKind, RawInput};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Which baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfVariant {
    Analog,
    Poisson { seed: u64 },
}

/// A network converted to an IF baseline.
pub struct IfBaseline<'a> {
    net: &'a Network,
    variant: IfVariant,
    w: Vec<Vec<f64>>,
    /// Per layer, each output unit's normalised bias (its channel's, looked up once).
    b: Vec<Vec<f64>>,
    fan: Vec<FanOut>,
}

impl<'a> IfBaseline<'a> {
    /// `lambda[l]`: the normalisation activation of hidden layer `l` (from calibration:
    /// the percentile for `Analog`, the maximum for `Poisson`).
    pub fn new(net: &'a Network, lambda: &[f64], variant: IfVariant) -> Result<Self, IrError> {
        let mut w = Vec::new();
        let mut b = Vec::new();
        let mut prev = 1.0;
        for (idx, l) in net.layers.iter().enumerate() {
            if let Conn::Conv(g) = l.conn {
                if matches!(g.pool, Some(p) if p.kind == PoolKind::Max) {
                    return Err(IrError::layer(
                        &l.name,
                        idx,
                        None,
                        "the IF baselines support average pooling only (asn-model.md)",
                    ));
                }
            }
            // Analog input carries raw·scale; Poisson input spikes carry 1 (rate = value).
            let folded = net.folded_weights(idx, variant == IfVariant::Analog, false);
            let lam = if l.readout {
                1.0
            } else {
                let v = lambda.get(idx).copied().unwrap_or(0.0);
                if v > 0.0 {
                    v
                } else {
                    1.0
                }
            };
            w.push(folded.iter().map(|x| x * prev / lam).collect());
            b.push(
                (0..l.conn.n_out())
                    .map(|n| l.bias[l.conn.channel_of(n)] / lam)
                    .collect(),
            );
            prev = lam;
        }
        Ok(IfBaseline {
            net,
            variant,
            w,
            b,
            fan: net.layers.iter().map(|l| FanOut::new(&l.conn)).collect(),
        })
    }

    /// Runs one sample; `sample_id` selects the Poisson stream (ignored for `Analog`).
    pub fn run(
        &self,
        input: &RawInput,
        steps: Option<u32>,
        opts: SimOptions,
        sample_id: u64,
    ) -> Trace {
        let net = self.net;
        let steps = steps.unwrap_or(net.steps);
        let nl = net.layers.len();
        let mut v: Vec<Vec<f64>> = net
            .layers
            .iter()
            .map(|l| vec![0.0; l.conn.n_out()])
            .collect();
        let mut acc: Vec<Vec<f64>> = net
            .layers
            .iter()
            .map(|l| vec![0.0; l.conn.n_targets()])
            .collect();
        let mut held_acc = vec![0.0; net.layers[0].conn.n_targets()];
        let mut held = vec![0u32; net.input.len()];
        let mut cursor = 0;
        let mut rng = match self.variant {
            IfVariant::Poisson { seed } => Some(ChaCha8Rng::seed_from_u64(
                seed ^ sample_id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            )),
            IfVariant::Analog => None,
        };
        let reset_to_zero = rng.is_some();
        let mut cur_sp: Vec<Vec<u32>> = vec![Vec::new(); nl];
        let mut prev_sp: Vec<Vec<u32>> = vec![Vec::new(); nl];
        let mut tr = Trace {
            spikes_per_layer: vec![0; nl - 1],
            ..Default::default()
        };
        for t in 0..steps {
            let mut step_spikes = 0;
            let synops_before_step = tr.synops;
            for l in 0..nl {
                let layer = &net.layers[l];
                let fan = &self.fan[l];
                let w = &self.w[l];
                if l == 0 {
                    let changes: Vec<(usize, u32)> = input.changes_at(t, &mut cursor).collect();
                    match rng.as_mut() {
                        None => {
                            for (idx, val) in changes {
                                let d = f64::from(val) - f64::from(held[idx]);
                                held[idx] = val;
                                if d != 0.0 {
                                    tr.input_synops += fan.len(idx) as u64;
                                    fan.for_each(idx, |tg, wi| held_acc[tg] += w[wi] * d);
                                }
                            }
                            acc[0].copy_from_slice(&held_acc);
                        }
                        Some(rng) => {
                            for (idx, val) in changes {
                                held[idx] = val;
                            }
                            let a = &mut acc[0];
                            a.iter_mut().for_each(|x| *x = 0.0);
                            for (idx, &val) in held.iter().enumerate() {
                                if val == 0 {
                                    continue;
                                }
                                let p = (f64::from(val) * net.input.scale).min(1.0);
                                if rng.random::<f64>() < p {
                                    tr.input_spikes += 1;
                                    tr.input_synops += fan.len(idx) as u64;
                                    fan.for_each(idx, |tg, wi| a[tg] += w[wi]);
                                }
                            }
                        }
                    }
                } else {
                    let a = &mut acc[l];
                    a.iter_mut().for_each(|x| *x = 0.0);
                    let inc = if net.delay == 0 {
                        &cur_sp[l - 1]
                    } else {
                        &prev_sp[l - 1]
                    };
                    for &src in inc {
                        tr.synops += fan.len(src as usize) as u64;
                        fan.for_each(src as usize, |tg, wi| a[tg] += w[wi]);
                    }
                }
                let out = &mut cur_sp[l];
                out.clear();
                for n in 0..v[l].len() {
                    v[l][n] += acc[l][n] + self.b[l][n];
                    if !layer.readout && v[l][n] >= 1.0 {
                        v[l][n] = if reset_to_zero { 0.0 } else { v[l][n] - 1.0 };
                        out.push(n as u32);
                    }
                }
                if !layer.readout {
                    step_spikes += out.len() as u32;
                    tr.spikes_per_layer[l] += out.len() as u64;
                    if opts.record_spikes {
                        tr.spikes.extend(out.iter().map(|&n| (t, l as u16, n, 1.0)));
                    }
                }
            }
            std::mem::swap(&mut cur_sp, &mut prev_sp);
            if opts.record_readout {
                tr.readout.push(v[nl - 1].to_vec());
            }
            tr.predictions.push(argmax_f64(&v[nl - 1]));
            tr.spikes_per_step.push(step_spikes);
            tr.synops_per_step.push(tr.synops - synops_before_step);
        }
        tr.final_readout = v[nl - 1].clone();
        tr
    }
}
