//! Boards: a design prepared for a board (core and board top), written to a folder;
//! the simulated board (the board top in Verilator behind a pseudo-terminal) that
//! `asnn cosim --board`, `asnn board-sim` and the tests talk to; and `asnn run`, which
//! streams a dataset to a board and checks every answer against the golden model.

use crate::hostlink::Session;
use crate::inputs::{calibrate_for, load, load_hw, write_bytes, write_file};
use crate::process::{self, Background};
use crate::progress::Progress;
use crate::simulator;
use anyhow::{bail, Context, Result};
use asnn_generator::board::{self, Board, BoardDesign, PllKind};
use asnn_generator::{Design, HwSpec};
use asnn_import::{Dataset, LoadedNetwork};
use asnn_ir::InputKind;
use asnn_numerics::{Golden, QNetwork, RunOptions};
use asnn_wire::uart::{Info, PROTOCOL_VERSION};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
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
    /// The board top, pins, PLL and flash image around the design.
    pub board_design: BoardDesign,
}

/// The board, hardware choices, clock, baud rate and calibration data to prepare for.
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
    let hw = a.hw.map(load_hw).transpose()?;
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
        // PLL makes it).
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
    let board_design = board::board_design(&qnet, &design, &board, design.plan.clock_mhz, a.baud)
        .with_context(|| format!("board top for {}", board.name))?;
    Ok(Prepared {
        network: loaded.network.clone(),
        qnet,
        hw,
        design,
        board,
        board_design,
    })
}

