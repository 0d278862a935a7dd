//! Evaluating models over labelled samples: accuracy by step, spikes, synops,
//! decision step, steps to 99% of the ANN.

use crate::ann::Ann;
use crate::calibrate::Calibration;
use crate::float_asnn::FloatAsnn;
use crate::if_baseline::{IfBaseline, IfVariant};
use crate::trace::{decision_step, SimOptions, Trace};
use asnn_ir::IrError;
use asnn_numerics::{Golden, RawInput, RunOptions, SatCounts};
use rayon::prelude::*;
use serde::Serialize;

/// The models `asnn demo` / `asnn eval` compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Ann,
    AsnnFloat,
    AsnnInt,
    IfBaseline,
    IfPoisson,
    /// `if_baseline` with its percentile tuned on the validation split
    /// (`calibration.target = "accuracy"`, [`crate::tune::tune_if_baseline`]).
    IfBaselineTuned,
}

impl ModelKind {
    pub const ALL: [ModelKind; 5] = [
        ModelKind::Ann,
        ModelKind::AsnnFloat,
        ModelKind::AsnnInt,
        ModelKind::IfBaseline,
        ModelKind::IfPoisson,
    ];
    pub fn key(&self) -> &'static str {
        match self {
            ModelKind::Ann => "ann",
            ModelKind::AsnnFloat => "asnn_float",
            ModelKind::AsnnInt => "asnn_int",
            ModelKind::IfBaseline => "if_baseline",
            ModelKind::IfPoisson => "if_poisson",
            ModelKind::IfBaselineTuned => "if_baseline_tuned",
        }
    }
    pub fn is_spiking(&self) -> bool {
        *self != ModelKind::Ann
    }
}

/// One sample through one model.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub predictions: Vec<u16>,
    pub spikes_per_step: Vec<u32>,
    pub synops: u64,
    /// Hidden-spike synaptic operations per step.
    pub synops_per_step: Vec<u64>,
    pub input_synops: u64,
    pub input_spikes: u64,
    pub saturations: Vec<SatCounts>,
}

impl From<Trace> for Outcome {
    fn from(t: Trace) -> Self {
        Outcome {
            predictions: t.predictions,
            spikes_per_step: t.spikes_per_step,
            synops: t.synops,
            synops_per_step: t.synops_per_step,
            input_synops: t.input_synops,
            input_spikes: t.input_spikes,
            saturations: Vec::new(),
        }
    }
}

/// A model's figures over a sample set (the `asnn eval` JSON schema).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub accuracy: f64,
    /// Hidden-layer spikes over the window.
    pub spikes_per_inference: f64,
    /// Input-encoding spikes (Poisson baseline), reported separately.
    pub input_spikes_per_inference: f64,
    /// Synaptic operations from hidden spikes (one weight into one target each).
    pub synops_per_inference: f64,
    /// Synaptic operations from the input (changes or input spikes) × fan-out.
    pub input_synops_per_inference: f64,
    /// First step from which accuracy stays at or above 99% of the ANN's (None: never).
    pub steps_to_99pct: Option<u32>,
    /// Mean cumulative hidden spikes up to that step: the spikes needed to reach 99% of
    /// the ANN's accuracy (read off the accuracy-vs-spikes frontier).
    pub spikes_to_99pct: Option<f64>,
    /// Matched-accuracy figures at 98%, 99% and 99.5% of the ANN's accuracy
    /// ([`FRONTIER_LEVELS`]; empty without an ANN accuracy).
    pub frontier: Vec<FrontierPoint>,
    /// Mean over samples of the first step after which the prediction never changes.
    pub mean_decision_step: f64,
    pub accuracy_by_step: Vec<f64>,
    /// Mean cumulative hidden spikes up to and including each step.
    pub spikes_by_step: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturations: Option<u64>,
}

/// The shares of the ANN's accuracy at which the frontier is read off.
pub const FRONTIER_LEVELS: [f64; 3] = [0.98, 0.99, 0.995];

/// What it takes to reach `level` x the ANN's accuracy and stay there to the end of
/// the window (`None`: never reached).
#[derive(Clone, Debug, Serialize)]
pub struct FrontierPoint {
    pub level: f64,
    /// First step from which accuracy stays at or above the level.
    pub steps: Option<u32>,
    /// Mean cumulative hidden spikes up to and including that step.
    pub spikes: Option<f64>,
    /// Mean cumulative hidden-spike synaptic operations up to and including that step.
    pub synops: Option<f64>,
}

