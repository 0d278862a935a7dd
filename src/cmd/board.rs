//! Boards: `asnn build` (generate -> yosys -> nextpnr -> icepack/ecppack, reports),
//! `asnn run` (stream a dataset to a board over its UART and check every answer against
//! the golden model), and the simulated board (the board top in Verilator behind a
//! pseudo-terminal) that `asnn cosim --board` and the tests talk to.

use crate::common::{
    calibrate_for, check_inputs, dataset, dataset_spec, load, write_file, write_json,
};
use crate::hostlink::{Info, Session};
use anyhow::{bail, Context, Result};
use asnn_generator::board::{self, Board, BoardDesign, PllKind};
use asnn_generator::{Design, HwSpec};
use asnn_import::LoadedNetwork;
use asnn_ir::InputKind;
use asnn_numerics::{Golden, QNetwork, RunOptions};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Everything the board commands share: the calibrated network, the core design and
/// the board top around it.
pub struct Prepared {
    /// The float network as loaded (for input validation).
    pub network: asnn_ir::Network,
    pub qnet: QNetwork,
    pub hw: HwSpec,
    pub design: Design,
    pub board: Board,
    pub bd: BoardDesign,
}

pub struct BoardArgs<'a> {
    pub board: &'a str,
    pub hw: Option<&'a Path>,
    pub freq: Option<f64>,
    pub baud: u32,
    pub calib: Option<&'a str>,
    pub calib_samples: usize,
}

/// Calibrates, plans for the board's device and clock, and renders core and board top.
pub fn prepare(p: &Path, a: &BoardArgs) -> Result<Prepared> {
    let loaded = load(p)?;
    let hw = a.hw.map(asnn_import::load_hw).transpose()?;
    let cal = calibrate_for(&loaded, a.calib, a.calib_samples)?;
    prepare_from(&loaded, cal.qnet, hw, a)
}

/// As [`prepare`], for a network already calibrated (`qnet`) and hardware choices
/// already read (`hw`; `None`: the board's device with every default). `a.hw` only
/// names the choices in messages.
pub fn prepare_from(
    loaded: &LoadedNetwork,
    qnet: QNetwork,
    hw: Option<HwSpec>,
    a: &BoardArgs,
) -> Result<Prepared> {
    let board = board::board(a.board)?;
    let mut hw = hw.unwrap_or_else(|| HwSpec {
        device: board.device.clone(),
        ..HwSpec::default()
    });
    if let Some(f) = a.freq {
        if !(f.is_finite() && f > 0.0) {
            bail!("--freq {f}: expected a clock in MHz above 0");
        }
        hw.clock_mhz = Some(f);
    } else if matches!(board.pll, PllKind::None | PllKind::Ecp5) && hw.clock_mhz.is_none() {
        // ECP5 boards run at their oscillator unless a clock is asked for (then the
        // EHXPLLL makes it).
        hw.clock_mhz = Some(board.osc_mhz);
    }
    let frame = loaded.network.input.kind == InputKind::Frame;
    let design = match asnn_generator::generate(&qnet, &hw, frame) {
        Ok(d) => d,
        Err(e) => {
            // Before synthesis: say what does not fit and which lane counts would.
            let hint = if matches!(e, asnn_generator::GenError::Capacity(_)) {
                lane_hint(&qnet, &hw, frame)
            } else {
                String::new()
            };
            bail!(
                "{} on board {}{}: {e}{hint}",
                loaded.path.display(),
                board.name,
                a.hw.map(|h| format!(" with {}", h.display()))
                    .unwrap_or_default()
            );
        }
    };
    let bd = board::board_design(&qnet, &design, &board, design.plan.clock_mhz, a.baud)
        .with_context(|| format!("board top for {}", board.name))?;
    Ok(Prepared {
        network: loaded.network.clone(),
        qnet,
        hw,
        design,
        board,
        bd,
    })
}

