//! `asnn build`: the open FPGA flow for a board (`asnn_eda::flow`), its summary to the
//! terminal; `report.json` and `summary.md` in the output folder.

use crate::common::{dataset_spec, Bar, BoardOpts};
use anyhow::{bail, Result};
use asnn_eda::board::{fitting_hint, prepare};
use asnn_eda::flow::{flow, FlowOpts};
use std::path::PathBuf;

/// `asnn build` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    #[command(flatten)]
    pub b: BoardOpts,
    /// Co-simulate this many samples of the bundled test slice (or --dataset) for the
    /// measured cycles per inference; 0 uses the cycle model alone.
    #[arg(long, default_value_t = 20)]
    pub cosim_samples: usize,
    /// Run the exact cycle model over this many samples of --dataset (e.g. a whole
    /// test set): its mean and max give the latency, the co-simulated first samples
    /// prove it exact on them. Default: the co-simulated samples.
    #[arg(long, default_value_t = 0)]
    pub cycle_samples: usize,
    /// Samples for the cycle measurement: idx:DIR[:PREFIX] or events:FILE.csv.
    #[arg(long)]
    pub dataset: Option<String>,
    /// nextpnr placement seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
    /// Output folder.
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(a: &Args) -> Result<()> {
    let p = a.net.as_path();
    let prepared = prepare(p, &a.b.args())?;
    let spec = dataset_spec(p, a.dataset.as_deref())?;
    let report = flow(
        &prepared,
        &FlowOpts {
            dataset: &spec,
            cosim_samples: a.cosim_samples,
            cycle_samples: a.cycle_samples,
            seed: a.seed,
            progress: &Bar::new(),
        },
        &a.output,
    )?;
    if let Some(v) = &report.cosim {
        println!("{}", v.summary());
    }
    print!("{}", report.summary_md());
    if let Some(why) = &report.failure {
        let hint = if report.bitstream.is_none() {
            fitting_hint(&prepared)
        } else {
            String::new()
        };
        bail!("{why}{hint}");
    }
    Ok(())
}
