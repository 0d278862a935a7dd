//! `asnn eval`: ANN, float ASNN, integer ASNN and both rate-coded baselines on a dataset.

use crate::common::{
    calibrate_net, calibrate_subset_observed, check_inputs, dataset, labels, load,
    print_calibration, strings, trial_printer, write_json, CalibArgs,
};
use crate::models::{compare, print_table, to_json, write_plots, SweepPoint};
use anyhow::{bail, Result};
use asnn_ir::Theta0;
use asnn_sim::{summarize, ModelKind, Models};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// `asnn eval` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    /// Labelled test samples: idx:DIR[:PREFIX] (prefix t10k by default) or events:FILE.csv.
    #[arg(long)]
    pub dataset: String,
    #[command(flatten)]
    pub cal: CalibArgs,
    /// Evaluate only the first N samples.
    #[arg(long)]
    pub samples: Option<usize>,
    /// Override the network's number of time steps.
    #[arg(long)]
    pub steps: Option<u32>,
    /// Write every figure (accuracy and spikes by step included) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write accuracy_vs_step.svg and accuracy_vs_spikes.svg here.
    #[arg(long)]
    pub plots: Option<PathBuf>,
    /// Also run the integer ASNN for these calibration.theta0_fraction values.
    #[arg(long, value_delimiter = ',')]
    pub theta0_sweep: Option<Vec<f64>>,
    /// Read the matched-accuracy figures (steps to 99% ...) against this accuracy
    /// instead of this network's ANN's, e.g. the unpenalised ANN's test accuracy for a
    /// network trained with an activity penalty (0.9872 for 98.72%).
    #[arg(long)]
    pub reference_accuracy: Option<f64>,
    /// Seed of the Poisson baseline's input spike trains.
    #[arg(long, default_value_t = crate::models::POISSON_SEED)]
    pub seed: u64,
    /// Run only these models (comma-separated: ann, asnn_float, asnn_int, if_baseline,
    /// if_poisson, if_baseline_tuned); the ANN always runs, as the reference of the
    /// matched-accuracy figures. Default: all (the tuned baseline when the network's
    /// calibration target is "accuracy").
    #[arg(long, value_delimiter = ',', value_parser = parse_model)]
    pub models: Option<Vec<ModelKind>>,
}

fn parse_model(s: &str) -> Result<ModelKind, String> {
    ModelKind::ALL
        .iter()
        .chain(&[ModelKind::IfBaselineTuned])
        .find(|k| k.key() == s)
        .copied()
        .ok_or_else(|| {
            format!("unknown model {s:?}: expected ann, asnn_float, asnn_int, if_baseline, if_poisson or if_baseline_tuned")
        })
}

