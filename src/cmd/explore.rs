//! `asnn explore`: sweep neuron-core parallelism (lanes, cores) and weight widths for a
//! board. Every point is planned, generated, synthesised, placed and routed, and
//! co-simulated on a few samples (`asnn build`'s flow); the golden model gives the
//! accuracy of each width choice. Points are cached by a content hash of everything
//! that decides their result, so a rerun only builds new points. Output: a table
//! (markdown, CSV, JSON) and SVG plots with the Pareto front marked. `--emit-jobs`
//! writes the points as a Slurm job array and a plain shell list instead, and
//! `--collect DIR` merges what those jobs wrote.

use super::board::{prepare_from, BoardArgs};
use super::build::{find_tool, flow, tools, version, FlowOpts, TOOL_RUNS};
use crate::common::{
    calibrate_net, check_inputs, dataset, dataset_spec, load, progress, write_file, write_json,
};
use anyhow::{bail, Context, Result};
use asnn_generator::device::{self, Family};
use asnn_generator::HwSpec;
use asnn_import::{Dataset, LoadedNetwork};
use asnn_numerics::{Golden, QNetwork, RunOptions};
use asnn_report::{line_plot, pareto_front, Axis, Objective, Series};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Bumped whenever a point's result would change for the same inputs (new fields,
/// another flow): old cache entries then no longer match.
const CACHE_VERSION: &str = "asnn-explore-point v1";

pub struct ExploreArgs<'a> {
    pub net: &'a Path,
    /// Board, base hardware choices (`hw`), clock, baud, calibration data.
    pub board: BoardArgs<'a>,
    pub lanes: &'a [u32],
    pub cores: &'a [u32],
    /// Weight widths to try (every layer); empty: the network's own.
    pub weight_bits: &'a [u32],
    pub dataset: Option<&'a str>,
    pub cosim_samples: usize,
    pub accuracy_samples: usize,
    pub seed: u32,
    pub jobs: usize,
    pub out: &'a Path,
    /// Write the job array instead of running the points.
    pub emit_jobs: bool,
    /// Run the points and write their results, but no table or plots (a job of an
    /// emitted array; `--collect` makes the table).
    pub no_summary: bool,
}

/// One point of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Point {
    weight_bits: Option<u32>,
    cores: u32,
    lanes: u32,
}

impl Point {
    fn label(&self) -> String {
        format!(
            "l{}-c{}-w{}",
            self.lanes,
            self.cores,
            self.weight_bits
                .map_or_else(|| "net".to_string(), |w| w.to_string())
        )
    }
}

/// The points, weight widths outermost and lanes innermost, without repeats.
fn points(lanes: &[u32], cores: &[u32], weight_bits: &[u32]) -> Vec<Point> {
    let wbs: Vec<Option<u32>> = if weight_bits.is_empty() {
        vec![None]
    } else {
        weight_bits.iter().map(|w| Some(*w)).collect()
    };
    let mut v = Vec::new();
    for &weight_bits in &wbs {
        for &c in cores {
            for &l in lanes {
                let p = Point {
                    weight_bits,
                    cores: c,
                    lanes: l,
                };
                if !v.contains(&p) {
                    v.push(p);
                }
            }
        }
    }
    v
}

fn check_axes(a: &ExploreArgs) -> Result<()> {
    let check = |name: &str, v: &[u32], lo: u32, hi: u32, may_be_empty: bool| -> Result<()> {
        if v.is_empty() && !may_be_empty {
            bail!("--{name}: give at least one value");
        }
        if let Some(x) = v.iter().find(|x| !(lo..=hi).contains(*x)) {
            bail!("--{name} {x}: must be in {lo}..={hi}");
        }
        Ok(())
    };
    check("lanes", a.lanes, 1, 64, false)?;
    check("cores", a.cores, 1, 16, false)?;
    check("weight-bits", a.weight_bits, 2, 16, true)?;
    if a.jobs == 0 {
        bail!("--jobs 0: at least one job");
    }
    Ok(())
}

/// A network variant: the loaded network with every layer's weight width set (and its
/// fractional bits chosen from the weights again), calibrated.
struct Variant {
    loaded: LoadedNetwork,
    /// The calibrated integer network, or why it could not be made.
    qnet: Result<QNetwork, String>,
    accuracy: Option<f64>,
}

fn variant(
    base: &LoadedNetwork,
    weight_bits: Option<u32>,
    calib: Option<&str>,
    calib_samples: usize,
) -> Variant {
    let mut loaded = base.clone();
    if let Some(w) = weight_bits {
        for l in &mut loaded.network.layers {
            l.quant.weight_bits = w;
            l.quant.weight_frac = None;
        }
    }
    let qnet = calibrate_net(&loaded, &loaded.network, calib, calib_samples)
        .map(|c| c.qnet)
        .map_err(|e| format!("{e:#}"));
    Variant {
        loaded,
        qnet,
        accuracy: None,
    }
}

fn hash_hex(parts: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_hex()[..16].to_string()
}

