//! The synthesised netlist for `asnn cosim --netlist`: the core through the family's
//! yosys (the same one `asnn build` finds, YoWASP included), simulated with the
//! family's cell models from that yosys's share directory.

use crate::inputs::write_file;
use crate::process;
use crate::progress::Progress;
use crate::tools;
use anyhow::Result;
use asnn_generator::Plan;
use std::path::Path;
use std::process::Command;

/// Synthesises the core in `dir`; returns the netlist's file list and the extra
/// simulator arguments (the cell models and their defines).
pub(super) fn synthesize(
    dir: &Path,
    plan: &Plan,
    progress: &dyn Progress,
) -> Result<(String, Vec<String>)> {
    let facts = plan.device.family.facts();
    let yosys = tools::yosys(plan.device.family)?;
    let files = std::fs::read_to_string(dir.join("files.f"))?;
    let script = format!(
        "read_verilog {}\n{}\nwrite_verilog -noattr netlist.v\n",
        files.split_whitespace().collect::<Vec<_>>().join(" "),
        (facts.synth)(&plan.top)
    );
    write_file(&dir.join("netlist.ys"), &script)?;
    progress.note(&format!(
        "synthesising {} with {} ...",
        plan.top,
        yosys.display()
    ));
    tools::TOOL_RUNS
        .yosys
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut c = Command::new(&yosys);
    c.current_dir(dir)
        .args(["-q", "-l", "netlist_yosys.log", "-s", "netlist.ys"]);
    process::run_checked(&mut c, process::Run::new("yosys (netlist)"))
        .map_err(|e| anyhow::anyhow!("{e}\n(see {})", dir.join("netlist_yosys.log").display()))?;
    let models = tools::yosys_datdir(&yosys).join(facts.cell_models);
    write_file(&dir.join("netlist.f"), "netlist.v\n")?;
    let mut extra: Vec<String> = facts
        .cell_model_defines
        .iter()
        .map(|s| s.to_string())
        .collect();
    extra.push(models.display().to_string());
    Ok(("netlist.f".into(), extra))
}
