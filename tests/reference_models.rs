//! Differential tests: the golden model and the float ASNN against second,
//! independently written simulators. The references recompute every synaptic sum from
//! scratch each step with direct convolution loops (no fan-out tables, no incremental
//! input accumulator), keep pre-pool state for *both* pool kinds and pool S_dyn the way
//! the reference implementation does, and do integer rounding with exact rationals.

use asnn_ir::Network;
use asnn_numerics::{Coding, Conn, ConvGeom, PoolKind, QNetwork, RawInput, RunOptions};
use asnn_sim::random::{random_case, RandomConfig};
use asnn_sim::{calibrate, FloatAsnn, SimOptions};

// ---------- shared geometry, written independently of asnn_numerics::synapse ----------

/// Direct convolution of `x` (CHW) with canonical weights; returns conv outputs (CHW).
fn conv<T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>>(
    g: &ConvGeom,
    w: &[T],
    x: &[T],
) -> Vec<T> {
    let (oh, ow) = g.conv_hw();
    let mut out = vec![T::default(); g.out_c * oh * ow];
    for co in 0..g.out_c {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut a = T::default();
                for ci in 0..g.in_c {
                    for ky in 0..g.kernel {
                        for kx in 0..g.kernel {
                            let iy = (oy * g.stride + ky) as isize - g.padding as isize;
                            let ix = (ox * g.stride + kx) as isize - g.padding as isize;
                            if iy < 0 || ix < 0 || iy >= g.in_h as isize || ix >= g.in_w as isize {
                                continue;
                            }
                            let xi = (ci * g.in_h + iy as usize) * g.in_w + ix as usize;
                            let wi = ((co * g.in_c + ci) * g.kernel + ky) * g.kernel + kx;
                            a = a + w[wi] * x[xi];
                        }
                    }
                }
                out[(co * oh + oy) * ow + ox] = a;
            }
        }
    }
    out
}

/// Pools CHW conv-shaped values with `f` over each window.
fn pool<T: Copy>(g: &ConvGeom, v: &[T], f: impl Fn(&[T]) -> T) -> Vec<T> {
    let p = g.pool.expect("pool");
    let (ch, cw) = g.conv_hw();
    let (oh, ow) = g.out_hw();
    let mut out = Vec::with_capacity(g.out_c * oh * ow);
    for c in 0..g.out_c {
        for py in 0..oh {
            for px in 0..ow {
                let mut win = Vec::new();
                for dy in 0..p.kernel {
                    for dx in 0..p.kernel {
                        win.push(v[(c * ch + py * p.stride + dy) * cw + px * p.stride + dx]);
                    }
                }
                out.push(f(&win));
            }
        }
    }
    out
}

fn dense<T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>>(
    n_in: usize,
    n_out: usize,
    w: &[T],
    x: &[T],
) -> Vec<T> {
    (0..n_out)
        .map(|j| (0..n_in).fold(T::default(), |a, i| a + w[i * n_out + j] * x[i]))
        .collect()
}

fn frame_at(input: &RawInput, n: usize, step: u32) -> Vec<u32> {
    match input {
        RawInput::Frame(v) => v.clone(),
        RawInput::Events(ev) => {
            let mut f = vec![0; n];
            for e in ev.iter().filter(|e| e.step <= step) {
                f[e.index as usize] = e.value;
            }
            f
        }
    }
}

// ---------- integer reference ----------

