//! The hardware plan: per layer the lanes, memories, widths and the analytical cycle
//! model, derived from the integer network and the user's `[hardware]` choices, and
//! checked against the device before anything is generated.

use crate::device::{device, device_names, Device, Family};
use crate::hw::{HwSpec, MemKindChoice};
use crate::GenError;
use asnn_numerics::fixed::bits_for;
use asnn_numerics::{Coding, Conn, PoolKind, QNetwork};
use serde::Serialize;

/// Pipeline depth of the spiking neuron (`asnn_neuron.v`: 8 register stages, every
/// multiply registered into its DSP).
pub const NEURON_LATENCY: u64 = 8;
/// Pipeline depth of the readout neuron (`asnn_readout_neuron.v`: 5 stages).
pub const READOUT_LATENCY: u64 = 5;
/// Controller cycles around every layer phase: issue, the clock the layer takes the
/// command, and the clock the controller sees it idle again (`top.v`, C_LAYER/C_WAIT).
pub const PHASE_OVERHEAD: u64 = 3;
/// Controller cycles at the end of every step (`top.v`, C_STEP_END), besides the
/// sequential argmax (`top.v`, C_ARGMAX: one clock per class, see `argmax_cycles`).
pub const STEP_OVERHEAD: u64 = 1;
/// Controller cycle spent deciding to skip the first layer's synaptic phase (frame
/// input, steps after 0: `top.v`, C_LAYER).
pub const SKIP_OVERHEAD: u64 = 1;
/// Synaptic phase cycles besides the walk: the first accept, the last write-back and
/// the clock that sees the phase empty (`layer.v`, synapse unit).
pub const SYN_OVERHEAD: u64 = 3;

/// Where one memory lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemKind {
    Bram,
    Spram,
    /// Flip-flops / LUT RAM (the AER FIFOs).
    Regs,
}

/// One memory of a layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemPlan {
    pub name: &'static str,
    pub kind: MemKind,
    pub width: u32,
    pub depth: u64,
    pub bits: u64,
    /// Device blocks it takes (0 for registers).
    pub blocks: u64,
    /// Needs a load port: the bitstream cannot initialise it.
    pub load_port: bool,
    /// Copies (one per core); `bits` and `blocks` count all of them.
    pub copies: u32,
}

/// Conv geometry as the hardware walks it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConvPlan {
    pub in_c: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub conv_h: usize,
    pub conv_w: usize,
    /// Fused average pool (kernel = stride), 1 if none.
    pub pool: usize,
    /// Fused max pool: (kernel, stride); its targets are the conv outputs.
    pub max_pool: Option<(usize, usize)>,
    pub out_h: usize,
    pub out_w: usize,
}

/// One layer of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerPlan {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    pub readout: bool,
    pub neurons: usize,
    pub inputs: usize,
    pub channels: usize,
    /// Positions per channel (1 for dense).
    pub positions: usize,
    pub lanes: u32,
    pub cores: u32,
    /// Output channels per core `ceil(channels / cores)`.
    pub core_channels: usize,
    /// Channel groups per core `ceil(core_channels / lanes)`.
    pub channel_groups: usize,
    /// Memory words per lane-packed memory: channel groups x positions.
    pub depth: usize,
    pub conv: Option<ConvPlan>,
    pub state_bits: u32,
    pub weight_bits: u32,
    pub acc_bits: u32,
    /// Width of the payload the synapse multiplies by (0: binary, none).
    pub payload_in_bits: u32,
    /// Per-lane AER FIFO depth (a power of two >= the lane's neurons).
    pub fifo_depth: u64,
    pub memories: Vec<MemPlan>,
    /// Cycles of one incoming event's fan-out walk.
    pub walk_cycles: u64,
    /// Cycles of the neuron sweep phase (constant per step).
    pub sweep_cycles: u64,
    /// Cycles of the clear phase at sample start.
    pub clear_cycles: u64,
}

