//! `asnn explore`: sweep neuron-core parallelism (lanes, cores) and weight widths for a
//! board. Every point is planned, generated, synthesised, placed and routed, and
//! co-simulated on a few samples (the build flow); the golden model gives the
//! accuracy of each width choice. Points are cached by a content hash of everything
//! that decides their result, so a rerun only builds new points. Output: a table
//! (markdown, CSV, JSON) and SVG plots with the Pareto front marked. [`emit_jobs`]
//! writes the points as a Slurm job array and a plain shell list instead, and
//! [`collect`] merges what those jobs wrote.

mod jobs;
mod row;
mod table;

pub use jobs::{collect, emit_jobs};
pub use row::{Row, Status};
pub use table::Written;

use crate::board::{prepare_from, BoardArgs};
use crate::flow::{flow, FlowOpts};
use crate::inputs::{
    calibrate_net, check_inputs, dataset, dataset_spec, load, load_hw, read_json, write_json_atomic,
};
use crate::progress::{Progress, Quiet};
use crate::tools::{self, TOOL_RUNS};
use anyhow::{bail, Context, Result};
use asnn_generator::device;
use asnn_generator::HwSpec;
use asnn_import::{Dataset, LoadedNetwork};
use asnn_numerics::{Arithmetic, ExitMargin, Golden, QNetwork, RunOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Bumped whenever a point's result would change for the same inputs (new fields,
/// another flow): old cache entries then no longer match.
const CACHE_VERSION: &str = "asnn-explore-point v1";

pub struct ExploreArgs<'a> {
    pub net: &'a Path,
    /// Board, base hardware choices (`hw`), clock, baud, calibration data.
    pub board: BoardArgs<'a>,
    pub lanes: &'a [u32],
    /// First-layer synapse lanes to try beside each lane count's walk (empty: the walk
    /// only; values not above a lane count or not a multiple of it are skipped for it).
    pub synapse_lanes: &'a [u32],
    pub cores: &'a [u32],
    /// Weight widths to try (every layer); empty: the network's own.
    pub weight_bits: &'a [u32],
    /// Neuron arithmetic to try (docs/numerics.md section 11; empty: the network's own).
    pub arithmetic: &'a [Arithmetic],
    pub dataset: Option<&'a str>,
    pub cosim_samples: usize,
    pub accuracy_samples: usize,
    pub seed: u32,
    pub jobs: usize,
    pub out: &'a Path,
    /// Run the points and write their results, but no table or plots (a job of an
    /// emitted array; `--collect` makes the table).
    pub no_summary: bool,
}

/// One point of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Point {
    pub weight_bits: Option<u32>,
    /// Every layer's arithmetic (None: as in the network).
    pub arithmetic: Option<Arithmetic>,
    pub cores: u32,
    pub lanes: u32,
    /// The first layer's synapse lanes when above its lanes (None: the walk).
    pub synapse_lanes: Option<u32>,
}

impl Point {
    pub fn label(&self) -> String {
        format!(
            "l{}{}-c{}-w{}",
            self.lanes,
            self.synapse_lanes
                .map_or_else(String::new, |s| format!("-s{s}")),
            self.cores,
            self.weight_bits
                .map_or_else(|| "net".to_string(), |w| w.to_string())
        ) + &self
            .arithmetic
            .map_or_else(String::new, |a| format!("-{}", a.key()))
    }
}

