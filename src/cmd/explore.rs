//! `asnn explore`: the design-space sweep (`asnn_eda::explore`): run, emit a job array,
//! or collect what the jobs wrote; the table to the terminal.

use crate::common::Bar;
use anyhow::Result;
use asnn_eda::explore::{self, ExploreArgs, Written};
use std::path::Path;

fn show(w: &Written) {
    print!("{}", w.markdown);
    println!("{}", w.summary);
}

/// Runs the sweep, or (`emit_jobs`) writes it as a job array.
pub fn run(a: &ExploreArgs, emit_jobs: bool) -> Result<()> {
    explore::check_axes(a)?;
    asnn_generator::board::board(a.board.board)?;
    if emit_jobs {
        let pts = explore::points(a.lanes, a.cores, a.weight_bits);
        println!("{}", explore::emit_jobs(a, &pts)?);
        return Ok(());
    }
    let outcome = explore::run(a, &Bar::new())?;
    if let Some(w) = &outcome.written {
        show(w);
    }
    Ok(())
}

/// `asnn explore --collect DIR`.
pub fn collect(dir: &Path) -> Result<()> {
    show(&explore::collect(dir)?);
    Ok(())
}