/// The spikes to reach `target` accuracy and stay there, read off between steps: with
/// `t` the first step from which accuracy stays at or above `target`, the cumulative
/// spikes at the fractional step where the accuracy, linear between steps `t - 1` and
/// `t`, meets `target` (at `t = 0`, those of step 0). The search's objective
/// (docs/numerics.md section 8): on 1,000 inputs, whether the crossing falls on step `t`
/// or `t + 1` is decided by an image or two, and the whole-step figure jumps by a step's
/// spikes; the interpolated one moves by what those images weigh.
pub fn interpolated_spikes_to(s: &Summary, target: f64) -> Option<f64> {
    let t = stays_from(&s.accuracy_by_step, target)?;
    if t == 0 {
        return Some(s.spikes_by_step[0]);
    }
    let (a0, a1) = (s.accuracy_by_step[t - 1], s.accuracy_by_step[t]);
    // a0 < target <= a1 by the definition of `t`.
    let u = ((target - a0) / (a1 - a0)).clamp(0.0, 1.0);
    let (s0, s1) = (s.spikes_by_step[t - 1], s.spikes_by_step[t]);
    Some(s0 + u * (s1 - s0))
}

/// First step from which every later accuracy is at or above `target`.
fn stays_from(acc_by_step: &[f64], target: f64) -> Option<usize> {
    let from = acc_by_step
        .iter()
        .rposition(|a| *a < target - 1e-12)
        .map_or(0, |t| t + 1);
    (from < acc_by_step.len()).then_some(from)
}

pub fn summarize(out: &[Outcome], labels: &[u16], ann_accuracy: Option<f64>) -> Summary {
    let n = out.len().max(1) as f64;
    let steps = out.first().map_or(0, |o| o.predictions.len());
    let mut acc_by_step = vec![0.0; steps];
    let mut spk_by_step = vec![0.0; steps];
    let mut syn_by_step = vec![0.0; steps];
    for (o, &lab) in out.iter().zip(labels) {
        let (mut cum, mut cum_syn) = (0u64, 0u64);
        for t in 0..steps {
            if o.predictions[t] == lab {
                acc_by_step[t] += 1.0;
            }
            cum += u64::from(o.spikes_per_step[t]);
            cum_syn += o.synops_per_step.get(t).copied().unwrap_or(0);
            spk_by_step[t] += cum as f64;
            syn_by_step[t] += cum_syn as f64;
        }
    }
    acc_by_step.iter_mut().for_each(|a| *a /= n);
    spk_by_step.iter_mut().for_each(|a| *a /= n);
    syn_by_step.iter_mut().for_each(|a| *a /= n);
    let accuracy = acc_by_step.last().copied().unwrap_or(0.0);
    let frontier: Vec<FrontierPoint> = ann_accuracy.map_or(Vec::new(), |ann| {
        FRONTIER_LEVELS
            .iter()
            .map(|&level| {
                let t = stays_from(&acc_by_step, level * ann);
                FrontierPoint {
                    level,
                    steps: t.map(|t| t as u32),
                    spikes: t.map(|t| spk_by_step[t]),
                    synops: t.map(|t| syn_by_step[t]),
                }
            })
            .collect()
    });
    let steps_to_99pct = ann_accuracy
        .and_then(|ann| stays_from(&acc_by_step, 0.99 * ann))
        .map(|t| t as u32);
    let mean = |f: &dyn Fn(&Outcome) -> f64| out.iter().map(f).sum::<f64>() / n;
    let sats: u64 = out
        .iter()
        .flat_map(|o| o.saturations.iter())
        .map(|s| s.total())
        .sum();
    Summary {
        accuracy,
        spikes_per_inference: spk_by_step.last().copied().unwrap_or(0.0),
        input_spikes_per_inference: mean(&|o| o.input_spikes as f64),
        synops_per_inference: mean(&|o| o.synops as f64),
        input_synops_per_inference: mean(&|o| o.input_synops as f64),
        steps_to_99pct,
        spikes_to_99pct: steps_to_99pct.map(|t| spk_by_step[t as usize]),
        frontier,
        mean_decision_step: mean(&|o| f64::from(decision_step(&o.predictions))),
        accuracy_by_step: acc_by_step,
        spikes_by_step: spk_by_step,
        saturations: out
            .iter()
            .any(|o| !o.saturations.is_empty())
            .then_some(sats),
    }
}

/// Every model, built from one calibration.
pub struct Models<'a> {
    pub cal: &'a Calibration,
    ann: Ann<'a>,
    fa: FloatAsnn<'a>,
    golden: Golden<'a>,
    ifb: Result<IfBaseline<'a>, IrError>,
    ifp: Result<IfBaseline<'a>, IrError>,
    ift: Result<IfBaseline<'a>, IrError>,
}