/// The points, weight widths outermost, then the arithmetic, cores, lanes and synapse
/// lanes innermost, without repeats. Every lane count gets its walk point (no `-s` in the label), then one
/// per synapse-lane count above it and a multiple of it; the others are skipped for it.
pub fn points(
    lanes: &[u32],
    synapse: &[u32],
    cores: &[u32],
    weight_bits: &[u32],
    arithmetic: &[Arithmetic],
) -> Vec<Point> {
    let wbs: Vec<Option<u32>> = if weight_bits.is_empty() {
        vec![None]
    } else {
        weight_bits.iter().map(|w| Some(*w)).collect()
    };
    let ars: Vec<Option<Arithmetic>> = if arithmetic.is_empty() {
        vec![None]
    } else {
        arithmetic.iter().map(|a| Some(*a)).collect()
    };
    let mut v = Vec::new();
    for (&weight_bits, &arithmetic) in wbs.iter().flat_map(|w| ars.iter().map(move |a| (w, a))) {
        for &c in cores {
            for &l in lanes {
                // The walk always, as the baseline; then each synapse-lane count above
                // the lanes and a multiple of them.
                let syn: Vec<Option<u32>> = std::iter::once(None)
                    .chain(
                        synapse
                            .iter()
                            .filter(|&&s| s > l && s % l == 0)
                            .map(|&s| Some(s)),
                    )
                    .collect();
                for synapse_lanes in syn {
                    let p = Point {
                        weight_bits,
                        arithmetic,
                        cores: c,
                        lanes: l,
                        synapse_lanes,
                    };
                    if !v.contains(&p) {
                        v.push(p);
                    }
                }
            }
        }
    }
    v
}

/// Refuses axes outside their ranges, and no jobs.
pub fn check_axes(a: &ExploreArgs) -> Result<()> {
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
    check("synapse-lanes", a.synapse_lanes, 1, 64, true)?;
    check("cores", a.cores, 1, 16, false)?;
    check("weight-bits", a.weight_bits, 2, 16, true)?;
    if a.jobs == 0 {
        bail!("--jobs 0: at least one job");
    }
    Ok(())
}

/// A network variant: the loaded network with every layer's weight width set (and its
/// fractional bits chosen from the weights again) and every layer's arithmetic set (its
/// τ and m_f realised by it, docs/numerics.md section 11; a shift network's realised
/// values stay as they are under `multiply`), calibrated. θ0 and the formats are the
/// network's where it fixes them: a variant is not re-tuned by the calibration rule.
struct Variant {
    weight_bits: Option<u32>,
    arithmetic: Option<Arithmetic>,
    loaded: LoadedNetwork,
    /// The calibrated integer network, or why it could not be made.
    qnet: Result<QNetwork, String>,
    accuracy: Option<f64>,
}