/// The golden model's accuracy of `qnet` on the first `n` samples of `data` (early exit
/// as the hardware does it), cached in `dir/accuracy/` by a hash of the network, the
/// samples and the exit rule.
fn accuracy(
    qnet: &QNetwork,
    data: &Dataset,
    n: usize,
    early_exit: u32,
    dir: &Path,
) -> Result<Option<f64>> {
    let Some(labels) = &data.labels else {
        return Ok(None);
    };
    let n = n.min(data.len());
    let (inputs, labels) = (&data.inputs[..n], &labels[..n]);
    let key = hash_hex(&[
        CACHE_VERSION.as_bytes(),
        &serde_json::to_vec(qnet)?,
        &serde_json::to_vec(inputs)?,
        &serde_json::to_vec(labels)?,
        &early_exit.to_le_bytes(),
    ]);
    let file = dir.join("accuracy").join(format!("{key}.json"));
    if let Some(v) = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    {
        return Ok(v["accuracy"].as_f64());
    }
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: false,
        record_readout: false,
        early_exit: (early_exit > 0).then_some(early_exit),
        watch: None,
    };
    let correct = inputs
        .par_iter()
        .zip(labels.par_iter())
        .map(|(x, l)| {
            let g = golden
                .run(x, None, opts)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(usize::from(g.predictions.last() == Some(l)))
        })
        .collect::<Result<Vec<usize>>>()?
        .into_iter()
        .sum::<usize>();
    let acc = 100.0 * correct as f64 / n as f64;
    write_json_atomic(
        &file,
        &json!({"accuracy": acc, "samples": n, "source": data.source}),
    )?;
    Ok(Some(acc))
}

/// Everything the points share.
struct Ctx<'a> {
    a: &'a ExploreArgs<'a>,
    /// The hardware choices every point starts from (hw.toml, or the board's device).
    base_hw: HwSpec,
    spec: String,
    /// The co-simulated samples, as their stimulus text (for the key).
    stimulus: String,
    tools: Value,
}

