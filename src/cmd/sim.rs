//! `asnn sim`: per sample prediction, spikes per layer, readout trace.

use crate::common::CalibArgs;
use crate::common::{calibrate_for, check_inputs, dataset, load, progress, write_json};
use crate::models::POISSON_SEED;
use anyhow::{bail, Result};
use asnn_numerics::{Golden, RunOptions};
use asnn_sim::{Ann, FloatAsnn, IfBaseline, IfVariant, SimOptions};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The model `asnn sim` runs, built once.
enum Runner<'a> {
    Ann(Ann<'a>),
    Int(Golden<'a>),
    /// The float ASNN.
    Float(FloatAsnn<'a>),
    /// An IF baseline.
    IfNet(IfBaseline<'a>),
}

/// Which model `asnn sim` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    Ann,
    AsnnFloat,
    AsnnInt,
    IfBaseline,
    IfPoisson,
}

/// `asnn sim` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    /// Input samples: idx:DIR[:PREFIX], events:FILE.csv, or an IDX images file.
    #[arg(long)]
    pub input: String,
    /// Which model to run.
    #[arg(long, value_enum, default_value_t = Model::AsnnInt)]
    pub model: Model,
    /// Shorthand for --model asnn-float.
    #[arg(long, conflicts_with = "model")]
    pub float: bool,
    #[command(flatten)]
    pub cal: CalibArgs,
    /// Simulate only the first N input samples.
    #[arg(long)]
    pub samples: Option<usize>,
    /// Override the network's number of time steps.
    #[arg(long)]
    pub steps: Option<u32>,
    /// Write per-sample results (with readout traces) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Include every spike [step, layer, neuron, payload] in the JSON.
    #[arg(long, requires = "json")]
    pub spikes: bool,
}

pub fn run(a: &Args) -> Result<()> {
    let model = if a.float { Model::AsnnFloat } else { a.model };
    let (p, input) = (a.net.as_path(), a.input.as_str());
    let (calib, calib_samples) = (a.cal.calib.as_deref(), a.cal.calib_samples);
    let (samples, steps, json_out, spikes) = (a.samples, a.steps, a.json.as_deref(), a.spikes);
    let loaded = load(p)?;
    let data = dataset(input, samples)?;
    let steps = steps.unwrap_or(loaded.network.steps);
    if steps == 0 {
        bail!("--steps must be at least 1");
    }
    check_inputs(&loaded.network, &data, steps)?;
    let needs_cal = model != Model::Ann;
    if matches!(model, Model::IfBaseline | Model::IfPoisson) && calib.is_none() {
        bail!("the IF baselines normalise each layer by ANN activation statistics of training data: pass --calib idx:DIR[:PREFIX]");
    }
    let cal = if needs_cal {
        Some(calibrate_for(&loaded, calib, calib_samples)?)
    } else {
        None
    };
    // Build the model once; every sample reuses it.
    let net = &loaded.network;
    let runner = match (model, cal.as_ref()) {
        (Model::Ann, _) => Runner::Ann(Ann::new(net)),
        (Model::AsnnInt, Some(c)) => {
            Runner::Int(Golden::new(&c.qnet).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        (Model::AsnnFloat, Some(c)) => Runner::Float(FloatAsnn::new(&c.network)?),
        (Model::IfBaseline, Some(c)) => Runner::IfNet(IfBaseline::new(
            &c.network,
            &c.stats.activation_percentile,
            IfVariant::Analog,
        )?),
        (Model::IfPoisson, Some(c)) => {
            let v = IfVariant::Poisson { seed: POISSON_SEED };
            Runner::IfNet(IfBaseline::new(&c.network, &c.stats.activation_max, v)?)
        }
        (_, None) => unreachable!("spiking models are calibrated above"),
    };
    let pb = progress(data.len(), "simulating");
    let mut per_sample = Vec::new();
    let mut correct = 0usize;
    for (i, x) in data.inputs.iter().enumerate() {
        let label = data.labels.as_ref().map(|l| l[i]);
        let mut v = json!({ "index": i, "label": label });
        let pred = match &runner {
            Runner::Ann(ann) => {
                let out = ann.forward(x);
                let logits = out.last().cloned().unwrap_or_default();
                let pred = asnn_sim::argmax_f64(&logits);
                v["logits"] = json!(logits);
                pred
            }
            Runner::Int(g) => {
                let c = cal.as_ref().expect("calibrated");
                let t = g
                    .run(
                        x,
                        Some(steps),
                        RunOptions {
                            record_readout: true,
                            record_spikes: spikes,
                            early_exit: None,
                            exit_margin: None,
                            watch: None,
                        },
                    )
                    .map_err(|e| anyhow::anyhow!("sample {i}: {e}"))?;
                if spikes {
                    v["spike_list"] = json!(t
                        .spikes
                        .iter()
                        .map(|s| json!([s.step, s.layer, s.neuron, s.payload]))
                        .collect::<Vec<_>>());
                }
                v["spikes_per_layer"] = layer_map(&c.network, &t.spikes_per_layer);
                v["spikes"] = json!(t.spikes_per_layer.iter().sum::<u64>());
                v["readout_trace"] = json!(t.readout);
                v["final_readout"] = json!(t.final_readout);
                v["saturations"] = json!(t.saturations.iter().map(|s| s.total()).sum::<u64>());
                *t.predictions.last().unwrap_or(&0)
            }
            Runner::Float(_) | Runner::IfNet(_) => {
                let c = cal.as_ref().expect("calibrated");
                let opts = SimOptions {
                    record_readout: true,
                    record_spikes: spikes,
                    ..Default::default()
                };
                let t = match &runner {
                    Runner::Float(fa) => fa.run(x, Some(steps), opts),
                    Runner::IfNet(ifb) => ifb.run(x, Some(steps), opts, i as u64),
                    _ => unreachable!("float runners only"),
                };
                if model == Model::IfPoisson {
                    v["input_spikes"] = json!(t.input_spikes);
                }
                v["spikes_per_layer"] = layer_map(&c.network, &t.spikes_per_layer);
                v["spikes"] = json!(t.total_spikes());
                if spikes {
                    v["spike_list"] = json!(t
                        .spikes
                        .iter()
                        .map(|s| json!([s.0, s.1, s.2, s.3]))
                        .collect::<Vec<_>>());
                }
                v["readout_trace"] = json!(t.readout);
                v["final_readout"] = json!(t.final_readout);
                *t.predictions.last().unwrap_or(&0)
            }
        };
        v["prediction"] = json!(pred);
        if label == Some(pred) {
            correct += 1;
        }
        per_sample.push(v);
        pb.inc(1);
    }
    pb.finish_and_clear();
    println!(
        "model {:?}, {} samples from {}, {steps} steps",
        model,
        data.len(),
        data.source
    );
    for v in per_sample.iter().take(20) {
        let spikes = v
            .get("spikes")
            .map_or(String::new(), |s| format!(", spikes {s}"));
        let label = v["label"]
            .as_u64()
            .map_or(String::new(), |l| format!(" (label {l})"));
        println!(
            "  sample {:>4}: prediction {}{label}{spikes}",
            v["index"], v["prediction"]
        );
    }
    if per_sample.len() > 20 {
        println!("  ... {} more (see --json)", per_sample.len() - 20);
    }
    let accuracy = data
        .labels
        .as_ref()
        .map(|_| correct as f64 / data.len() as f64);
    if let Some(a) = accuracy {
        println!("accuracy {:.2}% ({correct}/{})", 100.0 * a, data.len());
    }
    if let Some(out) = json_out {
        let doc = json!({
            "network": loaded.network.name,
            "model": format!("{model:?}"),
            "steps": steps,
            "accuracy": accuracy,
            "samples": per_sample,
        });
        write_json(out, &doc)?;
    }
    Ok(())
}
fn layer_map(net: &asnn_ir::Network, v: &[u64]) -> Value {
    let mut m = serde_json::Map::new();
    for (l, n) in net.hidden().iter().zip(v) {
        m.insert(l.name.clone(), json!(n));
    }
    Value::Object(m)
}
