//! Running and reporting the model comparison (demo and eval share it).

use crate::common::{progress, strings, write_file};
use anyhow::Result;
use asnn_report::{line_plot, Axis, Series};
use asnn_sim::{summarize, Calibration, ModelKind, Models, Outcome, Summary};
use serde_json::{json, Value};
use std::path::Path;

/// The default seed of the Poisson baseline (recorded in every report).
pub const POISSON_SEED: u64 = 2015;

pub struct Comparison {
    pub kinds: Vec<ModelKind>,
    pub sums: Vec<Summary>,
    pub outs: Vec<Vec<Outcome>>,
    pub skipped: Vec<(ModelKind, String)>,
    pub samples: usize,
    pub steps: u32,
    pub seed: u64,
    /// The accuracy the frontier is read against, when not this network's ANN.
    pub reference: Option<f64>,
}

impl Comparison {
    pub fn get(&self, k: ModelKind) -> Option<(&Summary, &[Outcome])> {
        self.kinds
            .iter()
            .position(|x| *x == k)
            .map(|i| (&self.sums[i], &self.outs[i][..]))
    }
}

/// Runs `wanted` (those the network supports) over the samples.
pub fn compare(
    cal: &Calibration,
    wanted: &[ModelKind],
    inputs: &[asnn_numerics::RawInput],
    labels: &[u16],
    steps: u32,
    seed: u64,
    reference: Option<f64>,
) -> Result<Comparison> {
    let models = Models::new(cal, seed)?;
    let mut kinds = Vec::new();
    let mut skipped = Vec::new();
    for k in wanted {
        match models.unavailable(*k) {
            Some(why) => skipped.push((*k, why)),
            None => kinds.push(*k),
        }
    }
    let pb = progress(inputs.len(), "evaluating");
    let tick = || pb.inc(1);
    let outs = models
        .evaluate(&kinds, inputs, steps, &tick)
        .map_err(anyhow::Error::msg)?;
    pb.finish_and_clear();
    let ann_acc = kinds
        .iter()
        .position(|k| *k == ModelKind::Ann)
        .map(|i| summarize(&outs[i], labels, None).accuracy);
    // Matched accuracy is read against another network's ANN when asked (e.g. the
    // unpenalised one, for a network trained with an activity penalty).
    let ann_acc = reference.or(ann_acc);
    let sums = outs.iter().map(|o| summarize(o, labels, ann_acc)).collect();
    Ok(Comparison {
        kinds,
        sums,
        outs,
        skipped,
        samples: inputs.len(),
        steps,
        seed,
        reference,
    })
}

pub fn print_table(c: &Comparison) {
    let mut rows = vec![strings([
        "model",
        "accuracy",
        "spikes/inference",
        "input spikes",
        "synops/inference",
        "mean decision step",
        "steps to 99% of ANN",
        "spikes to 99% of ANN",
    ])];
    for (k, s) in c.kinds.iter().zip(&c.sums) {
        let sp = k.is_spiking();
        let opt = |v: String| if sp { v } else { "-".into() };
        rows.push(vec![
            k.key().to_string(),
            format!("{:.2}%", 100.0 * s.accuracy),
            opt(format!("{:.1}", s.spikes_per_inference)),
            opt(if *k == ModelKind::IfPoisson {
                format!("{:.0}", s.input_spikes_per_inference)
            } else {
                "-".into()
            }),
            opt(format!("{:.0}", s.synops_per_inference)),
            opt(format!("{:.1}", s.mean_decision_step)),
            opt(s.steps_to_99pct.map_or("never".into(), |t| t.to_string())),
            opt(s
                .spikes_to_99pct
                .map_or("never".into(), |t| format!("{t:.1}"))),
        ]);
    }
    print!("{}", asnn_report::table(&rows));
    print_frontier(c);
    for (k, why) in &c.skipped {
        println!("{}: not run — {why}", k.key());
    }
    if let (Some((sf, of)), Some((si, oi))) =
        (c.get(ModelKind::AsnnFloat), c.get(ModelKind::AsnnInt))
    {
        let same = of
            .iter()
            .zip(oi)
            .filter(|(a, b)| a.predictions.last() == b.predictions.last())
            .count();
        println!(
            "integer vs float ASNN: same prediction on {same}/{} ({:.2}%); spikes per inference {:.1} vs {:.1} ({:+.2}%); integer saturations {}",
            c.samples,
            100.0 * same as f64 / c.samples.max(1) as f64,
            si.spikes_per_inference,
            sf.spikes_per_inference,
            100.0 * (si.spikes_per_inference - sf.spikes_per_inference) / sf.spikes_per_inference.max(1e-9),
            si.saturations.unwrap_or(0)
        );
    }
}

