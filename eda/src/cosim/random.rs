//! `asnn cosim-random`: seeded random networks and hardware choices, each generated,
//! co-simulated and diffed against the golden model.

use super::{diff, golden_events, golden_options, stimulus_text};
use crate::inputs::write_file;
use crate::progress::Progress;
use crate::simulator::{self, Simulator};
use anyhow::{Context, Result};
use asnn_generator::{Design, HwSpec};
use asnn_ir::InputKind;
use asnn_numerics::{Coding, Golden, QNetwork, RawInput};
use asnn_sim::Calibration;
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One random network's outcome.
#[derive(Clone, Debug)]
pub struct RandomOutcome {
    pub seed: u64,
    /// The line `asnn cosim-random` prints for it.
    pub line: String,
    pub skipped: bool,
    pub all_layers_spike: bool,
    pub saturated: bool,
    pub graded: bool,
    /// The margin exit rule was on and stopped at least one sample early.
    pub margin_exit: bool,
    /// The first layer was output-stationary (synapse lanes above its lanes).
    pub output_stationary: bool,
    /// At least one layer had shift arithmetic (docs/numerics.md section 11).
    pub shift_arithmetic: bool,
    /// A layer's neuron state was in SPRAM (`asnn_spram_state.v`).
    pub spram_state: bool,
    /// A layer's sweep was credit-gated (an AER FIFO shorter than a step's spikes).
    pub credits: bool,
    pub model_err: f64,
    pub mismatch: Option<String>,
}

impl RandomOutcome {
    fn skipped(seed: u64, why: String) -> Self {
        RandomOutcome {
            seed,
            line: format!("seed {seed}: skipped, the random network cannot be calibrated: {why}"),
            skipped: true,
            all_layers_spike: false,
            saturated: false,
            graded: false,
            margin_exit: false,
            output_stationary: false,
            shift_arithmetic: false,
            spram_state: false,
            credits: false,
            model_err: 0.0,
            mismatch: None,
        }
    }
}

/// The summary of a run (`--json`).
#[derive(Clone, Debug, Serialize)]
pub struct RandomSummary {
    pub simulator: String,
    pub seeds: [u64; 2],
    pub networks: usize,
    pub skipped: usize,
    pub mismatching_seeds: Vec<u64>,
    pub errors: Vec<String>,
    pub spiking_in_every_layer: usize,
    pub saturating: usize,
    pub graded: usize,
    pub binary: usize,
    /// Networks whose margin exit rule stopped a sample early.
    pub margin_exit: usize,
    /// Networks whose first layer was output-stationary.
    pub output_stationary: usize,
    /// Networks with shift arithmetic in at least one layer.
    pub shift_arithmetic: usize,
    /// Networks with a layer's state in SPRAM.
    pub spram_state: usize,
    /// Networks with a credit-gated sweep.
    pub credits: usize,
    pub worst_cycle_model_error_pct: f64,
    #[serde(skip)]
    pub outcomes: Vec<RandomOutcome>,
    #[serde(skip)]
    pub seconds: f64,
}

impl RandomSummary {
    /// The closing line.
    pub fn line(&self) -> String {
        format!(
            "random cosim ({}), seeds {}..{}: {} networks ({} skipped), {} mismatching {:?}, {} errors; {} spike in every spiking layer, {} saturate, {} graded / {} binary, {} stopped by the margin exit, {} output-stationary, {} with shift arithmetic, {} with state in SPRAM, {} credit-gated; cycle model worst error {:.2}%; {:.0} s",
            self.simulator,
            self.seeds[0],
            self.seeds[1],
            self.networks,
            self.skipped,
            self.mismatching_seeds.len(),
            self.mismatching_seeds,
            self.errors.len(),
            self.spiking_in_every_layer,
            self.saturating,
            self.graded,
            self.binary,
            self.margin_exit,
            self.output_stationary,
            self.shift_arithmetic,
            self.spram_state,
            self.credits,
            self.worst_cycle_model_error_pct,
            self.seconds
        )
    }
}

/// The hardware choices for a random network (seeded like the network).
pub fn random_hw(seed: u64) -> HwSpec {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x4857_4857);
    let mut hw = HwSpec {
        device: "ecp5-85f".into(),
        lanes: [1, 2, 3, 4, 8][rng.random_range(0..5)],
        cores: [1, 1, 2, 3][rng.random_range(0..4)],
        early_exit: if rng.random_bool(0.3) {
            rng.random_range(2..=8)
        } else {
            0
        },
        ..HwSpec::default()
    };
    // Drawn after the choices above, so that each seed keeps those.
    if rng.random_bool(0.35) {
        hw.exit_margin = Some([0, 1, 8, 64][rng.random_range(0..4)]);
        hw.exit_hold = rng.random_range(1..=4);
    }
    hw
}