/// Writes `v` beside `path` and renames it into place: jobs of one array may write the
/// same cache file at once, and a reader must never see half of one.
fn write_json_atomic(path: &Path, v: &Value) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    write_json(&tmp, v)?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs (or finds in the cache) one point; never fails: a point that cannot be built
/// is a row with its reason.
fn run_point(p: Point, v: &Variant, c: &Ctx) -> Value {
    let a = c.a;
    let mut row = json!({
        "label": p.label(), "lanes": p.lanes, "cores": p.cores,
        "weight_bits": p.weight_bits, "accuracy": v.accuracy,
        "board": a.board.board,
    });
    let qnet = match &v.qnet {
        Ok(q) => q.clone(),
        Err(e) => return refused(row, format!("quantization: {e}"), a),
    };
    row["weight_bits"] = json!(weight_bits_text(&qnet));
    row["network"] = json!(qnet.name);
    let mut hw = c.base_hw.clone();
    hw.lanes = p.lanes;
    hw.cores = p.cores;
    for l in &mut hw.layer {
        l.lanes = None;
        l.cores = None;
    }
    row["device"] = json!(hw.device);
    let pr = match prepare_from(&v.loaded, qnet, Some(hw), &a.board) {
        Ok(pr) => pr,
        Err(e) => return refused(row, format!("{e:#}"), a),
    };
    row["clock_mhz"] = json!(pr.bd.clock_mhz);
    let mut parts: Vec<Vec<u8>> = vec![
        CACHE_VERSION.as_bytes().to_vec(),
        env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
        c.tools.to_string().into_bytes(),
        a.board.board.as_bytes().to_vec(),
        a.seed.to_le_bytes().to_vec(),
        c.stimulus.as_bytes().to_vec(),
        pr.bd.image.clone().unwrap_or_default(),
    ];
    for f in pr.design.files.iter().chain(&pr.bd.files) {
        parts.push(f.name.as_bytes().to_vec());
        parts.push(f.contents.as_bytes().to_vec());
    }
    let key = hash_hex(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let dir = a.out.join("points").join(format!("{}-{key}", p.label()));
    let result = dir.join("result.json");
    if let Some(mut old) = std::fs::read_to_string(&result)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .filter(|o| o["key"] == key.as_str() && o["status"] != "error")
    {
        // The row is made again from the stored build report, so a change to the
        // table's columns never costs a rebuild; accuracy has its own cache.
        if let Some(r) = std::fs::read_to_string(dir.join("report.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        {
            fill_row(&mut old, &r);
        }
        old["accuracy"] = json!(v.accuracy);
        old["cached"] = json!(true);
        return old;
    }
    row["key"] = json!(key);
    row["dir"] = json!(dir.display().to_string());
    let t0 = Instant::now();
    let built = flow(
        &pr,
        &FlowOpts {
            dataset: &c.spec,
            cosim_samples: a.cosim_samples,
            seed: a.seed,
            quiet: true,
        },
        &dir,
    );
    row["seconds"] = json!(t0.elapsed().as_secs_f64());
    match built {
        Ok(r) => fill_row(&mut row, &r),
        Err(e) => {
            row["status"] = json!("error");
            row["reason"] = json!(format!("{e:#}"));
        }
    }
    row["finished_unix"] = json!(now_unix());
    if let Err(e) = write_json_atomic(&result, &row) {
        row["reason"] = json!(format!(
            "{} (result not cached: {e:#})",
            row["reason"].as_str().unwrap_or("")
        ));
    }
    row["cached"] = json!(false);
    row
}

/// A point refused before synthesis (quantization or the plan's capacity check). It
/// costs nothing to find again, but is written beside the built points so that
/// `--collect` shows it too.
fn refused(mut row: Value, reason: String, a: &ExploreArgs) -> Value {
    let label = row["label"].as_str().unwrap_or("point").to_string();
    let key = hash_hex(&[
        CACHE_VERSION.as_bytes(),
        b"refused",
        label.as_bytes(),
        a.board.board.as_bytes(),
        reason.as_bytes(),
    ]);
    row["status"] = json!("refused");
    row["reason"] = json!(reason);
    row["key"] = json!(key);
    row["finished_unix"] = json!(now_unix());
    let file = a
        .out
        .join("points")
        .join(format!("{label}-{key}"))
        .join("result.json");
    if let Err(e) = write_json_atomic(&file, &row) {
        eprintln!("warning: {e:#}");
    }
    row["cached"] = json!(false);
    row
}

/// Distinct weight widths of a network's layers, "8" or "8/6".
fn weight_bits_text(q: &QNetwork) -> String {
    let mut v: Vec<u32> = Vec::new();
    for l in &q.layers {
        if !v.contains(&l.q.weight_bits) {
            v.push(l.q.weight_bits);
        }
    }
    v.iter().map(u32::to_string).collect::<Vec<_>>().join("/")
}

/// A point's row from its build report.
fn fill_row(row: &mut Value, r: &Value) {
    let u = &r["utilization"];
    row["luts"] = u["luts"].clone();
    row["ffs"] = u["ffs"].clone();
    row["lcs"] = u["lcs"]["used"].clone();
    row["lcs_available"] = u["lcs"]["available"].clone();
    row["bram"] = u["bram"]["used"].clone();
    row["spram"] = u["spram"]["used"].clone();
    row["dsp"] = u["dsp"]["used"].clone();
    row["dsp_available"] = u["dsp"]["available"].clone();
    row["fmax_mhz"] = r["fmax_mhz"].clone();
    row["clock_mhz"] = r["clock_mhz"].clone();
    row["cycles_per_inference"] = r["cycles_per_inference"].clone();
    row["cycles_source"] = r["cycles_source"].clone();
    row["model_cycles_per_inference"] = r["model_cycles_per_inference"].clone();
    row["cosim_samples"] = r["cosim"]["samples"].clone();
    row["mismatches"] = r["cosim"]["mismatches"].clone();
    if let (Some(m), Some(c)) = (
        r["model_cycles_per_inference"].as_f64(),
        r["cosim"]["cycles_per_inference"]["mean"].as_f64(),
    ) {
        row["model_error_pct"] = json!((m - c) / c * 100.0);
    }
    row["latency_us"] = r["latency_us"].clone();
    row["latency_us_at_fmax"] = r["latency_us_at_fmax"].clone();
    row["inferences_per_second"] = r["inferences_per_second"].clone();
    if let (Some(ips), Some(lcs)) = (
        r["inferences_per_second"].as_f64(),
        u["lcs"]["used"].as_f64().filter(|x| *x > 0.0),
    ) {
        row["throughput_per_klc"] = json!(ips / lcs * 1000.0);
    }
    row["tools"] = r["tools"].clone();
    row["flow_seconds"] = r["seconds"].clone();
    let status = if r["failure"].is_null() {
        "ok"
    } else if r["placed"] == false {
        "does not fit"
    } else if r["bitstream"].is_null() && r["timing_met"] == false {
        "misses timing"
    } else if r["bitstream"].is_null() {
        "place and route failed"
    } else {
        "check failed"
    };
    row["status"] = json!(status);
    row["reason"] = r["failure"].clone();
}

/// The tool versions that decide a point's result (part of its key); Verilator only
/// when points are co-simulated.
fn tool_versions(family: Family, cosim: bool) -> Result<Value> {
    let t = tools(family)?;
    let verilator = if cosim {
        Some(find_tool(&["verilator"]).map(|p| version(&p, "--version")).context(
            "verilator not found on PATH (co-simulation; or --cosim-samples 0); bash scripts/test.sh installs it",
        )?)
    } else {
        None
    };
    Ok(json!({
        "yosys": version(&t.yosys, "-V"),
        "nextpnr": version(&t.nextpnr, "--version"),
        "pack": t.pack.file_name().map(|n| n.to_string_lossy().to_string()),
        "verilator": verilator,
    }))
}

pub fn run(a: &ExploreArgs) -> Result<()> {
    check_axes(a)?;
    let pts = points(a.lanes, a.cores, a.weight_bits);
    let board = asnn_generator::board::board(a.board.board)?;
    if a.emit_jobs {
        return emit_jobs(a, &pts);
    }
    let t_all = Instant::now();
    let loaded = load(a.net)?;
    let base_hw = match a.board.hw {
        Some(f) => asnn_import::load_hw(f)?,
        None => HwSpec {
            device: board.device.clone(),
            ..HwSpec::default()
        },
    };
    let dev = device::device(&base_hw.device).with_context(|| {
        format!(
            "unknown device {} (see docs/hardware-plan.md)",
            base_hw.device
        )
    })?;
    let tools = tool_versions(dev.family, a.cosim_samples > 0)?;
    let spec = dataset_spec(a.net, a.dataset)?;
    let data = dataset(&spec, Some(a.cosim_samples.max(a.accuracy_samples).max(1)))?;
    check_inputs(&loaded.network, &data, loaded.network.steps)?;
    let mut stimulus = String::new();
    for x in data.inputs.iter().take(a.cosim_samples.max(1)) {
        crate::cosim::stimulus(x, loaded.network.steps, &mut stimulus);
    }
    stimulus.push_str(&format!("cosim_samples {}\n", a.cosim_samples));
    let acc_samples = a.accuracy_samples.min(data.len());
    let early_exit = base_hw.early_exit;

    // One calibrated network (and its golden-model accuracy) per weight width.
    let mut wbs: Vec<Option<u32>> = pts.iter().map(|p| p.weight_bits).collect();
    wbs.dedup();
    let mut variants: Vec<(Option<u32>, Variant)> = Vec::new();
    for w in wbs {
        let mut v = variant(&loaded, w, a.board.calib, a.board.calib_samples);
        if let (Ok(q), true) = (&v.qnet, a.accuracy_samples > 0) {
            v.accuracy = accuracy(q, &data, acc_samples, early_exit, a.out)?;
        }
        eprintln!(
            "weights {}: {}",
            w.map_or("as in the network".into(), |w| format!("{w} bits")),
            match (&v.qnet, v.accuracy) {
                (Err(e), _) => format!("cannot be quantized: {e}"),
                (Ok(_), Some(x)) =>
                    format!("golden-model accuracy {x:.2}% on {acc_samples} samples"),
                (Ok(_), None) => "no accuracy (no labels or --accuracy-samples 0)".into(),
            }
        );
        variants.push((w, v));
    }

    let ctx = Ctx {
        a,
        base_hw,
        spec: spec.clone(),
        stimulus,
        tools: tools.clone(),
    };
    eprintln!(
        "{} on {} ({}), {} at a time; results cached in {}",
        count(pts.len(), "point"),
        board.name,
        dev.name,
        a.jobs,
        a.out.join("points").display()
    );
    let before = (
        TOOL_RUNS.yosys.load(Ordering::Relaxed),
        TOOL_RUNS.nextpnr.load(Ordering::Relaxed),
    );
    let pb = progress(pts.len(), "explore");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs)
        .build()
        .context("thread pool")?;
    let rows: Vec<Value> = pool.install(|| {
        pts.par_iter()
            .map(|p| {
                let v = &variants
                    .iter()
                    .find(|(w, _)| *w == p.weight_bits)
                    .expect("a variant per weight width")
                    .1;
                pb.set_message(format!("explore (building {})", p.label()));
                let row = run_point(*p, v, &ctx);
                pb.println(point_line(&row));
                pb.inc(1);
                row
            })
            .collect()
    });
    pb.finish_and_clear();
    let yosys = TOOL_RUNS.yosys.load(Ordering::Relaxed) - before.0;
    let nextpnr = TOOL_RUNS.nextpnr.load(Ordering::Relaxed) - before.1;
    let cached = rows.iter().filter(|r| r["cached"] == true).count();
    let refused = rows.iter().filter(|r| r["status"] == "refused").count();
    let built = rows.len() - cached - refused;
    let run_summary = json!({
        "points": rows.len(), "cached": cached, "built": built, "refused": refused,
        "yosys_runs": yosys, "nextpnr_runs": nextpnr,
        "seconds": t_all.elapsed().as_secs_f64(),
    });
    eprintln!(
        "{}: {} from the cache, {} built, {} refused before synthesis; yosys ran {} times, nextpnr {} times; {:.1} s",
        count(rows.len(), "point"),
        cached,
        built,
        refused,
        yosys,
        nextpnr,
        t_all.elapsed().as_secs_f64()
    );
    if !a.no_summary {
        let meta = json!({
            "network": loaded.network.name, "board": board.name, "device": dev.name,
            "tools": tools, "dataset": spec, "cosim_samples": a.cosim_samples,
            "accuracy_samples": acc_samples, "early_exit": early_exit, "run": run_summary,
        });
        write_outputs(a.out, meta, rows)?;
    }
    Ok(())
}

/// "1 point", "3 points".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// One line per finished point, for the progress output.
fn point_line(r: &Value) -> String {
    let f = |k: &str, d: usize| {
        r[k].as_f64()
            .map_or("-".into(), |x| format!("{x:.d$}", d = d))
    };
    let mut s = format!(
        "{}: {}",
        r["label"].as_str().unwrap_or("?"),
        r["status"].as_str().unwrap_or("?")
    );
    if r["lcs"].is_number() {
        s.push_str(&format!(
            ", {} LCs, {} DSP, Fmax {} MHz, {} cycles, {} us",
            r["lcs"],
            r["dsp"],
            f("fmax_mhz", 1),
            f("cycles_per_inference", 0),
            f("latency_us", 0)
        ));
    }
    if r["cached"] == true {
        s.push_str(" (cached)");
    }
    if r["status"] != "ok" {
        if let Some(why) = r["reason"].as_str() {
            s.push_str(&format!(": {}", why.lines().next().unwrap_or("")));
        }
    }
    s
}

// ------------------------------------------------------------------ jobs

/// A path made absolute against the current folder (for commands run elsewhere).
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A dataset spec with its path made absolute.
fn absolute_spec(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("idx:") {
        let (dir, prefix) = match rest.rsplit_once(':') {
            Some((d, p)) if !p.contains('/') => (d, Some(p)),
            _ => (rest, None),
        };
        let d = absolute(Path::new(dir)).display().to_string();
        prefix.map_or(format!("idx:{d}"), |p| format!("idx:{d}:{p}"))
    } else if let Some(f) = s.strip_prefix("events:") {
        format!("events:{}", absolute(Path::new(f)).display())
    } else {
        absolute(Path::new(s)).display().to_string()
    }
}

fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The command that runs one point as a job of the array.
fn point_command(a: &ExploreArgs, exe: &Path, p: &Point) -> String {
    let mut v: Vec<String> = vec![
        exe.display().to_string(),
        "explore".into(),
        absolute(a.net).display().to_string(),
        "--board".into(),
        a.board.board.into(),
        "--lanes".into(),
        p.lanes.to_string(),
        "--cores".into(),
        p.cores.to_string(),
    ];
    if let Some(w) = p.weight_bits {
        v.extend(["--weight-bits".into(), w.to_string()]);
    }
    if let Some(h) = a.board.hw {
        v.extend(["--hw".into(), absolute(h).display().to_string()]);
    }
    if let Some(f) = a.board.freq {
        v.extend(["--freq".into(), f.to_string()]);
    }
    v.extend(["--baud".into(), a.board.baud.to_string()]);
    if let Some(c) = a.board.calib {
        v.extend(["--calib".into(), absolute_spec(c)]);
    }
    v.extend(["--calib-samples".into(), a.board.calib_samples.to_string()]);
    if let Some(d) = a.dataset {
        v.extend(["--dataset".into(), absolute_spec(d)]);
    }
    v.extend([
        "--cosim-samples".into(),
        a.cosim_samples.to_string(),
        "--accuracy-samples".into(),
        a.accuracy_samples.to_string(),
        "--seed".into(),
        a.seed.to_string(),
        "--jobs".into(),
        "1".into(),
        "--no-summary".into(),
        "-o".into(),
        absolute(a.out).display().to_string(),
    ]);
    v.iter().map(|s| sh_quote(s)).collect::<Vec<_>>().join(" ")
}

fn emit_jobs(a: &ExploreArgs, pts: &[Point]) -> Result<()> {
    let exe = std::env::current_exe().context("the asnn executable's path")?;
    let jobs = a.out.join("jobs");
    let list: String = pts
        .iter()
        .map(|p| point_command(a, &exe, p) + "\n")
        .collect();
    let list_path = absolute(&jobs.join("points.txt"));
    let out = absolute(a.out);
    write_file(&list_path, &list)?;
    let collect = format!(
        "{} explore --collect {}",
        sh_quote(&exe.display().to_string()),
        sh_quote(&out.display().to_string())
    );
    let sbatch = format!(
        "#!/bin/bash\n\
         # asnn explore: {n} points of {net} on {board}, one array task each.\n\
         # Submit: sbatch {sb}\n\
         # Then, when all tasks are done: {collect}\n\
         #SBATCH --job-name=asnn-explore\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task=2\n\
         #SBATCH --mem=8G\n\
         #SBATCH --time=04:00:00\n\
         #SBATCH --output={logs}/%A_%a.out\n\
         set -euo pipefail\n\
         cmd=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" {list})\n\
         echo \"$cmd\"\n\
         eval \"$cmd\"\n",
        n = pts.len(),
        net = a.net.display(),
        board = a.board.board,
        sb = sh_quote(&absolute(&jobs.join("sweep.sbatch")).display().to_string()),
        last = pts.len().saturating_sub(1),
        logs = sh_quote(&absolute(&jobs.join("logs")).display().to_string()),
        list = sh_quote(&list_path.display().to_string()),
    );
    write_file(&jobs.join("sweep.sbatch"), &sbatch)?;
    let run_all = format!(
        "#!/bin/sh\n\
         # asnn explore: every point of the sweep, one after another (N at a time: xargs -d '\\n' -P N -n 1 sh -c < points.txt), then the table.\n\
         set -e\n\
         while IFS= read -r cmd; do sh -c \"$cmd\"; done < {list}\n\
         {collect}\n",
        list = sh_quote(&list_path.display().to_string()),
    );
    write_file(&jobs.join("run-all.sh"), &run_all)?;
    std::fs::create_dir_all(jobs.join("logs"))
        .with_context(|| format!("cannot create {}", jobs.join("logs").display()))?;
    println!(
        "{} written to {} (one command per line)\nSlurm: sbatch {}\nplain shell: sh {}\nthen: {collect}",
        count(pts.len(), "point"),
        list_path.display(),
        jobs.join("sweep.sbatch").display(),
        jobs.join("run-all.sh").display()
    );
    Ok(())
}

