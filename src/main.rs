//! `asnn`: the command-line tool. Glue only: every stage lives in its own crate.

mod bundled;
mod report;

use anyhow::{bail, Context, Result};
use asnn_import::{load_dataset, load_network, Dataset, LoadedNetwork};
use asnn_numerics::{Golden, RunOptions};
use asnn_sim::{
    calibrate, needs_calibration, summarize, Ann, Calibration, FloatAsnn, IfBaseline, ModelKind,
    Models, SimOptions,
};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "asnn",
    version,
    about = "Adapting Spiking Neural Networks: import a trained network, simulate it bit-exactly, compare it with rate-coded baselines"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Validate a network and summarise it (layers, neurons, synapses, widths).
    Check {
        /// network.toml, or a directory holding one.
        net: PathBuf,
    },
    /// Simulate samples; per sample: prediction, spikes per layer, readout trace.
    Sim {
        net: PathBuf,
        /// Input samples: idx:DIR[:PREFIX], events:FILE.csv, or an IDX images file.
        #[arg(long)]
        input: String,
        /// Which model to run.
        #[arg(long, value_enum, default_value_t = Model::AsnnInt)]
        model: Model,
        /// Shorthand for --model asnn-float.
        #[arg(long, conflicts_with = "model")]
        float: bool,
        /// Calibration samples (from training data) when the network needs them.
        #[arg(long)]
        calib: Option<String>,
        /// Use only the first N calibration samples.
        #[arg(long, default_value_t = 500)]
        calib_samples: usize,
        /// Simulate only the first N input samples.
        #[arg(long)]
        samples: Option<usize>,
        /// Override the network's number of time steps.
        #[arg(long)]
        steps: Option<u32>,
        /// Write per-sample results (with readout traces) as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Include every spike [step, layer, neuron, payload] in the JSON.
        #[arg(long, requires = "json")]
        spikes: bool,
    },
    /// Calibrate: choose per-layer theta0 and fixed-point formats from training data
    /// and write the network with them made explicit.
    Calibrate {
        net: PathBuf,
        /// Calibration samples from the training split: idx:DIR[:PREFIX] or events:FILE.csv.
        #[arg(long)]
        calib: String,
        #[arg(long, default_value_t = 500)]
        calib_samples: usize,
        /// Output network.toml (weights are referenced, not copied).
        #[arg(short, long)]
        output: PathBuf,
        /// Write the calibration report as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Run the bundled digits example: ANN, float ASNN, integer ASNN and IF baseline.
    Demo {
        /// Write {"models": {...}} as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Override the number of time steps (default: the network's, 300).
        #[arg(long)]
        steps: Option<u32>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Model {
    Ann,
    AsnnFloat,
    AsnnInt,
    IfBaseline,
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Check { net } => check(&net),
        Cmd::Sim {
            net,
            input,
            model,
            float,
            calib,
            calib_samples,
            samples,
            steps,
            json,
            spikes,
        } => {
            let model = if float { Model::AsnnFloat } else { model };
            let args = SimArgs {
                calib: calib.as_deref(),
                calib_samples,
                samples,
                steps,
                json: json.as_deref(),
                spikes,
            };
            sim(&net, &input, model, &args)
        }
        Cmd::Calibrate {
            net,
            calib,
            calib_samples,
            output,
            json,
        } => calibrate_cmd(&net, &calib, calib_samples, &output, json.as_deref()),
        Cmd::Demo { json, steps } => demo(json.as_deref(), steps),
    }
}

fn net_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("network.toml")
    } else {
        p.to_path_buf()
    }
}

fn load(p: &Path) -> Result<LoadedNetwork> {
    Ok(load_network(&net_path(p))?)
}

fn dataset(spec: &str, limit: Option<usize>) -> Result<Dataset> {
    let mut d = if Path::new(spec).is_file() && spec.contains("idx") {
        let p = Path::new(spec);
        let im = asnn_import::read_idx_u8(p).map_err(anyhow::Error::msg)?;
        asnn_import::idx_dataset(im, None, spec.to_string()).map_err(anyhow::Error::msg)?
    } else {
        load_dataset(spec).map_err(anyhow::Error::msg)?
    };
    if let Some(n) = limit {
        d.truncate(n);
    }
    if d.is_empty() {
        bail!("{spec}: no samples");
    }
    Ok(d)
}