/// Writes core and board files into `dir`.
pub fn write_design(prepared: &Prepared, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in prepared
        .design
        .files
        .iter()
        .chain(&prepared.board_design.files)
    {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    let (name, text) = board::FLASH_MODEL;
    write_file(&dir.join(name), text)?;
    if let Some(img) = &prepared.board_design.image {
        write_bytes(&dir.join("weights.bin"), img)?;
    }
    Ok(())
}

/// Lane counts whose plan fits the device's memories and DSPs, for a refusal message.
pub fn fitting_hint(prepared: &Prepared) -> String {
    lane_hint(
        &prepared.qnet,
        &prepared.hw,
        prepared.network.input.kind == InputKind::Frame,
    )
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
            asnn_generator::plan::make_plan(qnet, &hw, frame)
                .is_ok_and(|p| dev.dsps == 0 || p.neuron_multipliers() <= u64::from(dev.dsps))
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

// ------------------------------------------------------------------ simulated board

/// A running simulated board: the Verilator harness and the pseudo-terminal it serves.
pub struct SimBoard {
    process: Background,
    pub pty: PathBuf,
    pub log: PathBuf,
    pub build_seconds: f64,
}

impl SimBoard {
    /// Builds (Verilator) and starts the board testbench of `prepared` in `dir`; the flash
    /// model holds the design's weight image, or `flash` (a $readmemh byte file) instead.
    pub fn start(prepared: &Prepared, dir: &Path, flash: Option<&Path>) -> Result<SimBoard> {
        let dir = &crate::inputs::absolute(dir);
        write_design(prepared, dir)?;
        let t0 = Instant::now();
        let mut c = Command::new(simulator::verilator()?);
        c.current_dir(dir)
            .args(["--cc", "--exe", "--build", "-O2", "-DASNN_SIM"])
            .args(simulator::verilator_build_args(
                "tb_board",
                "obj_board",
                "Vboard",
                "board_files.f",
            ))
            .args([board::FLASH_MODEL.0, "tb_board.sv", "tb_board.cpp"]);
        process::run_checked(&mut c, process::Run::new("verilator (board testbench)"))?;
        let build_seconds = t0.elapsed().as_secs_f64();
        let name_file = dir.join("pty.txt");
        let _ = std::fs::remove_file(&name_file);
        let log = dir.join("board_out.txt");
        let mut cmd = Command::new(dir.join("obj_board").join("Vboard"));
        cmd.current_dir(dir)
            .arg(format!("+ptyname={}", name_file.display()))
            .arg(format!("+out={}", log.display()));
        match flash {
            Some(f) => {
                let f = std::fs::canonicalize(f)
                    .with_context(|| format!("flash image {}", f.display()))?;
                cmd.arg(format!("+flash={}", f.display()));
            }
            None if prepared.board_design.image.is_some() => {
                cmd.arg("+flash=weights.hex");
            }
            None => {}
        }
        let mut process = Background::start(&mut cmd, "the board testbench")?;
        let t1 = Instant::now();
        let pty = loop {
            if let Ok(s) = std::fs::read_to_string(&name_file) {
                break PathBuf::from(s.trim());
            }
            if let Some(st) = process.exited() {
                bail!("the board testbench exited at start ({st})");
            }
            if t1.elapsed() > Duration::from_secs(30) {
                process.kill();
                bail!("the board testbench did not open its pseudo-terminal");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(SimBoard {
            process,
            pty,
            log,
            build_seconds,
        })
    }

    /// Stops the simulation cleanly (SIGTERM: the harness closes its log).
    pub fn stop(mut self) -> Result<()> {
        if !self.process.terminate(Duration::from_secs(20)) {
            bail!("the board testbench did not stop on SIGTERM");
        }
        Ok(())
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
    prepared: &Prepared,
) -> Result<Info> {
    let info = s.wait_ready(Duration::from_secs(30))?;
    if info.design_id != prepared.design.id {
        bail!(
            "the board runs design {:08x}, this network and hardware make {:08x}: build and load the bitstream for it (same --hw, --freq and calibration)",
            info.design_id,
            prepared.design.id
        );
    }
    if info.status != 1 {
        bail!("the board is not ready: {}", info.status_text());
    }
    if info.version != PROTOCOL_VERSION {
        bail!(
            "the board speaks host-link version {}, asnn {}",
            info.version,
            PROTOCOL_VERSION
        );
    }
    Ok(info)
}

// ------------------------------------------------------------------ asnn run

/// What `asnn run` found (`--json`).
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub samples: usize,
    pub mismatches: usize,
    pub accuracy: Option<f64>,
    pub link_samples_per_second: f64,
    pub bytes_out: u64,
    pub bytes_in: u64,
    pub baud: u32,
    /// Mean clocks from start to done as the board counts them (includes waiting for
    /// the input over the UART).
    pub start_to_done_cycles: f64,
    pub start_to_done_us: f64,
    pub clock_mhz: f64,
    pub first_mismatch: Option<String>,
    #[serde(skip)]
    pub seconds: f64,
}

/// Streams `data` to a board behind `s` and checks every answer against the golden
/// model.
pub fn run_on_board<S: std::io::Read + std::io::Write>(
    s: &mut Session<S>,
    prepared: &Prepared,
    info: &Info,
    data: &Dataset,
    baud: u32,
    progress: &dyn Progress,
) -> Result<RunReport> {
    let golden = Golden::new(&prepared.qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: false,
        record_readout: false,
        early_exit: (prepared.hw.early_exit > 0).then_some(prepared.hw.early_exit),
        exit_margin: prepared.hw.margin_rule(),
        watch: None,
    };
    progress.start(data.len() as u64, "board");
    let t0 = Instant::now();
    let (mut correct, mut mismatches, mut cycles) = (0usize, 0usize, 0u64);
    let mut first_bad = None;
    for (i, x) in data.inputs.iter().enumerate() {
        let d = s.run(x, prepared.qnet.steps, info)?;
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
        progress.inc();
    }
    progress.finish();
    let wall = t0.elapsed().as_secs_f64();
    let n = data.len();
    let mean_cycles = cycles as f64 / n as f64;
    let clock_mhz = prepared.board_design.clock_mhz;
    Ok(RunReport {
        samples: n,
        mismatches,
        accuracy: data
            .labels
            .as_ref()
            .map(|_| correct as f64 / n as f64 * 100.0),
        link_samples_per_second: n as f64 / wall,
        bytes_out: s.bytes_out,
        bytes_in: s.bytes_in,
        baud,
        start_to_done_cycles: mean_cycles,
        start_to_done_us: mean_cycles / clock_mhz,
        clock_mhz,
        first_mismatch: first_bad,
        seconds: wall,
    })
}
