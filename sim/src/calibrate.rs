//! The calibrator: float network + calibration inputs (from training data) -> integer
//! network, by the rule of docs/numerics.md section 8.

use crate::eval::Outcome;
use crate::float_asnn::FloatAsnn;
use crate::trace::SimOptions;
use crate::tune::{accuracy_search, percentiles, share_right, tune_if_baseline, AnnRun, IfTuning};
use asnn_ir::{
    quantize, resolve_theta0_per_layer, CalibStats, CalibTarget, IrError, LayerQuantInfo, Network,
    Theta0, THETA0_FRACTIONS,
};
use asnn_numerics::{Golden, QNetwork, RawInput, RunOptions, SatCounts};
use rayon::prelude::*;
use serde::Serialize;

/// Everything calibration decided and measured.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// The network with θ0 resolved (no `auto` left).
    pub network: Network,
    pub qnet: QNetwork,
    pub stats: CalibStats,
    pub quant: Vec<LayerQuantInfo>,
    /// Golden-model saturations per layer over the calibration inputs.
    pub saturations: Vec<SatCounts>,
    pub samples: usize,
    /// The `theta0_fraction = "auto"` search, in the order tried (empty otherwise).
    pub theta0_search: Vec<FractionTrial>,
    /// The index in `theta0_search` of the candidate taken.
    pub chosen_trial: Option<usize>,
    /// The fraction of its activation percentile each layer's θ0 was set to (`None`:
    /// readout, or θ0 fixed by the network file).
    pub theta0_fractions: Vec<Option<f64>>,
    /// `target = "accuracy"`: the IF baseline's percentile tuned on the same labelled
    /// inputs by the same objective ([`crate::tune`]).
    pub if_tuned: Option<IfTuning>,
    /// With labels: the ANN's accuracy on the calibration inputs (what the accuracy
    /// rule's bound is measured from).
    pub ann_accuracy: Option<f64>,
}

/// Nearest-rank percentile of the positive values (0 when there are none).
pub fn percentile_positive(mut v: Vec<f64>, p: f64) -> f64 {
    v.retain(|x| *x > 0.0);
    if v.is_empty() {
        return 0.0;
    }
    // Nearest rank; the epsilon keeps e.g. 99.9% of 1000 at rank 999 despite float error.
    let k = ((p / 100.0 * v.len() as f64 - 1e-9).ceil() as usize).clamp(1, v.len()) - 1;
    let (_, x, _) = v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    *x
}

/// Needs calibration data: some θ0 is `auto` or some `state_frac` is not fixed.
pub fn needs_calibration(net: &Network) -> bool {
    net.layers
        .iter()
        .any(|l| l.quant.state_frac.is_none() || (!l.readout && l.asn.theta0 == Theta0::Auto))
}

/// One candidate of the `theta0_fraction = "auto"` search.
#[derive(Clone, Debug, Serialize)]
pub struct FractionTrial {
    /// The common fraction, or (per-layer refinement) the fraction of `layer`.
    pub fraction: f64,
    /// The layer the per-layer refinement varied (`None`: every layer at `fraction`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Every `auto` layer's fraction in this candidate, in layer order.
    pub fractions: Vec<f64>,
    /// `calibration.dynamics`: the candidate's m_f and readout τ_φ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m_f: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readout_tau_phi: Option<f64>,
    /// Share of calibration inputs where the integer ASNN predicts what the ANN predicts.
    pub agreement: f64,
    /// Mean hidden spikes per calibration input.
    pub spikes: f64,
    /// `target = "accuracy"`: the integer ASNN's final accuracy, the step from which it
    /// stays at or above 99% of the ANN's and the spikes to that step, and whether the
    /// candidate meets the accuracy bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// The accuracy averaged over the second half of the window, and the standard
    /// error of its paired drop from the ANN's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_se: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps_to_99pct: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spikes_to_99pct: Option<f64>,
    /// The same read off between steps: what the search minimises
    /// ([`crate::eval::interpolated_spikes_to`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spikes_to_99pct_interpolated: Option<f64>,
    pub feasible: bool,
}