fn variant(
    base: &LoadedNetwork,
    (weight_bits, arithmetic): (Option<u32>, Option<Arithmetic>),
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
    if let Some(a) = arithmetic {
        for l in &mut loaded.network.layers {
            l.asn.arithmetic = a;
            l.asn = l.asn.realised();
        }
    }
    let qnet = calibrate_net(&loaded, &loaded.network, calib, calib_samples)
        .map(|c| c.qnet)
        .map_err(|e| format!("{e:#}"));
    Variant {
        weight_bits,
        arithmetic,
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

#[derive(Serialize, Deserialize)]
struct AccuracyEntry {
    accuracy: f64,
    samples: usize,
    source: String,
}

/// The golden model's accuracy of `qnet` on the first `n` samples of `data` (early exit
/// as the hardware does it), cached in `dir/accuracy/` by a hash of the network, the
/// samples and the exit rule.
fn accuracy(
    qnet: &QNetwork,
    data: &Dataset,
    n: usize,
    early_exit: u32,
    margin: Option<ExitMargin>,
    dir: &Path,
) -> Result<Option<f64>> {
    let Some(labels) = &data.labels else {
        return Ok(None);
    };
    let n = n.min(data.len());
    let (inputs, labels) = (&data.inputs[..n], &labels[..n]);
    // The margin rule joins the key only when set: caches made before it stay valid.
    let mut parts = vec![
        CACHE_VERSION.as_bytes().to_vec(),
        serde_json::to_vec(qnet)?,
        serde_json::to_vec(inputs)?,
        serde_json::to_vec(labels)?,
        early_exit.to_le_bytes().to_vec(),
    ];
    if let Some(m) = &margin {
        parts.push(serde_json::to_vec(m)?);
    }
    let key = hash_hex(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let file = dir.join("accuracy").join(format!("{key}.json"));
    if let Some(v) = read_json::<AccuracyEntry>(&file) {
        return Ok(Some(v.accuracy));
    }
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = RunOptions {
        record_spikes: false,
        record_readout: false,
        early_exit: (early_exit > 0).then_some(early_exit),
        exit_margin: margin,
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
    let entry = AccuracyEntry {
        accuracy: acc,
        samples: n,
        source: data.source.clone(),
    };
    write_json_atomic(&file, &entry)?;
    Ok(Some(acc))
}

/// The tool versions that decide a point's result (part of its key, as this JSON:
/// the fields in key order); Verilator only when points are co-simulated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExploreTools {
    pub nextpnr: String,
    pub pack: Option<String>,
    pub verilator: Option<String>,
    pub yosys: String,
}

fn tool_versions(family: device::Family, cosim: bool) -> Result<ExploreTools> {
    let t = tools::flow_tools(family)?;
    let verilator = if cosim {
        Some(tools::find(&["verilator"]).map(|p| tools::version(&p, "--version")).context(
            "verilator not found on PATH (co-simulation; or --cosim-samples 0); bash scripts/test.sh installs it",
        )?)
    } else {
        None
    };
    Ok(ExploreTools {
        yosys: tools::version(&t.yosys, "-V"),
        nextpnr: tools::version(&t.nextpnr, "--version"),
        pack: t.pack.file_name().map(|n| n.to_string_lossy().to_string()),
        verilator,
    })
}

/// Everything the points share.
struct Ctx<'a> {
    a: &'a ExploreArgs<'a>,
    /// The hardware choices every point starts from (hw.toml, or the board's device).
    base_hw: HwSpec,
    spec: String,
    /// The co-simulated samples, as their stimulus text (for the key).
    stimulus: String,
    tools: ExploreTools,
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The point's cache key: every generated file (core, board top, flash image), the
/// tool versions, the board, the seed and the co-simulated stimulus.
fn point_key(c: &Ctx, prepared: &crate::board::Prepared) -> Result<String> {
    let mut parts: Vec<Vec<u8>> = vec![
        CACHE_VERSION.as_bytes().to_vec(),
        env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
        serde_json::to_string(&c.tools)?.into_bytes(),
        c.a.board.board.as_bytes().to_vec(),
        c.a.seed.to_le_bytes().to_vec(),
        c.stimulus.as_bytes().to_vec(),
        prepared.board_design.image.clone().unwrap_or_default(),
    ];
    for f in prepared
        .design
        .files
        .iter()
        .chain(&prepared.board_design.files)
    {
        parts.push(f.name.as_bytes().to_vec());
        parts.push(f.contents.as_bytes().to_vec());
    }
    Ok(hash_hex(
        &parts.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    ))
}

/// Runs (or finds in the cache) one point; never fails: a point that cannot be built
/// is a row with its reason.
fn run_point(p: Point, v: &Variant, c: &Ctx) -> Row {
    let a = c.a;
    let mut row = Row {
        label: p.label(),
        lanes: p.lanes,
        synapse_lanes: p.synapse_lanes,
        cores: p.cores,
        weight_bits: p.weight_bits.map(|w| w.to_string()),
        arithmetic: p.arithmetic.map(|a| a.key().to_string()),
        accuracy: v.accuracy,
        board: a.board.board.to_string(),
        ..Row::default()
    };
    let qnet = match &v.qnet {
        Ok(q) => q.clone(),
        Err(e) => return refused(row, format!("quantization: {e}"), a),
    };
    row.weight_bits = Some(weight_bits_text(&qnet));
    row.arithmetic = Some(arithmetic_text(&qnet));
    row.network = Some(qnet.name.clone());
    let mut hw = c.base_hw.clone();
    hw.lanes = p.lanes;
    hw.cores = p.cores;
    hw.synapse_lanes = p.synapse_lanes;
    for l in &mut hw.layer {
        l.lanes = None;
        l.cores = None;
        l.synapse_lanes = None;
    }
    row.device = Some(hw.device.clone());
    let prepared = match prepare_from(&v.loaded, qnet, Some(hw), &a.board) {
        Ok(prepared) => prepared,
        Err(e) => return refused(row, format!("{e:#}"), a),
    };
    row.clock_mhz = Some(prepared.board_design.clock_mhz);
    let key = match point_key(c, &prepared) {
        Ok(k) => k,
        Err(e) => return refused(row, format!("{e:#}"), a),
    };
    let dir = a.out.join("points").join(format!("{}-{key}", p.label()));
    let result = dir.join("result.json");
    if let Some(mut old) = read_json::<Row>(&result)
        .filter(|o| o.key.as_deref() == Some(key.as_str()) && o.status != Status::Error)
    {
        // The row is made again from the stored build report, so a change to the
        // table's columns never costs a rebuild; accuracy has its own cache.
        if let Some(r) = read_json::<crate::flow::BuildReport>(&dir.join("report.json")) {
            old.fill(&r);
        }
        old.accuracy = v.accuracy;
        old.cached = true;
        return old;
    }
    row.key = Some(key);
    row.dir = Some(dir.display().to_string());
    let t0 = Instant::now();
    let built = flow(
        &prepared,
        &FlowOpts {
            dataset: &c.spec,
            cosim_samples: a.cosim_samples,
            cycle_samples: 0,
            seed: a.seed,
            progress: &Quiet,
        },
        &dir,
    );
    row.seconds = Some(t0.elapsed().as_secs_f64());
    match built {
        Ok(r) => row.fill(&r),
        Err(e) => {
            row.status = Status::Error;
            row.reason = Some(format!("{e:#}"));
        }
    }
    store(row, &result)
}

/// Stamps the row, writes it as its point's `result.json` (a failure to write is noted
/// in its reason) and returns it, not cached.
fn store(mut row: Row, file: &Path) -> Row {
    row.finished_unix = Some(now_unix());
    if let Err(e) = write_json_atomic(file, &row) {
        row.reason = Some(format!(
            "{} (result not written: {e:#})",
            row.reason.as_deref().unwrap_or("")
        ));
    }
    row.cached = false;
    row
}

/// A point refused before synthesis (quantization or the plan's capacity check). It
/// costs nothing to find again, but is written beside the built points so that
/// `--collect` shows it too.
fn refused(mut row: Row, reason: String, a: &ExploreArgs) -> Row {
    let key = hash_hex(&[
        CACHE_VERSION.as_bytes(),
        b"refused",
        row.label.as_bytes(),
        a.board.board.as_bytes(),
        reason.as_bytes(),
    ]);
    row.status = Status::Refused;
    row.reason = Some(reason);
    let file = a
        .out
        .join("points")
        .join(format!("{}-{key}", row.label))
        .join("result.json");
    row.key = Some(key);
    store(row, &file)
}

/// Distinct weight widths of a network's layers, "8" or "8/6".
/// The network's arithmetic: "multiply", "shift", or "mixed" (per-layer overrides).
fn arithmetic_text(q: &QNetwork) -> String {
    let first = q.layers[0].q.arithmetic;
    if q.layers.iter().all(|l| l.q.arithmetic == first) {
        first.key().to_string()
    } else {
        "mixed".to_string()
    }
}

fn weight_bits_text(q: &QNetwork) -> String {
    let mut v: Vec<u32> = Vec::new();
    for l in &q.layers {
        if !v.contains(&l.q.weight_bits) {
            v.push(l.q.weight_bits);
        }
    }
    v.iter().map(u32::to_string).collect::<Vec<_>>().join("/")
}

/// The tools `explore.json` names: the sweep's (a run), or the first point's build
/// report's (`--collect`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaTools {
    Sweep(ExploreTools),
    Build(crate::flow::report::ToolVersions),
}

/// How a run went (`explore.json`'s `run`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunSummary {
    pub points: usize,
    pub cached: usize,
    pub built: usize,
    pub refused: usize,
    pub yosys_runs: u64,
    pub nextpnr_runs: u64,
    pub seconds: f64,
}

/// `explore.json` without its points and plots (those are added when written).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Meta {
    pub network: Option<String>,
    pub board: Option<String>,
    pub device: Option<String>,
    pub tools: Option<MetaTools>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosim_samples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_samples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_exit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_from: Option<String>,
}

