//! The accuracy-target calibration rule, the tuned IF baseline and the frontier
//! figures (docs/numerics.md section 8; sim/src/tune.rs; sim/src/eval.rs).

use asnn_ir::{CalibTarget, Theta0};
use asnn_numerics::{Golden, RunOptions};
use asnn_sim::random::{random_case, RandomConfig};
use asnn_sim::{
    calibrate_labelled, interpolated_spikes_to, summarize, Ann, IfBaseline, IfVariant, Outcome,
    FRONTIER_LEVELS,
};

/// Graded random networks with labels = the ANN's own predictions (ANN accuracy 1).
fn graded_cases(n: usize) -> Vec<(asnn_ir::Network, Vec<asnn_numerics::RawInput>, Vec<u16>)> {
    let mut out = Vec::new();
    for seed in 0..200 {
        let case = random_case(seed, &RandomConfig::default()).expect("builds");
        let net = &case.network;
        if net.coding != asnn_numerics::Coding::Graded
            || !net.hidden().iter().any(|l| l.asn.theta0 == Theta0::Auto)
        {
            continue;
        }
        let ann = Ann::new(net);
        let labels = case.inputs.iter().map(|x| ann.predict(x)).collect();
        let mut net = net.clone();
        net.calibration.auto_fraction = true;
        net.calibration.target = CalibTarget::Accuracy;
        net.calibration.max_accuracy_drop = 0.25;
        net.calibration.dynamics = seed % 2 == 0;
        out.push((net, case.inputs, labels));
        if out.len() == n {
            break;
        }
    }
    assert_eq!(out.len(), n, "not enough graded random cases");
    out
}