/// Runs the calibration rule (docs/numerics.md section 8) with unlabelled inputs.
/// With no inputs, the network must fix everything itself.
pub fn calibrate(net: &Network, inputs: &[RawInput]) -> Result<Calibration, IrError> {
    calibrate_labelled(net, inputs, None)
}

/// The calibration rule; `labels` (of `inputs`) are needed by `target = "accuracy"`.
pub fn calibrate_labelled(
    net: &Network,
    inputs: &[RawInput],
    labels: Option<&[u16]>,
) -> Result<Calibration, IrError> {
    calibrate_observed(net, inputs, labels, &|_| {})
}

/// As [`calibrate_labelled`]; `on_trial` sees every candidate of the search as it is
/// scored (progress for long searches).
pub fn calibrate_observed(
    net: &Network,
    inputs: &[RawInput],
    labels: Option<&[u16]>,
    on_trial: &TrialHook,
) -> Result<Calibration, IrError> {
    if inputs.is_empty() {
        let (qnet, quant) = quantize(net, None)?;
        return Ok(Calibration {
            network: net.clone(),
            qnet,
            stats: CalibStats::default(),
            quant,
            saturations: Vec::new(),
            samples: 0,
            theta0_search: Vec::new(),
            chosen_trial: None,
            theta0_fractions: vec![None; net.layers.len()],
            if_tuned: None,
            ann_accuracy: None,
        });
    }
    let ann = AnnRun::new(net, inputs);
    let pct = percentiles(&ann.acts, net.calibration.percentile);
    let max = percentiles(&ann.acts, 100.0);
    let accuracy_target = net.calibration.target == CalibTarget::Accuracy;
    // With dynamics, a network without `auto` layers (binary coding) still searches
    // its readout's tau_phi.
    let searching = net.calibration.auto_fraction
        && (!auto_layers(net).is_empty() || (accuracy_target && net.calibration.dynamics));
    let labels = match (accuracy_target, labels) {
        (true, None) => return Err(IrError::key(
            "calibration.target",
            "\"accuracy\" needs labelled calibration inputs (a validation split: an IDX images file with its labels file)",
        )),
        (true, Some(l)) if l.len() != inputs.len() => return Err(IrError::net(format!(
            "calibration: {} inputs but {} labels", inputs.len(), l.len()
        ))),
        (_, l) => l,
    };
    let fixed = vec![net.calibration.theta0_fraction; net.layers.len()];
    let mut cal = match (searching, labels.filter(|_| accuracy_target)) {
        (false, _) => with_fractions(net, inputs, &pct, &max, &fixed)?.0,
        (true, None) => agreement_search(net, inputs, &ann.predictions, &pct, &max, on_trial)?,
        (true, Some(l)) => accuracy_search(net, inputs, l, &ann, &pct, &max, on_trial)?,
    };
    cal.ann_accuracy = labels.map(|l| share_right(&ann.predictions, l));
    if let (true, Some(l)) = (accuracy_target, labels) {
        cal.if_tuned = tune_if_baseline(net, inputs, l, &ann).ok();
    }
    Ok(cal)
}

/// Called with each candidate of the θ0 search once it is scored.
pub type TrialHook = dyn Fn(&FractionTrial) + Sync;

/// Indices of the spiking layers whose θ0 is `auto`.
pub(crate) fn auto_layers(net: &Network) -> Vec<usize> {
    (0..net.layers.len())
        .filter(|&i| !net.layers[i].readout && net.layers[i].asn.theta0 == Theta0::Auto)
        .collect()
}

