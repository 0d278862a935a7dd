//! Network-level semantics shared by all simulators.

use asnn_numerics::{Golden, InputEvent, RawInput, RunOptions};
use asnn_sim::calibrate::percentile_positive;
use asnn_sim::random::{random_case, RandomConfig};
use asnn_sim::{calibrate, decision_step, FloatAsnn, IfBaseline, IfVariant, SimOptions};

fn frame_as_events(f: &[u32]) -> RawInput {
    RawInput::Events(
        f.iter()
            .enumerate()
            .filter(|(_, &v)| v != 0)
            .map(|(i, &v)| InputEvent {
                step: 0,
                index: i as u32,
                value: v,
            })
            .collect(),
    )
}

#[test]
fn a_frame_equals_its_events_at_step_zero() {
    let cfg = RandomConfig {
        allow_events: false,
        ..Default::default()
    };
    for seed in 100..116 {
        let case = random_case(seed, &cfg).expect("builds");
        let cal = calibrate(&case.network, &case.inputs[..4]).expect("calibrates");
        let g = Golden::new(&cal.qnet).expect("valid");
        let fa = FloatAsnn::new(&cal.network).expect("ok");
        for x in &case.inputs {
            let RawInput::Frame(f) = x else {
                unreachable!()
            };
            let ev = frame_as_events(f);
            let opts = RunOptions {
                record_spikes: true,
                record_readout: true,
                early_exit: None,
                exit_margin: None,
                watch: None,
            };
            assert_eq!(
                g.run(x, None, opts).unwrap(),
                g.run(&ev, None, opts).unwrap(),
                "seed {seed}"
            );
            let so = SimOptions {
                record_spikes: true,
                ..Default::default()
            };
            assert_eq!(
                fa.run(x, None, so).spikes,
                fa.run(&ev, None, so).spikes,
                "seed {seed}"
            );
        }
    }
}

#[test]
fn delay_one_holds_each_boundary_one_step() {
    // With delay 1 the readout at step 0 has seen no spike: its S is its bias alone.
    // (Hidden neurons may still spike at step 0 from their bias; the full delay
    // semantics are checked against the independent reference in tests/.)
    let mut checked = 0;
    for seed in 0..200 {
        let case = random_case(seed, &RandomConfig::default()).expect("builds");
        if case.network.delay != 1 {
            continue;
        }
        let cal = calibrate(&case.network, &case.inputs[..4]).expect("calibrates");
        let g = Golden::new(&cal.qnet).expect("valid");
        let tr = g
            .run(
                &case.inputs[0],
                None,
                RunOptions {
                    record_spikes: true,
                    record_readout: true,
                    early_exit: None,
                    exit_margin: None,
                    watch: None,
                },
            )
            .unwrap();
        let ro = cal.qnet.layers.last().unwrap();
        let per = ro.conn.n_out() / ro.bias.len();
        let bias: Vec<i64> = (0..ro.conn.n_out()).map(|n| ro.bias[n / per]).collect();
        assert_eq!(tr.readout[0], bias, "seed {seed}");
        checked += 1;
    }
    assert!(checked > 50);
}

#[test]
fn calibration_leaves_no_saturation_on_its_own_data() {
    // The rule promises nothing overflows on the calibration data (one bit of headroom).
    let mut total = 0;
    for seed in 0..64 {
        let case = random_case(seed, &RandomConfig::default()).expect("builds");
        let cal = calibrate(&case.network, &case.inputs).expect("calibrates");
        let sats: u64 = cal.saturations.iter().map(|s| s.total()).sum();
        assert_eq!(sats, 0, "seed {seed}: {:?}", cal.saturations);
        total += cal.samples;
    }
    assert_eq!(total, 64 * 8);
}

#[test]
fn if_neuron_fires_at_its_normalised_rate() {
    // One IF neuron fed constant current c per step (reset by subtraction, threshold 1)
    // fires min(floor(T·c), T) times in T steps (at most once per step).
    let cfg = RandomConfig {
        max_hidden: 1,
        allow_conv: false,
        allow_events: false,
        ..Default::default()
    };
    let case = random_case(3, &cfg).expect("builds");
    let net = calibrate(&case.network, &case.inputs).expect("ok").network;
    let lam = vec![1.0; net.layers.len()];
    let ifb = IfBaseline::new(&net, &lam, IfVariant::Analog).expect("ok");
    let x = &case.inputs[0];
    let tr = ifb.run(x, Some(1000), SimOptions::default(), 0);
    // Expected from the pre-activation c = W·(raw·scale) + b of each hidden neuron.
    let RawInput::Frame(f) = x else {
        unreachable!()
    };
    let l0 = &net.layers[0];
    let n_out = l0.conn.n_out();
    let expect: u64 = (0..n_out)
        .map(|j| {
            let c = l0.bias[j]
                + f.iter()
                    .enumerate()
                    .map(|(i, &v)| l0.weights[i * n_out + j] * f64::from(v) * net.input.scale)
                    .sum::<f64>();
            (1000.0 * c).floor().clamp(0.0, 1000.0) as u64
        })
        .sum();
    let got = tr.spikes_per_layer[0];
    assert!(
        (got as i64 - expect as i64).abs() <= n_out as i64,
        "{got} vs {expect}"
    );
}