/// Spikes, synops and steps to reach 98%, 99% and 99.5% of the ANN's accuracy (and
/// stay there), per spiking model: the comparison at matched accuracy.
fn print_frontier(c: &Comparison) {
    let Some((ann, _)) = c.get(ModelKind::Ann) else {
        return;
    };
    let reference = c.reference.unwrap_or(ann.accuracy);
    let mut head = vec![match c.reference {
        Some(r) => format!("matched accuracy (reference {:.2}%)", 100.0 * r),
        None => "matched accuracy".to_string(),
    }];
    for l in asnn_sim::FRONTIER_LEVELS {
        head.push(format!(
            "{}% of ANN ({:.2}%)",
            100.0 * l,
            100.0 * l * reference
        ));
    }
    let mut rows = vec![head];
    for (k, s) in c.kinds.iter().zip(&c.sums) {
        if !k.is_spiking() {
            continue;
        }
        let mut row = vec![k.key().to_string()];
        for p in &s.frontier {
            row.push(match (p.steps, p.spikes, p.synops) {
                (Some(t), Some(sp), Some(sy)) => {
                    format!("{sp:.0} spikes, {sy:.0} synops, step {t}")
                }
                _ => "never".into(),
            });
        }
        rows.push(row);
    }
    print!("{}", asnn_report::table(&rows));
}

/// `{"models": {key: summary}}` plus the run's parameters.
pub fn to_json(c: &Comparison, full: bool) -> Value {
    let mut m = serde_json::Map::new();
    for (k, s) in c.kinds.iter().zip(&c.sums) {
        let mut v = serde_json::to_value(s).expect("serializable");
        if !full {
            let o = v.as_object_mut().expect("object");
            o.remove("accuracy_by_step");
            o.remove("spikes_by_step");
        }
        m.insert(k.key().into(), v);
    }
    let same = match (c.get(ModelKind::AsnnFloat), c.get(ModelKind::AsnnInt)) {
        (Some((_, of)), Some((_, oi))) => Some(
            of.iter()
                .zip(oi)
                .filter(|(a, b)| a.predictions.last() == b.predictions.last())
                .count(),
        ),
        _ => None,
    };
    json!({
        "samples": c.samples,
        "steps": c.steps,
        "poisson_seed": c.seed,
        "reference_accuracy": c.reference,
        "models": m,
        "not_run": c.skipped.iter().map(|(k, why)| json!({"model": k.key(), "reason": why})).collect::<Vec<_>>(),
        "int_vs_float_same_prediction": same,
    })
}

/// A point of the theta0 sweep (ASNN integer model).
pub struct SweepPoint {
    pub fraction: f64,
    pub summary: Summary,
}

fn color_of(k: ModelKind) -> usize {
    ModelKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// accuracy_vs_step.svg and accuracy_vs_spikes.svg.
pub fn write_plots(
    dir: &Path,
    title: &str,
    c: &Comparison,
    sweep: &[SweepPoint],
) -> Result<Vec<String>> {
    let mut series = Vec::new();
    for (k, s) in c.kinds.iter().zip(&c.sums) {
        series.push(Series {
            name: k.key().into(),
            points: s
                .accuracy_by_step
                .iter()
                .enumerate()
                .map(|(t, a)| ((t + 1) as f64, 100.0 * a))
                .collect(),
            markers: false,
            line: true,
            labels: Vec::new(),
            color: color_of(*k),
        });
    }
    let by_step = line_plot(
        &format!("{title}: accuracy by time step ({} samples)", c.samples),
        &Axis {
            label: "time step".into(),
            log: true,
        },
        &Axis {
            label: "accuracy (%)".into(),
            log: false,
        },
        &series,
    )
    .map_err(anyhow::Error::msg)?;
    let mut frontier = Vec::new();
    for (k, s) in c.kinds.iter().zip(&c.sums) {
        if !k.is_spiking() {
            continue;
        }
        frontier.push(Series {
            name: k.key().into(),
            points: s
                .spikes_by_step
                .iter()
                .zip(&s.accuracy_by_step)
                .map(|(sp, a)| (*sp, 100.0 * a))
                .collect(),
            markers: false,
            line: true,
            labels: Vec::new(),
            color: color_of(*k),
        });
    }
    if !sweep.is_empty() {
        frontier.push(Series {
            name: "asnn_int theta0 sweep (final step)".into(),
            points: sweep
                .iter()
                .map(|p| (p.summary.spikes_per_inference, 100.0 * p.summary.accuracy))
                .collect(),
            markers: true,
            line: true,
            labels: sweep.iter().map(|p| format!("  {}", p.fraction)).collect(),
            color: ModelKind::ALL.len(),
        });
    }
    let by_spikes = line_plot(
        &format!("{title}: accuracy vs cumulative hidden spikes"),
        &Axis {
            label: "hidden spikes per inference (cumulative, log)".into(),
            log: true,
        },
        &Axis {
            label: "accuracy (%)".into(),
            log: false,
        },
        &frontier,
    )
    .map_err(anyhow::Error::msg)?;
    let a = dir.join("accuracy_vs_step.svg");
    let b = dir.join("accuracy_vs_spikes.svg");
    write_file(&a, &by_step)?;
    write_file(&b, &by_spikes)?;
    Ok(vec![a.display().to_string(), b.display().to_string()])
}
