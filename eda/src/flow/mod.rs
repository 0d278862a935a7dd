//! The open FPGA flow for a prepared board design: yosys (the family's synthesis
//! command) -> nextpnr (`--report`) -> the packer, then the typed [`BuildReport`]:
//! utilisation against the device, Fmax against the requested clock, the critical
//! path, cycles per inference (co-simulated, with the cycle model beside it), core
//! latency and throughput, the host link's throughput kept apart, the tool versions,
//! and checks that memories and multipliers landed in the primitives the plan meant.

pub mod nextpnr;
pub mod report;
mod yosys;

pub use report::{BuildReport, BuildStatus, CyclesSource};

use crate::board::{write_design, Prepared};
use crate::cosim::{self, golden_events, CosimOptions, CosimVerdict, Target};
use crate::inputs::{check_inputs, dataset, write_file, write_json};
use crate::process;
use crate::progress::Progress;
use crate::simulator::Simulator;
use crate::tools::{self, FlowTools, TOOL_RUNS};
use anyhow::{bail, Context, Result};
use asnn_generator::family::{check_text, Facts};
use asnn_import::Dataset;
use asnn_numerics::{Golden, RunOptions};
use nextpnr::PnrResult;
use rayon::prelude::*;
use report::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// What [`flow`] needs beside the prepared design.
pub struct FlowOpts<'a> {
    /// Samples for the cycle count (dataset spec).
    pub dataset: &'a str,
    /// Co-simulate this many (0: the cycle model alone).
    pub cosim_samples: usize,
    /// Run the exact cycle model over this many (at least the co-simulated ones; a
    /// larger set gives the latency: its mean, with the co-simulated first samples
    /// proving the model exact on them).
    pub cycle_samples: usize,
    /// nextpnr placement seed.
    pub seed: u32,
    /// Progress lines (`Quiet` for `asnn explore`).
    pub progress: &'a dyn Progress,
}

/// The whole flow for a prepared design, in `out`: files, yosys, nextpnr, the packer,
/// cycles per inference, `report.json` and `summary.md`. A design that does not fit,
/// misses timing or fails a check is a result (`ok` false, `failure` says why), not an
/// error; a tool that breaks, or a co-simulation that diverges, is an error.
pub fn flow(prepared: &Prepared, opts: &FlowOpts, out: &Path) -> Result<BuildReport> {
    let t_all = Instant::now();
    let plan = &prepared.design.plan;
    let facts = plan.device.family.facts();
    let tools = tools::flow_tools(plan.device.family)?;
    write_design(prepared, &out.join("rtl"))?;
    opts.progress.note(&clock_line(prepared));
    let (cells, synth_s) = synthesize(prepared, facts, &tools, out, opts.progress)?;
    let t1 = Instant::now();
    let (pnr_ok, pnr) = place_and_route(prepared, facts, &tools, opts.seed, out, opts.progress)?;
    let pnr_s = t1.elapsed().as_secs_f64();
    let bitstream = if pnr_ok {
        Some(pack(prepared, facts, &tools, out)?)
    } else {
        None
    };
    let over = over_device(&pnr);
    let cycles = cycles_per_inference(prepared, opts, over.is_empty(), out)?;
    let mut r = assemble(
        prepared, facts, &tools, cells, pnr, pnr_ok, over, bitstream, cycles,
    );
    r.seconds = Seconds {
        synthesis: synth_s,
        place_and_route: pnr_s,
        total: t_all.elapsed().as_secs_f64(),
    };
    r.failure = failure(&r, pnr_ok, out);
    write_json(&out.join("report.json"), &r)?;
    write_file(&out.join("summary.md"), &r.summary_md())?;
    Ok(r)
}

fn clock_line(prepared: &Prepared) -> String {
    let plan = &prepared.design.plan;
    let bd = &prepared.board_design;
    format!(
        "{} on {} ({}): core clock {:.3} MHz{}, {} baud",
        plan.top,
        prepared.board.name,
        plan.device.name,
        bd.clock_mhz,
        match (bd.pll, bd.ecp5_pll) {
            (Some(p), _) => format!(" (PLL DIVR {} DIVF {} DIVQ {})", p.divr, p.divf, p.divq),
            (None, Some(p)) => format!(
                " ({} CLKI_DIV {} CLKFB_DIV {} CLKOP_DIV {})",
                asnn_generator::family::ecp5::PLL,
                p.clki_div,
                p.clkfb_div,
                p.clkop_div
            ),
            (None, None) => String::new(),
        },
        bd.baud
    )
}