impl<'a> Models<'a> {
    /// `poisson_seed` seeds the Poisson baseline (recorded in reports).
    pub fn new(cal: &'a Calibration, poisson_seed: u64) -> Result<Self, IrError> {
        let net = &cal.network;
        // The baselines are normalised by activation statistics of calibration data;
        // without them they are not run (never silently unnormalised).
        let no_stats = || {
            Err(IrError::net("no calibration data: the IF baselines need ANN activation statistics of training data"))
        };
        let (ifb, ifp) = if cal.stats.activation_percentile.is_empty() {
            (no_stats(), no_stats())
        } else {
            (
                IfBaseline::new(net, &cal.stats.activation_percentile, IfVariant::Analog),
                IfBaseline::new(
                    net,
                    &cal.stats.activation_max,
                    IfVariant::Poisson { seed: poisson_seed },
                ),
            )
        };
        let ift = match &cal.if_tuned {
            Some(t) => IfBaseline::new(net, &t.lambda, IfVariant::Analog),
            // The baseline's own refusal (e.g. max pooling) first, else why it is untuned.
            None => IfBaseline::new(net, &cal.stats.activation_percentile, IfVariant::Analog)
                .and(Err(IrError::net(
                    "no tuned percentile: it is tuned on labelled calibration inputs with calibration.target = \"accuracy\"",
                ))),
        };
        Ok(Models {
            ift,
            cal,
            ann: Ann::new(net),
            fa: FloatAsnn::new(net)?,
            golden: Golden::new(&cal.qnet).map_err(|e| IrError::net(e.0))?,
            ifb,
            ifp,
        })
    }

    /// The rate-coded baseline behind `kind` (`None`: not a baseline).
    fn baseline(&self, kind: ModelKind) -> Option<&Result<IfBaseline<'a>, IrError>> {
        match kind {
            ModelKind::IfBaseline => Some(&self.ifb),
            ModelKind::IfPoisson => Some(&self.ifp),
            ModelKind::IfBaselineTuned => Some(&self.ift),
            _ => None,
        }
    }

    /// Why a model cannot run on this network (e.g. IF baselines and max pooling).
    pub fn unavailable(&self, kind: ModelKind) -> Option<String> {
        self.baseline(kind)?.as_ref().err().map(|e| e.to_string())
    }

    pub fn run(
        &self,
        kind: ModelKind,
        x: &RawInput,
        steps: u32,
        sample_id: u64,
    ) -> Result<Outcome, String> {
        let so = SimOptions::default();
        Ok(match kind {
            ModelKind::Ann => {
                let p = self.ann.predict(x);
                Outcome {
                    predictions: vec![p; steps as usize],
                    spikes_per_step: vec![0; steps as usize],
                    synops_per_step: vec![0; steps as usize],
                    ..Default::default()
                }
            }
            ModelKind::AsnnFloat => self.fa.run(x, Some(steps), so).into(),
            ModelKind::IfBaseline | ModelKind::IfPoisson | ModelKind::IfBaselineTuned => self
                .baseline(kind)
                .expect("a baseline kind")
                .as_ref()
                .map_err(|e| e.to_string())?
                .run(x, Some(steps), so, sample_id)
                .into(),
            ModelKind::AsnnInt => {
                let t = self
                    .golden
                    .run(x, Some(steps), RunOptions::default())
                    .map_err(|e| e.0)?;
                Outcome {
                    predictions: t.predictions,
                    spikes_per_step: t.spikes_per_step,
                    synops: t.synops,
                    synops_per_step: t.synops_per_step,
                    input_synops: t.input_synops,
                    input_spikes: 0,
                    saturations: t.saturations,
                }
            }
        })
    }

    /// Runs `kinds` over all samples in parallel; `tick` is called once per sample.
    /// Result: one vector of outcomes per kind, in sample order.
    pub fn evaluate(
        &self,
        kinds: &[ModelKind],
        inputs: &[RawInput],
        steps: u32,
        tick: &(dyn Fn() + Sync),
    ) -> Result<Vec<Vec<Outcome>>, String> {
        let per_sample: Vec<Vec<Outcome>> = inputs
            .par_iter()
            .enumerate()
            .map(|(i, x)| {
                let r = kinds
                    .iter()
                    .map(|k| self.run(*k, x, steps, i as u64))
                    .collect::<Result<Vec<_>, _>>();
                tick();
                r
            })
            .collect::<Result<_, _>>()?;
        let mut by_kind: Vec<Vec<Outcome>> = kinds
            .iter()
            .map(|_| Vec::with_capacity(inputs.len()))
            .collect();
        for sample in per_sample {
            for (k, o) in sample.into_iter().enumerate() {
                by_kind[k].push(o);
            }
        }
        Ok(by_kind)
    }
}
