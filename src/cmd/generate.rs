//! `asnn generate`: plan the hardware and write the Verilog, memory images and plan.

use crate::common::{calibrate_for, load, write_file, CalibArgs};
use anyhow::{Context, Result};
use asnn_generator::HwSpec;
use asnn_ir::InputKind;
use std::path::PathBuf;

/// `asnn generate` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    /// Hardware choices: a TOML file with a [hardware] table (docs/hardware-plan.md).
    #[arg(long)]
    pub hw: Option<PathBuf>,
    #[command(flatten)]
    pub cal: CalibArgs,
    /// Output folder.
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(a: &Args) -> Result<()> {
    let p = a.net.as_path();
    let out = a.output.as_path();
    let loaded = load(p)?;
    let hw = match a.hw.as_deref() {
        Some(f) => crate::common::load_hw(f)?,
        None => HwSpec::default(),
    };
    let cal = calibrate_for(&loaded, a.cal.calib.as_deref(), a.cal.calib_samples)?;
    let frame = loaded.network.input.kind == InputKind::Frame;
    let design = asnn_generator::generate(&cal.qnet, &hw, frame).with_context(|| {
        format!(
            "{}{}",
            loaded.path.display(),
            a.hw.as_deref()
                .map(|h| format!(" with {}", h.display()))
                .unwrap_or_default()
        )
    })?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for f in &design.files {
        write_file(&out.join(&f.name), &f.contents)?;
    }
    let plan = &design.plan;
    println!(
        "{} on {} at {} MHz: {} layers, {} files in {}",
        plan.top,
        plan.device.name,
        plan.clock_mhz,
        plan.layers.len(),
        design.files.len(),
        out.display()
    );
    println!("layer              kind     neurons  lanes  depth  walk/event  sweep  memory bits (bram/spram/regs)");
    for l in &plan.layers {
        let by = |k: asnn_generator::plan::MemKind| -> u64 {
            l.memories
                .iter()
                .filter(|m| m.kind == k)
                .map(|m| m.bits)
                .sum()
        };
        use asnn_generator::plan::MemKind::*;
        println!(
            "{:<18} {:<8} {:>7} {:>6} {:>6} {:>11} {:>6}  {}/{}/{}",
            l.name,
            l.kind,
            l.neurons,
            l.lanes,
            l.depth,
            l.walk_cycles,
            l.sweep_cycles,
            by(Bram),
            by(Spram),
            by(Regs)
        );
    }
    println!(
        "block RAM {} of {}, SPRAM {} of {}; at least {} cycles per step (no events)",
        plan.bram_blocks,
        plan.device.bram_blocks,
        plan.spram_blocks,
        plan.device.spram_blocks,
        plan.estimated_cycles_per_step
    );
    for l in plan.layers.iter().filter(|l| l.output_stationary) {
        println!(
            "{}: output-stationary, {} synapse lanes in {} groups ({} products in DSPs, {} in logic): {} cycles per input event, + {} per frame (from {} events on)",
            l.name,
            l.synapse_lanes,
            l.synapse_groups,
            l.synapse_lanes - l.lut_products,
            l.lut_products,
            l.walk_cycles,
            asnn_generator::plan::os_words_per_group(l) + 8,
            asnn_generator::plan::os_words_per_group(l)
        );
    }
    let shift: Vec<&str> = plan
        .layers
        .iter()
        .filter(|l| l.arithmetic == asnn_numerics::Arithmetic::Shift)
        .map(|l| l.name.as_str())
        .collect();
    println!(
        "neuron constant multiplies: {} in DSPs{}",
        plan.neuron_multipliers(),
        if shift.is_empty() {
            String::new()
        } else {
            format!(
                "; shift arithmetic, in logic: {} (docs/numerics.md section 11)",
                shift.join(", ")
            )
        }
    );
    Ok(())
}
