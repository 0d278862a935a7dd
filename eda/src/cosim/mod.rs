//! Co-simulation: a generated design run in Verilator or Icarus (or its synthesised
//! netlist, or the whole board top behind a pseudo-terminal) on a dataset, and every
//! sample diffed spike for spike against the golden model. The result is a typed
//! [`CosimVerdict`]; a divergence is a result, not an error.

mod diff;
mod netlist;
pub mod random;
mod verdict;

pub use diff::{diff, Divergence};
pub use verdict::{junit, CosimVerdict, CycleStats, FirstDivergence, Mode, SampleResult};

use crate::board::{check_board, open_port, Prepared, SimBoard};
use crate::inputs::{absolute, write_file};
use crate::progress::Progress;
use crate::simulator::{self, Simulator};
use anyhow::{bail, Context, Result};
use asnn_generator::plan::StepInput;
use asnn_generator::{Design, HwSpec, OutFile, Plan};
use asnn_import::Dataset;
use asnn_numerics::{Coding, Golden, GoldenTrace, QNetwork, RawInput, RunOptions};
use asnn_wire::tb::{stimulus, HwTrace, LogReader};
use asnn_wire::uart::Done;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What is simulated.
pub enum Target<'a> {
    /// The generated core and its testbench.
    Rtl,
    /// The core synthesised by yosys for its family, with the family's cell models.
    Netlist,
    /// The whole board top of a prepared design (UART host link, flash loader), driven
    /// over a pseudo-terminal at `baud` by the code of `asnn run`.
    Board { prepared: &'a Prepared, baud: u32 },
}

/// How to co-simulate.
pub struct CosimOptions<'a> {
    pub sim: Simulator,
    /// Work folder (default: a folder under the temp folder named after the design).
    pub dir: Option<&'a Path>,
    /// Dump a VCD of the whole run.
    pub vcd: bool,
    /// Stop the simulator after this long.
    pub timeout: Option<Duration>,
    pub progress: &'a dyn Progress,
}

/// Applies a one-place text mutation `FILE:FROM:TO` to a generated file (to prove that
/// the diff catches a wrong design); `FROM` must occur exactly once.
pub fn mutate(files: &mut [OutFile], spec: &str) -> Result<()> {
    let mut it = spec.splitn(3, ':');
    let (Some(name), Some(from), Some(to)) = (it.next(), it.next(), it.next()) else {
        bail!("--mutate '{spec}': expected FILE:FROM:TO");
    };
    let f = files
        .iter_mut()
        .find(|f| f.name == name)
        .with_context(|| format!("--mutate '{spec}': no generated file {name}"))?;
    let n = f.contents.matches(from).count();
    if n != 1 {
        bail!("--mutate '{spec}': '{from}' occurs {n} times in {name}, expected once");
    }
    f.contents = f.contents.replacen(from, to, 1);
    Ok(())
}

/// Per step and layer, the events reaching each layer's synapse unit in the golden run,
/// per step the rest of the input as the first layer sees it (event input), and per
/// step and layer the flat indices of the spikes reaching it (what
/// [`Plan::predict_cycles`] takes).
pub type StepEvents = (Vec<Vec<u64>>, Vec<StepInput>, Vec<Vec<Vec<u32>>>);

/// [`StepEvents`] of a golden run (its spikes recorded).
pub fn golden_events(plan: &Plan, x: &RawInput, g: &GoldenTrace) -> StepEvents {
    let steps = g.predictions.len();
    let nl = plan.layers.len();
    let mut ev = vec![vec![0u64; nl]; steps];
    let mut zero = vec![StepInput::default(); steps];
    let mut spikes = vec![vec![Vec::new(); nl]; steps];
    match x {
        RawInput::Frame(v) => {
            if steps > 0 {
                ev[0][0] = v.iter().filter(|&&x| x != 0).count() as u64;
            }
        }
        RawInput::Events(list) => {
            let mut held = vec![0u32; plan.layers[0].inputs];
            for e in list {
                let t = e.step as usize;
                if t >= steps {
                    break;
                }
                let h = &mut held[e.index as usize];
                if *h == e.value {
                    zero[t].unchanged += 1;
                    zero[t].last_changed = false;
                } else {
                    ev[t][0] += 1;
                    zero[t].last_changed = true;
                    *h = e.value;
                }
            }
        }
    }
    for s in &g.spikes {
        let l = s.layer as usize + 1;
        let t = s.step as usize + plan.delay as usize;
        if l < nl && t < steps {
            ev[t][l] += 1;
            spikes[t][l].push(s.neuron);
        }
    }
    (ev, zero, spikes)
}

/// The golden model's options for a diff under `hw` (its early exit).
pub fn golden_options(hw: &HwSpec, record_readout: bool) -> RunOptions {
    RunOptions {
        record_spikes: true,
        record_readout,
        early_exit: (hw.early_exit > 0).then_some(hw.early_exit),
        exit_margin: hw.margin_rule(),
        watch: None,
    }
}