/// Memory bits by kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Bits {
    pub bram: u64,
    pub spram: u64,
    pub regs: u64,
}

/// The whole plan (`plan.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub top: String,
    pub network: String,
    pub device: Device,
    pub clock_mhz: f64,
    pub coding: Coding,
    pub delay: u32,
    pub steps: u32,
    pub frame_input: bool,
    pub early_exit: u32,
    pub layers: Vec<LayerPlan>,
    pub total_memory_bits: u64,
    pub memory_bits_by_kind: Bits,
    pub bram_blocks: u64,
    pub spram_blocks: u64,
    /// Cycles of a step with no synaptic event anywhere (the sweep floor).
    pub estimated_cycles_per_step: u64,
    pub cycle_model: CycleModel,
}

/// The analytical cycle model; every constant comes from the RTL's structure (see the
/// constants of this module), none is fitted to simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleModel {
    pub formula: String,
    pub phase_overhead: u64,
    pub step_overhead: u64,
    pub syn_overhead: u64,
    pub clear_cycles: u64,
    /// Clocks of the sequential readout argmax per step (one per class, plus one).
    pub argmax_cycles: u64,
}

/// One step's input as the first layer's synapse unit sees it (event input only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepInput {
    /// Input events whose value did not change (they walk nothing).
    pub unchanged: u64,
    /// The step's last input event changed its value (its walk overlaps the end-of-step
    /// beat); false when the step had no input event or ended with an unchanged one.
    pub last_changed: bool,
}

impl Plan {
    /// Predicted cycles of one sample, given per step and layer the number of events
    /// that reached the layer's synapse unit (for the first layer: input values that
    /// changed) and, for event input, per step the rest of the input (`input`; ignored
    /// for frame input, may be empty).
    pub fn predict_cycles(&self, events: &[Vec<u64>], input: &[StepInput]) -> u64 {
        // Clear: the clock the layers take the command, the longest clear, the clock
        // the controller sees them idle.
        let mut total = self.cycle_model.clear_cycles + 2;
        for (t, ev) in events.iter().enumerate() {
            for l in &self.layers {
                let e = ev.get(l.index).copied().unwrap_or(0);
                let runs_syn = l.index > 0 || !self.frame_input || t == 0;
                if runs_syn {
                    let inp = input.get(t).copied().unwrap_or(StepInput {
                        unchanged: 0,
                        last_changed: e > 0,
                    });
                    total += PHASE_OVERHEAD + self.syn_cycles(l, e, inp);
                } else {
                    total += SKIP_OVERHEAD;
                }
                total += PHASE_OVERHEAD + l.sweep_cycles;
            }
            total += STEP_OVERHEAD + self.cycle_model.argmax_cycles;
        }
        total + 1
    }

    /// Busy clocks of layer `l`'s synaptic phase for `e` events.
    pub fn syn_cycles(&self, l: &LayerPlan, e: u64, input: StepInput) -> u64 {
        if l.index == 0 {
            if self.frame_input {
                // Events back to back, the end-of-step beat taken on the last walk beat,
                // then the last write-back and the clock that sees the phase done.
                if e == 0 {
                    2
                } else {
                    e * l.walk_cycles + SYN_OVERHEAD
                }
            } else {
                // Each event waits one clock for its held value; an unchanged one walks
                // nothing (2 clocks). The end-of-step beat overlaps the last walk beat
                // only if the last event changed.
                let tail = if input.last_changed { SYN_OVERHEAD } else { 2 };
                e * (l.walk_cycles + 1) + input.unchanged * 2 + tail
            }
        } else if e == 0 {
            1
        } else {
            e * l.walk_cycles + SYN_OVERHEAD
        }
    }
}