/// What a sweep did.
pub struct Outcome {
    pub summary: RunSummary,
    /// The table and plots (None with `no_summary`).
    pub written: Option<Written>,
}

/// Runs the sweep.
pub fn run(a: &ExploreArgs, progress: &dyn Progress) -> Result<Outcome> {
    check_axes(a)?;
    let pts = points(
        a.lanes,
        a.synapse_lanes,
        a.cores,
        a.weight_bits,
        a.arithmetic,
    );
    let board = asnn_generator::board::board(a.board.board)?;
    let t_all = Instant::now();
    let loaded = load(a.net)?;
    let base_hw = match a.board.hw {
        Some(f) => load_hw(f)?,
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
    let mut stimulus = crate::cosim::stimulus_text(
        &data.inputs[..a.cosim_samples.max(1).min(data.len())],
        loaded.network.steps,
    );
    stimulus.push_str(&format!("cosim_samples {}\n", a.cosim_samples));
    let acc_samples = a.accuracy_samples.min(data.len());
    let early_exit = base_hw.early_exit;
    let exit = (early_exit, base_hw.margin_rule());
    let variants = variants(a, &loaded, &pts, &data, acc_samples, exit, progress)?;
    let ctx = Ctx {
        a,
        base_hw,
        spec: spec.clone(),
        stimulus,
        tools: tools.clone(),
    };
    progress.note(&format!(
        "{} on {} ({}), {} at a time; results cached in {}",
        count(pts.len(), "point"),
        board.name,
        dev.name,
        a.jobs,
        a.out.join("points").display()
    ));
    let before = TOOL_RUNS.snapshot();
    let rows = run_points(&pts, &variants, &ctx, progress)?;
    let after = TOOL_RUNS.snapshot();
    let cached = rows.iter().filter(|r| r.cached).count();
    let refused = rows.iter().filter(|r| r.status == Status::Refused).count();
    let summary = RunSummary {
        points: rows.len(),
        cached,
        built: rows.len() - cached - refused,
        refused,
        yosys_runs: after.0 - before.0,
        nextpnr_runs: after.1 - before.1,
        seconds: t_all.elapsed().as_secs_f64(),
    };
    progress.note(&format!(
        "{}: {} from the cache, {} built, {} refused before synthesis; yosys ran {} times, nextpnr {} times; {:.1} s",
        count(rows.len(), "point"),
        summary.cached,
        summary.built,
        summary.refused,
        summary.yosys_runs,
        summary.nextpnr_runs,
        summary.seconds
    ));
    let written = if a.no_summary {
        None
    } else {
        let meta = Meta {
            network: Some(loaded.network.name.clone()),
            board: Some(board.name.clone()),
            device: Some(dev.name.to_string()),
            tools: Some(MetaTools::Sweep(tools)),
            dataset: Some(spec),
            cosim_samples: Some(a.cosim_samples),
            accuracy_samples: Some(acc_samples),
            early_exit: Some(early_exit),
            run: Some(summary.clone()),
            collected_from: None,
        };
        Some(table::write_outputs(a.out, meta, rows)?)
    };
    Ok(Outcome { summary, written })
}

/// One calibrated network (and its golden-model accuracy) per weight width.
fn variants(
    a: &ExploreArgs,
    loaded: &LoadedNetwork,
    pts: &[Point],
    data: &Dataset,
    acc_samples: usize,
    (early_exit, margin): (u32, Option<ExitMargin>),
    progress: &dyn Progress,
) -> Result<Vec<Variant>> {
    let mut keys: Vec<(Option<u32>, Option<Arithmetic>)> = Vec::new();
    for p in pts {
        if !keys.contains(&(p.weight_bits, p.arithmetic)) {
            keys.push((p.weight_bits, p.arithmetic));
        }
    }
    let mut variants = Vec::new();
    for (w, ar) in keys {
        let mut v = variant(loaded, (w, ar), a.board.calib, a.board.calib_samples);
        if let (Ok(q), true) = (&v.qnet, a.accuracy_samples > 0) {
            v.accuracy = accuracy(q, data, acc_samples, early_exit, margin, a.out)?;
        }
        progress.note(&format!(
            "weights {}{}: {}",
            w.map_or("as in the network".into(), |w| format!("{w} bits")),
            ar.map_or_else(String::new, |a| format!(", {} arithmetic", a.key())),
            match (&v.qnet, v.accuracy) {
                (Err(e), _) => format!("cannot be quantized: {e}"),
                (Ok(_), Some(x)) =>
                    format!("golden-model accuracy {x:.2}% on {acc_samples} samples"),
                (Ok(_), None) => "no accuracy (no labels or --accuracy-samples 0)".into(),
            }
        ));
        variants.push(v);
    }
    Ok(variants)
}

/// The points in a pool of `jobs` threads, a line each as they finish.
fn run_points(
    pts: &[Point],
    variants: &[Variant],
    ctx: &Ctx,
    progress: &dyn Progress,
) -> Result<Vec<Row>> {
    progress.start(pts.len() as u64, "explore");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(ctx.a.jobs)
        .build()
        .context("thread pool")?;
    let rows: Vec<Row> = pool.install(|| {
        pts.par_iter()
            .map(|p| {
                let v = variants
                    .iter()
                    .find(|v| v.weight_bits == p.weight_bits && v.arithmetic == p.arithmetic)
                    .expect("a variant per weight width and arithmetic");
                progress.message(&format!("explore (building {})", p.label()));
                let row = run_point(*p, v, ctx);
                progress.note(&table::point_line(&row));
                progress.inc();
                row
            })
            .collect()
    });
    progress.finish();
    Ok(rows)
}

/// "1 point", "3 points".
pub fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_the_product_without_repeats() {
        let p = points(&[1, 2, 2], &[], &[1], &[8, 4], &[]);
        let labels: Vec<String> = p.iter().map(Point::label).collect();
        assert_eq!(labels, ["l1-c1-w8", "l2-c1-w8", "l1-c1-w4", "l2-c1-w4"]);
        assert_eq!(points(&[4], &[], &[2], &[], &[])[0].label(), "l4-c2-wnet");
        // Synapse lanes: each lane count's walk, then the multiples above it (3 is not
        // one of 2; 1 is not above 2; nothing is above 16).
        let s = points(&[1, 2, 16], &[1, 3, 8], &[1], &[], &[]);
        let labels: Vec<String> = s.iter().map(Point::label).collect();
        assert_eq!(
            labels,
            [
                "l1-c1-wnet",
                "l1-s3-c1-wnet",
                "l1-s8-c1-wnet",
                "l2-c1-wnet",
                "l2-s8-c1-wnet",
                "l16-c1-wnet"
            ]
        );
        // Arithmetic: inside each weight width, outside the hardware axes.
        let a = points(
            &[1, 2],
            &[],
            &[1],
            &[],
            &[Arithmetic::Multiply, Arithmetic::Shift],
        );
        let labels: Vec<String> = a.iter().map(Point::label).collect();
        assert_eq!(
            labels,
            [
                "l1-c1-wnet-multiply",
                "l2-c1-wnet-multiply",
                "l1-c1-wnet-shift",
                "l2-c1-wnet-shift"
            ]
        );
    }

    #[test]
    fn the_tools_key_is_the_json_it_always_was() {
        // Part of every point's cache key: a change here invalidates users' caches.
        let t = ExploreTools {
            nextpnr: "n 0.4".into(),
            pack: Some("icepack".into()),
            verilator: None,
            yosys: "Yosys 0.23".into(),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"nextpnr":"n 0.4","pack":"icepack","verilator":null,"yosys":"Yosys 0.23"}"#
        );
    }

    #[test]
    fn results_of_older_versions_still_read() {
        // weight_bits was a number for points refused by quantization.
        let r: Row = serde_json::from_str(
            r#"{"label": "l1-c1-w3", "lanes": 1, "cores": 1, "weight_bits": 3,
                "status": "refused", "reason": "quantization: x", "board": "icebreaker"}"#,
        )
        .unwrap();
        assert_eq!(r.weight_bits.as_deref(), Some("3"));
        assert_eq!(r.status, Status::Refused);
    }
}
