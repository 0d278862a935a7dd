//! `asnn generate`: plan the hardware and write the Verilog, memory images and plan.

use crate::common::{calibrate_for, load, write_file};
use anyhow::{Context, Result};
use asnn_generator::HwSpec;
use asnn_ir::InputKind;
use std::path::Path;

pub struct GenerateArgs<'a> {
    pub hw: Option<&'a Path>,
    pub calib: Option<&'a str>,
    pub calib_samples: usize,
    pub out: &'a Path,
}

pub fn run(p: &Path, a: &GenerateArgs) -> Result<()> {
    let loaded = load(p)?;
    let hw = match a.hw {
        Some(f) => crate::common::load_hw(f)?,
        None => HwSpec::default(),
    };
    let cal = calibrate_for(&loaded, a.calib, a.calib_samples)?;
    let frame = loaded.network.input.kind == InputKind::Frame;
    let design = asnn_generator::generate(&cal.qnet, &hw, frame).with_context(|| {
        format!(
            "{}{}",
            loaded.path.display(),
            a.hw.map(|h| format!(" with {}", h.display()))
                .unwrap_or_default()
        )
    })?;
    std::fs::create_dir_all(a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    for f in &design.files {
        write_file(&a.out.join(&f.name), &f.contents)?;
    }
    let plan = &design.plan;
    println!(
        "{} on {} at {} MHz: {} layers, {} files in {}",
        plan.top,
        plan.device.name,
        plan.clock_mhz,
        plan.layers.len(),
        design.files.len(),
        a.out.display()
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
    Ok(())
}
