//! The rate-coded baseline (asn-model.md): integrate-and-fire, no leak, threshold 1,
//! reset by subtraction, analog input, weights normalised per layer by the
//! `percentile`-th ANN activation (Rueckauer 2017); the readout is the accumulated
//! potential of a non-spiking output layer (bias added every step).

use crate::trace::{argmax_f64, SimOptions, Trace};
use asnn_ir::{IrError, Network};
use asnn_numerics::synapse::FanOut;
use asnn_numerics::{Conn, PoolKind, RawInput};

/// A network converted to the IF baseline.
pub struct IfBaseline<'a> {
    net: &'a Network,
    w: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    fan: Vec<FanOut>,
}

impl<'a> IfBaseline<'a> {
    /// `lambda[l]`: the normalisation activation of hidden layer `l` (from calibration).
    pub fn new(net: &'a Network, lambda: &[f64]) -> Result<Self, IrError> {
        let mut w = Vec::new();
        let mut b = Vec::new();
        let mut prev = 1.0;
        for (idx, l) in net.layers.iter().enumerate() {
            let mut f = if idx == 0 { net.input.scale } else { 1.0 };
            if let Conn::Conv(g) = l.conn {
                match g.pool {
                    Some(p) if p.kind == PoolKind::Max => {
                        return Err(IrError::layer(
                            &l.name,
                            idx,
                            None,
                            "the IF baseline supports average pooling only (asn-model.md)",
                        ));
                    }
                    Some(p) => f /= (p.kernel * p.kernel) as f64,
                    None => {}
                }
            }
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
            w.push(l.weights.iter().map(|x| x * f * prev / lam).collect());
            b.push(l.bias.iter().map(|x| x / lam).collect());
            prev = lam;
        }
        Ok(IfBaseline {
            net,
            w,
            b,
            fan: net.layers.iter().map(|l| FanOut::new(&l.conn)).collect(),
        })
    }

    pub fn run(&self, input: &RawInput, steps: Option<u32>, opts: SimOptions) -> Trace {
        let net = self.net;
        let steps = steps.unwrap_or(net.steps);
        let nl = net.layers.len();
        let mut acc0 = vec![0.0; net.layers[0].conn.n_targets()];
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
        let mut held = vec![0u32; net.input.len()];
        let mut cursor = 0;
        let mut cur_sp: Vec<Vec<u32>> = vec![Vec::new(); nl];
        let mut prev_sp: Vec<Vec<u32>> = vec![Vec::new(); nl];
        let mut tr = Trace {
            spikes_per_layer: vec![0; nl - 1],
            ..Default::default()
        };
        for t in 0..steps {
            let mut step_spikes = 0;
            for l in 0..nl {
                let layer = &net.layers[l];
                let fan = &self.fan[l];
                let w = &self.w[l];
                if l == 0 {
                    for (idx, val) in input.changes_at(t, &mut cursor) {
                        let d = f64::from(val) - f64::from(held[idx]);
                        held[idx] = val;
                        if d != 0.0 {
                            tr.input_synops += fan.len(idx) as u64;
                            fan.for_each(idx, |tg, wi| acc0[tg] += w[wi] * d);
                        }
                    }
                    acc[0].copy_from_slice(&acc0);
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
                    v[l][n] += acc[l][n] + self.b[l][layer.conn.channel_of(n)];
                    if !layer.readout && v[l][n] >= 1.0 {
                        v[l][n] -= 1.0;
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
        }
        tr.final_readout = v[nl - 1].clone();
        tr
    }
}