#[test]
fn decision_step_and_percentile() {
    assert_eq!(decision_step(&[3, 1, 2, 2, 2]), 2);
    assert_eq!(decision_step(&[2, 2, 2]), 0);
    assert_eq!(decision_step(&[]), 0);
    let v: Vec<f64> = (0..=1000).map(f64::from).collect();
    assert_eq!(percentile_positive(v.clone(), 99.9), 999.0);
    assert_eq!(percentile_positive(v, 50.0), 500.0);
    assert_eq!(percentile_positive(vec![0.0, -1.0], 99.9), 0.0);
}

#[test]
fn auto_theta0_fraction_takes_the_largest_candidate_that_agrees() {
    use asnn_ir::THETA0_FRACTIONS;
    let mut searched = 0;
    for seed in 0..40 {
        let case = random_case(seed, &RandomConfig::default()).expect("builds");
        if case.network.coding != asnn_numerics::Coding::Graded {
            continue;
        }
        let mut net = case.network.clone();
        net.calibration.auto_fraction = true;
        net.calibration.min_agreement = 0.75;
        let cal = calibrate(&net, &case.inputs).expect("calibrates");
        let tried = &cal.theta0_search;
        assert!(!tried.is_empty(), "seed {seed}");
        // Tried in order, largest first, stopping at the first that agrees enough.
        for (t, f) in tried.iter().zip(THETA0_FRACTIONS) {
            assert_eq!(t.fraction, f);
        }
        let last = tried.last().unwrap();
        assert!(
            last.agreement >= 0.75 || tried.len() == THETA0_FRACTIONS.len(),
            "seed {seed}"
        );
        assert!(
            tried[..tried.len() - 1].iter().all(|t| t.agreement < 0.75),
            "seed {seed}"
        );
        assert_eq!(cal.network.calibration.theta0_fraction, last.fraction);
        // The chosen network's theta0 is that fraction of each layer's percentile.
        for (l, layer) in cal
            .network
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.readout)
        {
            let want = last.fraction * cal.stats.activation_percentile[l];
            assert!((layer.asn.theta0_value().unwrap() - want).abs() < 1e-12);
        }
        searched += 1;
    }
    assert!(searched > 5);
}

/// numerics.md section 10 written out again from the spec: the exit step of a readout
/// trace under the stability rule `w` and the margin rule `(m, h)`.
fn spec_exit_step(readout: &[Vec<i64>], w: Option<u32>, mh: Option<(i64, u32)>) -> Option<u32> {
    let (mut run, mut mrun) = (0u32, 0u32);
    let mut prev: Option<usize> = None;
    for (t, s) in readout.iter().enumerate() {
        // argmax, ties to the lowest class; the runner-up is the best of the others.
        let best = (0..s.len()).fold(0, |b, k| if s[k] > s[b] { k } else { b });
        let second = (0..s.len())
            .filter(|&k| k != best)
            .map(|k| s[k])
            .max()
            .unwrap();
        let same = prev == Some(best);
        run = if same { run + 1 } else { 1 };
        if let Some((m, _)) = mh {
            mrun = if s[best] - second < m {
                0
            } else if same && mrun > 0 {
                mrun + 1
            } else {
                1
            };
        }
        prev = Some(best);
        if w.is_some_and(|w| run >= w) || mh.is_some_and(|(_, h)| mrun >= h) {
            return Some(t as u32);
        }
    }
    None
}

#[test]
fn the_margin_exit_stops_where_the_spec_says() {
    let cfg = RandomConfig {
        allow_events: false,
        ..Default::default()
    };
    let (mut exits, mut differ_from_stability) = (0, 0);
    for seed in 200..212 {
        let case = random_case(seed, &cfg).expect("builds");
        let cal = calibrate(&case.network, &case.inputs[..4]).expect("calibrates");
        let g = Golden::new(&cal.qnet).expect("valid");
        for x in &case.inputs {
            let full = g
                .run(
                    x,
                    None,
                    RunOptions {
                        record_readout: true,
                        ..Default::default()
                    },
                )
                .unwrap();
            // Margins this sample reaches, so the thresholds below exit at varied steps.
            let mut margins: Vec<i64> = full
                .readout
                .iter()
                .map(|s| asnn_numerics::readout_margin(s))
                .collect();
            margins.sort_unstable();
            let pick = |q: usize| margins[(margins.len() - 1) * q / 4];
            for (m, h, w) in [
                (0, 1, None),
                (0, 3, None), // every margin holds: the prediction must too
                (pick(1), 1, None),
                (pick(1), 2, None),
                (pick(2), 2, None),
                (pick(3), 3, Some(4)),
                (pick(4) + 1, 1, None),
            ] {
                let opts = RunOptions {
                    early_exit: w,
                    exit_margin: Some(asnn_numerics::ExitMargin { margin: m, hold: h }),
                    ..Default::default()
                };
                let got = g.run(x, None, opts).unwrap();
                let want = spec_exit_step(&full.readout, w, Some((m, h)));
                assert_eq!(
                    got.exit_step, want,
                    "seed {seed}, margin {m}, hold {h}, w {w:?}"
                );
                if let Some(t) = want {
                    exits += 1;
                    // The score is the exit step's readout.
                    assert_eq!(got.final_readout, full.readout[t as usize], "seed {seed}");
                    differ_from_stability +=
                        usize::from(spec_exit_step(&full.readout, w, None) != want);
                }
            }
        }
    }
    assert!(
        exits > 50 && differ_from_stability > 20,
        "{exits} exits, {differ_from_stability} by the margin"
    );
}