/// Validates every sample against the network before any simulation starts.
fn check_inputs(net: &asnn_ir::Network, d: &Dataset, steps: u32) -> Result<()> {
    for (i, x) in d.inputs.iter().enumerate() {
        x.validate(net.input.len(), net.input.raw_max, steps)
            .map_err(|e| anyhow::anyhow!("{}: sample {i}: {e}", d.source))?;
    }
    Ok(())
}

fn calibrate_for(loaded: &LoadedNetwork, calib: Option<&str>, n: usize) -> Result<Calibration> {
    let net = &loaded.network;
    let inputs = match calib {
        Some(spec) => {
            let d = dataset(spec, Some(n))?;
            check_inputs(net, &d, net.steps)?;
            d.inputs
        }
        None if needs_calibration(net) => bail!(
            "{}: this network needs calibration data (theta0 = \"auto\" or no fixed state_frac): pass --calib idx:DIR[:PREFIX] with samples from the training split, or run `asnn calibrate`",
            loaded.path.display()
        ),
        None => Vec::new(),
    };
    calibrate(net, &inputs)
        .with_context(|| format!("{}: calibration failed", loaded.path.display()))
}

fn check(p: &Path) -> Result<()> {
    let loaded = load(p)?;
    let net = &loaded.network;
    println!("{}: OK — network '{}'", loaded.path.display(), net.name);
    println!(
        "input {:?} ({} values, {:?}, raw 0..={} scaled by {}), {} steps, {:?} coding, inter-layer delay {}",
        net.input.shape, net.input.len(), net.input.kind, net.input.raw_max, net.input.scale, net.steps, net.coding, net.delay
    );
    let mut rows = vec![[
        "layer",
        "kind",
        "neurons",
        "weights",
        "synapses",
        "W bits",
        "state bits",
        "theta0",
        "tau phi/gamma/eta/beta",
        "m_f",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for (l, layer) in net.layers.iter().enumerate() {
        let kind = match layer.conn {
            asnn_numerics::Conn::Dense { .. } => "dense".to_string(),
            asnn_numerics::Conn::Conv(g) => {
                let (h, w) = g.out_hw();
                let pool = g.pool.map_or(String::new(), |p| {
                    format!("+{:?}pool{}", p.kind, p.kernel).to_lowercase()
                });
                format!(
                    "conv{}x{}s{}p{}{pool} -> {}x{}x{}",
                    g.kernel, g.kernel, g.stride, g.padding, g.out_c, h, w
                )
            }
        };
        let a = &layer.asn;
        rows.push(vec![
            layer.name.clone(),
            if layer.readout {
                format!("{kind} (readout)")
            } else {
                kind
            },
            layer.conn.n_out().to_string(),
            layer.weights.len().to_string(),
            net.synapses(l).to_string(),
            layer.quant.weight_bits.to_string(),
            layer.quant.state_bits.to_string(),
            if layer.readout {
                "-".into()
            } else {
                a.theta0_value().map_or("auto".into(), |t| format!("{t}"))
            },
            format!("{}/{}/{}/{}", a.tau_phi, a.tau_gamma, a.tau_eta, a.tau_beta),
            if layer.readout {
                "-".into()
            } else {
                a.m_f.to_string()
            },
        ]);
    }
    print!("{}", report::table(&rows));
    let hidden: usize = net.hidden().iter().map(|l| l.conn.n_out()).sum();
    let syn: usize = (0..net.layers.len()).map(|l| net.synapses(l)).sum();
    println!(
        "{hidden} spiking neurons, {} readout units, {syn} synapses",
        net.n_classes()
    );
    if needs_calibration(net) {
        println!("needs calibration data (theta0 \"auto\" or state_frac not fixed): use --calib or `asnn calibrate`");
    }
    Ok(())
}

struct SimArgs<'a> {
    calib: Option<&'a str>,
    calib_samples: usize,
    samples: Option<usize>,
    steps: Option<u32>,
    json: Option<&'a Path>,
    spikes: bool,
}

fn sim(p: &Path, input: &str, model: Model, a: &SimArgs) -> Result<()> {
    let SimArgs {
        calib,
        calib_samples,
        samples,
        steps,
        json: json_out,
        spikes,
    } = *a;
    let loaded = load(p)?;
    let data = dataset(input, samples)?;
    let steps = steps.unwrap_or(loaded.network.steps);
    if steps == 0 {
        bail!("--steps must be at least 1");
    }
    check_inputs(&loaded.network, &data, steps)?;
    let needs_cal = matches!(model, Model::AsnnInt | Model::AsnnFloat | Model::IfBaseline);
    let cal = if needs_cal {
        Some(calibrate_for(&loaded, calib, calib_samples)?)
    } else {
        None
    };
    let pb = report::progress(data.len(), "simulating");
    let mut per_sample = Vec::new();
    let mut correct = 0usize;
    for (i, x) in data.inputs.iter().enumerate() {
        let label = data.labels.as_ref().map(|l| l[i]);
        let mut v = json!({ "index": i, "label": label });
        let pred = match model {
            Model::Ann => {
                let ann = Ann::new(&loaded.network);
                let out = ann.forward(x);
                let logits = out.last().cloned().unwrap_or_default();
                let pred = asnn_sim::argmax_f64(&logits);
                v["logits"] = json!(logits);
                pred
            }
            Model::AsnnInt => {
                let c = cal.as_ref().expect("calibrated");
                let g = Golden::new(&c.qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
                let t = g
                    .run(
                        x,
                        Some(steps),
                        RunOptions {
                            record_readout: true,
                            record_spikes: spikes,
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
            Model::AsnnFloat | Model::IfBaseline => {
                let c = cal.as_ref().expect("calibrated");
                let opts = SimOptions {
                    record_readout: true,
                    record_spikes: spikes,
                    ..Default::default()
                };
                let t = if model == Model::AsnnFloat {
                    FloatAsnn::new(&c.network)?.run(x, Some(steps), opts)
                } else {
                    IfBaseline::new(&c.network, &c.stats.activation_percentile)?.run(
                        x,
                        Some(steps),
                        opts,
                    )
                };
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

fn write_json(path: &Path, v: &Value) -> Result<()> {
    let s = serde_json::to_string_pretty(v)?;
    std::fs::write(path, s + "\n").with_context(|| format!("cannot write {}", path.display()))
}

fn print_calibration(cal: &Calibration) {
    println!("calibration: {} samples; per-layer theta0 and fixed-point formats (docs/numerics.md section 8):", cal.samples);
    print!(
        "{}",
        report::quant_table(&cal.network, &cal.quant, &cal.saturations)
    );
    let sats: u64 = cal.saturations.iter().map(|s| s.total()).sum();
    if sats > 0 {
        println!("warning: {sats} saturations on the calibration data (see the table): consider more state_bits");
    }
}

fn calibrate_cmd(
    p: &Path,
    calib: &str,
    n: usize,
    out: &Path,
    json_out: Option<&Path>,
) -> Result<()> {
    let loaded = load(p)?;
    let cal = calibrate_for(&loaded, Some(calib), n)?;
    print_calibration(&cal);
    // The output references the same weights file, relative to the output's folder.
    let src_dir = loaded.path.parent().unwrap_or(Path::new("."));
    let weights = src_dir.join(&loaded.file.network.weights);
    let out_dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let weights_ref = relative_path(&weights, out_dir);
    let fracs: Vec<(String, i32, i32)> = cal
        .quant
        .iter()
        .map(|q| (q.name.clone(), q.weight_frac, q.state_frac))
        .collect();
    let text = asnn_import::calibrated_toml(&loaded, &cal.network, &fracs, &weights_ref)
        .map_err(anyhow::Error::msg)?;
    let header = format!(
        "# Calibrated by asnn {} from {} ({} samples of {calib}).\n",
        env!("CARGO_PKG_VERSION"),
        loaded
            .path
            .file_name()
            .map_or("network.toml".into(), |f| f.to_string_lossy().to_string()),
        cal.samples
    );
    std::fs::write(out, header + &text)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {} (runs without calibration data)", out.display());
    if let Some(j) = json_out {
        write_json(j, &serde_json::to_value(&cal.quant)?)?;
    }
    Ok(())
}

/// `target` relative to `base` when both resolve, else `target` as given.
fn relative_path(target: &Path, base: &Path) -> String {
    let (Ok(t), Ok(b)) = (target.canonicalize(), base.canonicalize()) else {
        return target.display().to_string();
    };
    let tc: Vec<_> = t.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = tc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); bc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    parts.join("/")
}

fn demo(json_out: Option<&Path>, steps: Option<u32>) -> Result<()> {
    let loaded = bundled::network()?;
    let calib = bundled::calib()?;
    let test = bundled::test()?;
    let net = &loaded.network;
    let steps = steps.unwrap_or(net.steps);
    println!(
        "asnn demo: {} — bundled 8x8 digits MLP ({}), {:?} coding, {steps} steps",
        bundled::LABEL,
        net.layers
            .iter()
            .map(|l| l.conn.n_out().to_string())
            .fold(net.input.len().to_string(), |a, b| a + "-" + &b),
        net.coding
    );
    check_inputs(net, &calib, steps)?;
    check_inputs(net, &test, steps)?;
    let cal = calibrate(net, &calib.inputs)?;
    print_calibration(&cal);
    let models = Models::new(&cal)?;
    let labels = test.labels.clone().expect("bundled test slice has labels");
    let pb = report::progress(test.len(), "evaluating");
    let tick = || pb.inc(1);
    let outs = models
        .evaluate(&ModelKind::ALL, &test.inputs, steps, &tick)
        .map_err(anyhow::Error::msg)?;
    pb.finish_and_clear();
    let ann_acc = summarize(&outs[0], &labels, None).accuracy;
    let sums: Vec<_> = outs
        .iter()
        .map(|o| summarize(o, &labels, Some(ann_acc)))
        .collect();
    println!(
        "\n{} held-out test images (examples/digits/test-*), scored at step {}:",
        test.len(),
        steps - 1
    );
    let mut rows = vec![[
        "model",
        "accuracy",
        "spikes/inference",
        "synops/inference",
        "mean decision step",
        "steps to 99% of ANN",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for (k, s) in ModelKind::ALL.iter().zip(&sums) {
        let spiking = *k != ModelKind::Ann;
        rows.push(vec![
            k.key().to_string(),
            format!("{:.2}%", 100.0 * s.accuracy),
            if spiking {
                format!("{:.1}", s.spikes_per_inference)
            } else {
                "-".into()
            },
            if spiking {
                format!("{:.0}", s.synops_per_inference)
            } else {
                "-".into()
            },
            if spiking {
                format!("{:.1}", s.mean_decision_step)
            } else {
                "0".into()
            },
            if spiking {
                s.steps_to_99pct.map_or("never".into(), |t| t.to_string())
            } else {
                "-".into()
            },
        ]);
    }
    print!("{}", report::table(&rows));
    // Integer vs float agreement.
    let (fi, ii) = (1, 2);
    let same = outs[fi]
        .iter()
        .zip(&outs[ii])
        .filter(|(a, b)| a.predictions.last() == b.predictions.last())
        .count();
    let (sf, si) = (sums[fi].spikes_per_inference, sums[ii].spikes_per_inference);
    println!(
        "integer vs float ASNN: same prediction on {same}/{} ({:.1}%); spikes per inference {si:.1} vs {sf:.1} ({:+.2}%)",
        test.len(),
        100.0 * same as f64 / test.len() as f64,
        100.0 * (si - sf) / sf.max(1e-9)
    );
    let sats = sums[ii].saturations.unwrap_or(0);
    println!("integer ASNN saturations on the test slice: {sats}");
    if let Some(out) = json_out {
        let mut models_json = serde_json::Map::new();
        for (k, s) in ModelKind::ALL.iter().zip(&sums) {
            models_json.insert(
                k.key().into(),
                json!({
                    "accuracy": s.accuracy,
                    "spikes_per_inference": s.spikes_per_inference,
                    "synops_per_inference": s.synops_per_inference,
                    "mean_decision_step": s.mean_decision_step,
                    "steps_to_99pct": s.steps_to_99pct,
                }),
            );
        }
        let doc = json!({
            "network": net.name,
            "samples": test.len(),
            "steps": steps,
            "models": models_json,
            "int_vs_float": {"same_prediction": same, "spikes_int": si, "spikes_float": sf},
            "calibration": serde_json::to_value(&cal.quant)?,
        });
        write_json(out, &doc)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