/// Output-stationary first layer for 80% of the networks that can have one (dense first
/// layer, frame input): a per-layer override with one core and synapse lanes 2-4 times
/// the lanes. Seeded on its own, so that each seed keeps its other choices.
fn maybe_synapse_lanes(seed: u64, hw: &mut HwSpec, qnet: &QNetwork, frame: bool) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5e_1a7e5);
    let first = &qnet.layers[0];
    let dense = matches!(first.conn, asnn_numerics::Conn::Dense { .. });
    if frame && dense && rng.random_bool(0.8) {
        let synapse_lanes = hw.lanes * rng.random_range(2..=4);
        let o = hw.layer_mut(&first.name);
        o.cores = Some(1);
        o.synapse_lanes = Some(synapse_lanes);
    }
}

/// Which layers keep their state in SPRAM, on how many SPRAMs ("none" if no layer).
fn spram_doc(plan: &asnn_generator::plan::Plan) -> String {
    none_or_list(
        plan.layers
            .iter()
            .filter(|l| l.state_sprams > 0)
            .map(|l| format!("{} x{}", l.name, l.state_sprams)),
    )
}

/// Which layers' sweeps are credit-gated, with FIFO words and limit ("none" if no layer).
fn credit_doc(plan: &asnn_generator::plan::Plan) -> String {
    none_or_list(plan.layers.iter().filter_map(|l| {
        l.credit_limit
            .map(|c| format!("{} {} words limit {c}", l.name, l.fifo_depth))
    }))
}

/// The items joined by ", ", or "none".
fn none_or_list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// 35% of the networks put one spiking layer's neuron state in SPRAM (1-4 SPRAMs side
/// by side, so 1 to several words a neuron), on a UP5K; of those whose next layer walks
/// the spikes during the sweep, 70% also get a credit-gated AER FIFO of 1-3 words past
/// the words in flight (one lane, one core). Kept only if the design fits the UP5K.
/// Seeded on its own, so that each seed keeps its other choices.
fn maybe_spram_state(seed: u64, hw: &mut HwSpec, qnet: &QNetwork, frame: bool) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x0005_9a45_7a7e);
    if !rng.random_bool(0.35) {
        return;
    }
    let n = qnet.layers.len();
    let pooled = |l: &asnn_numerics::QLayer| matches!(&l.conn, asnn_numerics::Conn::Conv(g) if g.pool.is_some_and(|p| p.kind == asnn_numerics::PoolKind::Max));
    let eligible: Vec<usize> = (0..n - 1).filter(|&i| !pooled(&qnet.layers[i])).collect();
    if eligible.is_empty() {
        return;
    }
    let i = eligible[rng.random_range(0..eligible.len())];
    let credit = qnet.delay == 0 && rng.random_bool(0.7);
    let cols = rng.random_range(1..=4u32);
    let extra = rng.random_range(1..=3u64);
    let mut trial = hw.clone();
    trial.device = "up5k".into();
    let entry = trial.layer_mut(&qnet.layers[i].name);
    entry.state = Some(asnn_generator::hw::MemKindChoice::Spram);
    entry.state_sprams = Some(cols);
    entry.cores = Some(1);
    if credit {
        entry.lanes = Some(1);
        entry.synapse_lanes = None;
        // The next layer must be one core for the walk to run with the sweep.
        trial.layer_mut(&qnet.layers[i + 1].name).cores = Some(1);
    }
    let Ok(d) = asnn_generator::generate(qnet, &trial, frame) else {
        return;
    };
    if credit {
        let depth = d.plan.layers[i].credit_inflight() + extra;
        trial.layer_mut(&qnet.layers[i].name).fifo_depth = Some(depth);
        if asnn_generator::generate(qnet, &trial, frame).is_err() {
            trial.layer_mut(&qnet.layers[i].name).fifo_depth = None;
        }
    }
    *hw = trial;
}

/// 40% of the networks get 2-4 more fraction bits in one layer than calibration
/// chose, so that values clamp: saturation must be bit-exact too.
fn maybe_saturating(seed: u64, cal: Calibration, inputs: &[RawInput]) -> Calibration {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5a7);
    if rng.random_bool(0.4) {
        let l = rng.random_range(0..cal.network.layers.len());
        for extra in [4, 3, 2] {
            let mut net = cal.network.clone();
            net.layers[l].quant.state_frac = Some(cal.qnet.layers[l].q.state_frac + extra);
            if let Ok(c2) = asnn_sim::calibrate(&net, inputs) {
                return c2;
            }
        }
    }
    cal
}

