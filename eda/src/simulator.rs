//! The simulator back ends: Verilator and Icarus Verilog build the generated
//! testbench (`tb_TOP.sv` + the design's file list) and run it on a stimulus file.
//! Every Verilator and Icarus flag asnn uses is written here once.

use crate::process::{self, Run};
use crate::tools;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Which simulator runs the testbench.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simulator {
    Verilator,
    Iverilog,
}

impl Simulator {
    pub fn name(self) -> &'static str {
        match self {
            Simulator::Verilator => "verilator",
            Simulator::Iverilog => "iverilog",
        }
    }
}

pub(crate) const INSTALL: &str = "bash scripts/test.sh installs it";

pub fn verilator() -> Result<PathBuf> {
    tools::require("verilator", INSTALL)
}

/// Verilator's flags for every asnn build: two make jobs, warnings shown but not fatal
/// (the design is linted clean separately with `-Wall`), the build folder and binary.
pub fn verilator_build_args(top: &str, mdir: &str, exe: &str, filelist: &str) -> Vec<String> {
    [
        "-j",
        "2",
        "--top-module",
        top,
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--Mdir",
        mdir,
        "-o",
        exe,
        "-f",
        filelist,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Icarus's flags: SystemVerilog 2012, all warnings but timescale ones.
pub(crate) const IVERILOG_ARGS: [&str; 3] = ["-g2012", "-Wall", "-Wno-timescale"];

/// A built simulation of one design folder.
pub struct Built {
    pub dir: PathBuf,
    pub sim: Simulator,
    pub exe: PathBuf,
    pub build_seconds: f64,
}

/// Compiles the testbench and design in `dir` (files.f, tb_TOP.sv).
pub fn build(dir: &Path, top: &str, sim: Simulator, defines: &[&str]) -> Result<Built> {
    build_with(dir, top, sim, defines, "files.f", &[])
}

/// As [`build`], with another file list (e.g. a synthesised netlist) and extra sources
/// (e.g. the FPGA family's cell models).
pub fn build_with(
    dir: &Path,
    top: &str,
    sim: Simulator,
    defines: &[&str],
    filelist: &str,
    extra: &[String],
) -> Result<Built> {
    let t0 = Instant::now();
    let tb = format!("tb_{top}.sv");
    let exe = match sim {
        Simulator::Iverilog => {
            let mut c = Command::new(tools::require("iverilog", INSTALL)?);
            c.current_dir(dir)
                .args(IVERILOG_ARGS)
                .args(["-s", "tb", "-o", "sim.vvp", "-f", filelist]);
            c.args(extra);
            for d in defines {
                c.arg(format!("-D{d}"));
            }
            c.arg(&tb);
            process::run_checked(&mut c, Run::new("iverilog"))?;
            dir.join("sim.vvp")
        }
        Simulator::Verilator => {
            let mut c = Command::new(verilator()?);
            c.current_dir(dir).arg("--binary");
            c.args(verilator_build_args("tb", "obj_dir", "Vtb", filelist));
            c.args(extra);
            for d in defines {
                c.arg(format!("-D{d}"));
            }
            if defines.contains(&"ASNN_VCD") {
                c.arg("--trace");
            }
            c.arg(&tb);
            process::run_checked(&mut c, Run::new("verilator"))?;
            dir.join("obj_dir").join("Vtb")
        }
    };
    Ok(Built {
        dir: dir.to_path_buf(),
        sim,
        exe,
        build_seconds: t0.elapsed().as_secs_f64(),
    })
}

fn sim_command(b: &Built, stim: &Path, log: &Path) -> Result<Command> {
    let stim_arg = format!("+stim={}", stim.display());
    let out_arg = format!("+out={}", log.display());
    let mut c = match b.sim {
        Simulator::Iverilog => {
            let mut c = Command::new(tools::require("vvp", INSTALL)?);
            c.arg("-n").arg(&b.exe);
            c
        }
        Simulator::Verilator => Command::new(&b.exe),
    };
    c.current_dir(&b.dir).args([stim_arg, out_arg]);
    Ok(c)
}

/// Runs the built testbench on a stimulus file; returns the log text.
pub fn run(b: &Built, stim: &Path, log: &Path) -> Result<String> {
    process::run_checked(&mut sim_command(b, stim, log)?, Run::new(b.sim.name()))?;
    std::fs::read_to_string(log).with_context(|| format!("no testbench log {}", log.display()))
}

/// Runs the built testbench, reporting the number of finished samples as it goes;
/// stopped with an error after `timeout`.
pub fn run_watched(
    b: &Built,
    stim: &Path,
    log: &Path,
    timeout: Option<Duration>,
    mut progress: impl FnMut(usize),
) -> Result<()> {
    use std::io::{Read, Seek};
    let _ = std::fs::remove_file(log);
    let (mut done, mut offset) = (0usize, 0u64);
    let mut chunk = Vec::new();
    let mut watch = || {
        if let Ok(mut f) = std::fs::File::open(log) {
            if f.seek(std::io::SeekFrom::Start(offset)).is_ok() {
                chunk.clear();
                let _ = f.read_to_end(&mut chunk);
                offset += chunk.len() as u64;
                done += asnn_wire::tb::count_done(&chunk);
                progress(done);
            }
        }
    };
    let mut c = sim_command(b, stim, log)?;
    process::run_checked(
        &mut c,
        Run::new(b.sim.name()).timeout(timeout).watch(&mut watch),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in simulator: writes `noise` bytes to stderr, one finished sample to the
    /// `+out=` log, then sleeps `sleep` seconds.
    fn fake_sim(dir: &Path, noise: usize, sleep: u32) -> Built {
        let exe = dir.join("fake-sim");
        std::fs::write(
            &exe,
            format!(
                "#!/bin/sh\nfor a in \"$@\"; do case $a in +out=*) out=${{a#+out=}};; esac; done\n\
                 head -c {noise} /dev/zero | tr '\\0' x >&2\n\
                 echo 'done 0 0 17' > \"$out\"\nsleep {sleep}\n"
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        Built {
            dir: dir.to_path_buf(),
            sim: Simulator::Verilator,
            exe,
            build_seconds: 0.0,
        }
    }

    /// `run_watched` used to pipe the simulator's stderr and read it only after the
    /// process exited: a simulator that wrote more than a pipe buffer (64 KiB) blocked
    /// on the write and asnn waited for ever.
    #[test]
    fn run_watched_drains_a_simulator_that_floods_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let b = fake_sim(dir.path(), 1_000_000, 0);
        let mut seen = 0;
        run_watched(
            &b,
            &dir.path().join("stim.txt"),
            &dir.path().join("out.txt"),
            Some(Duration::from_secs(60)),
            |n| seen = n,
        )
        .unwrap();
        assert_eq!(seen, 1);
    }

    /// And it had no timeout: a simulator that hung hung asnn.
    #[test]
    fn run_watched_stops_a_hanging_simulator_at_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let b = fake_sim(dir.path(), 10, 60);
        let t0 = Instant::now();
        let e = run_watched(
            &b,
            &dir.path().join("stim.txt"),
            &dir.path().join("out.txt"),
            Some(Duration::from_secs(1)),
            |_| {},
        )
        .unwrap_err();
        assert!(t0.elapsed() < Duration::from_secs(20));
        let msg = format!("{e:#}");
        assert!(
            msg.contains("verilator did not finish within") && msg.contains("fake-sim"),
            "{msg}"
        );
    }
}
