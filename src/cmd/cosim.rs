//! `asnn cosim` and `asnn cosim-random`: arguments to the library's co-simulation,
//! the verdict to the terminal and the files.

use crate::common::{
    calibrate_for, check_inputs, dataset, dataset_spec, load, load_hw, write_file, write_json, Bar,
};
use anyhow::{bail, Result};
use asnn_eda::board::{prepare, BoardArgs};
use asnn_eda::cosim::{self, random, CosimOptions, Target};
use asnn_eda::simulator::Simulator;
use asnn_generator::HwSpec;
use asnn_ir::InputKind;
use std::path::Path;
use std::time::Duration;

pub struct CosimArgs<'a> {
    /// Co-simulate the whole board top instead (UART host link, flash loader).
    pub board: Option<BoardArgs<'a>>,
    /// Co-simulate the synthesised netlist (yosys + the family's cell models).
    pub netlist: bool,
    pub hw: Option<&'a Path>,
    pub dataset: Option<&'a str>,
    pub samples: Option<usize>,
    pub sim: Simulator,
    pub calib: Option<&'a str>,
    pub calib_samples: usize,
    pub json: Option<&'a Path>,
    pub dir: Option<&'a Path>,
    pub vcd: bool,
    pub junit: Option<&'a Path>,
    pub mutate: &'a [String],
}

/// `ASNN_SIM_TIMEOUT`: seconds after which a simulator is stopped (default: none).
fn sim_timeout() -> Result<Option<Duration>> {
    match std::env::var("ASNN_SIM_TIMEOUT") {
        Ok(s) if !s.is_empty() => match s.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Ok(Some(Duration::from_secs_f64(x))),
            _ => bail!("ASNN_SIM_TIMEOUT={s}: expected seconds above 0"),
        },
        _ => Ok(None),
    }
}

pub fn run(p: &Path, a: &CosimArgs) -> Result<()> {
    let loaded = load(p)?;
    let hw = match a.hw {
        Some(f) => load_hw(f)?,
        None => HwSpec::default(),
    };
    let spec = dataset_spec(p, a.dataset)?;
    let data = dataset(&spec, a.samples)?;
    let cal = calibrate_for(&loaded, a.calib, a.calib_samples)?;
    let qnet = &cal.qnet;
    check_inputs(&loaded.network, &data, qnet.steps)?;
    let frame = loaded.network.input.kind == InputKind::Frame;
    let mut design = asnn_generator::generate(qnet, &hw, frame)?;
    for m in a.mutate {
        cosim::mutate(&mut design.files, m)?;
    }
    let prepared = match &a.board {
        Some(b) => {
            if !a.mutate.is_empty() || a.netlist {
                bail!("--board runs the generated board top: no --mutate or --netlist with it");
            }
            let pr = prepare(p, b)?;
            if pr.design.id != design.id {
                bail!("--board: the board's design differs from the core's (pass the board's device in --hw)");
            }
            Some((pr, b.baud))
        }
        None => None,
    };
    let target = match &prepared {
        Some((pr, baud)) => Target::Board {
            prepared: pr,
            baud: *baud,
        },
        None if a.netlist => Target::Netlist,
        None => Target::Rtl,
    };
    let bar = Bar::new();
    let verdict = cosim::run_design(
        qnet,
        &hw,
        &design,
        &data,
        &target,
        &CosimOptions {
            sim: a.sim,
            dir: a.dir,
            vcd: a.vcd,
            timeout: sim_timeout()?,
            progress: &bar,
        },
    )?;
    println!("{}", verdict.summary());
    if let Some(out) = a.json {
        write_json(out, &verdict)?;
    }
    if let Some(out) = a.junit {
        write_file(
            out,
            &cosim::junit(&design.plan.top, a.sim, &verdict.results),
        )?;
    }
    if let Some(report) = &verdict.failure_report {
        bail!(
            "{} of {} samples diverge; {report}",
            verdict.mismatches,
            data.len()
        );
    }
    Ok(())
}

/// `asnn cosim-random`: random networks and hardware choices, each co-simulated.
pub struct RandomArgs<'a> {
    pub first: u64,
    pub count: u64,
    pub sim: Simulator,
    pub jobs: usize,
    pub dir: Option<&'a Path>,
    pub json: Option<&'a Path>,
}

pub fn run_random(a: &RandomArgs) -> Result<()> {
    let root = match a.dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("asnn-cosim-random-{}", a.sim.name())),
    };
    let s = random::run_random(a.first, a.count, a.sim, a.jobs, &root, &Bar::new())?;
    for o in &s.outcomes {
        println!("{}", o.line);
    }
    for e in &s.errors {
        println!("error: {e}");
    }
    println!("{}", s.line());
    if let Some(out) = a.json {
        write_json(out, &s)?;
    }
    if !s.mismatching_seeds.is_empty() || !s.errors.is_empty() {
        bail!(
            "{} of {} random networks mismatched or failed; rerun one with `asnn cosim-random --first SEED --count 1 --sim {}`",
            s.mismatching_seeds.len() + s.errors.len(),
            a.count,
            a.sim.name()
        );
    }
    Ok(())
}