/// `asnn explore --collect DIR`: the table and plots from every point result in
/// `DIR/points` (the newest result per point label).
pub fn collect(dir: &Path) -> Result<()> {
    let pdir = dir.join("points");
    let entries = std::fs::read_dir(&pdir).with_context(|| {
        format!(
            "{}: no point results (run asnn explore or its jobs with -o {})",
            pdir.display(),
            dir.display()
        )
    })?;
    let mut rows: Vec<Value> = Vec::new();
    for e in entries {
        let f = e?.path().join("result.json");
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut r: Value = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a point result", f.display()))?;
        r["cached"] = json!(true);
        if let Some(i) = rows.iter().position(|o| o["label"] == r["label"]) {
            let newer = r["finished_unix"].as_u64() >= rows[i]["finished_unix"].as_u64();
            if newer {
                rows[i] = r;
            }
        } else {
            rows.push(r);
        }
    }
    if rows.is_empty() {
        bail!("{}: no point results (result.json) found", pdir.display());
    }
    let first = rows[0].clone();
    let meta = json!({
        "network": first["network"], "board": first["board"], "device": first["device"],
        "tools": first["tools"], "collected_from": pdir.display().to_string(),
    });
    write_outputs(dir, meta, rows)
}

// ------------------------------------------------------------------ table and plots

