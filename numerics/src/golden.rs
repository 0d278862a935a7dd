//! The golden model: docs/numerics.md, executed. Integer types only.

use crate::fixed::{filter, mul_q16, range, rescale_sat};
use crate::input::RawInput;
use crate::qnet::{Coding, Conn, PoolKind, QError, QNetwork, QParams};
use crate::synapse::{max_window, FanOut};
use serde::{Deserialize, Serialize};

/// One spike: at `step`, neuron `neuron` of layer `layer` fired carrying `payload`
/// (θ in the sender's state format for graded coding, 1 for binary coding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Spike {
    pub step: u32,
    pub layer: u16,
    pub neuron: u32,
    pub payload: i64,
}

/// How often each saturation point of the spec clamped a value, for one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatCounts {
    pub cur: u64,
    pub i: u64,
    pub s: u64,
    pub sh: u64,
    pub td: u64,
    pub theta: u64,
}

impl SatCounts {
    pub fn total(&self) -> u64 {
        self.cur + self.i + self.s + self.sh + self.td + self.theta
    }
    pub fn add(&mut self, o: &SatCounts) {
        self.cur += o.cur;
        self.i += o.i;
        self.s += o.s;
        self.sh += o.sh;
        self.td += o.td;
        self.theta += o.theta;
    }
}

/// What to keep besides the per-step summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Keep every spike (step, layer, neuron, payload).
    pub record_spikes: bool,
    /// Keep the readout vector of every step.
    pub record_readout: bool,
    /// Early exit (docs/numerics.md section 10): stop after the first step at which the
    /// prediction has been the same for `W` consecutive steps. `None` runs every step.
    pub early_exit: Option<u32>,
    /// Margin exit (docs/numerics.md section 10): stop after the first step that ends
    /// `hold` consecutive steps with the same prediction whose readout margin (top score
    /// minus the runner-up's, integer S units) is at least `margin`. Beside `early_exit`:
    /// the sample stops at whichever rule fires first.
    pub exit_margin: Option<ExitMargin>,
    /// Record this (layer, neuron)'s state after every step (`GoldenTrace::watch`).
    pub watch: Option<(u16, u32)>,
}

/// The margin exit rule's two settings (docs/numerics.md section 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitMargin {
    /// Least margin, in the readout's integer S units (what `asnn sim --json` prints).
    pub margin: i64,
    /// Consecutive steps (at least 1) the margin must hold with the same prediction.
    pub hold: u32,
}

/// One neuron's state after one step (docs/numerics.md section 3; `s` is S of step 4,
/// recorded for the readout only, 0 for spiking layers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchRow {
    pub step: u32,
    pub i: i64,
    pub sd: i64,
    pub sh: i64,
    pub td: i64,
    pub theta: i64,
    pub s: i64,
}

/// Everything one sample's run produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldenTrace {
    /// The step after which an early exit stopped the run (`None`: ran every step).
    pub exit_step: Option<u32>,
    /// The watched neuron's state after every step (`RunOptions::watch`).
    pub watch: Vec<WatchRow>,
    /// Prediction (argmax of the readout, ties to the lowest index) after each step.
    pub predictions: Vec<u16>,
    /// Hidden-layer spikes emitted in each step.
    pub spikes_per_step: Vec<u32>,
    /// Total spikes per spiking layer.
    pub spikes_per_layer: Vec<u64>,
    /// Synaptic operations caused by hidden spikes (one weight into one target).
    pub synops: u64,
    /// The same, per step.
    pub synops_per_step: Vec<u64>,
    /// Synaptic operations caused by input changes (each changed input × its fan-out).
    pub input_synops: u64,
    /// Input changes applied (nonzero frame values, or events).
    pub input_changes: u64,
    pub spikes: Vec<Spike>,
    pub readout: Vec<Vec<i64>>,
    pub final_readout: Vec<i64>,
    pub saturations: Vec<SatCounts>,
}

struct LayerState {
    acc: Vec<i64>,
    i: Vec<i64>,
    sd: Vec<i64>,
    sh: Vec<i64>,
    td: Vec<i64>,
    theta: Vec<i64>,
    s: Vec<i64>,
}

