//! `asnn cosim`: generate the design and its testbench, simulate every sample in
//! Verilator or Icarus, and diff spike for spike against the golden model.

use crate::common::{
    calibrate_for, check_inputs, dataset, dataset_spec, load, progress, write_file, write_json,
};
use crate::cosim::{self, Simulator};
use anyhow::{bail, Context, Result};
use asnn_generator::plan::StepInput;
use asnn_generator::{HwSpec, Plan};
use asnn_ir::InputKind;
use asnn_numerics::{Coding, Golden, GoldenTrace, RawInput, RunOptions};
use rayon::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct CosimArgs<'a> {
    /// Co-simulate the whole board top instead (UART host link, flash loader).
    pub board: Option<super::board::BoardArgs<'a>>,
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
    /// No progress bars or summary lines (the caller reports; `asnn explore`).
    pub quiet: bool,
}

/// Per step and layer, the events reaching each layer's synapse unit in the golden run,
/// and per step the rest of the input as the first layer sees it (event input).
pub fn golden_events(
    plan: &Plan,
    x: &RawInput,
    g: &GoldenTrace,
) -> (Vec<Vec<u64>>, Vec<StepInput>) {
    let steps = g.predictions.len();
    let nl = plan.layers.len();
    let mut ev = vec![vec![0u64; nl]; steps];
    let mut zero = vec![StepInput::default(); steps];
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
        }
    }
    (ev, zero)
}