/// What the golden model and the diff found over one network's samples.
struct Tally {
    spikes: Vec<u64>,
    saturations: u64,
    mismatch: Option<String>,
    model_err: f64,
    /// Samples that stopped before the last step.
    early_exits: u64,
}

fn tally(
    qnet: &QNetwork,
    hw: &HwSpec,
    design: &Design,
    inputs: &[RawInput],
    hws: &[asnn_wire::tb::HwTrace],
) -> Result<Tally> {
    let golden = Golden::new(qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = golden_options(hw, true);
    let mut t = Tally {
        spikes: vec![0u64; qnet.layers.len() - 1],
        saturations: 0,
        mismatch: None,
        model_err: 0.0,
        early_exits: 0,
    };
    if hws.len() != inputs.len() {
        t.mismatch = Some(format!(
            "the testbench finished {} of {} samples",
            hws.len(),
            inputs.len()
        ));
    }
    for (i, (x, h)) in inputs.iter().zip(hws).enumerate() {
        let g = golden
            .run(x, None, opts)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (a, b) in t.spikes.iter_mut().zip(&g.spikes_per_layer) {
            *a += b;
        }
        t.saturations += g.saturations.iter().map(|s| s.total()).sum::<u64>();
        t.early_exits += u64::from(g.exit_step.is_some_and(|e| e + 1 < qnet.steps));
        if t.mismatch.is_none() {
            let graded = qnet.coding == Coding::Graded;
            if let Some(d) = diff(&g, h, graded, (qnet.layers.len() - 1) as u16) {
                t.mismatch = Some(format!("sample {i}, step {}: {}", d.step, d.what));
            }
        }
        let (ev, zero, sp) = golden_events(&design.plan, x, &g);
        let pred = design.plan.predict_cycles(&ev, &zero, &sp);
        let err = (pred as f64 - h.cycles as f64) / h.cycles as f64 * 100.0;
        if err.abs() > t.model_err.abs() {
            t.model_err = err;
        }
    }
    Ok(t)
}

/// Generates, co-simulates and diffs one random network.
pub fn one_random(seed: u64, sim: Simulator, root: &Path) -> Result<RandomOutcome> {
    let cfg = asnn_sim::random::RandomConfig::default();
    let case = asnn_sim::random::random_case(seed, &cfg)
        .map_err(|e| anyhow::anyhow!("seed {seed}: {e}"))?;
    let cal = match asnn_sim::calibrate(&case.network, &case.inputs[..4]) {
        Ok(c) => maybe_saturating(seed, c, &case.inputs[..4]),
        // A random layer that never activates cannot be calibrated: not a hardware case.
        Err(e) => return Ok(RandomOutcome::skipped(seed, format!("{e}"))),
    };
    let qnet = &cal.qnet;
    let mut hw = random_hw(seed);
    if let Ok(l) = std::env::var("ASNN_RANDOM_LANES") {
        hw.lanes = l.parse().context("ASNN_RANDOM_LANES")?;
    }
    if let Ok(c) = std::env::var("ASNN_RANDOM_CORES") {
        hw.cores = c.parse().context("ASNN_RANDOM_CORES")?;
    }
    let frame = case.network.input.kind == InputKind::Frame;
    maybe_synapse_lanes(seed, &mut hw, qnet, frame);
    maybe_spram_state(seed, &mut hw, qnet, frame);
    let design =
        asnn_generator::generate(qnet, &hw, frame).with_context(|| format!("seed {seed}"))?;
    let dir = crate::inputs::absolute(&root.join(format!("seed-{seed}")));
    std::fs::create_dir_all(&dir)?;
    for f in &design.files {
        write_file(&dir.join(&f.name), &f.contents)?;
    }
    let built = simulator::build(&dir, &design.plan.top, sim, &[])
        .with_context(|| format!("seed {seed}"))?;
    let stim_path = dir.join("stim.txt");
    write_file(&stim_path, &stimulus_text(&case.inputs, qnet.steps))?;
    let log = simulator::run(&built, &stim_path, &dir.join("out.txt"))
        .with_context(|| format!("seed {seed}"))?;
    let hws = asnn_wire::tb::parse_log(&log).with_context(|| format!("seed {seed}"))?;
    let t = tally(qnet, &hw, &design, &case.inputs, &hws)?;
    let kinds: Vec<String> = design
        .plan
        .layers
        .iter()
        .map(|l| match &l.conv {
            Some(c) if c.max_pool.is_some() => "conv2d+maxpool",
            Some(c) if c.pool > 1 => "conv2d+avgpool",
            _ => l.kind,
        })
        .zip(&design.plan.layers)
        .map(|(k, l)| match l.arithmetic {
            asnn_numerics::Arithmetic::Shift => format!("{k}/shift"),
            asnn_numerics::Arithmetic::Multiply => k.to_string(),
        })
        .collect();
    let graded = qnet.coding == Coding::Graded;
    let line = format!(
        "seed {seed}: {} {:?}, {} coding, delay {}, {} input, lanes {}, synapse lanes {}, cores {}, early exit {}, margin exit {}, state in SPRAM {}, credits {}, {} steps; spikes per layer {:?}, saturations {}, cycle model {:+.2}%: {}",
        qnet.name,
        kinds,
        if graded { "graded" } else { "binary" },
        qnet.delay,
        if frame { "frame" } else { "events" },
        hw.lanes,
        design.plan.layers[0].synapse_lanes,
        hw.cores,
        hw.early_exit,
        hw.exit_margin
            .map_or("off".into(), |m| format!("{m} held {}", hw.exit_hold)),
        spram_doc(&design.plan),
        credit_doc(&design.plan),
        qnet.steps,
        t.spikes,
        t.saturations,
        t.model_err,
        t.mismatch.as_deref().unwrap_or("bit-exact")
    );
    Ok(RandomOutcome {
        seed,
        line,
        skipped: false,
        all_layers_spike: t.spikes.iter().all(|&s| s > 0),
        saturated: t.saturations > 0,
        graded,
        margin_exit: hw.exit_margin.is_some() && t.early_exits > 0,
        output_stationary: design.plan.layers[0].output_stationary,
        shift_arithmetic: design
            .plan
            .layers
            .iter()
            .any(|l| l.arithmetic == asnn_numerics::Arithmetic::Shift),
        spram_state: design.plan.layers.iter().any(|l| l.state_sprams > 0),
        credits: design.plan.layers.iter().any(|l| l.credit_limit.is_some()),
        model_err: t.model_err,
        mismatch: t.mismatch,
    })
}

/// Runs seeds `first..first + count`, `jobs` at a time, in folders under `root`.
pub fn run_random(
    first: u64,
    count: u64,
    sim: Simulator,
    jobs: usize,
    root: &Path,
    progress: &dyn Progress,
) -> Result<RandomSummary> {
    std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .context("thread pool")?;
    progress.start(count, &format!("random cosim ({})", sim.name()));
    let t0 = Instant::now();
    let seeds: Vec<u64> = (first..first + count).collect();
    let outcomes: Vec<Result<RandomOutcome>> = pool.install(|| {
        seeds
            .par_iter()
            .map(|&s| {
                let r = one_random(s, sim, root);
                progress.inc();
                r
            })
            .collect()
    });
    progress.finish();
    let mut kept = Vec::new();
    let mut errors = Vec::new();
    for o in outcomes {
        match o {
            Ok(o) => kept.push(o),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    let ok: Vec<&RandomOutcome> = kept.iter().filter(|o| !o.skipped).collect();
    let graded = ok.iter().filter(|o| o.graded).count();
    Ok(RandomSummary {
        simulator: sim.name().to_string(),
        seeds: [first, first + count],
        networks: ok.len(),
        skipped: kept.len() - ok.len(),
        mismatching_seeds: ok
            .iter()
            .filter(|o| o.mismatch.is_some())
            .map(|o| o.seed)
            .collect(),
        errors,
        spiking_in_every_layer: ok.iter().filter(|o| o.all_layers_spike).count(),
        saturating: ok.iter().filter(|o| o.saturated).count(),
        graded,
        binary: ok.len() - graded,
        margin_exit: ok.iter().filter(|o| o.margin_exit).count(),
        output_stationary: ok.iter().filter(|o| o.output_stationary).count(),
        shift_arithmetic: ok.iter().filter(|o| o.shift_arithmetic).count(),
        spram_state: ok.iter().filter(|o| o.spram_state).count(),
        credits: ok.iter().filter(|o| o.credits).count(),
        worst_cycle_model_error_pct: ok.iter().map(|o| o.model_err.abs()).fold(0.0f64, f64::max),
        seconds: t0.elapsed().as_secs_f64(),
        outcomes: kept,
    })
}
