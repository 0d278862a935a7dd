//! The float (f64) ASNN reference: asn-model.md's discrete-time neuron, in the
//! reference implementation's order. docs/numerics.md is its integer image.

use crate::trace::{argmax_f64, ProbeState, SimOptions, Trace};
use asnn_ir::{IrError, Network};
use asnn_numerics::synapse::{max_window, FanOut};
use asnn_numerics::{Coding, Conn, PoolKind, RawInput};

struct LayerConst {
    d_beta: f64,
    d_phi: f64,
    d_eta: f64,
    d_gamma: f64,
    m_f: f64,
    theta0: f64,
}

/// A network prepared for float ASNN runs.
pub struct FloatAsnn<'a> {
    net: &'a Network,
    w: Vec<Vec<f64>>,
    fan: Vec<FanOut>,
    /// Per layer, each output unit's bias (its channel's, looked up once).
    bias: Vec<Vec<f64>>,
    c: Vec<LayerConst>,
}

impl<'a> FloatAsnn<'a> {
    /// Needs every spiking layer's θ0 resolved (not `auto`).
    pub fn new(net: &'a Network) -> Result<Self, IrError> {
        let mut c = Vec::new();
        for (idx, l) in net.layers.iter().enumerate() {
            let theta0 = if l.readout {
                0.0
            } else {
                l.asn.theta0_value().ok_or_else(|| {
                    IrError::layer(&l.name, idx, Some("theta0"), "is \"auto\": calibrate first")
                })?
            };
            let d = |tau: f64| (-1.0 / tau).exp();
            c.push(LayerConst {
                d_beta: d(l.asn.tau_beta),
                d_phi: d(l.asn.tau_phi),
                d_eta: d(l.asn.tau_eta),
                d_gamma: d(l.asn.tau_gamma),
                m_f: l.asn.m_f,
                theta0,
            });
        }
        Ok(FloatAsnn {
            net,
            w: (0..net.layers.len())
                .map(|l| net.effective_weights(l))
                .collect(),
            fan: net.layers.iter().map(|l| FanOut::new(&l.conn)).collect(),
            bias: net
                .layers
                .iter()
                .map(|l| {
                    (0..l.conn.n_out())
                        .map(|n| l.bias[l.conn.channel_of(n)])
                        .collect()
                })
                .collect(),
            c,
        })
    }

