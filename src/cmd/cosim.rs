//! `asnn cosim`: generate the design and its testbench, simulate every sample in
//! Verilator or Icarus, and diff spike for spike against the golden model.

use crate::common::{calibrate_for, check_inputs, dataset, load, progress, write_file, write_json};
use crate::cosim::{self, Simulator};
use anyhow::{bail, Context, Result};
use asnn_generator::{HwSpec, Plan};
use asnn_ir::InputKind;
use asnn_numerics::{Coding, Golden, GoldenTrace, RawInput, RunOptions};
use rayon::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct CosimArgs<'a> {
    pub hw: Option<&'a Path>,
    pub dataset: Option<&'a str>,
    pub samples: Option<usize>,
    pub sim: Simulator,
    pub calib: Option<&'a str>,
    pub calib_samples: usize,
    pub json: Option<&'a Path>,
    pub dir: Option<&'a Path>,
}

/// Per step and layer, the events reaching each layer's synapse unit in the golden run.
pub fn golden_events(plan: &Plan, x: &RawInput, g: &GoldenTrace) -> Vec<Vec<u64>> {
    let steps = g.predictions.len();
    let nl = plan.layers.len();
    let mut ev = vec![vec![0u64; nl]; steps];
    match x {
        RawInput::Frame(v) => {
            if steps > 0 {
                ev[0][0] = v.iter().filter(|&&x| x != 0).count() as u64;
            }
        }
        RawInput::Events(_) => {
            // Events mode: the model is fed the changed-value count per step below.
        }
    }
    for s in &g.spikes {
        let l = s.layer as usize + 1;
        let t = s.step as usize + plan.delay as usize;
        if l < nl && t < steps {
            ev[t][l] += 1;
        }
    }
    ev
}

pub fn run(p: &Path, a: &CosimArgs) -> Result<()> {
    let loaded = load(p)?;
    let hw = match a.hw {
        Some(f) => asnn_import::load_hw(f)?,
        None => HwSpec::default(),
    };
    let spec = match a.dataset {
        Some(s) => s.to_string(),
        None => {
            let dir = if p.is_dir() {
                p.to_path_buf()
            } else {
                p.parent().unwrap_or(Path::new(".")).to_path_buf()
            };
            if !dir.join("test-images-idx3-ubyte").exists()
                && !dir.join("test-images-idx3-ubyte.gz").exists()
            {
                bail!("{}: no bundled test slice (test-images-idx3-ubyte); pass --dataset idx:DIR[:PREFIX]", dir.display());
            }
            format!("idx:{}:test", dir.display())
        }
    };
    let data = dataset(&spec, a.samples)?;
    let cal = calibrate_for(&loaded, a.calib, a.calib_samples)?;
    let qnet = &cal.qnet;
    check_inputs(&loaded.network, &data, qnet.steps)?;
    let frame = loaded.network.input.kind == InputKind::Frame;
    let design = asnn_generator::generate(qnet, &hw, frame)?;
    let plan = &design.plan;
    let dir: PathBuf = match a.dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("asnn-cosim-{}-{}", plan.top, a.sim.name())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in &design.files {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    eprintln!(
        "building {} with {} in {}",
        plan.top,
        a.sim.name(),
        dir.display()
    );
    let built = cosim::build(&dir, &plan.top, a.sim, &[])?;
    let mut stim = String::new();
    for x in &data.inputs {
        cosim::stimulus(x, qnet.steps, &mut stim);
    }
    let stim_path = dir.join("stim.txt");
    write_file(&stim_path, &stim)?;
    let pb = progress(data.len(), &format!("{} cosim", a.sim.name()));
    let t0 = Instant::now();
    let log = cosim::run(&built, &stim_path, &dir.join("out.txt"))?;
    let sim_seconds = t0.elapsed().as_secs_f64();
    let hw_traces = cosim::parse_log(&log)?;
    pb.finish_and_clear();
    if hw_traces.len() != data.len() {
        bail!(
            "the testbench finished {} of {} samples (see {})",
            hw_traces.len(),
            data.len(),
            dir.join("out.txt").display()
        );
    }
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: true,
        record_readout: true,
        early_exit: (hw.early_exit > 0).then_some(hw.early_exit),
    };
    let gtraces: Vec<GoldenTrace> = data
        .inputs
        .par_iter()
        .map(|x| {
            golden
                .run(x, None, opts)
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .collect::<Result<_>>()?;
    let payloads = qnet.coding == Coding::Graded;
    let mut mismatches = 0usize;
    let mut first_bad: Option<(usize, cosim::Divergence)> = None;
    let mut cyc = Vec::new();
    let mut model_err = Vec::new();
    for (i, (g, h)) in gtraces.iter().zip(&hw_traces).enumerate() {
        if let Some(d) = cosim::diff(g, h, payloads) {
            mismatches += 1;
            if first_bad.is_none() {
                first_bad = Some((i, d));
            }
        }
        let ev = golden_events(plan, &data.inputs[i], g);
        let zero = vec![0u64; ev.len()];
        let pred = plan.predict_cycles(&ev, &zero) as f64;
        cyc.push(h.cycles);
        model_err.push((pred - h.cycles as f64) / h.cycles as f64 * 100.0);
    }
    let mean = cyc.iter().sum::<u64>() as f64 / cyc.len() as f64;
    let max = cyc.iter().copied().max().unwrap_or(0);
    let worst_err = model_err
        .iter()
        .copied()
        .fold(0.0f64, |m, e| if e.abs() > m.abs() { e } else { m });
    let mean_err = model_err.iter().sum::<f64>() / model_err.len() as f64;
    println!(
        "{}: {} samples, {} mismatches; cycles per inference mean {:.0}, max {}; cycle model error mean {:+.2}%, worst {:+.2}%; build {:.1} s, simulation {:.1} s",
        a.sim.name(),
        data.len(),
        mismatches,
        mean,
        max,
        mean_err,
        worst_err,
        built.build_seconds,
        sim_seconds
    );
    if let Some(out) = a.json {
        write_json(
            out,
            &json!({
                "samples": data.len(),
                "mismatches": mismatches,
                "simulator": a.sim.name(),
                "cycles_per_inference": {"mean": mean, "max": max},
                "model_cycle_error_pct": worst_err,
                "model_cycle_error_mean_pct": mean_err,
                "sim_seconds": sim_seconds,
                "build_seconds": built.build_seconds,
            }),
        )?;
    }
    if let Some((i, d)) = first_bad {
        bail!(
            "sample {i}: first divergence at step {}: {}{}",
            d.step,
            d.what,
            d.at.map(|(l, n)| format!(
                " (layer {l} '{}', neuron {n})",
                qnet.layers[l as usize].name
            ))
            .unwrap_or_default()
        );
    }
    Ok(())
}
