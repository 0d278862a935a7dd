//! `asnn explore`: the design-space sweep (`asnn_eda::explore`): run, emit a job array,
//! or collect what the jobs wrote; the table to the terminal.

use crate::common::{Bar, CalibArgs};
use anyhow::Result;
use asnn_eda::board::BoardArgs;
use asnn_eda::explore::{self, ExploreArgs, Written};
use std::path::{Path, PathBuf};

fn show(w: &Written) {
    print!("{}", w.markdown);
    println!("{}", w.summary);
}

/// `asnn explore` arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The network (not with --collect).
    #[arg(required_unless_present = "collect")]
    pub net: Option<PathBuf>,
    /// Board: icebreaker, upduino (iCE40 UP5K), ulx3s, orangecrab (ECP5).
    #[arg(long, required_unless_present = "collect")]
    pub board: Option<String>,
    /// Lanes per core to try (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16")]
    pub lanes: Vec<u32>,
    /// First-layer synapse lanes to try beside each lane count (comma-separated; dense
    /// first layer, frame input): above the lanes the layer is output-stationary. Each
    /// lane count keeps its walk point; values not above it or not a multiple of it are
    /// skipped for it. Default: the walk only.
    #[arg(long, value_delimiter = ',')]
    pub synapse_lanes: Vec<u32>,
    /// Neuron cores per layer to try (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub cores: Vec<u32>,
    /// Weight widths to try, every layer (comma-separated; default: the network's own).
    #[arg(long, value_delimiter = ',')]
    pub weight_bits: Vec<u32>,
    /// Neuron arithmetic to try, every layer (comma-separated: multiply, shift; default:
    /// the network's own). Shift realises each τ and m_f (docs/numerics.md section 11)
    /// and builds the neurons without DSPs; θ0 and formats stay as the network fixes them.
    #[arg(long, value_delimiter = ',', value_parser = parse_arithmetic)]
    pub arithmetic: Vec<asnn_numerics::Arithmetic>,
    /// Base hardware choices (hw.toml: device, early exit, weight memories); lanes and
    /// cores come from the sweep.
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Core clock in MHz (default: the board's).
    #[arg(long)]
    pub freq: Option<f64>,
    /// Host-link baud rate.
    #[arg(long, default_value_t = asnn_generator::board::DEFAULT_BAUD)]
    pub baud: u32,
    #[command(flatten)]
    pub cal: CalibArgs,
    /// Samples: idx:DIR[:PREFIX] or events:FILE.csv (default: the example's test slice).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Samples co-simulated per point for the measured cycles per inference.
    #[arg(long, default_value_t = 3)]
    pub cosim_samples: usize,
    /// Samples for each weight width's golden-model accuracy (0: none).
    #[arg(long, default_value_t = 1000)]
    pub accuracy_samples: usize,
    /// nextpnr placement seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
    /// Points built at once (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Write the points as a Slurm job array (jobs/sweep.sbatch) and a plain shell
    /// list (jobs/points.txt, jobs/run-all.sh) instead of running them.
    #[arg(long)]
    pub emit_jobs: bool,
    /// Run the points but write no table (each job of an emitted array).
    #[arg(long, hide = true)]
    pub no_summary: bool,
    /// Merge the point results in DIR (from jobs) into the table and plots.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["emit_jobs", "no_summary"])]
    pub collect: Option<PathBuf>,
    /// Output folder (also the cache: rerun with the same folder).
    #[arg(short, long, required_unless_present = "collect")]
    pub output: Option<PathBuf>,
}

/// Runs the sweep, writes it as a job array (`--emit-jobs`), or collects one.
pub fn run(x: &Args) -> Result<()> {
    if let Some(dir) = &x.collect {
        return collect(dir);
    }
    let (Some(net), Some(board), Some(out)) = (&x.net, &x.board, &x.output) else {
        anyhow::bail!("asnn explore needs NET, --board and -o (or --collect DIR)");
    };
    let a = ExploreArgs {
        net,
        board: BoardArgs {
            board,
            hw: x.hw.as_deref(),
            freq: x.freq,
            baud: x.baud,
            calib: x.cal.calib.as_deref(),
            calib_samples: x.cal.calib_samples,
        },
        lanes: &x.lanes,
        synapse_lanes: &x.synapse_lanes,
        cores: &x.cores,
        weight_bits: &x.weight_bits,
        arithmetic: &x.arithmetic,
        dataset: x.dataset.as_deref(),
        cosim_samples: x.cosim_samples,
        accuracy_samples: x.accuracy_samples,
        seed: x.seed,
        jobs: x
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        out,
        no_summary: x.no_summary,
    };
    let a = &a;
    explore::check_axes(a)?;
    asnn_generator::board::board(a.board.board)?;
    if x.emit_jobs {
        let pts = explore::points(
            a.lanes,
            a.synapse_lanes,
            a.cores,
            a.weight_bits,
            a.arithmetic,
        );
        println!("{}", explore::emit_jobs(a, &pts)?);
        return Ok(());
    }
    let outcome = explore::run(a, &Bar::new())?;
    if let Some(w) = &outcome.written {
        show(w);
    }
    Ok(())
}

fn parse_arithmetic(s: &str) -> Result<asnn_numerics::Arithmetic, String> {
    match s {
        "multiply" => Ok(asnn_numerics::Arithmetic::Multiply),
        "shift" => Ok(asnn_numerics::Arithmetic::Shift),
        o => Err(format!("must be multiply or shift, found '{o}'")),
    }
}

/// `asnn explore --collect DIR`.
fn collect(dir: &Path) -> Result<()> {
    show(&explore::collect(dir)?);
    Ok(())
}