/// Writes core and board files into `dir`.
pub fn write_design(pr: &Prepared, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in pr.design.files.iter().chain(&pr.bd.files) {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    let (name, text) = board::FLASH_MODEL;
    write_file(&dir.join(name), text)?;
    if let Some(img) = &pr.bd.image {
        std::fs::write(dir.join("weights.bin"), img)
            .with_context(|| format!("cannot write {}", dir.join("weights.bin").display()))?;
    }
    Ok(())
}

// ------------------------------------------------------------------ simulated board

/// A running simulated board: the Verilator harness and the pseudo-terminal it serves.
pub struct SimBoard {
    child: Child,
    pub pty: PathBuf,
    pub log: PathBuf,
    pub build_seconds: f64,
}

impl SimBoard {
    /// Builds (Verilator) and starts the board testbench of `pr` in `dir`; the flash
    /// model holds the design's weight image, or `flash` (a $readmemh byte file) instead.
    pub fn start(pr: &Prepared, dir: &Path, flash: Option<&Path>) -> Result<SimBoard> {
        write_design(pr, dir)?;
        let t0 = Instant::now();
        let mut c = Command::new("verilator");
        c.current_dir(dir).args([
            "--cc",
            "--exe",
            "--build",
            "-j",
            "2",
            "-O2",
            "--top-module",
            "tb_board",
            "-DASNN_SIM",
            "-Wno-fatal",
            "-Wno-lint",
            "-Wno-style",
            "--Mdir",
            "obj_board",
            "-o",
            "Vboard",
            "-f",
            "board_files.f",
            board::FLASH_MODEL.0,
            "tb_board.sv",
            "tb_board.cpp",
        ]);
        let out = c
            .output()
            .context("cannot run verilator: is it installed? (bash scripts/test.sh installs it)")?;
        if !out.status.success() {
            bail!(
                "verilator (board testbench) failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .take(30)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        let build_seconds = t0.elapsed().as_secs_f64();
        let name_file = dir.join("pty.txt");
        let _ = std::fs::remove_file(&name_file);
        let log = dir.join("board_out.txt");
        let mut cmd = Command::new(dir.join("obj_board").join("Vboard"));
        cmd.current_dir(dir)
            .arg(format!("+ptyname={}", name_file.display()))
            .arg(format!("+out={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        match flash {
            Some(f) => {
                let f = std::fs::canonicalize(f)
                    .with_context(|| format!("flash image {}", f.display()))?;
                cmd.arg(format!("+flash={}", f.display()));
            }
            None if pr.bd.image.is_some() => {
                cmd.arg("+flash=weights.hex");
            }
            None => {}
        }
        let mut child = cmd.spawn().context("cannot start the board testbench")?;
        let t1 = Instant::now();
        let pty = loop {
            if let Ok(s) = std::fs::read_to_string(&name_file) {
                break PathBuf::from(s.trim());
            }
            if let Some(st) = child.try_wait()? {
                bail!("the board testbench exited at start ({st})");
            }
            if t1.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                bail!("the board testbench did not open its pseudo-terminal");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(SimBoard {
            child,
            pty,
            log,
            build_seconds,
        })
    }

    /// Stops the simulation cleanly (SIGTERM: the harness closes its log).
    pub fn stop(mut self) -> Result<()> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let t0 = Instant::now();
        while self.child.try_wait()?.is_none() {
            if t0.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                bail!("the board testbench did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for SimBoard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Opens a serial device (a board's UART, or the simulated board's pseudo-terminal).
pub fn open_port(
    path: &Path,
    baud: u32,
    timeout: Duration,
) -> Result<Session<Box<dyn serialport::SerialPort>>> {
    let port = serialport::new(path.to_string_lossy(), baud)
        .timeout(Duration::from_millis(100))
        .open()
        .with_context(|| format!("cannot open serial port {}", path.display()))?;
    Ok(Session::new(port, timeout))
}

/// Checks that the board runs this design and is ready.
pub fn check_board<S: std::io::Read + std::io::Write>(
    s: &mut Session<S>,
    pr: &Prepared,
) -> Result<Info> {
    let info = s.wait_ready(Duration::from_secs(30))?;
    if info.design_id != pr.design.id {
        bail!(
            "the board runs design {:08x}, this network and hardware make {:08x}: build and load the bitstream for it (same --hw, --freq and calibration)",
            info.design_id,
            pr.design.id
        );
    }
    if info.status != 1 {
        bail!("the board is not ready: {}", info.status_text());
    }
    if info.version != crate::hostlink::PROTOCOL_VERSION {
        bail!(
            "the board speaks host-link version {}, asnn {}",
            info.version,
            crate::hostlink::PROTOCOL_VERSION
        );
    }
    Ok(info)
}

// ------------------------------------------------------------------ asnn run

pub struct RunArgs<'a> {
    pub board: BoardArgs<'a>,
    pub port: &'a Path,
    pub dataset: Option<&'a str>,
    pub samples: Option<usize>,
    pub timeout_s: f64,
    pub json: Option<&'a Path>,
}

/// Streams a dataset to a board and checks every answer against the golden model.
pub fn run(p: &Path, a: &RunArgs) -> Result<()> {
    let pr = prepare(p, &a.board)?;
    let spec = dataset_spec(p, a.dataset)?;
    let data = dataset(&spec, a.samples)?;
    check_inputs(&pr.network, &data, pr.qnet.steps)?;
    let mut s = open_port(a.port, a.board.baud, Duration::from_secs_f64(a.timeout_s))?;
    let info = check_board(&mut s, &pr)?;
    eprintln!(
        "board on {}: design {:08x}, {} inputs, {} classes, ready",
        a.port.display(),
        info.design_id,
        info.inputs,
        info.classes
    );
    let golden = Golden::new(&pr.qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: false,
        record_readout: false,
        early_exit: (pr.hw.early_exit > 0).then_some(pr.hw.early_exit),
        watch: None,
    };
    let pb = crate::common::progress(data.len(), "board");
    let t0 = Instant::now();
    let (mut correct, mut mismatches, mut cycles) = (0usize, 0usize, 0u64);
    let mut first_bad = None;
    for (i, x) in data.inputs.iter().enumerate() {
        let d = s.run(x, pr.qnet.steps, &info)?;
        let g = golden
            .run(x, None, opts)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let gpred = g.predictions.last().copied().unwrap_or(0);
        let gexit = g.predictions.len().saturating_sub(1) as u16;
        let ok = u16::from(d.pred) == gpred
            && d.scores == g.final_readout
            && d.exit_step == gexit
            && !d.overrun
            && !d.framing_error
            && !d.protocol_error;
        if !ok {
            mismatches += 1;
            if first_bad.is_none() {
                first_bad = Some(format!(
                    "sample {i}: board pred {} exit {} scores {:?} flags (overrun {}, framing {}, protocol {}); golden pred {gpred} exit {gexit} scores {:?}",
                    d.pred, d.exit_step, d.scores, d.overrun, d.framing_error, d.protocol_error, g.final_readout
                ));
            }
        }
        if let Some(l) = &data.labels {
            correct += usize::from(u16::from(d.pred) == l[i]);
        }
        cycles += u64::from(d.cycles);
        pb.inc(1);
    }
    pb.finish_and_clear();
    let wall = t0.elapsed().as_secs_f64();
    let n = data.len();
    let acc = data
        .labels
        .as_ref()
        .map(|_| correct as f64 / n as f64 * 100.0);
    let mean_cycles = cycles as f64 / n as f64;
    let core_us = mean_cycles / pr.bd.clock_mhz;
    println!(
        "{n} samples over {}: {} mismatches against the golden model{}",
        a.port.display(),
        mismatches,
        acc.map(|x| format!("; accuracy {x:.2}%"))
            .unwrap_or_default()
    );
    println!(
        "host link: {:.1} samples/s, {} bytes out, {} bytes in ({:.0} bytes/s) at {} baud; start to done {:.0} cycles = {:.1} us at {:.3} MHz (includes waiting for the input over the UART; the core's own latency is in asnn build's report)",
        n as f64 / wall,
        s.bytes_out,
        s.bytes_in,
        (s.bytes_out + s.bytes_in) as f64 / wall,
        a.board.baud,
        mean_cycles,
        core_us,
        pr.bd.clock_mhz
    );
    if let Some(out) = a.json {
        write_json(
            out,
            &json!({
                "samples": n, "mismatches": mismatches, "accuracy": acc,
                "link_samples_per_second": n as f64 / wall, "bytes_out": s.bytes_out, "bytes_in": s.bytes_in,
                "baud": a.board.baud, "start_to_done_cycles": mean_cycles, "start_to_done_us": core_us,
                "clock_mhz": pr.bd.clock_mhz, "first_mismatch": first_bad,
            }),
        )?;
    }
    if let Some(b) = first_bad {
        bail!("{mismatches} of {n} samples differ from the golden model; {b}");
    }
    Ok(())
}

/// `asnn board-sim`: builds and starts the simulated board and serves its
/// pseudo-terminal until interrupted (for `asnn run --port` by hand or from a test).
pub fn serve(p: &Path, a: &BoardArgs, dir: &Path, flash: Option<&Path>) -> Result<()> {
    // The handler first: a SIGTERM during the build must still stop the simulation.
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .context("cannot install the Ctrl-C handler")?;
    let pr = prepare(p, a)?;
    eprintln!(
        "building the simulated {} board in {}",
        pr.board.name,
        dir.display()
    );
    let sb = SimBoard::start(&pr, dir, flash)?;
    println!("{}", sb.pty.display());
    eprintln!(
        "simulated board ready on {} (built in {:.1} s); stop with Ctrl-C or SIGTERM",
        sb.pty.display(),
        sb.build_seconds
    );
    let _ = rx.recv();
    sb.stop()
}

/// Lane counts whose plan fits the device's memories and DSPs, for a refusal message.
pub fn fitting_hint(pr: &Prepared) -> String {
    lane_hint(&pr.qnet, &pr.hw, pr.network.input.kind == InputKind::Frame)
}

fn lane_hint(qnet: &QNetwork, hw: &HwSpec, frame: bool) -> String {
    let Some(dev) = asnn_generator::device::device(&hw.device) else {
        return String::new();
    };
    let fits: Vec<String> = [1u32, 2, 4, 8, 16]
        .iter()
        .filter(|&&l| {
            let hw = HwSpec {
                lanes: l,
                layer: Vec::new(),
                ..hw.clone()
            };
            asnn_generator::plan::make_plan(qnet, &hw, frame).is_ok_and(|p| {
                dev.dsps == 0 || super::build::neuron_multipliers(&p) <= u64::from(dev.dsps)
            })
        })
        .map(|l| l.to_string())
        .collect();
    if fits.is_empty() {
        format!(
            "\nno lane count (1-16) fits {}'s memories and {} DSPs: use smaller widths ([quantization] weight_bits / state_bits; a 16-bit state makes each decay one DSP), a smaller network, or an ECP5 board",
            dev.name, dev.dsps
        )
    } else {
        format!(
            "\nlanes that fit {}'s memories and {} DSPs (logic not estimated): {}",
            dev.name,
            dev.dsps,
            fits.join(", ")
        )
    }
}

/// A work folder: the given one or a named one under the temp folder.
pub fn dir_or_temp(dir: Option<&Path>, what: &str) -> PathBuf {
    dir.map(Path::to_path_buf)
        .unwrap_or_else(|| std::env::temp_dir().join(what))
}
