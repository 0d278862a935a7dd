//! Co-simulation plumbing: stimulus files for the generated testbench, building and
//! running Verilator or Icarus with `std::process`, parsing the testbench's log, and the
//! bit-exact diff against the golden model.

use anyhow::{bail, Context, Result};
use asnn_numerics::{GoldenTrace, RawInput, Spike};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Which simulator runs the testbench.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

/// Stimulus lines for one sample (see the testbench header): start, the input as AER
/// beats (frame: the nonzero values, then one end-of-step beat; events: each step's
/// changes and an end-of-step beat), then wait for done.
pub fn stimulus(x: &RawInput, steps: u32, out: &mut String) {
    out.push_str("0 0 0\n");
    match x {
        RawInput::Frame(v) => {
            for (i, &val) in v.iter().enumerate() {
                if val != 0 {
                    let _ = writeln!(out, "1 {i} {val}");
                }
            }
            out.push_str("2 0 0\n");
        }
        RawInput::Events(ev) => {
            let mut k = 0;
            for t in 0..steps {
                while k < ev.len() && ev[k].step == t {
                    let _ = writeln!(out, "1 {} {}", ev[k].index, ev[k].value);
                    k += 1;
                }
                out.push_str("2 0 0\n");
            }
        }
    }
    out.push_str("3 0 0\n");
}

/// What the hardware did for one sample.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HwTrace {
    pub spikes: Vec<Spike>,
    /// (prediction, scores) after each step.
    pub steps: Vec<(u16, Vec<i64>)>,
    /// Clocks since start at the end of each step.
    pub step_cycles: Vec<u64>,
    pub last_step: u32,
    pub early: bool,
    pub cycles: u64,
}

/// Reads the testbench log line by line into per-sample traces.
#[derive(Default)]
struct LogParser {
    cur: HwTrace,
    line_no: usize,
}

impl LogParser {
    /// Feeds one line; returns a finished sample at its `done` line.
    fn line(&mut self, line: &str) -> Result<Option<HwTrace>> {
        self.line_no += 1;
        let n = self.line_no;
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |k: usize| -> Result<i64> {
            f.get(k)
                .and_then(|s| s.parse::<i64>().ok())
                .with_context(|| format!("testbench log line {n}: '{line}'"))
        };
        match f.first().copied() {
            Some("spike") => self.cur.spikes.push(Spike {
                step: num(1)? as u32,
                layer: num(2)? as u16,
                neuron: num(3)? as u32,
                payload: num(4)?,
            }),
            Some("step") => {
                let scores = (4..f.len()).map(num).collect::<Result<Vec<_>>>()?;
                self.cur.steps.push((num(2)? as u16, scores));
                self.cur.step_cycles.push(num(3)? as u64);
            }
            Some("done") => {
                self.cur.last_step = num(1)? as u32;
                self.cur.early = num(2)? != 0;
                self.cur.cycles = num(3)? as u64;
                return Ok(Some(std::mem::take(&mut self.cur)));
            }
            Some("x-event") => bail!("testbench log line {n}: an AER event carried X bits"),
            None => {}
            _ => bail!("testbench log line {n}: unexpected '{line}'"),
        }
        Ok(None)
    }
}

/// Parses a whole testbench log into one trace per sample.
pub fn parse_log(text: &str) -> Result<Vec<HwTrace>> {
    let mut p = LogParser::default();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(t) = p.line(line)? {
            out.push(t);
        }
    }
    Ok(out)
}

/// Streams a testbench log, a few samples at a time.
pub struct LogReader {
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    parser: LogParser,
}

impl LogReader {
    pub fn open(path: &Path) -> Result<Self> {
        use std::io::BufRead;
        let f = std::fs::File::open(path)
            .with_context(|| format!("no testbench log {}", path.display()))?;
        Ok(LogReader {
            lines: std::io::BufReader::new(f).lines(),
            parser: LogParser::default(),
        })
    }

    /// Up to `n` finished samples (empty at the end of the log).
    pub fn next_samples(&mut self, n: usize) -> Result<Vec<HwTrace>> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.lines.next() {
                Some(line) => {
                    if let Some(t) = self.parser.line(&line?)? {
                        out.push(t);
                    }
                }
                None => break,
            }
        }
        Ok(out)
    }
}