/// CSV columns (the issue's list first).
const CSV_COLUMNS: [&str; 26] = [
    "lanes",
    "cores",
    "luts",
    "ffs",
    "bram",
    "spram",
    "dsp",
    "fmax_mhz",
    "cycles_per_inference",
    "latency_us",
    "accuracy",
    "weight_bits",
    "lcs",
    "clock_mhz",
    "latency_us_at_fmax",
    "model_cycles_per_inference",
    "model_error_pct",
    "cycles_source",
    "mismatches",
    "inferences_per_second",
    "throughput_per_klc",
    "label",
    "status",
    "pareto",
    "cached",
    "reason",
];

fn csv_field(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("{x:.4}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            _ => n.to_string(),
        },
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(rows: &[Value]) -> String {
    let mut s = CSV_COLUMNS.join(",") + "\n";
    for r in rows {
        let line: Vec<String> = CSV_COLUMNS.iter().map(|k| csv_field(&r[*k])).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

fn markdown(meta: &Value, rows: &[Value]) -> String {
    let f = |r: &Value, k: &str, d: usize| {
        r[k].as_f64()
            .map_or("-".into(), |x| format!("{x:.d$}", d = d))
    };
    let mut s = format!(
        "# Design space: {} on {} ({})\n\n",
        meta["network"].as_str().unwrap_or("?"),
        meta["board"].as_str().unwrap_or("?"),
        meta["device"].as_str().unwrap_or("?")
    );
    s.push_str("Cycles are co-simulated (Verilator) on a few samples, with the cycle model's prediction beside them; latency is at the requested clock; accuracy is the golden model's (bit-exact with the hardware); `*` marks the Pareto front (fewest LCs, lowest latency, highest accuracy, among points that built and met timing).\n\n");
    s.push_str("| point | lanes | cores | W bits | LCs | LUT4 | FF | BRAM | SPRAM | DSP | Fmax MHz | cycles (cosim) | cycles (model) | model err | latency us | inf/s per kLC | accuracy | status |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let acc = r["accuracy"]
            .as_f64()
            .map_or("-".into(), |x| format!("{x:.2}%"));
        let err = r["model_error_pct"]
            .as_f64()
            .map_or("-".into(), |x| format!("{x:+.2}%"));
        let cosim = if r["cycles_source"]
            .as_str()
            .is_some_and(|c| c.starts_with("co-sim"))
        {
            f(r, "cycles_per_inference", 0)
        } else {
            "-".into()
        };
        s.push_str(&format!(
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r["label"].as_str().unwrap_or("?"),
            if r["pareto"] == true { " *" } else { "" },
            r["lanes"],
            r["cores"],
            r["weight_bits"].as_str().map_or(r["weight_bits"].to_string(), str::to_string),
            r["lcs"].as_u64().map_or("-".into(), |x| x.to_string()),
            r["luts"].as_u64().map_or("-".into(), |x| x.to_string()),
            r["ffs"].as_u64().map_or("-".into(), |x| x.to_string()),
            r["bram"].as_u64().map_or("-".into(), |x| x.to_string()),
            r["spram"].as_u64().map_or("-".into(), |x| x.to_string()),
            r["dsp"].as_u64().map_or("-".into(), |x| x.to_string()),
            f(r, "fmax_mhz", 1),
            cosim,
            f(r, "model_cycles_per_inference", 0),
            err,
            f(r, "latency_us", 0),
            f(r, "throughput_per_klc", 1),
            acc,
            r["status"].as_str().unwrap_or("?"),
        ));
    }
    let why: Vec<String> = rows
        .iter()
        .filter(|r| r["status"] != "ok")
        .filter_map(|r| {
            r["reason"].as_str().map(|w| {
                format!(
                    "- {}: {}",
                    r["label"].as_str().unwrap_or("?"),
                    w.lines().next().unwrap_or("")
                )
            })
        })
        .collect();
    if !why.is_empty() {
        s.push_str("\nPoints that did not give a bitstream:\n");
        s.push_str(&why.join("\n"));
        s.push('\n');
    }
    s
}

fn num(r: &Value, k: &str) -> f64 {
    r[k].as_f64().unwrap_or(f64::NAN)
}

/// Marks the Pareto front, writes explore.{csv,md,json} and the plots into `dir`.
fn write_outputs(dir: &Path, mut meta: Value, mut rows: Vec<Value>) -> Result<()> {
    rows.sort_by_key(|r| {
        let w = r["weight_bits"].as_str().unwrap_or("").to_string();
        let first: u64 = w
            .split('/')
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        (first, w, r["cores"].as_u64(), r["lanes"].as_u64())
    });
    let ok: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i]["status"] == "ok")
        .collect();
    let lcs: Vec<f64> = ok.iter().map(|&i| num(&rows[i], "lcs")).collect();
    let lat: Vec<f64> = ok.iter().map(|&i| num(&rows[i], "latency_us")).collect();
    let acc: Vec<f64> = ok.iter().map(|&i| num(&rows[i], "accuracy")).collect();
    let mut objectives = vec![
        Objective {
            values: &lcs,
            minimize: true,
        },
        Objective {
            values: &lat,
            minimize: true,
        },
    ];
    if acc.iter().all(|x| x.is_finite()) {
        objectives.push(Objective {
            values: &acc,
            minimize: false,
        });
    }
    let front: Vec<usize> = pareto_front(ok.len(), &objectives)
        .into_iter()
        .map(|k| ok[k])
        .collect();
    for (i, r) in rows.iter_mut().enumerate() {
        r["pareto"] = json!(front.contains(&i));
    }
    let title = format!(
        "{} on {}",
        meta["network"].as_str().unwrap_or("?"),
        meta["board"].as_str().unwrap_or("?")
    );
    let plots = write_plots(dir, &title, &rows)?;
    meta["plots"] = json!(plots);
    meta["points"] = json!(rows);
    let md = markdown(&meta, &rows);
    write_file(&dir.join("explore.csv"), &csv(&rows))?;
    write_file(&dir.join("explore.md"), &md)?;
    write_json(&dir.join("explore.json"), &meta)?;
    print!("{md}");
    println!(
        "\nwrote {}/explore.{{csv,md,json}} and {}",
        dir.display(),
        plots.join(", ")
    );
    Ok(())
}

/// A short point name for plot labels: "L2 C1 W8".
fn short(r: &Value) -> String {
    format!(
        "L{} C{} W{}",
        r["lanes"],
        r["cores"],
        r["weight_bits"].as_str().unwrap_or("?")
    )
}

/// The rows with finite values at both keys `xy` that `keep` keeps.
fn with_xy<'a>(
    rows: &'a [Value],
    xy: (&str, &str),
    keep: impl Fn(&Value) -> bool,
) -> Vec<&'a Value> {
    rows.iter()
        .filter(|r| num(r, xy.0).is_finite() && num(r, xy.1).is_finite() && keep(r))
        .collect()
}