/// The stimulus file text for `inputs`.
pub fn stimulus_text(inputs: &[RawInput], steps: u32) -> String {
    let mut s = String::new();
    for x in inputs {
        stimulus(x, steps, &mut s);
    }
    s
}

/// What one simulation run left behind.
struct SimRun {
    build_seconds: f64,
    sim_seconds: f64,
    log: PathBuf,
    /// The done records that came over the UART (board co-simulation).
    board_done: Option<Vec<Done>>,
}

/// Co-simulates `design` (of `qnet` under `hw`) on `data` and diffs it against the
/// golden model.
pub fn run_design(
    qnet: &QNetwork,
    hw: &HwSpec,
    design: &Design,
    data: &Dataset,
    target: &Target,
    opts: &CosimOptions,
) -> Result<CosimVerdict> {
    let plan = &design.plan;
    let dir: PathBuf = match opts.dir {
        Some(d) => absolute(d),
        None => std::env::temp_dir().join(format!("asnn-cosim-{}-{}", plan.top, opts.sim.name())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in &design.files {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    opts.progress.note(&format!(
        "building {} with {} in {}",
        plan.top,
        opts.sim.name(),
        dir.display()
    ));
    let run = match target {
        Target::Board { prepared, baud } => {
            simulate_board(prepared, *baud, qnet, data, &dir, opts)?
        }
        _ => simulate_core(
            plan,
            qnet,
            data,
            &dir,
            matches!(target, Target::Netlist),
            opts,
        )?,
    };
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let golden_opts = golden_options(hw, true);
    let t1 = Instant::now();
    let results = diff_log(qnet, plan, data, &golden, golden_opts, &run)?;
    let diff_seconds = t1.elapsed().as_secs_f64();
    let mode = match target {
        Target::Board { .. } => Mode::Board,
        Target::Netlist => Mode::Netlist,
        Target::Rtl => Mode::Rtl,
    };
    let what = match target {
        Target::Board { prepared, .. } => format!(
            "board {} (verilator, UART over a pseudo-terminal)",
            prepared.board.name
        ),
        Target::Netlist => format!("{} netlist", opts.sim.name()),
        Target::Rtl => opts.sim.name().to_string(),
    };
    let mut v = CosimVerdict::from_results(results, opts.sim, mode, what);
    v.build_seconds = run.build_seconds;
    v.sim_seconds = run.sim_seconds;
    v.diff_seconds = diff_seconds;
    v.simulated_cycles_per_second = v.total_cycles as f64 / run.sim_seconds.max(1e-9);
    let mut vcd = opts.vcd.then(|| dir.join("wave.vcd"));
    if let Some((i, d)) = v.first_bad() {
        let mut report = verdict::failure_report(qnet, &golden, golden_opts, data, i, &d)?;
        if !opts.vcd {
            match failing_sample_vcd(design, qnet, &data.inputs[i], &dir, opts.sim) {
                Ok(p) => vcd = Some(p),
                Err(e) => opts
                    .progress
                    .note(&format!("could not write the failing sample's VCD: {e:#}")),
            }
        }
        if let Some(p) = &vcd {
            report.push_str(&format!("waveform: {}", p.display()));
        }
        v.failure_report = Some(report);
    }
    v.vcd = vcd.map(|p| p.display().to_string());
    Ok(v)
}

/// Builds and runs the core (or its netlist) on every sample.
fn simulate_core(
    plan: &Plan,
    qnet: &QNetwork,
    data: &Dataset,
    dir: &Path,
    netlist: bool,
    opts: &CosimOptions,
) -> Result<SimRun> {
    let defines: &[&str] = if opts.vcd { &["ASNN_VCD"] } else { &[] };
    let built = if netlist {
        let (list, extra) = netlist::synthesize(dir, plan, opts.progress)?;
        simulator::build_with(dir, &plan.top, opts.sim, defines, &list, &extra)?
    } else {
        simulator::build(dir, &plan.top, opts.sim, defines)?
    };
    let stim_path = dir.join("stim.txt");
    write_file(&stim_path, &stimulus_text(&data.inputs, qnet.steps))?;
    opts.progress
        .start(data.len() as u64, &format!("{} cosim", opts.sim.name()));
    let t0 = Instant::now();
    let log = dir.join("out.txt");
    simulator::run_watched(&built, &stim_path, &log, opts.timeout, |done| {
        opts.progress.set(done as u64)
    })?;
    let sim_seconds = t0.elapsed().as_secs_f64();
    opts.progress.finish();
    Ok(SimRun {
        build_seconds: built.build_seconds,
        sim_seconds,
        log,
        board_done: None,
    })
}

/// Builds the simulated board and runs every sample through its UART.
fn simulate_board(
    prepared: &Prepared,
    baud: u32,
    qnet: &QNetwork,
    data: &Dataset,
    dir: &Path,
    opts: &CosimOptions,
) -> Result<SimRun> {
    let sb = SimBoard::start(prepared, dir, None)?;
    opts.progress.start(data.len() as u64, "board cosim");
    let t0 = Instant::now();
    let mut s = open_port(&sb.pty, baud, Duration::from_secs(120))?;
    let info = check_board(&mut s, prepared)?;
    let mut done = Vec::with_capacity(data.len());
    for x in &data.inputs {
        done.push(s.run(x, qnet.steps, &info)?);
        opts.progress.inc();
    }
    drop(s);
    let sim_seconds = t0.elapsed().as_secs_f64();
    opts.progress.finish();
    let build_seconds = sb.build_seconds;
    let log = sb.log.clone();
    sb.stop()?;
    Ok(SimRun {
        build_seconds,
        sim_seconds,
        log,
        board_done: Some(done),
    })
}

/// Diffs sample by sample as the log is read, a chunk at a time (a 10k-sample log is
/// too big to hold with every golden trace beside it).
fn diff_log(
    qnet: &QNetwork,
    plan: &Plan,
    data: &Dataset,
    golden: &Golden,
    opts: RunOptions,
    run: &SimRun,
) -> Result<Vec<SampleResult>> {
    let payloads = qnet.coding == Coding::Graded;
    let readout_layer = (qnet.layers.len() - 1) as u16;
    let mut results: Vec<SampleResult> = Vec::with_capacity(data.len());
    let file = std::fs::File::open(&run.log)
        .with_context(|| format!("no testbench log {}", run.log.display()))?;
    let mut reader = LogReader::new(std::io::BufReader::new(file));
    loop {
        let chunk = reader.next_samples(256)?;
        if chunk.is_empty() {
            break;
        }
        let base = results.len();
        if base + chunk.len() > data.len() {
            bail!("the testbench reported more samples than it was given");
        }
        let part: Vec<SampleResult> = chunk
            .par_iter()
            .enumerate()
            .map(|(k, h)| {
                let i = base + k;
                let x = &data.inputs[i];
                let g = golden
                    .run(x, None, opts)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let (ev, inp, sp) = golden_events(plan, x, &g);
                let mut divergence = diff(&g, h, payloads, readout_layer);
                let board = run.board_done.as_ref().map(|v| &v[i]);
                if let (None, Some(d)) = (&divergence, board) {
                    divergence = board_record_mismatch(d, h);
                }
                Ok(SampleResult {
                    divergence,
                    cycles: h.cycles,
                    // Over the UART the core also waits for its input: no model for that.
                    predicted: if board.is_some() {
                        h.cycles
                    } else {
                        plan.predict_cycles(&ev, &inp, &sp)
                    },
                    correct: data
                        .labels
                        .as_ref()
                        .map(|l| g.predictions.last().copied() == Some(l[i])),
                })
            })
            .collect::<Result<_>>()?;
        results.extend(part);
    }
    if results.len() != data.len() {
        bail!(
            "the testbench finished {} of {} samples (see {})",
            results.len(),
            data.len(),
            run.log.display()
        );
    }
    Ok(results)
}

/// Whether the done record that came over the UART says what the core's internal
/// log says (which the diff has already held against the golden model).
fn board_record_mismatch(d: &Done, h: &HwTrace) -> Option<Divergence> {
    let last = h.steps.last();
    let ok = u32::from(d.exit_step) == h.last_step
        && d.early == h.early
        && u64::from(d.cycles) == h.cycles
        && last.is_some_and(|(p, sc)| u16::from(d.pred) == *p && d.scores == *sc)
        && !d.overrun
        && !d.framing_error
        && !d.protocol_error;
    (!ok).then(|| Divergence {
        step: h.last_step,
        at: None,
        what: format!(
            "host link: done record (exit {}, early {}, pred {}, cycles {}, scores {:?}, overrun {}, framing {}, protocol {}) differs from the core's (exit {}, early {}, cycles {}, last step {:?})",
            d.exit_step, d.early, d.pred, d.cycles, d.scores, d.overrun, d.framing_error, d.protocol_error,
            h.last_step, h.early, h.cycles, last
        ),
    })
}

/// A waveform of the failing sample alone, in `dir/failing-sample/`.
fn failing_sample_vcd(
    design: &Design,
    qnet: &QNetwork,
    x: &RawInput,
    dir: &Path,
    sim: Simulator,
) -> Result<PathBuf> {
    let fdir = dir.join("failing-sample");
    std::fs::create_dir_all(&fdir)?;
    for f in &design.files {
        write_file(&fdir.join(&f.name), &f.contents)?;
    }
    let mut one = String::new();
    stimulus(x, qnet.steps, &mut one);
    write_file(&fdir.join("stim.txt"), &one)?;
    let b = simulator::build(&fdir, &design.plan.top, sim, &["ASNN_VCD"])?;
    simulator::run(&b, &fdir.join("stim.txt"), &fdir.join("out.txt"))?;
    Ok(fdir.join("wave.vcd"))
}
