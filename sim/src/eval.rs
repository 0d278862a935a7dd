//! Evaluating models over labelled samples: accuracy by step, spikes, decision step.

use crate::ann::Ann;
use crate::calibrate::Calibration;
use crate::float_asnn::FloatAsnn;
use crate::if_baseline::IfBaseline;
use crate::trace::{decision_step, SimOptions};
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
}

impl ModelKind {
    pub const ALL: [ModelKind; 4] = [
        ModelKind::Ann,
        ModelKind::AsnnFloat,
        ModelKind::AsnnInt,
        ModelKind::IfBaseline,
    ];
    pub fn key(&self) -> &'static str {
        match self {
            ModelKind::Ann => "ann",
            ModelKind::AsnnFloat => "asnn_float",
            ModelKind::AsnnInt => "asnn_int",
            ModelKind::IfBaseline => "if_baseline",
        }
    }
}

/// One sample through one model.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub predictions: Vec<u16>,
    pub spikes_per_step: Vec<u32>,
    pub synops: u64,
    pub input_synops: u64,
    pub saturations: Vec<SatCounts>,
}

/// A model's figures over a sample set.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub accuracy: f64,
    pub spikes_per_inference: f64,
    pub synops_per_inference: f64,
    pub input_synops_per_inference: f64,
    pub mean_decision_step: f64,
    /// First step from which accuracy stays at or above 99% of the ANN's (None: never).
    pub steps_to_99pct: Option<u32>,
    pub accuracy_by_step: Vec<f64>,
    /// Mean cumulative hidden spikes up to and including each step.
    pub spikes_by_step: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturations: Option<u64>,
}

pub fn summarize(out: &[Outcome], labels: &[u16], ann_accuracy: Option<f64>) -> Summary {
    let n = out.len().max(1) as f64;
    let steps = out.first().map_or(0, |o| o.predictions.len());
    let mut acc_by_step = vec![0.0; steps];
    let mut spk_by_step = vec![0.0; steps];
    for (o, &lab) in out.iter().zip(labels) {
        let mut cum = 0u64;
        for t in 0..steps {
            if o.predictions[t] == lab {
                acc_by_step[t] += 1.0;
            }
            cum += u64::from(o.spikes_per_step[t]);
            spk_by_step[t] += cum as f64;
        }
    }
    acc_by_step.iter_mut().for_each(|a| *a /= n);
    spk_by_step.iter_mut().for_each(|a| *a /= n);
    let accuracy = acc_by_step.last().copied().unwrap_or(0.0);
    let steps_to_99pct = ann_accuracy.and_then(|ann| {
        let target = 0.99 * ann;
        let mut first = None;
        for (t, a) in acc_by_step.iter().enumerate().rev() {
            if *a >= target - 1e-12 {
                first = Some(t as u32);
            } else {
                break;
            }
        }
        first
    });
    let sats: u64 = out
        .iter()
        .flat_map(|o| o.saturations.iter())
        .map(|s| s.total())
        .sum();
    Summary {
        accuracy,
        spikes_per_inference: spk_by_step.last().copied().unwrap_or(0.0),
        synops_per_inference: out.iter().map(|o| o.synops as f64).sum::<f64>() / n,
        input_synops_per_inference: out.iter().map(|o| o.input_synops as f64).sum::<f64>() / n,
        mean_decision_step: out
            .iter()
            .map(|o| f64::from(decision_step(&o.predictions)))
            .sum::<f64>()
            / n,
        steps_to_99pct,
        accuracy_by_step: acc_by_step,
        spikes_by_step: spk_by_step,
        saturations: out
            .iter()
            .any(|o| !o.saturations.is_empty())
            .then_some(sats),
    }
}

/// All four models, built from one calibration.
pub struct Models<'a> {
    pub cal: &'a Calibration,
    ann: Ann<'a>,
    fa: FloatAsnn<'a>,
    golden: Golden<'a>,
    ifb: IfBaseline<'a>,
}

impl<'a> Models<'a> {
    pub fn new(cal: &'a Calibration) -> Result<Self, IrError> {
        let lambda = if cal.stats.activation_percentile.is_empty() {
            // No calibration data: normalise by the ANN's own maximum is impossible;
            // fall back to 1 (no normalisation) and say so in the report.
            vec![1.0; cal.network.layers.len()]
        } else {
            cal.stats.activation_percentile.clone()
        };
        Ok(Models {
            cal,
            ann: Ann::new(&cal.network),
            fa: FloatAsnn::new(&cal.network)?,
            golden: Golden::new(&cal.qnet).map_err(|e| IrError::net(e.0))?,
            ifb: IfBaseline::new(&cal.network, &lambda)?,
        })
    }

    pub fn run(&self, kind: ModelKind, x: &RawInput, steps: u32) -> Result<Outcome, String> {
        let o = |t: crate::trace::Trace| Outcome {
            predictions: t.predictions,
            spikes_per_step: t.spikes_per_step,
            synops: t.synops,
            input_synops: t.input_synops,
            saturations: Vec::new(),
        };
        Ok(match kind {
            ModelKind::Ann => {
                let p = self.ann.predict(x);
                Outcome {
                    predictions: vec![p; steps as usize],
                    spikes_per_step: vec![0; steps as usize],
                    ..Default::default()
                }
            }
            ModelKind::AsnnFloat => o(self.fa.run(x, Some(steps), SimOptions::default())),
            ModelKind::IfBaseline => o(self.ifb.run(x, Some(steps), SimOptions::default())),
            ModelKind::AsnnInt => {
                let t = self
                    .golden
                    .run(x, Some(steps), RunOptions::default())
                    .map_err(|e| e.0)?;
                Outcome {
                    predictions: t.predictions,
                    spikes_per_step: t.spikes_per_step,
                    synops: t.synops,
                    input_synops: t.input_synops,
                    saturations: t.saturations,
                }
            }
        })
    }

    /// Runs `kinds` over all samples in parallel; `tick` is called once per sample.
    pub fn evaluate(
        &self,
        kinds: &[ModelKind],
        inputs: &[RawInput],
        steps: u32,
        tick: &(dyn Fn() + Sync),
    ) -> Result<Vec<Vec<Outcome>>, String> {
        let per_sample: Vec<Vec<Outcome>> = inputs
            .par_iter()
            .map(|x| {
                let r = kinds
                    .iter()
                    .map(|k| self.run(*k, x, steps))
                    .collect::<Result<Vec<_>, _>>();
                tick();
                r
            })
            .collect::<Result<_, _>>()?;
        Ok((0..kinds.len())
            .map(|k| per_sample.iter().map(|s| s[k].clone()).collect())
            .collect())
    }
}