    pub fn run(&self, input: &RawInput, steps: Option<u32>, opts: SimOptions) -> Trace {
        let net = self.net;
        let steps = steps.unwrap_or(net.steps);
        let nl = net.layers.len();
        struct St {
            acc: Vec<f64>,
            i: Vec<f64>,
            sd: Vec<f64>,
            s: Vec<f64>,
            sh: Vec<f64>,
            td: Vec<f64>,
            theta: Vec<f64>,
        }
        let mut st: Vec<St> = net
            .layers
            .iter()
            .zip(&self.c)
            .map(|(l, c)| {
                let (nt, no) = (l.conn.n_targets(), l.conn.n_out());
                St {
                    acc: vec![0.0; nt],
                    i: vec![0.0; nt],
                    sd: vec![0.0; nt],
                    s: vec![0.0; no],
                    sh: vec![0.0; no],
                    td: vec![0.0; no],
                    theta: vec![c.theta0; no],
                }
            })
            .collect();
        let mut held = vec![0u32; net.input.len()];
        let mut cursor = 0;
        let mut cur_sp: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nl];
        let mut prev_sp: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nl];
        let mut tr = Trace {
            spikes_per_layer: vec![0; nl - 1],
            max_abs: if opts.track_max {
                vec![0.0; nl]
            } else {
                Vec::new()
            },
            ..Default::default()
        };
        for t in 0..steps {
            let mut step_spikes = 0u32;
            let synops_before_step = tr.synops;
            for l in 0..nl {
                let layer = &net.layers[l];
                let c = &self.c[l];
                let w = &self.w[l];
                let fan = &self.fan[l];
                let s = &mut st[l];
                if l == 0 {
                    for (idx, v) in input.changes_at(t, &mut cursor) {
                        let delta = f64::from(v) - f64::from(held[idx]);
                        held[idx] = v;
                        if delta != 0.0 {
                            tr.input_synops += fan.len(idx) as u64;
                            fan.for_each(idx, |tg, wi| s.acc[tg] += w[wi] * delta);
                        }
                    }
                } else {
                    s.acc.iter_mut().for_each(|a| *a = 0.0);
                    let inc = if net.delay == 0 {
                        &cur_sp[l - 1]
                    } else {
                        &prev_sp[l - 1]
                    };
                    for &(src, p) in inc {
                        tr.synops += fan.len(src as usize) as u64;
                        fan.for_each(src as usize, |tg, wi| s.acc[tg] += w[wi] * p);
                    }
                }
                let mut mx = 0.0f64;
                let (first, d_beta, d_phi) = (l == 0, c.d_beta, c.d_phi);
                for ((&cur, i), sd) in s.acc.iter().zip(s.i.iter_mut()).zip(s.sd.iter_mut()) {
                    *i = if first { cur } else { *i * d_beta + cur };
                    *sd = (1.0 - d_phi) * *i + d_phi * *sd;
                    if opts.track_max {
                        mx = bigger(bigger(bigger(mx, cur.abs()), i.abs()), sd.abs());
                    }
                }
                let maxpool = match layer.conn {
                    Conn::Conv(g) if matches!(g.pool, Some(p) if p.kind == PoolKind::Max) => {
                        Some(g)
                    }
                    _ => None,
                };
                let out = &mut cur_sp[l];
                out.clear();
                let bias = &self.bias[l][..];
                let (d_eta, d_gamma, m_f, theta0) = (c.d_eta, c.d_gamma, c.m_f, c.theta0);
                let graded = net.coding == Coding::Graded;
                let St {
                    i: si,
                    sd,
                    s: ss,
                    sh,
                    td,
                    theta,
                    ..
                } = &mut *s;
                let (si, sd) = (&si[..], &sd[..]);
                let (ss, sh, td, theta) = (&mut ss[..], &mut sh[..], &mut td[..], &mut theta[..]);
                for n in 0..ss.len() {
                    let sdp = match maxpool {
                        Some(g) => {
                            let mut m = f64::NEG_INFINITY;
                            max_window(&g, n, |u| m = bigger(m, sd[u]));
                            m
                        }
                        None => sd[n],
                    };
                    let sv = bias[n] + sdp;
                    ss[n] = sv;
                    if layer.readout {
                        mx = bigger(mx, sv.abs());
                        continue;
                    }
                    sh[n] *= d_eta;
                    let th = theta[n];
                    let spiked = sv - sh[n] > th / 2.0;
                    if spiked {
                        out.push((n as u32, if graded { th } else { 1.0 }));
                        sh[n] += th;
                        td[n] += m_f * th;
                    }
                    td[n] *= d_gamma;
                    theta[n] = theta0 + td[n];
                    if opts.track_max {
                        let m = bigger(bigger(sv.abs(), sh[n].abs()), td[n].abs());
                        mx = bigger(bigger(mx, m), bigger(theta[n].abs(), th));
                    }
                    if opts.probe == Some((l, n)) {
                        tr.probe.push(ProbeState {
                            i: si[n.min(si.len() - 1)],
                            sd: sdp,
                            s: sv,
                            sh: sh[n],
                            theta: th,
                            spiked,
                        });
                    }
                }
                if opts.track_max {
                    tr.max_abs[l] = bigger(tr.max_abs[l], mx);
                }
                if !layer.readout {
                    step_spikes += out.len() as u32;
                    tr.spikes_per_layer[l] += out.len() as u64;
                    if opts.record_spikes {
                        tr.spikes
                            .extend(out.iter().map(|&(n, p)| (t, l as u16, n, p)));
                    }
                }
            }
            std::mem::swap(&mut cur_sp, &mut prev_sp);
            if opts.record_readout {
                tr.readout.push(st[nl - 1].s.to_vec());
            }
            tr.predictions.push(argmax_f64(&st[nl - 1].s));
            tr.spikes_per_step.push(step_spikes);
            tr.synops_per_step.push(tr.synops - synops_before_step);
        }
        tr.final_readout = st[nl - 1].s.clone();
        tr
    }
}

/// The larger of two magnitudes. `f64::max`'s NaN handling costs more than the rest of
/// the neuron update when formats are tracked; the states here are finite, and where
/// `b` is NaN the result is `a`, as `f64::max` gives.
#[inline]
fn bigger(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}