/// Spec section 4: adds every incoming spike's weighted payload into the exact
/// accumulators `acc`; returns the synaptic operations done. The sum is exact, so the
/// result does not depend on the order of `incoming`.
pub fn deliver(
    weights: &[i32],
    fan: &FanOut,
    coding: Coding,
    incoming: &[(u32, i64)],
    acc: &mut [i64],
) -> u64 {
    let mut ops = 0;
    for &(src, payload) in incoming {
        let p = match coding {
            Coding::Graded => payload,
            Coding::Binary => 1,
        };
        ops += accumulate(weights, fan, src as usize, p, acc);
    }
    ops
}

/// Adds `value × weight` of every synapse of input unit `src` into `acc`; returns the
/// synaptic operations done. Dense rows are contiguous, so they take a slice fast path.
#[inline]
pub fn accumulate(weights: &[i32], fan: &FanOut, src: usize, value: i64, acc: &mut [i64]) -> u64 {
    match fan {
        FanOut::Dense { n_out } => {
            let row = &weights[src * n_out..(src + 1) * n_out];
            for (a, w) in acc.iter_mut().zip(row) {
                *a += i64::from(*w) * value;
            }
            *n_out as u64
        }
        _ => {
            fan.for_each(src, |tgt, w| acc[tgt] += i64::from(weights[w]) * value);
            fan.len(src) as u64
        }
    }
}

/// A validated network ready to run samples (cheap to share across threads).
pub struct Golden<'a> {
    net: &'a QNetwork,
    fan: Vec<FanOut>,
}

/// A spiking layer's constants for steps 4-9 of the spec.
struct NeuronConsts {
    theta0: i64,
    d_eta: u32,
    d_gamma: u32,
    m: u32,
    lo: i64,
    hi: i64,
}

impl NeuronConsts {
    fn new(q: &QParams) -> Self {
        let (lo, hi) = range(q.state_bits);
        NeuronConsts {
            theta0: q.theta0,
            d_eta: q.d_eta,
            d_gamma: q.d_gamma,
            m: q.m,
            lo,
            hi,
        }
    }

    /// Spec steps 4-9 for neuron `n` whose `bias + Sd` is `pre`: saturate S, decay Ŝ,
    /// compare with θ/2, spike and adapt, decay θ_dyn, update θ.
    #[inline(always)]
    fn step(
        &self,
        n: usize,
        pre: i64,
        (sh, td, th): (&mut i64, &mut i64, &mut i64),
        out: &mut Vec<(u32, i64)>,
        sc: &mut SatCounts,
    ) {
        let sv = clamp_count(pre, self.lo, self.hi, &mut sc.s);
        let mut h = mul_q16(*sh, self.d_eta);
        let mut d = *td;
        let theta = *th;
        if sv - h > (theta >> 1) {
            out.push((n as u32, theta));
            h = clamp_count(h + theta, self.lo, self.hi, &mut sc.sh);
            d = clamp_count(d + mul_q16(theta, self.m), self.lo, self.hi, &mut sc.td);
        }
        d = mul_q16(d, self.d_gamma);
        *sh = h;
        *td = d;
        *th = clamp_count(self.theta0 + d, self.lo, self.hi, &mut sc.theta);
    }
}

/// One neuron's state (docs/numerics.md section 3); θ is derived from `td`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeuronState {
    pub i: i64,
    pub sd: i64,
    pub sh: i64,
    pub td: i64,
}

/// Spec steps 1-2 and 4-9 for one spiking neuron of layer `q` whose synaptic sum this
/// step is `a` (section 4, before rescaling): the same code path [`Golden::run`] takes,
/// exposed for unit benches of the hardware neuron. Returns the payload if it spiked.
/// The state's `td` must come from a previous call (or be 0): θ is `sat(Θ0 + Td)`.
pub fn neuron_update(
    q: &QParams,
    first: bool,
    a: i64,
    bias: i64,
    st: &mut NeuronState,
) -> Option<i64> {
    let (lo, hi) = range(q.state_bits);
    let mut sc = SatCounts::default();
    let (cur, _) = rescale_sat(a, q.shift, q.state_bits);
    st.i = if first {
        cur
    } else {
        clamp_count(mul_q16(st.i, q.d_beta) + cur, lo, hi, &mut sc.i)
    };
    st.sd = filter(st.i, st.sd, q.d_phi);
    let neuron = NeuronConsts::new(q);
    let mut theta = clamp_count(q.theta0 + st.td, lo, hi, &mut sc.theta);
    let mut out = Vec::new();
    neuron.step(
        0,
        bias + st.sd,
        (&mut st.sh, &mut st.td, &mut theta),
        &mut out,
        &mut sc,
    );
    out.first().map(|&(_, p)| p)
}