/// Checks the network and the user's choices and makes the plan.
pub fn make_plan(net: &QNetwork, hw: &HwSpec, frame_input: bool) -> Result<Plan, GenError> {
    net.validate().map_err(|e| GenError::Network(e.0))?;
    let dev = *device(&hw.device).ok_or_else(|| {
        GenError::Hw(format!(
            "device = \"{}\" is unknown; known devices: {}",
            hw.device,
            device_names()
        ))
    })?;
    let clock_mhz = hw.clock_mhz.unwrap_or(match dev.family {
        Family::Ice40 => 24.0,
        Family::Ecp5 => 50.0,
    });
    if !(clock_mhz.is_finite() && clock_mhz > 0.0 && clock_mhz <= 1000.0) {
        return Err(GenError::Hw(format!(
            "clock_mhz = {clock_mhz} must be in (0, 1000]"
        )));
    }
    if net.layers.len() < 2 {
        return Err(GenError::Unsupported(format!(
            "network '{}' has no spiking layer; the hardware needs at least one before the readout",
            net.name
        )));
    }
    if net.steps > u32::from(u16::MAX) {
        return Err(GenError::Unsupported(format!(
            "steps = {} exceeds the step counter (65535)",
            net.steps
        )));
    }
    if hw.early_exit > u32::from(u16::MAX) {
        return Err(GenError::Hw(format!(
            "early_exit = {} exceeds 65535",
            hw.early_exit
        )));
    }
    for o in &hw.layer {
        if !net.layers.iter().any(|l| l.name == o.name) {
            return Err(GenError::Hw(format!(
                "[[hardware.layer]] name = \"{}\" matches no layer (layers: {})",
                o.name,
                net.layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut layers = Vec::new();
    for (i, l) in net.layers.iter().enumerate() {
        let o = hw.layer.iter().find(|o| o.name == l.name);
        let lanes = o.and_then(|o| o.lanes).unwrap_or(hw.lanes);
        // The global `cores` is capped at a layer's channel count; a per-layer one is not.
        let cores = o.and_then(|o| o.cores).unwrap_or_else(|| {
            hw.cores
                .min(l.conn.n_channels() as u32)
                .max(1)
                .min(hw.cores.max(1))
        });
        if !(1..=64).contains(&lanes) {
            return Err(GenError::Hw(format!(
                "layer '{}': lanes = {lanes} must be in 1..=64",
                l.name
            )));
        }
        if cores == 0 || cores as usize > l.conn.n_channels() || cores > 16 {
            return Err(GenError::Hw(format!(
                "layer '{}': cores = {cores} must be in 1..=min(16, its {} channels)",
                l.name,
                l.conn.n_channels()
            )));
        }
        let (kind, channels, positions, conv) = match l.conn {
            Conn::Dense { n_out, .. } => ("dense", n_out, 1, None),
            Conn::Conv(g) => {
                let (pool, max_pool) = match g.pool {
                    None => (1, None),
                    Some(p) if p.kind == PoolKind::Max => (1, Some((p.kernel, p.stride))),
                    Some(p) if p.stride != p.kernel => {
                        return Err(GenError::Unsupported(format!(
                            "layer '{}': average pool with stride {} != kernel {} (overlapping windows) is not implemented in hardware",
                            l.name, p.stride, p.kernel
                        )))
                    }
                    Some(p) => (p.kernel, None),
                };
                let (ch, cw) = g.conv_hw();
                let (oh, ow) = g.out_hw();
                (
                    "conv2d",
                    g.out_c,
                    oh * ow,
                    Some(ConvPlan {
                        in_c: g.in_c,
                        in_h: g.in_h,
                        in_w: g.in_w,
                        kernel: g.kernel,
                        stride: g.stride,
                        padding: g.padding,
                        conv_h: ch,
                        conv_w: cw,
                        pool,
                        max_pool,
                        out_h: oh,
                        out_w: ow,
                    }),
                )
            }
        };
        // Each core holds ceil(channels / cores) channels (the last may hold fewer);
        // memories below are per core.
        let core_channels = channels.div_ceil(cores as usize);
        let cg = core_channels.div_ceil(lanes as usize);
        // With a max pool the accumulator and {I, Sd} live per conv output (targets),
        // {Sh, Td} per pooled neuron.
        let max_pool = conv.as_ref().and_then(|c| c.max_pool);
        let target_positions = match (&conv, max_pool) {
            (Some(c), Some(_)) => c.conv_h * c.conv_w,
            _ => positions,
        };
        let depth = cg * target_positions;
        let b = l.q.state_bits;
        let acc_bits = net.acc_bits(i);
        let payload_in_bits = if i == 0 {
            net.payload_bits_in(0) + 1
        } else if net.coding == Coding::Graded {
            net.layers[i - 1].q.state_bits
        } else {
            0
        };
        let walk_cycles = match &conv {
            None => cg as u64,
            Some(c) => (c.kernel * c.kernel * cg) as u64,
        };
        let w_depth = match &conv {
            None => l.conn.n_in() * cg,
            Some(c) => cg * c.in_c * c.kernel * c.kernel,
        } as u64;
        let lat = if l.readout {
            READOUT_LATENCY
        } else {
            NEURON_LATENCY
        };
        let lane_neurons = (cg * positions) as u64;
        let fifo_depth = lane_neurons.next_power_of_two().max(2);
        let p = u64::from(lanes);
        let st_w = if l.readout || max_pool.is_some() {
            2 * b
        } else {
            4 * b
        };
        let weights_kind = match o.and_then(|o| o.weights).unwrap_or(hw.weights) {
            MemKindChoice::Spram => MemKind::Spram,
            _ => MemKind::Bram,
        };
        let mut memories = vec![
            mem(
                &dev,
                "weights",
                weights_kind,
                lanes * l.q.weight_bits,
                w_depth,
            ),
            mem(&dev, "bias", MemKind::Bram, lanes * b, cg as u64),
            mem(
                &dev,
                "accumulator",
                MemKind::Bram,
                lanes * acc_bits,
                depth as u64,
            ),
            mem(&dev, "state", MemKind::Bram, lanes * st_w, depth as u64),
        ];
        if max_pool.is_some() {
            memories.push(mem(
                &dev,
                "pooled_state",
                MemKind::Bram,
                lanes * 2 * b,
                (cg * positions) as u64,
            ));
        }
        if !l.readout {
            let out_aw = addr_bits(l.conn.n_out());
            // One FIFO per lane (asnn_fifo.v: registers, or block RAM behind a two-word
            // output queue when the memory rules give it block RAM).
            let one = mem(&dev, "aer_fifos", MemKind::Bram, out_aw + b, fifo_depth);
            memories.push(MemPlan {
                name: "aer_fifos",
                kind: one.kind,
                width: out_aw + b,
                depth: p * fifo_depth,
                bits: p * fifo_depth * u64::from(out_aw + b),
                blocks: p * one.blocks,
                load_port: false,
                copies: 1,
            });
        }
        let mut clear_cycles = depth as u64;
        if i == 0 && !frame_input {
            let x_w = net.payload_bits_in(0);
            memories.push(mem(
                &dev,
                "held_input",
                MemKind::Bram,
                x_w,
                l.conn.n_in() as u64,
            ));
            clear_cycles = clear_cycles.max(l.conn.n_in() as u64 + 1);
        }
        for m in &mut memories {
            m.copies = cores;
            m.bits *= u64::from(cores);
            m.blocks *= u64::from(cores);
        }
        if cores > 1 && memories[0].kind == MemKind::Spram {
            return Err(GenError::Unsupported(format!(
                "layer '{}': SPRAM weights with cores > 1 (one load port per core) are not implemented",
                l.name
            )));
        }
        layers.push(LayerPlan {
            index: i,
            name: l.name.clone(),
            kind,
            readout: l.readout,
            neurons: l.conn.n_out(),
            inputs: l.conn.n_in(),
            channels,
            positions,
            lanes,
            cores,
            core_channels,
            channel_groups: cg,
            depth,
            conv,
            state_bits: b,
            weight_bits: l.q.weight_bits,
            acc_bits,
            payload_in_bits,
            fifo_depth,
            memories,
            walk_cycles,
            // Max pool: pass 1 (targets, readout-like pipeline) then pass 2 (K² window
            // reads per pooled neuron, one clock to the data, the neuron's 3 stages).
            sweep_cycles: match max_pool {
                None => depth as u64 + lat + 1,
                Some((k, _)) => {
                    // pass 1: reads, drain, hand-over; pass 2: reads, data, neuron, done
                    (depth as u64 + READOUT_LATENCY + 1)
                        + ((cg * positions * k * k) as u64 + 1 + NEURON_LATENCY + 1)
                }
            },
            clear_cycles,
        });
    }
    // Placement while block RAM overflows: first (iCE40) the weight memories that fill
    // SPRAM well go there (largest first), then the memories that use their blocks worst
    // (few bits per block, e.g. wide and shallow lane-packed state) go back to logic if
    // at most the family's fallback size each (logic is the scarcer resource), and only
    // then any remaining weights go to SPRAM, however poorly they fill it.
    let pinned: Vec<bool> = layers
        .iter()
        .map(|l| {
            hw.layer
                .iter()
                .any(|o| o.name == l.name && o.weights.is_some_and(|w| w != MemKindChoice::Auto))
        })
        .collect();
    let auto_spram = hw.weights == MemKindChoice::Auto && dev.spram_blocks > 0;
    let bram_used = |layers: &[LayerPlan]| -> u64 {
        layers
            .iter()
            .flat_map(|l| &l.memories)
            .filter(|m| m.kind == MemKind::Bram)
            .map(|m| m.blocks)
            .sum()
    };
    let to_spram = |layers: &mut Vec<LayerPlan>, min_fill: f64| {
        while bram_used(layers) > u64::from(dev.bram_blocks) {
            let cand = layers
                .iter()
                .enumerate()
                .filter(|(i, l)| !pinned[*i] && l.cores == 1)
                .filter(|(_, l)| l.memories[0].kind == MemKind::Bram)
                .filter(|(_, l)| {
                    let m = &l.memories[0];
                    let sp = mem(&dev, "weights", MemKind::Spram, m.width, m.depth);
                    m.bits as f64 >= min_fill * (sp.blocks * u64::from(dev.spram_bits)) as f64
                })
                .max_by_key(|(_, l)| l.memories[0].bits)
                .map(|(i, _)| i);
            let Some(i) = cand else { break };
            let m = &layers[i].memories[0];
            layers[i].memories[0] = mem(&dev, "weights", MemKind::Spram, m.width, m.depth);
        }
    };
    if auto_spram {
        to_spram(&mut layers, 0.25);
    }
    let fallback_bits = match dev.family {
        Family::Ice40 => LOGIC_FALLBACK_BITS,
        Family::Ecp5 => ECP5_LOGIC_FALLBACK_BITS,
    };
    while bram_used(&layers) > u64::from(dev.bram_blocks) {
        let cand = layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.memories.iter().enumerate().map(move |(k, m)| (i, k, m)))
            .filter(|(_, _, m)| {
                m.kind == MemKind::Bram && m.name != "weights" && m.bits <= fallback_bits
            })
            .min_by_key(|(_, _, m)| (m.bits * 1000 / m.blocks.max(1), m.bits))
            .map(|(i, k, _)| (i, k));
        let Some((i, k)) = cand else { break };
        let m = &mut layers[i].memories[k];
        m.kind = MemKind::Regs;
        m.blocks = 0;
    }
    if auto_spram {
        to_spram(&mut layers, 0.0);
    }
    let mut by_kind = Bits::default();
    let (mut bram_blocks, mut spram_blocks) = (0, 0);
    for m in layers.iter().flat_map(|l| &l.memories) {
        match m.kind {
            MemKind::Bram => {
                by_kind.bram += m.bits;
                bram_blocks += m.blocks;
            }
            MemKind::Spram => {
                by_kind.spram += m.bits;
                spram_blocks += m.blocks;
            }
            MemKind::Regs => by_kind.regs += m.bits,
        }
    }
    check_capacity(&dev, &layers, bram_blocks, spram_blocks)?;
    let clear = layers.iter().map(|l| l.clear_cycles).max().unwrap_or(0);
    // top.v C_ARGMAX (one clock per class) and C_ARGMAX_LAST.
    let argmax = layers.last().map_or(0, |l| l.neurons as u64 + 1);
    let floor: u64 = layers
        .iter()
        .map(|l| {
            PHASE_OVERHEAD
                + l.sweep_cycles
                + match (l.index, frame_input) {
                    (0, true) => SKIP_OVERHEAD,
                    (0, false) => PHASE_OVERHEAD + 2,
                    _ => PHASE_OVERHEAD + 1,
                }
        })
        .sum::<u64>()
        + STEP_OVERHEAD
        + argmax;
    Ok(Plan {
        top: top_name(&net.name),
        network: net.name.clone(),
        device: dev,
        clock_mhz,
        coding: net.coding,
        delay: net.delay,
        steps: net.steps,
        frame_input,
        early_exit: hw.early_exit,
        total_memory_bits: by_kind.bram + by_kind.spram + by_kind.regs,
        memory_bits_by_kind: by_kind,
        bram_blocks,
        spram_blocks,
        layers,
        estimated_cycles_per_step: floor,
        cycle_model: CycleModel {
            formula: format!(
                "sample = clear + 2 + sum over steps [ sum over layers ( 3 + syn(E) if the layer has a synaptic phase, else 1; 3 + sweep ) + 1 + classes + 1 ] + 1; syn(E) = E x walk + 3 (E > 0), 1 (E = 0; first layer, frame input: 2); sweep = depth + latency + 1, latency {NEURON_LATENCY} (spiking) or {READOUT_LATENCY} (readout) (max pool: depth + {} + pooled x K² + {})",
                READOUT_LATENCY + 1,
                NEURON_LATENCY + 2
            ),
            phase_overhead: PHASE_OVERHEAD,
            step_overhead: STEP_OVERHEAD,
            syn_overhead: SYN_OVERHEAD,
            clear_cycles: clear,
            argmax_cycles: argmax,
        },
    })
}

/// Refuses a plan above the device, naming the layer, resource and numbers.
fn check_capacity(
    dev: &Device,
    layers: &[LayerPlan],
    bram: u64,
    spram: u64,
) -> Result<(), GenError> {
    let worst = |kind: MemKind| {
        layers
            .iter()
            .flat_map(|l| l.memories.iter().map(move |m| (l, m)))
            .filter(|(_, m)| m.kind == kind)
            .max_by_key(|(_, m)| (m.blocks, m.bits))
            .map(|(l, m)| {
                format!(
                    "the largest is layer '{}' {} ({} x {} bits, {} blocks)",
                    l.name, m.name, m.depth, m.width, m.blocks
                )
            })
            .unwrap_or_default()
    };
    if bram > u64::from(dev.bram_blocks) {
        return Err(GenError::Capacity(format!(
            "needs {bram} block RAMs ({} bits each), device {} has {}: {}; use fewer lanes, narrower weights/state, {}",
            dev.bram_bits,
            dev.name,
            dev.bram_blocks,
            worst(MemKind::Bram),
            if dev.spram_blocks > 0 { "weights = \"spram\"" } else { "or a larger device" }
        )));
    }
    if spram > 0 && dev.spram_blocks == 0 {
        return Err(GenError::Capacity(format!(
            "weights are planned in SPRAM (weights = \"spram\") but device {} has no SPRAM: {}; use weights = \"bram\" or \"auto\"",
            dev.name,
            worst(MemKind::Spram)
        )));
    }
    if spram > u64::from(dev.spram_blocks) {
        return Err(GenError::Capacity(format!(
            "needs {spram} SPRAM blocks ({} bits each), device {} has {}: {}; the network's weights do not fit this device",
            dev.spram_bits,
            dev.name,
            dev.spram_blocks,
            worst(MemKind::Spram)
        )));
    }
    Ok(())
}

/// Memories this small go to logic: a block RAM would be mostly empty for little gain.
/// Anything larger starts in block RAM, however shallow: an empty block costs nothing
/// while every bit in logic costs a flip-flop (yosys maps these multi-port, reset-free
/// memories to flip-flops, not LUT RAM), read multiplexing and routing. Measured on
/// the ECP5-85F (`asnn explore`, MNIST 784-128-10 at 4 lanes): keeping every memory of
/// at most 32 words in logic put 16,432 flip-flops in the design, took routing from
/// 278 s to 1,062 s and Fmax from 42.4 to 37.7 MHz, with 162 of 208 block RAMs unused.
/// On iCE40 every bit kept in logic costs a whole logic cell, so the bar is lower.
pub const LOGIC_MAX_BITS: u64 = 1024;
pub const ICE40_LOGIC_MAX_BITS: u64 = 256;
/// The largest memory the block-RAM overflow pass moves back to logic (iCE40 / ECP5).
pub const LOGIC_FALLBACK_BITS: u64 = 4096;
pub const ECP5_LOGIC_FALLBACK_BITS: u64 = 16384;

/// Whether a memory this size stays in logic on `dev`.
pub fn keep_in_logic(dev: &Device, width: u32, depth: u64) -> bool {
    let bits = u64::from(width) * depth;
    match dev.family {
        Family::Ice40 => bits <= ICE40_LOGIC_MAX_BITS,
        Family::Ecp5 => bits <= LOGIC_MAX_BITS,
    }
}

fn mem(dev: &Device, name: &'static str, kind: MemKind, width: u32, depth: u64) -> MemPlan {
    let bits = u64::from(width) * depth;
    let kind = if kind == MemKind::Bram && keep_in_logic(dev, width, depth) {
        MemKind::Regs
    } else {
        kind
    };
    let blocks = match kind {
        MemKind::Regs => 0,
        // asnn_spram.v: 8-bit words two to a 16-bit SPRAM word, wider ones side by side.
        MemKind::Spram if width <= 8 => depth.div_ceil(2).div_ceil(16384),
        MemKind::Spram => u64::from(width).div_ceil(16) * depth.div_ceil(16384),
        MemKind::Bram => bram_blocks(dev, width, depth),
    };
    MemPlan {
        name,
        kind,
        width,
        depth,
        bits,
        blocks,
        load_port: kind == MemKind::Spram,
        copies: 1,
    }
}

/// Blocks for a `width` x `depth` memory: the best of the block's aspect ratios.
fn bram_blocks(dev: &Device, width: u32, depth: u64) -> u64 {
    let shapes: &[(u64, u64)] = match dev.family {
        Family::Ice40 => &[(16, 256), (8, 512), (4, 1024), (2, 2048)],
        Family::Ecp5 => &[
            (36, 512),
            (18, 1024),
            (9, 2048),
            (4, 4096),
            (2, 8192),
            (1, 16384),
        ],
    };
    shapes
        .iter()
        .map(|&(w, d)| u64::from(width).div_ceil(w) * depth.div_ceil(d))
        .min()
        .unwrap_or(0)
}

/// Address bits for `n` items (at least 1).
pub fn addr_bits(n: usize) -> u32 {
    bits_for(n.saturating_sub(1) as u64).max(1)
}

/// A Verilog module name from the network name: `asnn_` + lower snake case of its
/// alphanumerics (so it can never be a keyword or start with a digit).
pub fn top_name(name: &str) -> String {
    let mut s = String::from("asnn_");
    let mut last_us = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
            last_us = false;
        } else if !last_us {
            s.push('_');
            last_us = true;
        }
    }
    while s.ends_with('_') && s.len() > 5 {
        s.pop();
    }
    if s == "asnn_" {
        s.push_str("net");
    }
    s
}