pub fn run(p: &Path, a: &CosimArgs) -> Result<()> {
    let loaded = load(p)?;
    let hw = match a.hw {
        Some(f) => asnn_import::load_hw(f)?,
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
    let board = match &a.board {
        Some(b) => {
            if !a.mutate.is_empty() || a.netlist {
                bail!("--board runs the generated board top: no --mutate or --netlist with it");
            }
            let pr = super::board::prepare(p, b)?;
            if pr.design.id != design.id {
                bail!("--board: the board's design differs from the core's (pass the board's device in --hw)");
            }
            Some((pr, b))
        }
        None => None,
    };
    let board = board.as_ref().map(|(pr, b)| (pr, *b));
    let verdict = run_design(qnet, &hw, &design, &data, board, a)?;
    if let Some(report) = verdict["failure_report"].as_str() {
        bail!(
            "{} of {} samples diverge; {report}",
            verdict["mismatches"],
            data.len()
        );
    }
    Ok(())
}

/// Co-simulates `design` (of `qnet` under `hw`) on `data` and diffs it against the
/// golden model; with `board`, the whole board top of that prepared design over a
/// pseudo-terminal. Returns the summary (also written to `a.json`); a divergence is
/// not an error here: `mismatches` and `failure_report` say so.
pub fn run_design(
    qnet: &asnn_numerics::QNetwork,
    hw: &HwSpec,
    design: &asnn_generator::Design,
    data: &asnn_import::Dataset,
    board: Option<(&super::board::Prepared, &super::board::BoardArgs)>,
    a: &CosimArgs,
) -> Result<serde_json::Value> {
    let plan = &design.plan;
    let dir: PathBuf = match a.dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("asnn-cosim-{}-{}", plan.top, a.sim.name())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in &design.files {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    if !a.quiet {
        eprintln!(
            "building {} with {} in {}",
            plan.top,
            a.sim.name(),
            dir.display()
        );
    }
    let defines: &[&str] = if a.vcd { &["ASNN_VCD"] } else { &[] };
    let mut board_done: Option<Vec<crate::hostlink::Done>> = None;
    let (build_seconds, sim_seconds, log_path) = if let Some((pr, b)) = board {
        // The whole board top behind its pins, driven over a pseudo-terminal by the
        // host-link code of `asnn run`.
        let sb = super::board::SimBoard::start(pr, &dir, None)?;
        let pb = progress(data.len(), "board cosim");
        if a.quiet {
            pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let t0 = Instant::now();
        let mut s = super::board::open_port(&sb.pty, b.baud, std::time::Duration::from_secs(120))?;
        let info = super::board::check_board(&mut s, pr)?;
        let mut done = Vec::with_capacity(data.len());
        for x in &data.inputs {
            done.push(s.run(x, qnet.steps, &info)?);
            pb.inc(1);
        }
        drop(s);
        let sim_seconds = t0.elapsed().as_secs_f64();
        pb.finish_and_clear();
        let build_seconds = sb.build_seconds;
        let log = sb.log.clone();
        sb.stop()?;
        board_done = Some(done);
        (build_seconds, sim_seconds, log)
    } else {
        let built = if a.netlist {
            let (list, extra) = synthesize_netlist(&dir, plan)?;
            cosim::build_with(&dir, &plan.top, a.sim, defines, &list, &extra)?
        } else {
            cosim::build(&dir, &plan.top, a.sim, defines)?
        };
        let mut stim = String::new();
        for x in &data.inputs {
            cosim::stimulus(x, qnet.steps, &mut stim);
        }
        let stim_path = dir.join("stim.txt");
        write_file(&stim_path, &stim)?;
        let pb = progress(data.len(), &format!("{} cosim", a.sim.name()));
        if a.quiet {
            pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let t0 = Instant::now();
        let log_path = dir.join("out.txt");
        cosim::run_watched(&built, &stim_path, &log_path, |done| {
            pb.set_position(done as u64)
        })?;
        let sim_seconds = t0.elapsed().as_secs_f64();
        pb.finish_and_clear();
        (built.build_seconds, sim_seconds, log_path)
    };

    // Diff sample by sample as the log is read, a chunk at a time (a 10k-sample log is
    // too big to hold with every golden trace beside it).
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: true,
        record_readout: true,
        early_exit: (hw.early_exit > 0).then_some(hw.early_exit),
        watch: None,
    };
    let payloads = qnet.coding == Coding::Graded;
    let readout_layer = (qnet.layers.len() - 1) as u16;
    let mut results: Vec<SampleResult> = Vec::with_capacity(data.len());
    let mut reader = cosim::LogReader::open(&log_path)?;
    let t1 = Instant::now();
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
                let x = &data.inputs[base + k];
                let g = golden
                    .run(x, None, opts)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let (ev, inp) = golden_events(plan, x, &g);
                let mut divergence = cosim::diff(&g, h, payloads, readout_layer);
                if let (None, Some(d)) = (&divergence, board_done.as_ref().map(|v| &v[base + k])) {
                    divergence = board_record_mismatch(d, h);
                }
                Ok(SampleResult {
                    divergence,
                    cycles: h.cycles,
                    // Over the UART the core also waits for its input: no model for that.
                    predicted: if board_done.is_some() {
                        h.cycles
                    } else {
                        plan.predict_cycles(&ev, &inp)
                    },
                    correct: data
                        .labels
                        .as_ref()
                        .map(|l| g.predictions.last().copied() == Some(l[base + k])),
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
            log_path.display()
        );
    }
    let diff_seconds = t1.elapsed().as_secs_f64();
    let mismatches = results.iter().filter(|r| r.divergence.is_some()).count();
    let cyc: Vec<u64> = results.iter().map(|r| r.cycles).collect();
    let errs: Vec<f64> = results
        .iter()
        .map(|r| (r.predicted as f64 - r.cycles as f64) / r.cycles as f64 * 100.0)
        .collect();
    let mean = cyc.iter().sum::<u64>() as f64 / cyc.len() as f64;
    let max = cyc.iter().copied().max().unwrap_or(0);
    let worst_err = errs
        .iter()
        .copied()
        .fold(0.0f64, |m, e| if e.abs() > m.abs() { e } else { m });
    let mean_err = errs.iter().sum::<f64>() / errs.len() as f64;
    let total_cycles: u64 = cyc.iter().sum();
    let accuracy = results.iter().filter_map(|r| r.correct).collect::<Vec<_>>();
    let acc = (!accuracy.is_empty())
        .then(|| accuracy.iter().filter(|&&c| c).count() as f64 / accuracy.len() as f64 * 100.0);
    let what = match (board.map(|(_, b)| b), a.netlist) {
        (Some(b), _) => format!("board {} (verilator, UART over a pseudo-terminal)", b.board),
        (None, true) => format!("{} netlist", a.sim.name()),
        (None, false) => a.sim.name().to_string(),
    };
    let model = if board_done.is_some() {
        "cycle model not applied (the core also waits for its input over the UART)".to_string()
    } else {
        format!("cycle model error mean {mean_err:+.2}%, worst {worst_err:+.2}%")
    };
    if !a.quiet {
        println!(
            "{what}: {} samples, {} mismatches; cycles per inference mean {:.0}, max {}; {model}{}",
            data.len(),
            mismatches,
            mean,
            max,
            acc.map(|x| format!("; accuracy {x:.2}%"))
                .unwrap_or_default()
        );
        println!(
        "build {:.1} s, simulation {:.1} s ({:.0} simulated cycles/s, {:.1} samples/s), diff {:.1} s",
        build_seconds,
        sim_seconds,
        total_cycles as f64 / sim_seconds.max(1e-9),
        data.len() as f64 / sim_seconds.max(1e-9),
        diff_seconds
    );
    }
    let first_bad = results
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.divergence.clone().map(|d| (i, d)));
    let mut vcd_path = a.vcd.then(|| dir.join("wave.vcd"));
    let mut first_json = serde_json::Value::Null;
    let mut report = String::new();
    if let Some((i, d)) = &first_bad {
        let (layer, neuron) = d.at.unzip();
        report = format!(
            "sample {i}: first divergence at step {}: {}{}",
            d.step,
            d.what,
            d.at.map(|(l, n)| format!(
                " (layer {l} '{}', neuron {n})",
                qnet.layers[l as usize].name
            ))
            .unwrap_or_default()
        );
        first_json =
            json!({"sample": i, "step": d.step, "layer": layer, "neuron": neuron, "what": d.what});
        // The neuron's golden-model state up to the divergence.
        if let Some((l, n)) = d.at {
            let w = golden
                .run(
                    &data.inputs[*i],
                    None,
                    RunOptions {
                        watch: Some((l, n)),
                        ..opts
                    },
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            report.push_str(&format!(
                "\ngolden state of layer {l} neuron {n} after each step (numerics.md section 3):\n  step            I           Sd           Sh           Td        theta            S\n"
            ));
            for r in w
                .watch
                .iter()
                .filter(|r| r.step + 8 >= d.step && r.step <= d.step)
            {
                report.push_str(&format!(
                    "  {:>4} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}\n",
                    r.step, r.i, r.sd, r.sh, r.td, r.theta, r.s
                ));
            }
        }
        // A waveform of the failing sample alone.
        if !a.vcd {
            let fdir = dir.join("failing-sample");
            std::fs::create_dir_all(&fdir)?;
            for f in &design.files {
                write_file(&fdir.join(&f.name), &f.contents)?;
            }
            let mut one = String::new();
            cosim::stimulus(&data.inputs[*i], qnet.steps, &mut one);
            write_file(&fdir.join("stim.txt"), &one)?;
            match cosim::build(&fdir, &plan.top, a.sim, &["ASNN_VCD"])
                .and_then(|b| cosim::run(&b, &fdir.join("stim.txt"), &fdir.join("out.txt")))
            {
                Ok(_) => vcd_path = Some(fdir.join("wave.vcd")),
                Err(e) => eprintln!("could not write the failing sample's VCD: {e:#}"),
            }
        }
        if let Some(v) = &vcd_path {
            report.push_str(&format!("waveform: {}", v.display()));
        }
    }
    let mut verdict = json!({
        "samples": data.len(),
        "mismatches": mismatches,
        "simulator": a.sim.name(),
        "cycles_per_inference": {"mean": mean, "max": max},
        "model_cycle_error_pct": board_done.is_none().then_some(worst_err),
        "mode": if board.is_some() { "board" } else if a.netlist { "netlist" } else { "rtl" },
        "model_cycle_error_mean_pct": mean_err,
        "sim_seconds": sim_seconds,
        "build_seconds": build_seconds,
        "simulated_cycles_per_second": total_cycles as f64 / sim_seconds.max(1e-9),
        "accuracy": acc,
        "first_divergence": first_json,
        "vcd": vcd_path.as_ref().map(|v| v.display().to_string()),
    });
    if let Some(out) = a.json {
        write_json(out, &verdict)?;
    }
    if let Some(out) = a.junit {
        write_file(out, &junit(&plan.top, a.sim, &results))?;
    }
    if first_bad.is_some() {
        verdict["failure_report"] = json!(report);
    }
    Ok(verdict)
}

/// Whether the done record that came over the UART says what the core's internal
/// log says (which the diff has already held against the golden model).
fn board_record_mismatch(
    d: &crate::hostlink::Done,
    h: &cosim::HwTrace,
) -> Option<cosim::Divergence> {
    let last = h.steps.last();
    let ok = u32::from(d.exit_step) == h.last_step
        && d.early == h.early
        && u64::from(d.cycles) == h.cycles
        && last.is_some_and(|(p, sc)| u16::from(d.pred) == *p && d.scores == *sc)
        && !d.overrun
        && !d.framing_error
        && !d.protocol_error;
    (!ok).then(|| cosim::Divergence {
        step: h.last_step,
        at: None,
        what: format!(
            "host link: done record (exit {}, early {}, pred {}, cycles {}, scores {:?}, overrun {}, framing {}, protocol {}) differs from the core's (exit {}, early {}, cycles {}, last step {:?})",
            d.exit_step, d.early, d.pred, d.cycles, d.scores, d.overrun, d.framing_error, d.protocol_error,
            h.last_step, h.early, h.cycles, last
        ),
    })
}

/// Synthesises the core with yosys for its FPGA family and returns the file list of
/// the netlist and the family's cell models (no behavioural module of ours).
fn synthesize_netlist(dir: &Path, plan: &asnn_generator::Plan) -> Result<(String, Vec<String>)> {
    use asnn_generator::device::Family;
    let files = std::fs::read_to_string(dir.join("files.f"))?;
    let synth = match plan.device.family {
        Family::Ice40 => format!("synth_ice40 -top {} -dsp", plan.top),
        Family::Ecp5 => format!("synth_ecp5 -top {}", plan.top),
    };
    let script = format!(
        "read_verilog {}\n{synth}\nwrite_verilog -noattr netlist.v\n",
        files.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    write_file(&dir.join("netlist.ys"), &script)?;
    eprintln!("synthesising {} with yosys ...", plan.top);
    let out = std::process::Command::new("yosys")
        .current_dir(dir)
        .args(["-q", "-l", "netlist_yosys.log", "-s", "netlist.ys"])
        .output()
        .context("cannot run yosys: is it installed? (bash scripts/test.sh installs it)")?;
    if !out.status.success() {
        bail!(
            "yosys failed (see {}): {}",
            dir.join("netlist_yosys.log").display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let datdir = std::process::Command::new("yosys-config")
        .arg("--datdir")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/usr/share/yosys".into());
    let fam = match plan.device.family {
        Family::Ice40 => "ice40",
        Family::Ecp5 => "ecp5",
    };
    write_file(&dir.join("netlist.f"), "netlist.v\n")?;
    Ok((
        "netlist.f".into(),
        vec![
            "-DNO_ICE40_DEFAULT_ASSIGNMENTS".into(),
            format!("{datdir}/{fam}/cells_sim.v"),
        ],
    ))
}

/// One sample's verdict.
struct SampleResult {
    divergence: Option<cosim::Divergence>,
    cycles: u64,
    predicted: u64,
    correct: Option<bool>,
}

/// JUnit XML: one test case per sample, the failure text its first divergence.
fn junit(top: &str, sim: Simulator, results: &[SampleResult]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let failures = results.iter().filter(|r| r.divergence.is_some()).count();
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"asnn cosim {top} ({})\" tests=\"{}\" failures=\"{failures}\">\n",
        sim.name(),
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        x.push_str(&format!(
            "  <testcase classname=\"{top}\" name=\"sample {i}\">"
        ));
        if let Some(d) = &r.divergence {
            x.push_str(&format!(
                "<failure message=\"{}\">step {}: {}</failure>",
                esc(&d.what),
                d.step,
                esc(&d.what)
            ));
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n</testsuites>\n");
    x
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

/// One random network's outcome.
struct RandomOutcome {
    seed: u64,
    line: String,
    skipped: bool,
    all_layers_spike: bool,
    saturated: bool,
    graded: bool,
    model_err: f64,
    mismatch: Option<String>,
}

impl RandomOutcome {
    fn skipped(seed: u64, why: String) -> Self {
        RandomOutcome {
            seed,
            line: format!("seed {seed}: skipped, the random network cannot be calibrated: {why}"),
            skipped: true,
            all_layers_spike: false,
            saturated: false,
            graded: false,
            model_err: 0.0,
            mismatch: None,
        }
    }
}

/// The hardware choices for a random network (seeded like the network).
pub fn random_hw(seed: u64) -> HwSpec {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x4857_4857);
    HwSpec {
        device: "ecp5-85f".into(),
        lanes: [1, 2, 3, 4, 8][rng.random_range(0..5)],
        cores: [1, 1, 2, 3][rng.random_range(0..4)],
        early_exit: if rng.random_bool(0.3) {
            rng.random_range(2..=8)
        } else {
            0
        },
        ..HwSpec::default()
    }
}

fn one_random(seed: u64, sim: Simulator, root: &Path) -> Result<RandomOutcome> {
    let cfg = asnn_sim::random::RandomConfig::default();
    let case = asnn_sim::random::random_case(seed, &cfg)
        .map_err(|e| anyhow::anyhow!("seed {seed}: {e}"))?;
    let mut cal = match asnn_sim::calibrate(&case.network, &case.inputs[..4]) {
        Ok(c) => c,
        // A random layer that never activates cannot be calibrated: not a hardware case.
        Err(e) => return Ok(RandomOutcome::skipped(seed, format!("{e}"))),
    };
    // 40% of the networks get 2-4 more fraction bits in one layer than calibration
    // chose, so that values clamp: saturation must be bit-exact too.
    {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5a7);
        if rng.random_bool(0.4) {
            let l = rng.random_range(0..cal.network.layers.len());
            for extra in [4, 3, 2] {
                let mut net = cal.network.clone();
                net.layers[l].quant.state_frac = Some(cal.qnet.layers[l].q.state_frac + extra);
                if let Ok(c2) = asnn_sim::calibrate(&net, &case.inputs[..4]) {
                    cal = c2;
                    break;
                }
            }
        }
    }
    let qnet = &cal.qnet;
    let mut hw = random_hw(seed);
    if let Ok(l) = std::env::var("ASNN_RANDOM_LANES") {
        hw.lanes = l.parse().context("ASNN_RANDOM_LANES")?;
    }
    if let Ok(c) = std::env::var("ASNN_RANDOM_CORES") {
        hw.cores = c.parse().context("ASNN_RANDOM_CORES")?;
    }
    let frame = case.network.input.kind == InputKind::Frame;
    let design =
        asnn_generator::generate(qnet, &hw, frame).with_context(|| format!("seed {seed}"))?;
    let dir = root.join(format!("seed-{seed}"));
    std::fs::create_dir_all(&dir)?;
    for f in &design.files {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    let built =
        cosim::build(&dir, &design.plan.top, sim, &[]).with_context(|| format!("seed {seed}"))?;
    let mut stim = String::new();
    for x in &case.inputs {
        cosim::stimulus(x, qnet.steps, &mut stim);
    }
    let stim_path = dir.join("stim.txt");
    write_file(&stim_path, &stim)?;
    let log = cosim::run(&built, &stim_path, &dir.join("out.txt"))
        .with_context(|| format!("seed {seed}"))?;
    let hws = cosim::parse_log(&log).with_context(|| format!("seed {seed}"))?;
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: true,
        record_readout: true,
        early_exit: (hw.early_exit > 0).then_some(hw.early_exit),
        watch: None,
    };
    let mut spikes = vec![0u64; qnet.layers.len() - 1];
    let mut sat = 0u64;
    let mut mismatch = None;
    let mut model_err = 0.0f64;
    if hws.len() != case.inputs.len() {
        mismatch = Some(format!(
            "the testbench finished {} of {} samples",
            hws.len(),
            case.inputs.len()
        ));
    }
    for (i, (x, h)) in case.inputs.iter().zip(&hws).enumerate() {
        let g = golden
            .run(x, None, opts)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (a, b) in spikes.iter_mut().zip(&g.spikes_per_layer) {
            *a += b;
        }
        sat += g.saturations.iter().map(|s| s.total()).sum::<u64>();
        if mismatch.is_none() {
            if let Some(d) = cosim::diff(
                &g,
                h,
                qnet.coding == Coding::Graded,
                (qnet.layers.len() - 1) as u16,
            ) {
                mismatch = Some(format!("sample {i}, step {}: {}", d.step, d.what));
            }
        }
        let (ev, zero) = golden_events(&design.plan, x, &g);
        let pred = design.plan.predict_cycles(&ev, &zero);
        let err = (pred as f64 - h.cycles as f64) / h.cycles as f64 * 100.0;
        if err.abs() > model_err.abs() {
            model_err = err;
        }
    }
    let kinds: Vec<&str> = design
        .plan
        .layers
        .iter()
        .map(|l| match &l.conv {
            Some(c) if c.max_pool.is_some() => "conv2d+maxpool",
            Some(c) if c.pool > 1 => "conv2d+avgpool",
            _ => l.kind,
        })
        .collect();
    let line = format!(
        "seed {seed}: {} {:?}, {} coding, delay {}, {} input, lanes {}, cores {}, early exit {}, {} steps; spikes per layer {:?}, saturations {sat}, cycle model {model_err:+.2}%: {}",
        qnet.name,
        kinds,
        if qnet.coding == Coding::Graded { "graded" } else { "binary" },
        qnet.delay,
        if frame { "frame" } else { "events" },
        hw.lanes,
        hw.cores,
        hw.early_exit,
        qnet.steps,
        spikes,
        mismatch.as_deref().unwrap_or("bit-exact")
    );
    Ok(RandomOutcome {
        seed,
        line,
        skipped: false,
        all_layers_spike: spikes.iter().all(|&s| s > 0),
        saturated: sat > 0,
        graded: qnet.coding == Coding::Graded,
        model_err,
        mismatch,
    })
}

pub fn run_random(a: &RandomArgs) -> Result<()> {
    let root = match a.dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("asnn-cosim-random-{}", a.sim.name())),
    };
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.max(1))
        .build()
        .context("thread pool")?;
    let pb = progress(
        a.count as usize,
        &format!("random cosim ({})", a.sim.name()),
    );
    let t0 = Instant::now();
    let seeds: Vec<u64> = (a.first..a.first + a.count).collect();
    let outcomes: Vec<Result<RandomOutcome>> = pool.install(|| {
        seeds
            .par_iter()
            .map(|&s| {
                let r = one_random(s, a.sim, &root);
                pb.inc(1);
                r
            })
            .collect()
    });
    pb.finish_and_clear();
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = 0;
    for o in outcomes {
        match o {
            Ok(o) => {
                println!("{}", o.line);
                if o.skipped {
                    skipped += 1;
                } else {
                    ok.push(o);
                }
            }
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    for e in &errors {
        println!("error: {e}");
    }
    let mism: Vec<u64> = ok
        .iter()
        .filter(|o| o.mismatch.is_some())
        .map(|o| o.seed)
        .collect();
    let spiking = ok.iter().filter(|o| o.all_layers_spike).count();
    let saturating = ok.iter().filter(|o| o.saturated).count();
    let graded = ok.iter().filter(|o| o.graded).count();
    let worst_model = ok.iter().map(|o| o.model_err.abs()).fold(0.0f64, f64::max);
    println!(
        "random cosim ({}), seeds {}..{}: {} networks ({} skipped), {} mismatching {:?}, {} errors; {} spike in every spiking layer, {} saturate, {} graded / {} binary; cycle model worst error {:.2}%; {:.0} s",
        a.sim.name(),
        a.first,
        a.first + a.count,
        ok.len(),
        skipped,
        mism.len(),
        mism,
        errors.len(),
        spiking,
        saturating,
        graded,
        ok.len() - graded,
        worst_model,
        t0.elapsed().as_secs_f64()
    );
    if let Some(out) = a.json {
        write_json(
            out,
            &json!({
                "simulator": a.sim.name(),
                "seeds": [a.first, a.first + a.count],
                "networks": ok.len(),
                "skipped": skipped,
                "mismatching_seeds": mism,
                "errors": errors,
                "spiking_in_every_layer": spiking,
                "saturating": saturating,
                "graded": graded,
                "binary": ok.len() - graded,
                "worst_cycle_model_error_pct": worst_model,
            }),
        )?;
    }
    if !mism.is_empty() || !errors.is_empty() {
        bail!(
            "{} of {} random networks mismatched or failed; rerun one with `asnn cosim-random --first SEED --count 1 --sim {}`",
            mism.len() + errors.len(),
            a.count,
            a.sim.name()
        );
    }
    Ok(())
}