/// Spec step 3: the largest `Sd` in pooled unit `n`'s window.
fn max_of_window(g: &crate::qnet::ConvGeom, n: usize, sd: &[i64]) -> i64 {
    let mut m = i64::MIN;
    max_window(g, n, |u| m = m.max(sd[u]));
    m
}

/// `sat_B` with precomputed limits, counting clamps (spec section 7).
#[inline(always)]
fn clamp_count(x: i64, lo: i64, hi: i64, count: &mut u64) -> i64 {
    if x > hi {
        *count += 1;
        hi
    } else if x < lo {
        *count += 1;
        lo
    } else {
        x
    }
}

/// The readout margin of section 10: the top score minus the best of the others (the
/// runner-up; equal scores give 0). A single class has no runner-up: `i64::MAX`.
pub fn readout_margin(v: &[i64]) -> i64 {
    let best = usize::from(argmax_i64(v));
    v.iter()
        .enumerate()
        .filter(|&(k, _)| k != best)
        .map(|(_, x)| v[best] - x)
        .min()
        .unwrap_or(i64::MAX)
}

/// Index of the largest value, ties to the lowest index.
pub fn argmax_i64(v: &[i64]) -> u16 {
    let mut best = 0;
    for (k, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = k;
        }
    }
    best as u16
}

impl<'a> Golden<'a> {
    pub fn new(net: &'a QNetwork) -> Result<Self, QError> {
        net.validate()?;
        let fan = net.layers.iter().map(|l| FanOut::new(&l.conn)).collect();
        Ok(Golden { net, fan })
    }

    pub fn network(&self) -> &QNetwork {
        self.net
    }

