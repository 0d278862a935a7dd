//! `asnn build`: the open FPGA flow for a board (`asnn_eda::flow`), its summary to the
//! terminal; `report.json` and `summary.md` in the output folder.

use crate::common::{dataset_spec, Bar};
use anyhow::{bail, Result};
use asnn_eda::board::{fitting_hint, prepare, BoardArgs};
use asnn_eda::flow::{flow, FlowOpts};
use std::path::Path;

pub struct BuildArgs<'a> {
    pub board: BoardArgs<'a>,
    pub cosim_samples: usize,
    pub dataset: Option<&'a str>,
    pub seed: u32,
    pub out: &'a Path,
}

pub fn run(p: &Path, a: &BuildArgs) -> Result<()> {
    let pr = prepare(p, &a.board)?;
    let spec = dataset_spec(p, a.dataset)?;
    let report = flow(
        &pr,
        &FlowOpts {
            dataset: &spec,
            cosim_samples: a.cosim_samples,
            seed: a.seed,
            progress: &Bar::new(),
        },
        a.out,
    )?;
    print!("{}", report.summary_md());
    if let Some(why) = &report.failure {
        let hint = if report.bitstream.is_none() {
            fitting_hint(&pr)
        } else {
            String::new()
        };
        bail!("{why}{hint}");
    }
    Ok(())
}