/// Rows as one plot series at (`xy.0`, `xy.1`), markers always, each labelled with its
/// short name and `suffix`.
fn point_series(
    name: &str,
    v: &[&Value],
    xy: (&str, &str),
    line: bool,
    suffix: fn(&Value) -> String,
    color: usize,
) -> Series {
    Series {
        name: name.into(),
        points: v.iter().map(|r| (num(r, xy.0), num(r, xy.1))).collect(),
        markers: true,
        line,
        labels: v
            .iter()
            .map(|r| format!("  {}{}", short(r), suffix(r)))
            .collect(),
        color,
    }
}

/// " (does not fit)": a point's status, for labels of points without a bitstream.
fn status_mark(r: &Value) -> String {
    format!(" ({})", r["status"].as_str().unwrap_or("?"))
}

fn write_plots(dir: &Path, title: &str, rows: &[Value]) -> Result<Vec<String>> {
    let mut written = Vec::new();
    let mut put = |name: &str, svg: Result<String, String>| -> Result<()> {
        let svg = svg.map_err(anyhow::Error::msg)?;
        let p = dir.join(name);
        write_file(&p, &svg)?;
        written.push(p.display().to_string());
        Ok(())
    };
    // 1. LCs vs latency: every point with numbers; the front joined and labelled.
    const LAT: (&str, &str) = ("lcs", "latency_us");
    let mut front = with_xy(rows, LAT, |r| r["pareto"] == true);
    front.sort_by(|a, b| num(a, "lcs").total_cmp(&num(b, "lcs")));
    let other_ok = with_xy(rows, LAT, |r| r["status"] == "ok" && r["pareto"] != true);
    let failed = with_xy(rows, LAT, |r| r["status"] != "ok");
    let mut series = vec![point_series(
        "Pareto front",
        &front,
        LAT,
        true,
        |_| String::new(),
        3,
    )];
    if !other_ok.is_empty() {
        series.push(point_series(
            "built, dominated",
            &other_ok,
            LAT,
            false,
            |_| String::new(),
            0,
        ));
    }
    if !failed.is_empty() {
        series.push(point_series(
            "no bitstream (see table)",
            &failed,
            LAT,
            false,
            status_mark,
            7,
        ));
    }
    let ys: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "latency_us"))
        .filter(|y| y.is_finite() && *y > 0.0)
        .collect();
    if let (Some(cap), false) = (
        rows.iter().find_map(|r| r["lcs_available"].as_f64()),
        ys.is_empty(),
    ) {
        let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        series.push(Series {
            name: format!("device capacity ({cap:.0} logic cells)"),
            points: vec![(cap, lo), (cap, hi)],
            markers: false,
            line: true,
            labels: Vec::new(),
            color: 1,
        });
    }
    put(
        "lcs_vs_latency.svg",
        line_plot(
            &format!("{title}: logic vs latency"),
            &Axis {
                label: "logic cells used (LUT4+FF; ECP5: LUT4 slices' combinational)".into(),
                log: false,
            },
            &Axis {
                label: "latency per inference at the requested clock (us, log)".into(),
                log: true,
            },
            &series,
        ),
    )?;
    // 2 and 3: per (cores, weight bits) a line over lanes.
    let mut groups: Vec<(u64, String)> = Vec::new();
    for r in rows {
        let g = (
            r["cores"].as_u64().unwrap_or(0),
            r["weight_bits"].as_str().unwrap_or("?").to_string(),
        );
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let by_lanes = |key: &str| -> Vec<Series> {
        groups
            .iter()
            .enumerate()
            .map(|(gi, (c, w))| {
                let mut v: Vec<&Value> = rows
                    .iter()
                    .filter(|r| {
                        r["cores"].as_u64() == Some(*c)
                            && r["weight_bits"].as_str() == Some(w.as_str())
                    })
                    .filter(|r| num(r, key).is_finite())
                    .collect();
                v.sort_by_key(|r| r["lanes"].as_u64());
                Series {
                    name: format!("{c} core(s), {w}-bit weights"),
                    points: v.iter().map(|r| (num(r, "lanes"), num(r, key))).collect(),
                    markers: true,
                    line: true,
                    labels: v
                        .iter()
                        .map(|r| {
                            if r["status"] == "ok" {
                                format!("  L{}", r["lanes"])
                            } else {
                                format!(
                                    "  L{} ({})",
                                    r["lanes"],
                                    r["status"].as_str().unwrap_or("?")
                                )
                            }
                        })
                        .collect(),
                    color: gi,
                }
            })
            .collect()
    };
    let mut fmax = by_lanes("fmax_mhz");
    let clocks: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "clock_mhz"))
        .filter(|x| x.is_finite())
        .collect();
    if let Some(c) = clocks.first() {
        let lanes: Vec<f64> = rows.iter().map(|r| num(r, "lanes")).collect();
        let lo = lanes.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = lanes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        fmax.push(Series {
            name: format!("requested clock ({c:.1} MHz)"),
            points: vec![(lo, *c), (hi, *c)],
            markers: false,
            line: true,
            labels: Vec::new(),
            color: 7,
        });
    }
    put(
        "fmax_vs_lanes.svg",
        line_plot(
            &format!("{title}: Fmax vs lanes"),
            &Axis {
                label: "lanes per core (log)".into(),
                log: true,
            },
            &Axis {
                label: "Fmax after place and route (MHz)".into(),
                log: false,
            },
            &fmax,
        ),
    )?;
    // 4. With more than one accuracy (weight widths): accuracy against logic.
    let mut accs: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "accuracy"))
        .filter(|x| x.is_finite())
        .collect();
    accs.sort_by(f64::total_cmp);
    accs.dedup();
    if accs.len() > 1 {
        const ACC: (&str, &str) = ("lcs", "accuracy");
        let built = with_xy(rows, ACC, |r| r["status"] == "ok");
        let not = with_xy(rows, ACC, |r| r["status"] != "ok");
        let pareto_mark = |r: &Value| {
            if r["pareto"] == true {
                " *".to_string()
            } else {
                String::new()
            }
        };
        let mut s = vec![point_series("built", &built, ACC, false, pareto_mark, 0)];
        if !not.is_empty() {
            s.push(point_series(
                "no bitstream (see table)",
                &not,
                ACC,
                false,
                status_mark,
                7,
            ));
        }
        put(
            "accuracy_vs_lcs.svg",
            line_plot(
                &format!("{title}: accuracy vs logic (* = Pareto front)"),
                &Axis {
                    label: "logic cells used".into(),
                    log: false,
                },
                &Axis {
                    label: "golden-model accuracy (%), bit-exact with the hardware".into(),
                    log: false,
                },
                &s,
            ),
        )?;
    }
    put(
        "throughput_per_lc.svg",
        line_plot(
            &format!("{title}: throughput per logic cell"),
            &Axis {
                label: "lanes per core (log)".into(),
                log: true,
            },
            &Axis {
                label: "inferences/s per 1000 logic cells (requested clock)".into(),
                log: false,
            },
            &by_lanes("throughput_per_klc"),
        ),
    )?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_the_product_without_repeats() {
        let p = points(&[1, 2, 2], &[1], &[8, 4]);
        let labels: Vec<String> = p.iter().map(Point::label).collect();
        assert_eq!(labels, ["l1-c1-w8", "l2-c1-w8", "l1-c1-w4", "l2-c1-w4"]);
        assert_eq!(points(&[4], &[2], &[])[0].label(), "l4-c2-wnet");
    }

    #[test]
    fn csv_quotes_reasons_and_trims_numbers() {
        let rows = vec![
            json!({"lanes": 2, "cores": 1, "fmax_mhz": 30.25, "latency_us": 1184.0,
            "status": "does not fit", "reason": "over the device: ICESTORM_DSP 16 of 8, \"x\""}),
        ];
        let text = csv(&rows);
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with(
            "lanes,cores,luts,ffs,bram,spram,dsp,fmax_mhz,cycles_per_inference,latency_us,accuracy"
        ));
        let row = lines.next().unwrap();
        assert!(row.starts_with("2,1,,,,,,30.25,,1184,"), "{row}");
        assert!(
            row.ends_with(",\"over the device: ICESTORM_DSP 16 of 8, \"\"x\"\"\""),
            "{row}"
        );
    }

    #[test]
    fn a_points_status_follows_its_build_report() {
        let report = |failure: Value, placed: bool, timing: bool, bitstream: Value| {
            json!({"failure": failure, "placed": placed, "timing_met": timing,
                "bitstream": bitstream, "utilization": {"lcs": {"used": 4000, "available": 5280}},
                "inferences_per_second": 800.0, "cosim": {"cycles_per_inference": {"mean": 100.0}},
                "model_cycles_per_inference": 101.0})
        };
        let status = |r: Value| {
            let mut row = json!({});
            fill_row(&mut row, &r);
            row
        };
        let ok = status(report(Value::Null, true, true, json!("top.bin")));
        assert_eq!(ok["status"], "ok");
        assert_eq!(ok["throughput_per_klc"], 200.0);
        assert!((ok["model_error_pct"].as_f64().unwrap() - 1.0).abs() < 1e-9);
        let why = json!("place and route failed");
        assert_eq!(
            status(report(why.clone(), false, false, Value::Null))["status"],
            "does not fit"
        );
        assert_eq!(
            status(report(why.clone(), true, false, Value::Null))["status"],
            "misses timing"
        );
        assert_eq!(
            status(report(why.clone(), true, true, Value::Null))["status"],
            "place and route failed"
        );
        let checked = status(report(
            json!("a check failed (multipliers)"),
            true,
            true,
            json!("top.bin"),
        ));
        assert_eq!(checked["status"], "check failed");
        assert_eq!(checked["reason"], "a check failed (multipliers)");
    }

    #[test]
    fn dataset_specs_become_absolute() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            absolute_spec("idx:data/mnist:t10k"),
            format!("idx:{}:t10k", cwd.join("data/mnist").display())
        );
        assert_eq!(absolute_spec("idx:/d"), "idx:/d");
        assert_eq!(
            absolute_spec("events:e.csv"),
            format!("events:{}", cwd.join("e.csv").display())
        );
        assert_eq!(sh_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(sh_quote("idx:/x/y:t10k"), "idx:/x/y:t10k");
    }
}