fn rhu(n: i128, d: i128) -> i128 {
    (2 * n + d).div_euclid(2 * d)
}
fn clamp(x: i128, bits: u32) -> i128 {
    x.clamp(-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
}
fn rescale(a: i128, shift: i32, bits: u32) -> i128 {
    clamp(
        if shift >= 0 {
            rhu(a, 1i128 << shift)
        } else {
            a * (1i128 << (-shift))
        },
        bits,
    )
}

type Spikes = Vec<(u32, u16, u32, i64)>;

fn int_reference(q: &QNetwork, input: &RawInput, steps: u32) -> (Spikes, Vec<Vec<i64>>) {
    let nl = q.layers.len();
    let mut i_st: Vec<Vec<i128>> = Vec::new();
    let mut sd_st: Vec<Vec<i128>> = Vec::new();
    let mut sh: Vec<Vec<i128>> = Vec::new();
    let mut td: Vec<Vec<i128>> = Vec::new();
    let mut th: Vec<Vec<i128>> = Vec::new();
    for l in &q.layers {
        // Pre-pool size for any pool (the avg pool is pooled at the current here).
        let pre = match l.conn {
            Conn::Conv(g) => g.n_conv(),
            _ => l.conn.n_out(),
        };
        i_st.push(vec![0; pre]);
        sd_st.push(vec![0; pre]);
        let n = l.conn.n_out();
        sh.push(vec![0; n]);
        td.push(vec![0; n]);
        th.push(vec![i128::from(l.q.theta0); n]);
    }
    let mut out_now: Vec<Vec<i128>> = q.layers.iter().map(|l| vec![0; l.conn.n_out()]).collect();
    let mut out_prev = out_now.clone();
    let mut spikes = Vec::new();
    let mut readouts = Vec::new();
    for t in 0..steps {
        for (li, l) in q.layers.iter().enumerate() {
            let x: Vec<i128> = if li == 0 {
                frame_at(input, q.input_len, t)
                    .iter()
                    .map(|&v| i128::from(v))
                    .collect()
            } else if q.delay == 0 {
                out_now[li - 1].clone()
            } else {
                out_prev[li - 1].clone()
            };
            let w: Vec<i128> = l.weights.iter().map(|&v| i128::from(v)).collect();
            let bits = l.q.state_bits;
            // A per target: conv outputs, then (avg) pooled sums.
            let (a, pooled_avg, g) = match l.conn {
                Conn::Dense { n_in, n_out } => (dense(n_in, n_out, &w, &x), false, None),
                Conn::Conv(g) => {
                    let c = conv(&g, &w, &x);
                    match g.pool {
                        Some(p) if p.kind == PoolKind::Avg => {
                            (pool(&g, &c, |win| win.iter().sum()), true, Some(g))
                        }
                        _ => (c, false, Some(g)),
                    }
                }
            };
            let n_t = a.len();
            let first = li == 0;
            for j in 0..n_t {
                let cur = rescale(a[j], l.q.shift, bits);
                i_st[li][j] = if first {
                    cur
                } else {
                    clamp(rhu(i_st[li][j] * i128::from(l.q.d_beta), 65536) + cur, bits)
                };
                sd_st[li][j] = rhu(
                    i128::from(65536 - l.q.d_phi) * i_st[li][j]
                        + i128::from(l.q.d_phi) * sd_st[li][j],
                    65536,
                );
            }
            let sdp: Vec<i128> = match g {
                Some(g) if !pooled_avg && g.pool.is_some() => pool(&g, &sd_st[li][..n_t], |win| {
                    *win.iter().max().expect("window")
                }),
                _ => sd_st[li][..n_t].to_vec(),
            };
            let n_out = l.conn.n_out();
            let per_ch = n_out / l.bias.len();
            let mut o = vec![0i128; n_out];
            let mut s_vals = vec![0i64; n_out];
            for n in 0..n_out {
                let s = clamp(i128::from(l.bias[n / per_ch]) + sdp[n], bits);
                s_vals[n] = s as i64;
                if l.readout {
                    continue;
                }
                sh[li][n] = rhu(sh[li][n] * i128::from(l.q.d_eta), 65536);
                let theta = th[li][n];
                if s - sh[li][n] > theta.div_euclid(2) {
                    o[n] = if q.coding == Coding::Graded { theta } else { 1 };
                    spikes.push((t, li as u16, n as u32, o[n] as i64));
                    sh[li][n] = clamp(sh[li][n] + theta, bits);
                    td[li][n] = clamp(td[li][n] + rhu(theta * i128::from(l.q.m), 65536), bits);
                }
                td[li][n] = rhu(td[li][n] * i128::from(l.q.d_gamma), 65536);
                th[li][n] = clamp(i128::from(l.q.theta0) + td[li][n], bits);
            }
            if l.readout {
                readouts.push(s_vals);
            }
            out_now[li] = o;
        }
        out_prev = out_now.clone();
        let _ = nl;
    }
    (spikes, readouts)
}

// ---------- float reference ----------

fn float_reference(
    net: &Network,
    input: &RawInput,
    steps: u32,
) -> (Vec<(u32, u16, u32)>, Vec<f64>) {
    let mut i_st = Vec::new();
    let mut sd_st = Vec::new();
    let mut sh = Vec::new();
    let mut td = Vec::new();
    let mut th = Vec::new();
    for l in &net.layers {
        let pre = match l.conn {
            Conn::Conv(g) => g.n_conv(),
            _ => l.conn.n_out(),
        };
        i_st.push(vec![0.0; pre]);
        sd_st.push(vec![0.0; pre]);
        let n = l.conn.n_out();
        sh.push(vec![0.0; n]);
        td.push(vec![0.0; n]);
        th.push(vec![l.asn.theta0_value().unwrap_or(0.0); n]);
    }
    let mut out_now: Vec<Vec<f64>> = net
        .layers
        .iter()
        .map(|l| vec![0.0; l.conn.n_out()])
        .collect();
    let mut out_prev = out_now.clone();
    let mut spikes = Vec::new();
    let mut last = Vec::new();
    for t in 0..steps {
        for (li, l) in net.layers.iter().enumerate() {
            let x: Vec<f64> = if li == 0 {
                frame_at(input, net.input.len(), t)
                    .iter()
                    .map(|&v| f64::from(v) * net.input.scale)
                    .collect()
            } else if net.delay == 0 {
                out_now[li - 1].clone()
            } else {
                out_prev[li - 1].clone()
            };
            // Raw ANN weights (binary coding: the sender's spike height scales them).
            let h = if li > 0 && net.coding == Coding::Binary {
                net.layers[li - 1].asn.spike_height().unwrap()
            } else {
                1.0
            };
            let w: Vec<f64> = l.weights.iter().map(|v| v * h).collect();
            let a = match l.conn {
                Conn::Dense { n_in, n_out } => dense(n_in, n_out, &w, &x),
                Conn::Conv(g) => conv(&g, &w, &x),
            };
            let (d_b, d_p, d_e, d_g) = (
                (-1.0 / l.asn.tau_beta).exp(),
                (-1.0 / l.asn.tau_phi).exp(),
                (-1.0 / l.asn.tau_eta).exp(),
                (-1.0 / l.asn.tau_gamma).exp(),
            );
            for j in 0..a.len() {
                i_st[li][j] = if li == 0 {
                    a[j]
                } else {
                    i_st[li][j] * d_b + a[j]
                };
                sd_st[li][j] = (1.0 - d_p) * i_st[li][j] + d_p * sd_st[li][j];
            }
            // The reference implementation pools S_dyn of the pre-pool units.
            let sdp: Vec<f64> = match l.conn {
                Conn::Conv(g) => match g.pool {
                    Some(p) if p.kind == PoolKind::Avg => pool(&g, &sd_st[li], |win| {
                        win.iter().sum::<f64>() / win.len() as f64
                    }),
                    Some(_) => pool(&g, &sd_st[li], |win| {
                        win.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                    }),
                    None => sd_st[li].clone(),
                },
                _ => sd_st[li].clone(),
            };
            let n_out = l.conn.n_out();
            let per_ch = n_out / l.bias.len();
            let theta0 = l.asn.theta0_value().unwrap_or(0.0);
            let mut o = vec![0.0; n_out];
            let mut svals = vec![0.0; n_out];
            for n in 0..n_out {
                let s = l.bias[n / per_ch] + sdp[n];
                svals[n] = s;
                if l.readout {
                    continue;
                }
                sh[li][n] *= d_e;
                let theta = th[li][n];
                if s - sh[li][n] > theta / 2.0 {
                    o[n] = if net.coding == Coding::Graded {
                        theta
                    } else {
                        1.0
                    };
                    spikes.push((t, li as u16, n as u32));
                    sh[li][n] += theta;
                    td[li][n] += l.asn.m_f * theta;
                }
                td[li][n] *= d_g;
                th[li][n] = theta0 + td[li][n];
            }
            if l.readout {
                last = svals;
            }
            out_now[li] = o;
        }
        out_prev = out_now.clone();
    }
    (spikes, last)
}

// ---------- the tests ----------

const SEEDS: std::ops::Range<u64> = 0..48;

#[test]
fn golden_model_matches_independent_integer_reference() {
    let cfg = RandomConfig::default();
    let (mut spikes, mut samples, mut conv, mut maxpool, mut binary, mut delay1, mut events) =
        (0usize, 0, 0, 0, 0, 0, 0);
    for seed in SEEDS {
        let case = random_case(seed, &cfg).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let cal = calibrate(&case.network, &case.inputs[..4])
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let golden = asnn_numerics::Golden::new(&cal.qnet).expect("valid");
        conv += cal
            .qnet
            .layers
            .iter()
            .any(|l| matches!(l.conn, Conn::Conv(_))) as usize;
        maxpool += cal.qnet.layers.iter().any(|l| matches!(l.conn, Conn::Conv(g) if matches!(g.pool, Some(p) if p.kind == PoolKind::Max))) as usize;
        binary += (cal.qnet.coding == Coding::Binary) as usize;
        delay1 += cal.qnet.delay as usize;
        events += matches!(case.inputs[0], RawInput::Events(_)) as usize;
        for (k, x) in case.inputs.iter().enumerate() {
            let steps = case.network.steps;
            let tr = golden
                .run(
                    x,
                    None,
                    RunOptions {
                        record_spikes: true,
                        record_readout: true,
                        early_exit: None,
                        exit_margin: None,
                        watch: None,
                    },
                )
                .expect("runs");
            let (rs, rr) = int_reference(&cal.qnet, x, steps);
            let got: Spikes = tr
                .spikes
                .iter()
                .map(|s| (s.step, s.layer, s.neuron, s.payload))
                .collect();
            if got != rs {
                let first = got
                    .iter()
                    .zip(&rs)
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(rs.len()));
                panic!(
                    "seed {seed} sample {k}: spikes differ at #{first}: golden {:?} vs reference {:?} (counts {} vs {})",
                    got.get(first),
                    rs.get(first),
                    got.len(),
                    rs.len()
                );
            }
            assert_eq!(tr.readout, rr, "seed {seed} sample {k}: readout differs");
            spikes += got.len();
            samples += 1;
        }
    }
    println!("{samples} samples of {} random networks ({conv} conv, {maxpool} max-pool, {binary} binary, {delay1} delay-1, {events} event-input): {spikes} spikes identical", SEEDS.end - SEEDS.start);
    assert!(spikes > 10_000, "random networks should spike: {spikes}");
    assert!(conv > 5 && maxpool > 1 && binary > 5 && delay1 > 5 && events > 3);
}

#[test]
fn float_model_matches_independent_float_reference() {
    let cfg = RandomConfig::default();
    let mut spikes = 0usize;
    for seed in SEEDS {
        let case = random_case(seed, &cfg).expect("builds");
        let cal = calibrate(&case.network, &case.inputs[..4]).expect("calibrates");
        let fa = FloatAsnn::new(&cal.network).expect("resolved");
        for (k, x) in case.inputs.iter().enumerate() {
            let tr = fa.run(
                x,
                None,
                SimOptions {
                    record_spikes: true,
                    ..Default::default()
                },
            );
            let (rs, rr) = float_reference(&cal.network, x, case.network.steps);
            let got: Vec<(u32, u16, u32)> = tr.spikes.iter().map(|s| (s.0, s.1, s.2)).collect();
            assert_eq!(got, rs, "seed {seed} sample {k}: float spike trains differ");
            for (a, b) in tr.final_readout.iter().zip(&rr) {
                assert!(
                    (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                    "seed {seed} sample {k}: readout {a} vs {b}"
                );
            }
            spikes += got.len();
        }
    }
    println!("float model: {spikes} spikes identical to the independent float reference");
}