#[test]
fn the_accuracy_rule_keeps_the_bound_and_takes_the_fewest_spikes_to_99pct() {
    const MIN_GAIN: f64 = 0.02;
    let mut tuned = 0;
    for (i, (net, inputs, labels)) in graded_cases(8).into_iter().enumerate() {
        let cal = calibrate_labelled(&net, &inputs, Some(&labels)).expect("calibrates");
        let tried = &cal.theta0_search;
        assert!(!tried.is_empty(), "case {i}");
        let fr: Vec<f64> = cal.theta0_fractions.iter().flatten().copied().collect();
        let m_f = cal.network.hidden()[0].asn.m_f;
        let tau = cal.network.layers.last().unwrap().asn.tau_phi;
        let chosen = &tried[cal.chosen_trial.expect("a chosen trial")];
        assert!(
            chosen.fractions == fr
                && chosen.m_f == Some(m_f)
                && chosen.readout_tau_phi == Some(tau),
            "case {i}: the chosen trial {chosen:?} is the calibrated network"
        );
        if tried.iter().any(|t| t.feasible) {
            assert!(chosen.feasible, "case {i}: a feasible point existed");
            // The search minimises the spikes to 99% read off between steps.
            let best = chosen.spikes_to_99pct_interpolated.unwrap();
            for t in tried.iter().filter(|t| t.feasible) {
                let x = t.spikes_to_99pct_interpolated.unwrap();
                assert!(x <= t.spikes_to_99pct.unwrap() + 1e-9, "case {i}: {t:?}");
                assert!(
                    best <= x / (1.0 - MIN_GAIN) + 1e-9,
                    "case {i}: {t:?} beats the chosen {chosen:?}"
                );
            }
        }
        // The calibrated network is what the trial measured: theta0 = fraction x the
        // layer's percentile, and its golden run gives the trial's accuracy.
        for (l, layer) in cal.network.layers.iter().enumerate() {
            if let Some(f) = cal.theta0_fractions[l] {
                let want = f * cal.stats.activation_percentile[l];
                assert!((layer.asn.theta0_value().unwrap() - want).abs() < 1e-12);
            }
        }
        let golden = Golden::new(&cal.qnet).unwrap();
        let (mut right, mut late) = (0usize, 0.0);
        for (x, l) in inputs.iter().zip(&labels) {
            let p = golden
                .run(x, None, RunOptions::default())
                .unwrap()
                .predictions;
            right += usize::from(p.last() == Some(l));
            let second_half = &p[p.len() / 2..];
            late +=
                second_half.iter().filter(|q| *q == l).count() as f64 / second_half.len() as f64;
        }
        let n = inputs.len() as f64;
        assert!(
            (right as f64 / n - chosen.accuracy.unwrap()).abs() < 1e-12,
            "case {i}"
        );
        let settled = late / n;
        assert!(
            (settled - chosen.settled_accuracy.unwrap()).abs() < 1e-12,
            "case {i}"
        );
        // The bound reads the settled accuracy (mean over the window's second half).
        let ann = Ann::new(&net);
        let ann_acc = inputs
            .iter()
            .zip(&labels)
            .filter(|(x, l)| {
                let out = ann.forward(x);
                asnn_sim::argmax_f64(out.last().unwrap()) == **l
            })
            .count() as f64
            / n;
        for t in tried {
            let within =
                t.settled_accuracy.unwrap() >= ann_acc - net.calibration.max_accuracy_drop - 1e-9;
            assert_eq!(
                t.feasible,
                within && t.spikes_to_99pct.is_some(),
                "case {i}: ANN {ann_acc}, {t:?}"
            );
        }
        // Without dynamics, m_f and the readout's tau_phi stay the file's.
        if !net.calibration.dynamics {
            assert_eq!(m_f, net.hidden()[0].asn.m_f);
            assert_eq!(tau, net.layers.last().unwrap().asn.tau_phi);
        }
        // The tuned IF baseline: the best feasible percentile by the same objective.
        let Some(t) = cal.if_tuned.as_ref() else {
            // Only a network the baseline cannot run (max pooling) goes untuned.
            let lam = vec![1.0; net.layers.len()];
            assert!(
                IfBaseline::new(&net, &lam, IfVariant::Analog).is_err(),
                "case {i}"
            );
            continue;
        };
        tuned += 1;
        let pick = t
            .trials
            .iter()
            .find(|x| x.percentile == t.percentile)
            .unwrap();
        for x in t.trials.iter().filter(|x| x.feasible) {
            assert!(pick.feasible);
            assert!(
                pick.spikes_to_99pct_interpolated.unwrap()
                    <= x.spikes_to_99pct_interpolated.unwrap() + 1e-9
            );
        }
    }
    assert!(tuned >= 3, "only {tuned} cases tuned the IF baseline");
}

#[test]
fn the_accuracy_rule_needs_labels() {
    let (net, inputs, _) = graded_cases(1).remove(0);
    let err = calibrate_labelled(&net, &inputs, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("calibration.target") && err.contains("labelled"),
        "{err}"
    );
}

#[test]
fn frontier_points_are_read_where_accuracy_stays_at_the_level() {
    // Two samples over four steps, label 1: accuracy by step 0.5, 1, 0.5, 1.
    let o = |p: Vec<u16>| Outcome {
        predictions: p,
        spikes_per_step: vec![1, 2, 3, 4],
        synops_per_step: vec![10, 20, 30, 40],
        ..Default::default()
    };
    let out = [o(vec![1, 1, 1, 1]), o(vec![0, 1, 0, 1])];
    let s = summarize(&out, &[1, 1], Some(1.0));
    assert_eq!(s.frontier.len(), FRONTIER_LEVELS.len());
    for p in &s.frontier {
        // 98% .. 99.5% of 1.0: only the last step stays at or above it.
        assert_eq!(p.steps, Some(3), "{p:?}");
        assert_eq!(p.spikes, Some(10.0));
        assert_eq!(p.synops, Some(100.0));
    }
    // At an ANN accuracy of 0.5 every step is at or above the level from step 0.
    let s = summarize(&out, &[1, 1], Some(0.5));
    assert!(s
        .frontier
        .iter()
        .all(|p| p.steps == Some(0) && p.spikes == Some(1.0) && p.synops == Some(10.0)));
    assert_eq!(s.steps_to_99pct, Some(0));
    // No ANN accuracy, no frontier.
    assert!(summarize(&out, &[1, 1], None).frontier.is_empty());
}

