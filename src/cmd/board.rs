//! `asnn run` (stream a dataset to a board over its UART, every answer checked against
//! the golden model) and `asnn board-sim` (the simulated board behind a
//! pseudo-terminal, until interrupted). The work is in `asnn_eda::board`.

use crate::common::{check_inputs, dataset, dataset_spec, write_json, Bar, BoardOpts};
use anyhow::{bail, Context, Result};
use asnn_eda::board::{check_board, open_port, prepare, run_on_board, SimBoard};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `asnn run` arguments.
#[derive(clap::Args)]
pub struct RunArgs {
    pub net: PathBuf,
    #[command(flatten)]
    pub b: BoardOpts,
    /// Serial device of the board (e.g. /dev/ttyUSB1).
    #[arg(long)]
    pub port: PathBuf,
    /// Samples: idx:DIR[:PREFIX] or events:FILE.csv (default: the example's test slice).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only the first N samples.
    #[arg(long)]
    pub samples: Option<usize>,
    /// Seconds to wait for one answer.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// Write the summary as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Streams a dataset to a board and checks every answer against the golden model.
pub fn run(a: &RunArgs) -> Result<()> {
    let p = a.net.as_path();
    let board = a.b.args();
    let prepared = prepare(p, &board)?;
    let spec = dataset_spec(p, a.dataset.as_deref())?;
    let data = dataset(&spec, a.samples)?;
    check_inputs(&prepared.network, &data, prepared.qnet.steps)?;
    let mut s = open_port(&a.port, board.baud, Duration::from_secs_f64(a.timeout))?;
    let info = check_board(&mut s, &prepared)?;
    eprintln!(
        "board on {}: design {:08x}, {} inputs, {} classes, ready",
        a.port.display(),
        info.design_id,
        info.inputs,
        info.classes
    );
    let r = run_on_board(&mut s, &prepared, &info, &data, board.baud, &Bar::new())?;
    println!(
        "{} samples over {}: {} mismatches against the golden model{}",
        r.samples,
        a.port.display(),
        r.mismatches,
        r.accuracy
            .map(|x| format!("; accuracy {x:.2}%"))
            .unwrap_or_default()
    );
    println!(
        "host link: {:.1} samples/s, {} bytes out, {} bytes in ({:.0} bytes/s) at {} baud; start to done {:.0} cycles = {:.1} us at {:.3} MHz (includes waiting for the input over the UART; the core's own latency is in asnn build's report)",
        r.link_samples_per_second,
        r.bytes_out,
        r.bytes_in,
        (r.bytes_out + r.bytes_in) as f64 / r.seconds,
        r.baud,
        r.start_to_done_cycles,
        r.start_to_done_us,
        r.clock_mhz
    );
    if let Some(out) = &a.json {
        write_json(out, &r)?;
    }
    if let Some(b) = &r.first_mismatch {
        bail!(
            "{} of {} samples differ from the golden model; {b}",
            r.mismatches,
            r.samples
        );
    }
    Ok(())
}

/// `asnn board-sim` arguments.
#[derive(clap::Args)]
pub struct SimArgs {
    pub net: PathBuf,
    #[command(flatten)]
    pub b: BoardOpts,
    /// Work folder (default: a temp folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Serve this flash image ($readmemh bytes, as DIR/weights.hex) instead of the
    /// design's own (e.g. a damaged or foreign image, to see the loader refuse it).
    #[arg(long)]
    pub flash: Option<PathBuf>,
}

/// `asnn board-sim`: builds and starts the simulated board and serves its
/// pseudo-terminal until interrupted (for `asnn run --port` by hand or from a test).
pub fn serve(a: &SimArgs) -> Result<()> {
    let dir = dir_or_temp(a.dir.as_deref(), &format!("asnn-board-{}", a.b.board));
    let flash = a.flash.as_deref();
    // The handler first: a SIGTERM during the build must still stop the simulation.
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .context("cannot install the Ctrl-C handler")?;
    let prepared = prepare(&a.net, &a.b.args())?;
    eprintln!(
        "building the simulated {} board in {}",
        prepared.board.name,
        dir.display()
    );
    let sb = SimBoard::start(&prepared, &dir, flash)?;
    println!("{}", sb.pty.display());
    eprintln!(
        "simulated board ready on {} (built in {:.1} s); stop with Ctrl-C or SIGTERM",
        sb.pty.display(),
        sb.build_seconds
    );
    let _ = rx.recv();
    sb.stop()
}

/// A work folder: the given one or a named one under the temp folder.
fn dir_or_temp(dir: Option<&Path>, what: &str) -> PathBuf {
    dir.map(Path::to_path_buf)
        .unwrap_or_else(|| std::env::temp_dir().join(what))
}