/// yosys: the family's synthesis command over the board's file list; the cell counts
/// and the seconds it took.
fn synthesize(
    prepared: &Prepared,
    facts: &Facts,
    tools: &FlowTools,
    out: &Path,
    progress: &dyn Progress,
) -> Result<(BTreeMap<String, u64>, f64)> {
    let top = &prepared.board_design.top;
    let files: Vec<String> = std::fs::read_to_string(out.join("rtl").join("board_files.f"))?
        .lines()
        .map(|l| format!("rtl/{l}"))
        .collect();
    let script = format!(
        "read_verilog -defer {}\n{} -json {top}.json\ntee -o yosys_stat.txt stat\n",
        files.join(" "),
        (facts.synth)(top)
    );
    write_file(&out.join("synth.ys"), &script)?;
    progress.note("yosys ...");
    TOOL_RUNS.yosys.fetch_add(1, Ordering::Relaxed);
    let t0 = Instant::now();
    let mut c = Command::new(&tools.yosys);
    c.current_dir(out)
        .args(["-q", "-l", "yosys.log", "-s", "synth.ys"]);
    let o = process::run_logged(&mut c, "yosys", &out.join("yosys.out"))?;
    if !o.success() {
        bail!(
            "yosys failed (see {}):\n{}",
            out.join("yosys.log").display(),
            process::tail(&o.text(), 15)
        );
    }
    let stat = std::fs::read_to_string(out.join("yosys_stat.txt")).unwrap_or_default();
    Ok((yosys::cell_counts(&stat), t0.elapsed().as_secs_f64()))
}

/// nextpnr at the board's clock; whether it succeeded, and what it reported.
fn place_and_route(
    prepared: &Prepared,
    facts: &Facts,
    tools: &FlowTools,
    seed: u32,
    out: &Path,
    progress: &dyn Progress,
) -> Result<(bool, PnrResult)> {
    let top = &prepared.board_design.top;
    progress.note("nextpnr ...");
    TOOL_RUNS.nextpnr.fetch_add(1, Ordering::Relaxed);
    let mut c = Command::new(&tools.nextpnr);
    c.current_dir(out);
    c.args((facts.nextpnr_device_args)(
        prepared.design.plan.device.name,
        &prepared.board.package,
    ));
    c.args([
        facts.constraints_flag.to_string(),
        format!("rtl/{}.{}", prepared.board.name, facts.constraints_ext),
        facts.pnr_output_flag.to_string(),
        format!("{top}.{}", facts.pnr_output_ext),
    ]);
    c.args([
        "--json",
        &format!("{top}.json"),
        "--freq",
        &format!("{}", prepared.board_design.clock_mhz),
        "--seed",
        &seed.to_string(),
        "--report",
        "pnr_report.json",
        "--log",
        "nextpnr.log",
    ]);
    let o = process::run_logged(&mut c, "nextpnr", &out.join("nextpnr.out"))?;
    let report = std::fs::read_to_string(out.join("pnr_report.json")).unwrap_or_default();
    Ok((o.success(), nextpnr::read(&report, &o.text())))
}

/// The packer; the bitstream's file name.
fn pack(prepared: &Prepared, facts: &Facts, tools: &FlowTools, out: &Path) -> Result<String> {
    let top = &prepared.board_design.top;
    TOOL_RUNS.pack.fetch_add(1, Ordering::Relaxed);
    let bitstream = format!("{top}.{}", facts.bitstream_ext);
    let mut c = Command::new(&tools.pack);
    c.current_dir(out)
        .args([format!("{top}.{}", facts.pnr_output_ext), bitstream.clone()]);
    let o = process::run_logged(&mut c, "the bitstream packer", &out.join("pack.log"))?;
    if !o.success() {
        bail!("bitstream packing failed: {}", o.text());
    }
    Ok(bitstream)
}