#[test]
fn the_search_reads_spikes_to_99pct_between_steps() {
    // Four samples over four steps, label 1; accuracy by step 0, 0.5, 0.75, 1;
    // cumulative spikes by step 1, 3, 6, 10 (1, 2, 3, 4 a step in every sample).
    let o = |p: Vec<u16>| Outcome {
        predictions: p,
        spikes_per_step: vec![1, 2, 3, 4],
        synops_per_step: vec![0; 4],
        ..Default::default()
    };
    let out = [
        o(vec![0, 1, 1, 1]),
        o(vec![0, 1, 1, 1]),
        o(vec![0, 0, 1, 1]),
        o(vec![0, 0, 0, 1]),
    ];
    let s = summarize(&out, &[1; 4], Some(1.0));
    assert_eq!(s.accuracy_by_step, [0.0, 0.5, 0.75, 1.0]);
    // 0.6 is met a fifth of the way from step 1 (0.5) to step 2 (0.75): spikes
    // 3 + 0.4 x (6 - 3); the whole-step figure is step 2's.
    let x = interpolated_spikes_to(&s, 0.6).unwrap();
    assert!((x - 4.2).abs() < 1e-12, "{x}");
    // At a step's own accuracy, that step's spikes; from step 0, step 0's.
    assert!((interpolated_spikes_to(&s, 0.75).unwrap() - 6.0).abs() < 1e-12);
    assert_eq!(interpolated_spikes_to(&s, 0.0), Some(1.0));
    // Never reached: none. A dip later moves the crossing to after the dip.
    assert_eq!(interpolated_spikes_to(&s, 1.01), None);
    let dip = [
        o(vec![1, 1, 0, 1]),
        o(vec![1, 1, 0, 1]),
        o(vec![0, 1, 0, 1]),
        o(vec![0, 0, 1, 1]),
    ];
    let s = summarize(&dip, &[1; 4], Some(1.0));
    assert_eq!(s.accuracy_by_step, [0.5, 0.75, 0.25, 1.0]);
    // 0.7 stays met only from step 3, after the dip: 3/5 of the way from 0.25 to 1.
    let x = interpolated_spikes_to(&s, 0.7).unwrap();
    assert!((x - (6.0 + 0.6 * 4.0)).abs() < 1e-12, "{x}");
}

#[test]
fn binary_networks_search_only_the_readout_tau_with_dynamics() {
    let mut done = 0;
    for seed in 0..200 {
        let case = random_case(seed, &RandomConfig::default()).expect("builds");
        if case.network.coding != asnn_numerics::Coding::Binary {
            continue;
        }
        let ann = Ann::new(&case.network);
        let labels: Vec<u16> = case.inputs.iter().map(|x| ann.predict(x)).collect();
        let mut net = case.network.clone();
        net.calibration.auto_fraction = true;
        net.calibration.target = CalibTarget::Accuracy;
        net.calibration.max_accuracy_drop = 0.25;
        net.calibration.dynamics = true;
        let cal = calibrate_labelled(&net, &case.inputs, Some(&labels)).expect("calibrates");
        let tried = &cal.theta0_search;
        assert!(tried
            .iter()
            .any(|t| t.layer.as_deref() == Some("readout tau_phi")));
        assert!(
            tried.iter().all(|t| t.layer.as_deref() != Some("m_f")),
            "binary m_f is fixed"
        );
        assert!(tried.iter().all(|t| t.fractions.is_empty()));
        for (a, b) in cal.network.hidden().iter().zip(net.hidden()) {
            assert_eq!(a.asn.theta0, b.asn.theta0, "seed {seed}");
            assert_eq!(a.asn.m_f, b.asn.m_f, "seed {seed}");
        }
        done += 1;
        if done == 3 {
            return;
        }
    }
    panic!("only {done} binary random cases");
}