/// The first divergence between the golden model and the hardware, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub step: u32,
    pub what: String,
    /// The layer and neuron, when a spike differs.
    pub at: Option<(u16, u32)>,
}

/// Compares one sample bit-exactly: spikes (sorted within a step), readout scores and
/// prediction after every step, and the last step (early exit).
pub fn diff(
    g: &GoldenTrace,
    h: &HwTrace,
    payloads: bool,
    readout_layer: u16,
) -> Option<Divergence> {
    let steps_run = g.predictions.len() as u32;
    let key = |s: &Spike| {
        (
            s.step,
            s.layer,
            s.neuron,
            if payloads { s.payload } else { 1 },
        )
    };
    let mut gs: Vec<_> = g.spikes.iter().map(key).collect();
    let mut hs: Vec<_> = h.spikes.iter().map(key).collect();
    gs.sort_unstable();
    hs.sort_unstable();
    for t in 0..steps_run.max(h.steps.len() as u32) {
        let a: Vec<_> = gs.iter().filter(|s| s.0 == t).collect();
        let b: Vec<_> = hs.iter().filter(|s| s.0 == t).collect();
        if a != b {
            let ga: std::collections::BTreeSet<_> = a.iter().copied().collect();
            let hb: std::collections::BTreeSet<_> = b.iter().copied().collect();
            let only_g = ga.difference(&hb).next();
            let only_h = hb.difference(&ga).next();
            let (what, at) = match (only_g, only_h) {
                (Some(s), _) if only_h.is_none_or(|o| (s.1, s.2) <= (o.1, o.2)) => (
                    format!(
                        "layer {} neuron {}: golden spikes with payload {}, hardware {}",
                        s.1,
                        s.2,
                        s.3,
                        b.iter()
                            .find(|x| x.1 == s.1 && x.2 == s.2)
                            .map_or("does not spike".to_string(), |x| format!("spikes with payload {}", x.3))
                    ),
                    Some((s.1, s.2)),
                ),
                (_, Some(s)) => (
                    format!(
                        "layer {} neuron {}: hardware spikes with payload {}, golden does not (at this payload)",
                        s.1, s.2, s.3
                    ),
                    Some((s.1, s.2)),
                ),
                _ => (
                    format!("spike multiset differs ({} golden, {} hardware)", a.len(), b.len()),
                    None,
                ),
            };
            return Some(Divergence { step: t, what, at });
        }
        let gr = g.readout.get(t as usize);
        let hr = h.steps.get(t as usize);
        match (gr, hr) {
            (Some(gr), Some((hp, hsc))) => {
                if gr != hsc {
                    let k = gr.iter().zip(hsc).position(|(a, b)| a != b).unwrap_or(0);
                    return Some(Divergence {
                        step: t,
                        what: format!(
                            "readout class {k}: golden {}, hardware {}",
                            gr.get(k).copied().unwrap_or_default(),
                            hsc.get(k).copied().unwrap_or_default()
                        ),
                        at: Some((readout_layer, k as u32)),
                    });
                }
                if g.predictions[t as usize] != *hp {
                    return Some(Divergence {
                        step: t,
                        what: format!(
                            "prediction: golden {}, hardware {hp}",
                            g.predictions[t as usize]
                        ),
                        at: None,
                    });
                }
            }
            (Some(_), None) => {
                return Some(Divergence {
                    step: t,
                    what: "the hardware stopped before this step".into(),
                    at: None,
                })
            }
            (None, Some(_)) => {
                return Some(Divergence {
                    step: t,
                    what: "the hardware ran a step the golden model did not".into(),
                    at: None,
                })
            }
            (None, None) => {}
        }
    }
    let (g_last, g_early) = match g.exit_step {
        Some(t) => (t, true),
        None => (steps_run.saturating_sub(1), false),
    };
    if (g_last, g_early) != (h.last_step, h.early) {
        return Some(Divergence {
            step: h.last_step,
            what: format!(
                "last step: golden {g_last} (early exit {g_early}), hardware {} (early exit {})",
                h.last_step, h.early
            ),
            at: None,
        });
    }
    None
}

/// A built simulation of one design folder.
pub struct Built {
    pub dir: PathBuf,
    pub sim: Simulator,
    pub exe: PathBuf,
    pub build_seconds: f64,
}