/// The agreement rule: the largest common fraction of [`THETA0_FRACTIONS`] whose
/// integer ASNN agrees with the ANN on at least `min_agreement` of the inputs.
fn agreement_search(
    net: &Network,
    inputs: &[RawInput],
    want: &[u16],
    pct: &[f64],
    max: &[f64],
    on_trial: &TrialHook,
) -> Result<Calibration, IrError> {
    let autos = auto_layers(net);
    let mut trials = Vec::new();
    let mut chosen = None;
    for &f in THETA0_FRACTIONS.iter() {
        let (cal, outs) = with_fractions(net, inputs, pct, max, &vec![f; net.layers.len()])?;
        let agree = agreement(&outs, want);
        let ok = agree >= net.calibration.min_agreement;
        trials.push(FractionTrial {
            fraction: f,
            layer: None,
            fractions: vec![f; autos.len()],
            m_f: None,
            readout_tau_phi: None,
            agreement: agree,
            spikes: mean_spikes(&outs),
            accuracy: None,
            settled_accuracy: None,
            drop_se: None,
            steps_to_99pct: None,
            spikes_to_99pct: None,
            spikes_to_99pct_interpolated: None,
            feasible: ok,
        });
        on_trial(trials.last().expect("just pushed"));
        chosen = Some(cal);
        if ok {
            break;
        }
    }
    let mut cal = chosen.expect("at least one candidate");
    cal.chosen_trial = Some(trials.len() - 1);
    cal.theta0_search = trials;
    Ok(cal)
}

/// Share of runs whose final prediction is `want`'s.
pub(crate) fn agreement(outs: &[Outcome], want: &[u16]) -> f64 {
    let same = outs
        .iter()
        .zip(want)
        .filter(|(o, w)| o.predictions.last() == Some(w))
        .count();
    same as f64 / outs.len().max(1) as f64
}

/// Mean hidden spikes per run over the window.
pub(crate) fn mean_spikes(outs: &[Outcome]) -> f64 {
    let total: u64 = outs
        .iter()
        .map(|o| o.spikes_per_step.iter().map(|&s| u64::from(s)).sum::<u64>())
        .sum();
    total as f64 / outs.len().max(1) as f64
}

/// Calibrates with a fixed fraction per layer (`fractions[l]`, used where layer `l`'s
/// θ0 is `auto`); also returns the golden model's run of every calibration input.
pub(crate) fn with_fractions(
    net: &Network,
    inputs: &[RawInput],
    pct: &[f64],
    max: &[f64],
    fractions: &[f64],
) -> Result<(Calibration, Vec<Outcome>), IrError> {
    let mut net = net.clone();
    let autos = auto_layers(&net);
    if let Some(&first) = autos.first() {
        net.calibration.theta0_fraction = fractions[first];
    }
    let resolved = resolve_theta0_per_layer(&net, pct, fractions)?;
    let fa = FloatAsnn::new(&resolved)?;
    let opts = SimOptions {
        track_max: true,
        ..Default::default()
    };
    let max_abs = inputs
        .par_iter()
        .map(|x| fa.run(x, None, opts).max_abs)
        .reduce(
            || vec![0.0; net.layers.len()],
            |a, b| a.iter().zip(&b).map(|(x, y)| x.max(*y)).collect(),
        );
    let (qnet, quant) = quantize(&resolved, Some(&max_abs))?;
    let golden = Golden::new(&qnet).map_err(|e| IrError::net(e.0))?;
    let runs = inputs
        .par_iter()
        .map(|x| golden.run(x, None, RunOptions::default()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IrError::net(format!("calibration input rejected: {e}")))?;
    let mut saturations = vec![SatCounts::default(); net.layers.len()];
    for t in &runs {
        saturations
            .iter_mut()
            .zip(&t.saturations)
            .for_each(|(a, b)| a.add(b));
    }
    let outs = runs
        .into_iter()
        .map(|t| Outcome {
            predictions: t.predictions,
            spikes_per_step: t.spikes_per_step,
            synops: t.synops,
            synops_per_step: t.synops_per_step,
            input_synops: t.input_synops,
            ..Default::default()
        })
        .collect();
    let theta0_fractions = (0..net.layers.len())
        .map(|l| autos.contains(&l).then(|| fractions[l]))
        .collect();
    let cal = Calibration {
        network: resolved,
        qnet,
        stats: CalibStats {
            activation_percentile: pct.to_vec(),
            activation_max: max.to_vec(),
            max_abs,
        },
        quant,
        saturations,
        samples: inputs.len(),
        theta0_search: Vec::new(),
        chosen_trial: None,
        theta0_fractions,
        if_tuned: None,
        ann_accuracy: None,
    };
    Ok((cal, outs))
}