pub fn run(a: &Args) -> Result<()> {
    let net_path = a.net.as_path();
    let t0 = Instant::now();
    let loaded = load(net_path)?;
    let net = &loaded.network;
    let steps = a.steps.unwrap_or(net.steps);
    if steps == 0 {
        bail!("--steps must be at least 1");
    }
    let Some(calib) = a.cal.calib.as_deref() else {
        bail!("asnn eval needs --calib idx:DIR[:PREFIX] (training data): the ASNN's theta0 and formats and the baselines' normalisation are calibrated on it");
    };
    let data = dataset(&a.dataset, a.samples)?;
    let labels = labels(&data)?;
    check_inputs(net, &data, steps)?;
    let wants = |k: ModelKind| a.models.as_ref().is_none_or(|m| m.contains(&k));
    // The baseline's tuning is part of the accuracy rule's calibration: skipped when
    // its model is not wanted (the ASNN's θ0 and the formats do not depend on it once
    // the network's θ0 and dynamics are explicit, as in a calibrated file).
    let mut cal_net = net.clone();
    if !wants(ModelKind::IfBaselineTuned)
        && !net.calibration.dynamics
        && !net.hidden().iter().any(|l| l.asn.theta0 == Theta0::Auto)
    {
        cal_net.calibration.target = asnn_ir::CalibTarget::Agreement;
    }
    let cal = calibrate_subset_observed(
        &loaded,
        &cal_net,
        Some(calib),
        a.cal.calib_samples,
        0,
        &trial_printer(),
    )?;
    print_calibration(&cal);
    let t_eval = Instant::now();
    // The tuned baseline exists when the rule had labelled inputs (target = "accuracy").
    let mut kinds = ModelKind::ALL.to_vec();
    if cal.if_tuned.is_some() {
        kinds.push(ModelKind::IfBaselineTuned);
    }
    kinds.retain(|k| *k == ModelKind::Ann || wants(*k));
    if let Some(r) = a.reference_accuracy {
        if !(r > 0.0 && r <= 1.0) {
            bail!("--reference-accuracy must be in (0, 1], found {r}");
        }
    }
    let c = compare(
        &cal,
        &kinds,
        &data.inputs,
        labels,
        steps,
        a.seed,
        a.reference_accuracy,
    )?;
    let eval_s = t_eval.elapsed().as_secs_f64();
    println!(
        "\n{} — {} samples of {}, {steps} steps, scored at the last step (Poisson seed {}):",
        net.name,
        data.len(),
        data.source,
        a.seed
    );
    print_table(&c);
    println!(
        "evaluated {} samples x {} models in {eval_s:.1} s ({:.0} samples/s) on {} threads",
        data.len(),
        c.kinds.len(),
        data.len() as f64 / eval_s,
        rayon::current_num_threads()
    );
    let mut sweep = Vec::new();
    if let Some(fracs) = &a.theta0_sweep {
        if !net.hidden().iter().any(|l| l.asn.theta0 == Theta0::Auto) {
            bail!("--theta0-sweep needs theta0 = \"auto\" (graded coding): the sweep varies calibration.theta0_fraction");
        }
        let mut rows = vec![strings([
            "theta0_fraction",
            "accuracy",
            "spikes/inference",
            "steps to 99% of ANN",
            "spikes to 99% of ANN",
        ])];
        let ann_acc = c.get(ModelKind::Ann).map(|(s, _)| s.accuracy);
        for &f in fracs {
            let mut n2 = net.clone();
            n2.calibration.theta0_fraction = f;
            // A sweep point is a fixed fraction, never the "auto" search (nor the
            // baseline's tuning: only the integer ASNN runs).
            n2.calibration.auto_fraction = false;
            n2.calibration.target = asnn_ir::CalibTarget::Agreement;
            let cal2 = calibrate_net(&loaded, &n2, Some(calib), a.cal.calib_samples)?;
            let m = Models::new(&cal2, a.seed)?;
            let outs = m
                .evaluate(&[ModelKind::AsnnInt], &data.inputs, steps, &|| {})
                .map_err(anyhow::Error::msg)?;
            let s = summarize(&outs[0], labels, ann_acc);
            rows.push(vec![
                format!("{f}"),
                format!("{:.2}%", 100.0 * s.accuracy),
                format!("{:.1}", s.spikes_per_inference),
                s.steps_to_99pct.map_or("never".into(), |t| t.to_string()),
                s.spikes_to_99pct
                    .map_or("never".into(), |t| format!("{t:.1}")),
            ]);
            sweep.push(SweepPoint {
                fraction: f,
                summary: s,
            });
        }
        println!("\ninteger ASNN over theta0_fraction (theta0 = fraction x the layer's {}th-percentile activation):", net.calibration.percentile);
        print!("{}", asnn_report::table(&rows));
    }
    if let Some(dir) = &a.plots {
        for f in write_plots(dir, &net.name, &c, &sweep)? {
            println!("wrote {f}");
        }
    }
    if let Some(out) = &a.json {
        let mut v = to_json(&c, true);
        v["network"] = net.name.clone().into();
        v["dataset"] = data.source.clone().into();
        v["calibration"] = json!({"samples": cal.samples, "source": calib, "layers": cal.quant,
            "target": net.calibration.target.key(), "theta0_fractions": cal.theta0_fractions,
            "theta0_search": cal.theta0_search, "chosen_trial": cal.chosen_trial,
            "if_baseline_tuned": cal.if_tuned});
        v["eval_seconds"] = eval_s.into();
        v["theta0_sweep"] = sweep
            .iter()
            .map(|p| {
                json!({"theta0_fraction": p.fraction, "accuracy": p.summary.accuracy,
                       "spikes_per_inference": p.summary.spikes_per_inference,
                       "steps_to_99pct": p.summary.steps_to_99pct, "spikes_to_99pct": p.summary.spikes_to_99pct})
            })
            .collect::<Vec<_>>()
            .into();
        write_json(out, &v)?;
        println!("wrote {}", out.display());
    }
    println!("total {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}