fn run_tool(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd.output().with_context(|| {
        format!("cannot run {what}: is it installed? (bash scripts/test.sh installs it)")
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        bail!(
            "{what} failed:\n{}",
            text.lines().take(40).collect::<Vec<_>>().join("\n")
        );
    }
    Ok(text)
}

/// Applies a one-place text mutation `FILE:FROM:TO` to a generated file (to prove that
/// the diff catches a wrong design); `FROM` must occur exactly once.
pub fn mutate(files: &mut [asnn_generator::OutFile], spec: &str) -> Result<()> {
    let mut it = spec.splitn(3, ':');
    let (Some(name), Some(from), Some(to)) = (it.next(), it.next(), it.next()) else {
        bail!("--mutate '{spec}': expected FILE:FROM:TO");
    };
    let f = files
        .iter_mut()
        .find(|f| f.name == name)
        .with_context(|| format!("--mutate '{spec}': no generated file {name}"))?;
    let n = f.contents.matches(from).count();
    if n != 1 {
        bail!("--mutate '{spec}': '{from}' occurs {n} times in {name}, expected once");
    }
    f.contents = f.contents.replacen(from, to, 1);
    Ok(())
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
            let mut c = Command::new("iverilog");
            c.current_dir(dir).args([
                "-g2012",
                "-Wall",
                "-Wno-timescale",
                "-s",
                "tb",
                "-o",
                "sim.vvp",
                "-f",
                filelist,
            ]);
            c.args(extra);
            for d in defines {
                c.arg(format!("-D{d}"));
            }
            c.arg(&tb);
            run_tool(&mut c, "iverilog")?;
            dir.join("sim.vvp")
        }
        Simulator::Verilator => {
            let mut c = Command::new("verilator");
            c.current_dir(dir).args([
                "--binary",
                "-j",
                "2",
                "--top-module",
                "tb",
                "-Wno-fatal",
                "-Wno-lint",
                "-Wno-style",
                "--Mdir",
                "obj_dir",
                "-o",
                "Vtb",
                "-f",
                filelist,
            ]);
            c.args(extra);
            for d in defines {
                c.arg(format!("-D{d}"));
            }
            if defines.contains(&"ASNN_VCD") {
                c.arg("--trace");
            }
            c.arg(&tb);
            run_tool(&mut c, "verilator")?;
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

fn sim_command(b: &Built, stim: &Path, log: &Path) -> Command {
    let stim_arg = format!("+stim={}", stim.display());
    let out_arg = format!("+out={}", log.display());
    let mut c = match b.sim {
        Simulator::Iverilog => {
            let mut c = Command::new("vvp");
            c.args(["-n", "sim.vvp"]);
            c
        }
        Simulator::Verilator => Command::new(&b.exe),
    };
    c.current_dir(&b.dir).args([stim_arg, out_arg]);
    c
}

/// Runs the built testbench on a stimulus file; returns the log text.
pub fn run(b: &Built, stim: &Path, log: &Path) -> Result<String> {
    run_tool(&mut sim_command(b, stim, log), b.sim.name())?;
    std::fs::read_to_string(log).with_context(|| format!("no testbench log {}", log.display()))
}

/// Runs the built testbench, reporting the number of finished samples as it goes.
pub fn run_watched(
    b: &Built,
    stim: &Path,
    log: &Path,
    mut progress: impl FnMut(usize),
) -> Result<()> {
    use std::io::Read;
    let _ = std::fs::remove_file(log);
    let mut child = sim_command(b, stim, log)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| {
            format!(
                "cannot run {}: is it installed? (bash scripts/test.sh installs it)",
                b.sim.name()
            )
        })?;
    let (mut done, mut offset) = (0usize, 0u64);
    let mut tail = Vec::new();
    loop {
        let finished = child.try_wait()?;
        if let Ok(mut f) = std::fs::File::open(log) {
            use std::io::Seek;
            if f.seek(std::io::SeekFrom::Start(offset)).is_ok() {
                tail.clear();
                let _ = f.read_to_end(&mut tail);
                offset += tail.len() as u64;
                done += tail.windows(5).filter(|w| w == b"done ").count();
                progress(done);
            }
        }
        if let Some(status) = finished {
            if !status.success() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                bail!(
                    "{} failed: {}",
                    b.sim.name(),
                    err.lines().take(20).collect::<Vec<_>>().join("\n")
                );
            }
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