    /// Runs one sample for the network's `steps` (or `steps` if given).
    pub fn run(
        &self,
        input: &RawInput,
        steps: Option<u32>,
        opts: RunOptions,
    ) -> Result<GoldenTrace, QError> {
        let net = self.net;
        let steps = steps.unwrap_or(net.steps);
        input
            .validate(net.input_len, net.raw_max, steps)
            .map_err(QError)?;
        let nl = net.layers.len();
        let mut st: Vec<LayerState> = net
            .layers
            .iter()
            .map(|l| {
                let nt = l.conn.n_targets();
                let no = l.conn.n_out();
                LayerState {
                    acc: vec![0; nt],
                    i: vec![0; nt],
                    sd: vec![0; nt],
                    sh: vec![0; no],
                    td: vec![0; no],
                    theta: vec![l.q.theta0; no],
                    s: vec![0; no],
                }
            })
            .collect();
        let mut held = vec![0u32; net.input_len];
        let mut cursor = 0usize;
        // spikes[l]: (neuron, payload) emitted by layer l this step; prev: last step's.
        let mut cur_spikes: Vec<Vec<(u32, i64)>> = vec![Vec::new(); nl];
        let mut prev_spikes: Vec<Vec<(u32, i64)>> = vec![Vec::new(); nl];
        let mut tr = GoldenTrace {
            spikes_per_layer: vec![0; nl.saturating_sub(1)],
            saturations: vec![SatCounts::default(); nl],
            ..Default::default()
        };
        let mut run = 0u32; // consecutive steps with the current prediction
        let mut mrun = 0u32; // of those, consecutive ones whose margin holds (section 10)
        for t in 0..steps {
            let mut step_spikes = 0u32;
            let synops_before_step = tr.synops;
            for l in 0..nl {
                let layer = &net.layers[l];
                let fan = &self.fan[l];
                let s = &mut st[l];
                // Synaptic input (spec section 4).
                if l == 0 {
                    for (idx, v) in input.changes_at(t, &mut cursor) {
                        let delta = i64::from(v) - i64::from(held[idx]);
                        held[idx] = v;
                        if delta == 0 {
                            continue;
                        }
                        tr.input_changes += 1;
                        tr.input_synops += accumulate(&layer.weights, fan, idx, delta, &mut s.acc);
                    }
                } else {
                    s.acc.fill(0);
                    let incoming = if net.delay == 0 {
                        &cur_spikes[l - 1]
                    } else {
                        &prev_spikes[l - 1]
                    };
                    tr.synops += deliver(&layer.weights, fan, net.coding, incoming, &mut s.acc);
                }
                let q = &layer.q;
                let b = q.state_bits;
                let sat_c = &mut tr.saturations[l];
                // Steps 1-2 per target. Saturation counts live in locals (they cannot
                // alias the state vectors) and are added to the trace once per layer.
                let (lo, hi) = range(b);
                let first = l == 0;
                let mut sc = SatCounts::default();
                for ((a, i), sd) in s.acc.iter().zip(s.i.iter_mut()).zip(s.sd.iter_mut()) {
                    let (cur, c) = rescale_sat(*a, q.shift, b);
                    sc.cur += u64::from(c);
                    if !first {
                        *i = clamp_count(mul_q16(*i, q.d_beta) + cur, lo, hi, &mut sc.i);
                    } else {
                        *i = cur;
                    }
                    *sd = filter(*i, *sd, q.d_phi);
                }
                // Steps 3-9 per neuron, channel by channel (one bias per channel).
                let maxpool = match layer.conn {
                    Conn::Conv(g) if matches!(g.pool, Some(p) if p.kind == PoolKind::Max) => {
                        Some(g)
                    }
                    _ => None,
                };
                let per_ch = s.s.len() / layer.bias.len();
                let out = &mut cur_spikes[l];
                out.clear();
                if layer.readout {
                    // Readout: steps 3-4 only; its S is the score.
                    for (ch, &bias) in layer.bias.iter().enumerate() {
                        for n in ch * per_ch..(ch + 1) * per_ch {
                            let sdp = match maxpool {
                                Some(g) => max_of_window(&g, n, &s.sd),
                                None => s.sd[n],
                            };
                            s.s[n] = clamp_count(bias + sdp, lo, hi, &mut sc.s);
                        }
                    }
                } else {
                    let neuron = NeuronConsts::new(q);
                    for (ch, &bias) in layer.bias.iter().enumerate() {
                        let r = ch * per_ch..(ch + 1) * per_ch;
                        match maxpool {
                            Some(g) => {
                                for n in r {
                                    let sdp = max_of_window(&g, n, &s.sd);
                                    let st = (&mut s.sh[n], &mut s.td[n], &mut s.theta[n]);
                                    neuron.step(n, bias + sdp, st, out, &mut sc);
                                }
                            }
                            None => {
                                let base = r.start;
                                let it = s.sd[r.clone()]
                                    .iter()
                                    .zip(&mut s.sh[r.clone()])
                                    .zip(&mut s.td[r.clone()])
                                    .zip(&mut s.theta[r]);
                                for (k, (((sd, sh), td), th)) in it.enumerate() {
                                    neuron.step(base + k, bias + sd, (sh, td, th), out, &mut sc);
                                }
                            }
                        }
                    }
                }
                sat_c.add(&sc);
                if let Some((wl, wn)) = opts.watch {
                    let n = wn as usize;
                    if usize::from(wl) == l && n < s.s.len() {
                        tr.watch.push(WatchRow {
                            step: t,
                            i: s.i.get(n).copied().unwrap_or(0),
                            sd: s.sd.get(n).copied().unwrap_or(0),
                            sh: s.sh[n],
                            td: s.td[n],
                            theta: s.theta[n],
                            s: s.s[n],
                        });
                    }
                }
                if !layer.readout {
                    step_spikes += out.len() as u32;
                    tr.spikes_per_layer[l] += out.len() as u64;
                    if opts.record_spikes {
                        tr.spikes.extend(out.iter().map(|&(n, p)| Spike {
                            step: t,
                            layer: l as u16,
                            neuron: n,
                            payload: match net.coding {
                                Coding::Graded => p,
                                Coding::Binary => 1,
                            },
                        }));
                    }
                }
            }
            std::mem::swap(&mut cur_spikes, &mut prev_spikes);
            let ro = &st[nl - 1].s;
            let pred = argmax_i64(ro);
            let same = tr.predictions.last() == Some(&pred);
            run = if same { run + 1 } else { 1 };
            if let Some(em) = opts.exit_margin {
                mrun = if readout_margin(ro) < em.margin {
                    0
                } else if same && mrun > 0 {
                    mrun + 1
                } else {
                    1
                };
            }
            tr.predictions.push(pred);
            tr.spikes_per_step.push(step_spikes);
            tr.synops_per_step.push(tr.synops - synops_before_step);
            if opts.record_readout {
                tr.readout.push(ro.clone());
            }
            if opts.early_exit.is_some_and(|w| run >= w)
                || opts.exit_margin.is_some_and(|em| mrun >= em.hold)
            {
                tr.exit_step = Some(t);
                break;
            }
        }
        tr.final_readout = st[nl - 1].s.clone();
        Ok(tr)
    }
}