/// Resources nextpnr found over the device: "ICESTORM_DSP 16 of 8 (+100%)".
fn over_device(pnr: &PnrResult) -> Vec<String> {
    pnr.utilization
        .iter()
        .filter(|(_, u)| u.used > u.available)
        .map(|(k, u)| {
            format!(
                "{k} {} of {} (+{:.0}%)",
                u.used,
                u.available,
                (u.used as f64 / u.available as f64 - 1.0) * 100.0
            )
        })
        .collect()
}

/// The cycle counts: the model over the samples, and (when asked and the design
/// placed) the co-simulation.
struct Cycles {
    /// The co-simulated samples (at least one: the host link's frame sizes).
    data: Dataset,
    model_mean: f64,
    model_max: u64,
    model_samples: usize,
    synops_mean: f64,
    cosim: Option<CosimVerdict>,
}

fn cycles_per_inference(
    prepared: &Prepared,
    opts: &FlowOpts,
    placed: bool,
    out: &Path,
) -> Result<Cycles> {
    let plan = &prepared.design.plan;
    let n_cosim = opts.cosim_samples.max(1);
    let all = dataset(opts.dataset, Some(opts.cycle_samples.max(n_cosim)))?;
    check_inputs(&prepared.network, &all, prepared.qnet.steps)?;
    let golden = Golden::new(&prepared.qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let golden_opts = RunOptions {
        record_readout: false,
        ..cosim::golden_options(&prepared.hw, false)
    };
    if all.len() > n_cosim {
        opts.progress
            .note(&format!("cycle model over {} samples ...", all.len()));
    }
    let per_sample = all
        .inputs
        .par_iter()
        .map(|x| {
            let g = golden
                .run(x, None, golden_opts)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (ev, inp, sp) = golden_events(plan, x, &g);
            Ok((
                plan.predict_cycles(&ev, &inp, &sp),
                g.synops + g.input_synops,
            ))
        })
        .collect::<Result<Vec<(u64, u64)>>>()?;
    let n = per_sample.len() as f64;
    // The co-simulation (and the host link's frame sizes) takes the first samples.
    let mut data = all;
    data.truncate(n_cosim);
    let mut c = Cycles {
        model_mean: per_sample.iter().map(|p| p.0).sum::<u64>() as f64 / n,
        model_max: per_sample.iter().map(|p| p.0).max().unwrap_or(0),
        model_samples: per_sample.len(),
        synops_mean: per_sample.iter().map(|p| p.1).sum::<u64>() as f64 / n,
        cosim: None,
        data,
    };
    // A design over the device's capacity is not co-simulated: the cycle model stands.
    if opts.cosim_samples > 0 && placed {
        opts.progress.note(&format!(
            "co-simulating {} samples for the cycle count ...",
            c.data.len()
        ));
        let cosim_dir = out.join("cosim");
        let v = cosim::run_design(
            &prepared.qnet,
            &prepared.hw,
            &prepared.design,
            &c.data,
            &Target::Rtl,
            &CosimOptions {
                sim: Simulator::Verilator,
                dir: Some(&cosim_dir),
                vcd: false,
                timeout: None,
                progress: opts.progress,
            },
        )
        .context("co-simulation for the cycle count")?;
        write_json(&out.join("cosim.json"), &v)?;
        if let Some(r) = &v.failure_report {
            bail!(
                "co-simulation for the cycle count: {} of {} samples diverge; {r}",
                v.mismatches,
                c.data.len()
            );
        }
        c.cosim = Some(v);
    }
    Ok(c)
}

/// The report from what the tools said.
#[allow(clippy::too_many_arguments)]
fn assemble(
    prepared: &Prepared,
    facts: &Facts,
    tools: &FlowTools,
    cells: BTreeMap<String, u64>,
    pnr: PnrResult,
    pnr_ok: bool,
    over: Vec<String>,
    bitstream: Option<String>,
    cycles: Cycles,
) -> BuildReport {
    let plan = &prepared.design.plan;
    let bd = &prepared.board_design;
    let count = |k: &str| cells.get(k).copied().unwrap_or(0);
    let usage = |k: Option<&str>| {
        k.and_then(|k| pnr.utilization.get(k).copied())
            .map(Usage::from)
            .unwrap_or_default()
    };
    let (bram, spram, dsp) = (
        count(facts.cells.bram),
        facts.cells.spram.map_or(0, count),
        count(facts.cells.dsp),
    );
    let placed = over.is_empty();
    let timing_ok = pnr.fmax_mhz.is_some_and(|f| f >= bd.clock_mhz);
    let checks = checks(
        prepared,
        bram,
        spram,
        dsp,
        pnr_ok,
        over,
        timing_ok,
        pnr.fmax_mhz,
    );
    // The co-simulated mean, unless the cycle model ran over more samples than were
    // co-simulated (the latency protocol: the exact model's mean over a whole set).
    let measured = cycles
        .cosim
        .as_ref()
        .filter(|v| v.samples >= cycles.model_samples)
        .map(|v| v.cycles_per_inference.mean);
    let cycles_per_inference = measured.unwrap_or(cycles.model_mean);
    let latency_us = cycles_per_inference / bd.clock_mhz;
    BuildReport {
        board: prepared.board.name.clone(),
        device: plan.device.name.to_string(),
        network: plan.network.clone(),
        design_id: format!("{:08x}", prepared.design.id),
        top: bd.top.clone(),
        tools: ToolVersions {
            yosys: tools::version(&tools.yosys, "-V"),
            nextpnr: tools::version(&tools.nextpnr, "--version"),
            pack: tools.pack.display().to_string(),
        },
        lanes: plan.layers.iter().map(|l| l.lanes).collect(),
        cores: plan.layers.iter().map(|l| l.cores).collect(),
        utilization: Utilization {
            lcs: usage(Some(facts.pnr.logic)),
            luts: count(facts.cells.lut),
            ffs: cells
                .iter()
                .filter(|(k, _)| k.starts_with(facts.cells.ff_prefix))
                .map(|(_, v)| *v)
                .sum(),
            bram: usage(Some(facts.pnr.bram)),
            spram: usage(facts.pnr.spram),
            dsp: usage(Some(facts.pnr.dsp)),
            nextpnr: pnr
                .utilization
                .iter()
                .map(|(k, u)| (k.clone(), Usage::from(*u)))
                .collect(),
            yosys_cells: cells.clone(),
        },
        clock_mhz: bd.clock_mhz,
        pll: bd.pll,
        ecp5_pll: bd.ecp5_pll,
        fmax_mhz: pnr.fmax_mhz,
        timing_met: timing_ok,
        critical_path: pnr.critical_path,
        cycles_per_inference,
        cycles_source: if measured.is_some() {
            CyclesSource::Cosim
        } else {
            CyclesSource::Model
        },
        placed,
        model_cycles_per_inference: cycles.model_mean,
        model_max_cycles: cycles.model_max,
        model_samples: cycles.model_samples,
        samples: cycles.data.len(),
        latency_us,
        latency_us_at_fmax: pnr.fmax_mhz.map(|f| cycles_per_inference / f),
        inferences_per_second: 1e6 / latency_us,
        synops_per_inference: cycles.synops_mean,
        synops_per_second: cycles.synops_mean * 1e6 / latency_us,
        host_link: host_link(prepared, &cycles.data),
        flash_image: bd.image.as_ref().map(|i| FlashImage {
            file: "rtl/weights.bin".into(),
            bytes: i.len(),
            offset: bd.flash_offset,
        }),
        bitstream,
        ok: checks.all_ok(),
        checks,
        cosim: cycles.cosim,
        seconds: Seconds {
            synthesis: 0.0,
            place_and_route: 0.0,
            total: 0.0,
        },
        failure: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn checks(
    prepared: &Prepared,
    bram: u64,
    spram: u64,
    dsp: u64,
    pnr_ok: bool,
    over: Vec<String>,
    timing_ok: bool,
    fmax: Option<f64>,
) -> Checks {
    let plan = &prepared.design.plan;
    let plan_bram_bits = plan.memory_bits_by_kind.bram;
    let mults = plan.neuron_multipliers();
    Checks {
        block_ram: BlockRamCheck {
            ok: (bram * u64::from(plan.device.bram_bits)) as f64 >= 0.9 * plan_bram_bits as f64,
            plan_blocks: plan.bram_blocks,
            plan_bits: plan_bram_bits,
            mapped: bram,
            what: check_text::BLOCK_RAM.into(),
        },
        spram: SpramCheck {
            ok: spram == plan.spram_blocks,
            plan_blocks: plan.spram_blocks,
            mapped: spram,
            what: check_text::SPRAM.into(),
        },
        multipliers: MultiplierCheck {
            ok: dsp >= mults,
            neuron_multipliers: mults,
            mapped_dsps: dsp,
            what: check_text::MULTIPLIERS.into(),
        },
        fits: FitCheck {
            ok: fits(pnr_ok, &over, timing_ok, fmax),
            over,
        },
        timing: TimingCheck {
            ok: timing_ok,
            requested_mhz: prepared.board_design.clock_mhz,
            achieved_mhz: fmax,
        },
    }
}

/// Whether the design fits the device: nothing over it, and place and route either
/// passed or stopped only because the clock was missed (it placed, routed and timed the
/// design: nextpnr fails a missed clock without `--timing-allow-fail`).
fn fits(pnr_ok: bool, over: &[String], timing_ok: bool, fmax: Option<f64>) -> bool {
    over.is_empty() && (pnr_ok || (fmax.is_some() && !timing_ok))
}

/// The host link's bytes per sample and samples per second at the board's baud rate.
fn host_link(prepared: &Prepared, data: &Dataset) -> HostLink {
    let plan = &prepared.design.plan;
    let bytes_in: f64 = data
        .inputs
        .iter()
        .map(|x| asnn_wire::uart::encode_sample(x, prepared.qnet.steps).len() as f64)
        .sum::<f64>()
        / data.len() as f64;
    let bytes_out = asnn_wire::uart::done_len(
        plan.layers.last().map_or(0, |l| l.neurons),
        plan.layers
            .last()
            .map_or(1, |l| l.state_bits.div_ceil(8) as usize),
    ) as f64;
    let baud = prepared.board_design.baud;
    let link_s = (bytes_in + bytes_out) * 10.0 / f64::from(baud);
    HostLink {
        baud,
        bytes_per_sample_in: bytes_in,
        bytes_per_sample_out: bytes_out,
        seconds_per_sample: link_s,
        samples_per_second: 1.0 / link_s,
    }
}

/// Why the build gave no usable bitstream, if it did not.
fn failure(r: &BuildReport, pnr_ok: bool, out: &Path) -> Option<String> {
    if !pnr_ok {
        let over = &r.checks.fits.over;
        Some(format!(
            "place and route failed{}{} (see {})",
            if over.is_empty() {
                String::new()
            } else {
                format!(": over the device: {}", over.join(", "))
            },
            if !r.timing_met && over.is_empty() {
                format!(
                    "; Fmax {:.2} MHz < requested {:.2} MHz",
                    r.fmax_mhz.unwrap_or(0.0),
                    r.clock_mhz
                )
            } else {
                String::new()
            },
            out.join("nextpnr.log").display()
        ))
    } else if !r.ok {
        let failed: Vec<&str> = r
            .checks
            .list()
            .iter()
            .filter(|c| !c.1)
            .map(|c| c.0)
            .collect();
        Some(format!(
            "the build finished but a check failed ({}); see {}",
            failed.join(", "),
            out.join("summary.md").display()
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::fits;

    #[test]
    fn a_missed_clock_is_not_reported_as_a_design_that_does_not_fit() {
        let none: Vec<String> = Vec::new();
        let over = vec!["ICESTORM_LC 6276 of 5280 (+19%)".to_string()];
        // Placed, routed, timed, clock missed: it fits.
        assert!(fits(false, &none, false, Some(30.2)));
        // Passed.
        assert!(fits(true, &none, true, Some(36.0)));
        // Over the device, or place and route failed before timing: it does not.
        assert!(!fits(false, &over, false, None));
        assert!(!fits(false, &none, false, None));
        assert!(!fits(true, &over, true, Some(36.0)));
    }
}
