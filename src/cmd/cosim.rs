//! `asnn cosim` and `asnn cosim-random`: arguments to the library's co-simulation,
//! the verdict to the terminal and the files.

use crate::common::{
    calibrate_for, check_inputs, dataset, dataset_spec, load, load_hw, write_file, write_json, Bar,
    CalibArgs, SimArg,
};
use anyhow::{bail, Result};
use asnn_eda::board::{prepare, BoardArgs};
use asnn_eda::cosim::{self, random, CosimOptions, Target};
use asnn_eda::simulator::Simulator;
use asnn_generator::HwSpec;
use asnn_ir::InputKind;
use std::path::PathBuf;
use std::time::Duration;

/// `asnn cosim` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    /// Hardware choices (hw.toml with a [hardware] table).
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Samples: idx:DIR[:PREFIX] or events:FILE.csv (default: the example's test slice).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only the first N samples.
    #[arg(long)]
    pub samples: Option<usize>,
    #[arg(long, value_enum, default_value_t = SimArg::Verilator)]
    pub sim: SimArg,
    #[command(flatten)]
    pub cal: CalibArgs,
    /// Write the summary as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Work folder for the design and simulator build (default: a temp folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Dump a VCD of the whole run (DIR/wave.vcd); without it, a failing sample's VCD
    /// is written on its own (DIR/failing-sample/wave.vcd).
    #[arg(long)]
    pub vcd: bool,
    /// Write a JUnit XML report: one test case per sample.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Apply a one-place text mutation FILE:FROM:TO to the generated design before
    /// simulating (to check that the diff catches a wrong design). Repeatable.
    #[arg(long)]
    pub mutate: Vec<String>,
    /// Co-simulate the whole board top of this board (PLL bypassed; UART host link
    /// driven through a pseudo-terminal by the code of `asnn run`; flash loader with a
    /// flash model) in Verilator.
    #[arg(long)]
    pub board: Option<String>,
    /// Host-link baud rate with --board.
    #[arg(long, default_value_t = asnn_generator::board::DEFAULT_BAUD)]
    pub baud: u32,
    /// Co-simulate the synthesised netlist (yosys write_verilog + the family's
    /// cells_sim.v) instead of the RTL.
    #[arg(long)]
    pub netlist: bool,
}

/// `ASNN_SIM_TIMEOUT`: seconds after which a simulator is stopped (default: none).
fn sim_timeout() -> Result<Option<Duration>> {
    match std::env::var("ASNN_SIM_TIMEOUT") {
        Ok(s) if !s.is_empty() => match s.parse::<f64>() {
            Ok(x) if x > 0.0 => match Duration::try_from_secs_f64(x) {
                Ok(d) => Ok(Some(d)),
                Err(_) => bail!("ASNN_SIM_TIMEOUT={s}: too long a time"),
            },
            _ => bail!("ASNN_SIM_TIMEOUT={s}: expected seconds above 0"),
        },
        _ => Ok(None),
    }
}

pub fn run(a: &Args) -> Result<()> {
    let timeout = sim_timeout()?;
    let p = a.net.as_path();
    let board = a.board.as_deref().map(|b| BoardArgs {
        board: b,
        hw: a.hw.as_deref(),
        freq: None,
        baud: a.baud,
        calib: a.cal.calib.as_deref(),
        calib_samples: a.cal.calib_samples,
    });
    let sim: Simulator = a.sim.into();
    let loaded = load(p)?;
    let hw = match a.hw.as_deref() {
        Some(f) => load_hw(f)?,
        None => HwSpec::default(),
    };
    let spec = dataset_spec(p, a.dataset.as_deref())?;
    let data = dataset(&spec, a.samples)?;
    let cal = calibrate_for(&loaded, a.cal.calib.as_deref(), a.cal.calib_samples)?;
    let qnet = &cal.qnet;
    check_inputs(&loaded.network, &data, qnet.steps)?;
    let frame = loaded.network.input.kind == InputKind::Frame;
    let mut design = asnn_generator::generate(qnet, &hw, frame)?;
    for m in &a.mutate {
        cosim::mutate(&mut design.files, m)?;
    }
    let prepared = match &board {
        Some(b) => {
            if !a.mutate.is_empty() || a.netlist {
                bail!("--board runs the generated board top: no --mutate or --netlist with it");
            }
            let prepared = prepare(p, b)?;
            if prepared.design.id != design.id {
                bail!("--board: the board's design differs from the core's (pass the board's device in --hw)");
            }
            Some((prepared, b.baud))
        }
        None => None,
    };
    let target = match &prepared {
        Some((prepared, baud)) => Target::Board {
            prepared,
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
            sim,
            dir: a.dir.as_deref(),
            vcd: a.vcd,
            timeout,
            progress: &bar,
        },
    )?;
    println!("{}", verdict.summary());
    if let Some(out) = &a.json {
        write_json(out, &verdict)?;
    }
    if let Some(out) = &a.junit {
        write_file(out, &cosim::junit(&design.plan.top, sim, &verdict.results))?;
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

/// `asnn cosim-random` arguments.
#[derive(clap::Args)]
pub struct RandomArgs {
    /// First seed.
    #[arg(long, default_value_t = 0)]
    pub first: u64,
    /// Number of seeds.
    #[arg(long, default_value_t = 20)]
    pub count: u64,
    #[arg(long, value_enum, default_value_t = SimArg::Verilator)]
    pub sim: SimArg,
    /// Networks built and simulated at once.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// `asnn cosim-random`: random networks and hardware choices, each co-simulated.
pub fn run_random(a: &RandomArgs) -> Result<()> {
    let sim: Simulator = a.sim.into();
    let root = match &a.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("asnn-cosim-random-{}", sim.name())),
    };
    let s = random::run_random(a.first, a.count, sim, a.jobs, &root, &Bar::new())?;
    for o in &s.outcomes {
        println!("{}", o.line);
    }
    for e in &s.errors {
        println!("error: {e}");
    }
    println!("{}", s.line());
    if let Some(out) = &a.json {
        write_json(out, &s)?;
    }
    if !s.mismatching_seeds.is_empty() || !s.errors.is_empty() {
        bail!(
            "{} of {} random networks mismatched or failed; rerun one with `asnn cosim-random --first SEED --count 1 --sim {}`",
            s.mismatching_seeds.len() + s.errors.len(),
            a.count,
            sim.name()
        );
    }
    Ok(())
}
