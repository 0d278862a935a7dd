//! The checks every generated design and library module passes: `verilator
//! --lint-only -Wall`, Icarus with all warnings, yosys `hierarchy -check; proc; check
//! -assert; synth`, and the library's self-checking benches under Icarus.

use crate::process::{self, Output, Run};
use crate::simulator::{verilator, INSTALL};
use crate::tools;
use anyhow::Result;
use std::path::Path;
use std::process::Command;

/// What a check printed, and whether it passed.
pub struct Checked {
    pub ok: bool,
    pub output: String,
}

impl From<Output> for Checked {
    fn from(o: Output) -> Self {
        Checked {
            ok: o.success(),
            output: o.text(),
        }
    }
}

/// `verilator --lint-only -Wall` over a design's file list in `dir`.
pub fn verilator_wall(dir: &Path, top: &str, filelist: &str) -> Result<Checked> {
    let mut c = Command::new(verilator()?);
    c.current_dir(dir)
        .args(["--lint-only", "-Wall", "--top-module", top, "-f", filelist]);
    Ok(process::run(&mut c, Run::new("verilator --lint-only"))?.into())
}

/// `iverilog -g2012 -Wall` over a design's file list (nothing written).
pub fn icarus_wall(dir: &Path, top: &str, filelist: &str) -> Result<Checked> {
    let mut c = Command::new(tools::require("iverilog", INSTALL)?);
    c.current_dir(dir).args([
        "-g2012",
        "-Wall",
        "-o",
        "/dev/null",
        "-s",
        top,
        "-f",
        filelist,
    ]);
    Ok(process::run(&mut c, Run::new("iverilog -Wall"))?.into())
}

/// A yosys script (`-p`) in `dir`.
pub fn yosys_script(dir: &Path, script: &str) -> Result<Checked> {
    let mut c = Command::new(tools::require("yosys", INSTALL)?);
    c.current_dir(dir).args(["-q", "-p", script]);
    Ok(process::run(&mut c, Run::new("yosys"))?.into())
}

/// Compiles a bench with Icarus (`-g2012` and `args`: top, parameters, sources) into
/// `vvp_file` in `dir`, then runs it with `vvp`; the run's output.
pub fn icarus_bench(dir: &Path, args: &[String], vvp_file: &str) -> Result<Checked> {
    let mut c = Command::new(tools::require("iverilog", INSTALL)?);
    c.current_dir(dir)
        .args(["-g2012", "-o", vvp_file])
        .args(args);
    let built: Checked = process::run(&mut c, Run::new("iverilog"))?.into();
    if !built.ok {
        return Ok(built);
    }
    let mut r = Command::new(tools::require("vvp", INSTALL)?);
    r.current_dir(dir).args(["-n", vvp_file]);
    Ok(process::run(&mut r, Run::new("vvp"))?.into())
}
