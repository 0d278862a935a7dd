//! The hardware plan: per layer the lanes, memories, widths and the analytical cycle
//! model, derived from the integer network and the user's `[hardware]` choices, and
//! checked against the device before anything is generated.

use crate::device::{device, device_names, Device};
use crate::hw::{HwSpec, LayerHw, MemKindChoice};
use crate::GenError;
use asnn_numerics::fixed::bits_for;
use asnn_numerics::{Coding, Conn, ExitMargin, PoolKind, QLayer, QNetwork};
use serde::Serialize;

/// Pipeline depth of the spiking neuron (`asnn_neuron.v`: 8 register stages, every
/// multiply registered into its DSP).
pub const NEURON_LATENCY: u64 = 8;
/// Pipeline depth of the readout neuron (`asnn_readout_neuron.v`: 5 stages).
pub const READOUT_LATENCY: u64 = 5;
/// Controller cycles around every layer phase: issue, the clock the layer takes the
/// command, and the clock the controller sees it idle again (`top.v`, C_LAYER/C_WAIT).
pub const PHASE_OVERHEAD: u64 = 3;
/// Controller cycles at the end of every step (`top.v`, C_DECIDE registers the exit
/// decision, C_STEP_END acts on it), besides the sequential argmax (`top.v`, C_ARGMAX:
/// one clock per class, two with the margin rule, see `argmax_cycles`).
pub const STEP_OVERHEAD: u64 = 2;
/// Controller cycle per step for the margin exit rule's subtract (`top.v`, C_MARGIN),
/// only when the rule is on.
pub const MARGIN_CYCLES: u64 = 1;
/// Clocks per class of the sequential argmax with the margin rule on (`top.v`,
/// C_ARGMAX: a fetch clock and a compare clock, so the runner-up's update never follows
/// two compares in one clock); one without it.
pub const ARGMAX_MARGIN_CLOCKS: u64 = 2;
/// Controller cycle spent deciding to skip the first layer's synaptic phase (frame
/// input, steps after 0: `top.v`, C_LAYER).
pub const SKIP_OVERHEAD: u64 = 1;
/// Synaptic phase cycles besides the walk: the first accept, the last write-back and
/// the clock that sees the phase empty (`layer.v`, synapse unit).
pub const SYN_OVERHEAD: u64 = 3;
/// The conv walk's registered stage between its tap counters and the weight RAM and
/// accumulator (`layer.v`, `wst_*`): a conv layer's synaptic phase ends this much later.
pub const CONV_WALK_STAGE: u64 = 1;
/// A conv layer's accumulator registers its read and products (`asnn_accum.v`,
/// `RD_REG = 1`): the last sum is written this much later.
pub const CONV_ACC_RD_REG: u64 = 1;

/// Whether layer `l`'s walk is pipelined ([`CONV_WALK_STAGE`], [`CONV_ACC_RD_REG`]): a
/// convolution, except an event-input first layer (its phase interleaves held-value
/// reads with the walks, and the plain walk keeps its model exact).
pub fn walk_pipelined(l: &LayerPlan, frame_input: bool) -> bool {
    l.conv.is_some() && (l.index > 0 || frame_input)
}

/// [`SYN_OVERHEAD`] of layer `l`: with [`CONV_WALK_STAGE`] and [`CONV_ACC_RD_REG`] where
/// its walk is pipelined.
pub fn syn_overhead(l: &LayerPlan, frame_input: bool) -> u64 {
    SYN_OVERHEAD
        + if walk_pipelined(l, frame_input) {
            CONV_WALK_STAGE + CONV_ACC_RD_REG
        } else {
            0
        }
}
/// Bits of a quotient below `n` (0 when it is always 0).
pub fn quotient_bits(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

/// Clocks a convolution's walk spends on each event before its first beat: the source
/// address is decoded into (channel, row, column) registers by restoring division, one
/// quotient bit a clock (`layer.v`, `dk_q`): channel bits (ci < C_in), then row bits
/// (y < H); the column is the remainder.
pub fn conv_decode_cycles(c: &ConvPlan) -> u64 {
    u64::from(quotient_bits(c.in_c) + quotient_bits(c.in_h))
}
/// Clocks from a sweep's command (the clock `go_i` is high) to the push of the spike
/// of memory word k into the AER FIFO, minus k: the clock the layer takes the command,
/// the read, the neuron pipeline (`layer.v`, neuron sweep).
pub const SPIKE_PUSH_OFFSET: u64 = NEURON_LATENCY + 2;
/// Clocks from a push into an AER FIFO until the event is at its output: 1 for a FIFO
/// in registers, 3 in block RAM (`asnn_fifo.v`).
pub const FIFO_LATENCY_REGS: u64 = 1;
pub const FIFO_LATENCY_BRAM: u64 = 3;

/// Clocks from a sweep's read of a memory word (in the state memory) to the push of
/// its spike, with `d` extra clocks of state read latency (`state_words - 1`): the
/// BRAM-side read, the neuron pipeline, the write-back clock (`layer.v`).
pub fn spike_push_delay(d: u64) -> u64 {
    d + NEURON_LATENCY + 1
}

/// AER FIFO words of a credit-gated layer placed automatically (`fifo_depth`).
pub const CREDIT_FIFO_DEPTH: u64 = 32;

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
    /// Targets whose synaptic sums the synapse unit adds per clock (the lanes, or more
    /// in an output-stationary first layer).
    pub synapse_lanes: u32,
    /// Groups of `synapse_lanes` targets the weight words are laid out by
    /// (`ceil(core_channels / synapse_lanes)`; the channel groups for the walk).
    pub synapse_groups: usize,
    /// Output-stationary synapse unit (`asnn_os_synapse.v`): the frame's events are
    /// buffered and replayed once per synapse group.
    pub output_stationary: bool,
    /// Of the synapse unit's products, how many the plan builds as shift-add trees in
    /// logic because the device's DSPs are taken (output-stationary only; 0 otherwise).
    pub lut_products: u32,
    /// Memory words per lane-packed memory: channel groups x positions.
    pub depth: usize,
    pub conv: Option<ConvPlan>,
    /// How the neuron pipelines build their constant multiplies: `multiply` (DSPs),
    /// `shift` (logic, asnn_const_mul; docs/numerics.md section 11).
    pub arithmetic: asnn_numerics::Arithmetic,
    pub state_bits: u32,
    pub weight_bits: u32,
    pub acc_bits: u32,
    /// Width of the payload the synapse multiplies by (0: binary, none).
    pub payload_in_bits: u32,
    /// Per-lane AER FIFO depth (a power of two >= the lane's neurons).
    pub fifo_depth: u64,
    pub memories: Vec<MemPlan>,
    /// Cycles of one incoming event's fan-out walk (output-stationary: per buffered
    /// event, its buffering and replays; the phase adds `M + 8` when there are at least
    /// M events, see [`os_syn_cycles`]).
    pub walk_cycles: u64,
    /// Cycles of the neuron sweep phase (constant per step).
    pub sweep_cycles: u64,
    /// This layer's synaptic phase runs during the previous layer's sweep, taking its
    /// spikes as the sweep emits them (delay = 0, one core each side, no max pool
    /// before: `top.v` starts both at once; see [`Plan::overlap_cycles`]).
    pub syn_overlap: bool,
    /// Clocks from a push into this layer's AER FIFOs to their output
    /// ([`FIFO_LATENCY_REGS`] or [`FIFO_LATENCY_BRAM`]; 0 for the readout).
    pub fifo_latency: u64,
    /// Cycles of the clear phase at sample start.
    pub clear_cycles: u64,
    /// Neuron state in SPRAM (`asnn_spram_state.v`): SPRAMs side by side, 16 bits
    /// each (0: the state is in block RAM or logic).
    pub state_sprams: u32,
    /// SPRAM words a lane-packed state word takes (1 when not in SPRAM).
    pub state_words: u64,
    /// Clocks between two reads of the sweep: 1, or 2 x `state_words` with the state in
    /// SPRAM (its one port also takes the write-backs).
    pub sweep_period: u64,
    /// Credit gate of the sweep: a memory word is issued only while fewer than this
    /// many events are in the layer's AER FIFO, so the FIFO (`fifo_depth` words) never
    /// overflows however many neurons spike (None: it holds a whole step's spikes).
    pub credit_limit: Option<u64>,
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
    /// The margin exit rule (docs/numerics.md section 10): least margin in the
    /// readout's integer S units, and the steps it must hold. None: off.
    #[serde(default)]
    pub exit_margin: Option<ExitMargin>,
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
    /// Clocks of the sequential readout argmax per step (one per class, plus one; one
    /// more for the margin exit rule's subtract).
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
    /// Decay and adaptation multipliers the plan puts in DSPs (constant multiplies of
    /// the neuron pipelines: `asnn_neuron` 5, 4 in a first layer, 3 pooled; readout 2,
    /// 1 first; twice that for a state wider than 16 bits; none under shift arithmetic,
    /// which builds them in logic).
    pub fn neuron_multipliers(&self) -> u64 {
        Self::neuron_multipliers_of(&self.layers)
    }

    /// [`Plan::neuron_multipliers`] of these layers.
    pub fn neuron_multipliers_of(layers: &[LayerPlan]) -> u64 {
        layers
            .iter()
            .filter(|l| l.arithmetic == asnn_numerics::Arithmetic::Multiply)
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

    /// Predicted cycles of one sample, given per step and layer the number of events
    /// that reached the layer's synapse unit (for the first layer: input values that
    /// changed), for event input per step the rest of the input (`input`; ignored for
    /// frame input, may be empty), and per step and layer the flat indices of the
    /// neurons of the layer before whose spikes reached it (`spikes`; needed where
    /// `syn_overlap` is set, may be empty elsewhere).
    pub fn predict_cycles(
        &self,
        events: &[Vec<u64>],
        input: &[StepInput],
        spikes: &[Vec<Vec<u32>>],
    ) -> u64 {
        // Clear: the clock the layers take the command, the longest clear, the clock
        // the controller sees them idle.
        let mut total = self.cycle_model.clear_cycles + 2;
        let none: Vec<u32> = Vec::new();
        for (t, ev) in events.iter().enumerate() {
            for l in &self.layers {
                let e = ev.get(l.index).copied().unwrap_or(0);
                let runs_syn = l.index > 0 || !self.frame_input || t == 0;
                if l.syn_overlap {
                    // Ran with the previous layer's sweep: counted there.
                } else if runs_syn {
                    let inp = input.get(t).copied().unwrap_or(StepInput {
                        unchanged: 0,
                        last_changed: e > 0,
                    });
                    total += PHASE_OVERHEAD + self.syn_cycles(l, e, inp);
                } else {
                    total += SKIP_OVERHEAD;
                }
                match self.layers.get(l.index + 1).filter(|n| n.syn_overlap) {
                    Some(next) => {
                        let s = spikes
                            .get(t)
                            .and_then(|v| v.get(next.index))
                            .unwrap_or(&none);
                        total += PHASE_OVERHEAD + self.overlap_cycles(l, next, s);
                    }
                    None => total += PHASE_OVERHEAD + l.sweep_cycles,
                }
            }
            total += STEP_OVERHEAD + self.cycle_model.argmax_cycles;
        }
        total + 1
    }

    /// Busy clocks of layer `l`'s sweep run together with the synaptic phase of the
    /// next layer `next`, which takes the spikes of `l`'s neurons `spikes` (flat
    /// indices) as the sweep emits them. Memory word k is read at clock 1 + P k (P =
    /// `sweep_period`; [`SPIKE_PUSH_OFFSET`] + k for the push with P = 1) and its spike
    /// pushed [`spike_push_delay`] later, at the FIFO's output `l.fifo_latency` after
    /// that; the walk takes an event when it is there and the walk is free
    /// (`walk_cycles` apart); the phase ends [`SYN_OVERHEAD`] - 1 clocks after the last
    /// walk, and no sooner than `l.fifo_latency` clocks after the sweep (the next layer
    /// waits that long for the sweep's last spikes). With a credit gate the read of
    /// word k also waits until fewer than the limit events are queued (pushed before
    /// the clock, less those taken before it): simulated word by word, the sweep ending
    /// as much later as its reads were held.
    pub fn overlap_cycles(&self, l: &LayerPlan, next: &LayerPlan, spikes: &[u32]) -> u64 {
        let positions = l.positions.max(1);
        let lanes = l.lanes.max(1) as usize;
        let mut words: Vec<u64> = spikes
            .iter()
            .map(|&n| {
                let n = n as usize;
                let (chan, sp) = (n / positions, n % positions);
                ((chan / lanes) * positions + sp) as u64
            })
            .collect();
        words.sort_unstable();
        // Word k is read at clock 1 + P k (P = sweep_period) unless the credit gate holds
        // it; its spike is pushed spike_push_delay later.
        let push_d = spike_push_delay(l.state_words - 1);
        let mut free = 0u64;
        let mut last_done = 0u64;
        let mut walk = |push: u64| {
            let take = (push + l.fifo_latency).max(free);
            free = take + next.walk_cycles;
            last_done = free + syn_overhead(next, self.frame_input) - 1;
            take
        };
        let mut stall = 0u64;
        match l.credit_limit {
            None => {
                for w in words {
                    walk(1 + l.sweep_period * w + push_d);
                }
            }
            Some(limit) => {
                // The gate at clock c sees the events pushed before c less those the
                // walk took before c; a held word waits for the next take.
                let (mut pushes, mut takes) = (Vec::new(), Vec::new());
                let (mut np, mut nt, mut next_word) = (0usize, 0usize, 0usize);
                let mut c = 1u64;
                let depth = l.depth as u64;
                for k in 0..depth {
                    if k > 0 {
                        c += l.sweep_period;
                    }
                    loop {
                        while np < pushes.len() && pushes[np] < c {
                            np += 1;
                        }
                        while nt < takes.len() && takes[nt] < c {
                            nt += 1;
                        }
                        if ((np - nt) as u64) < limit {
                            break;
                        }
                        c = takes[nt] + 1;
                    }
                    while next_word < words.len() && words[next_word] == k {
                        let push = c + push_d;
                        pushes.push(push);
                        takes.push(walk(push));
                        next_word += 1;
                    }
                }
                stall = c - (1 + l.sweep_period * (depth - 1));
            }
        }
        last_done.max(l.sweep_cycles + stall + 1 + l.fifo_tail())
    }

    /// Busy clocks of layer `l`'s synaptic phase for `e` events.
    pub fn syn_cycles(&self, l: &LayerPlan, e: u64, input: StepInput) -> u64 {
        if l.output_stationary {
            // Events one a clock, the end-of-step beat starts the replay, then the
            // replay (asnn_os_synapse.v) and the clock that sees the phase done. The
            // layer takes its events from the clear on (one a clock for its
            // `clear_cycles`): those are buffered before the phase starts.
            if e == 0 {
                2
            } else {
                os_syn_cycles(l, e) - e.min(l.clear_cycles)
            }
        } else if l.index == 0 {
            if self.frame_input {
                // Events back to back, the end-of-step beat taken on the last walk beat,
                // then the last write-back and the clock that sees the phase done.
                if e == 0 {
                    2
                } else {
                    e * l.walk_cycles + syn_overhead(l, self.frame_input)
                }
            } else {
                // Each event waits one clock for its held value; an unchanged one walks
                // nothing (2 clocks). The end-of-step beat overlaps the last walk beat
                // only if the last event changed.
                let tail = if input.last_changed {
                    syn_overhead(l, self.frame_input)
                } else {
                    2
                };
                e * (l.walk_cycles + 1) + input.unchanged * 2 + tail
            }
        } else if e == 0 {
            1
        } else {
            e * l.walk_cycles + syn_overhead(l, self.frame_input)
        }
    }
}

/// Output-stationary synaptic phase of `e > 0` events: `e` buffer clocks (group 0 sums
/// them as they arrive) and the end-of-step beat, then `asnn_os_synapse.v`'s `(G - 1)
/// (e + P) + M + 6` busy clocks, then the clock that sees the phase done: `e + (G - 1)
/// (e + P) + M + 8`, `G` synapse groups, `M = synapse_lanes / lanes` accumulator words a
/// group, `P = max(0, M - e)` idle clocks before each replayed group (write-outs are M
/// clocks apart). With `e >= M`: `G e + M + 8`.
pub fn os_syn_cycles(l: &LayerPlan, e: u64) -> u64 {
    let g = l.synapse_groups as u64;
    let m = os_words_per_group(l);
    let p = m.saturating_sub(e);
    e + (g - 1) * (e + p) + m + 8
}

/// Accumulator words an output-stationary group writes (`M = synapse_lanes / lanes`).
pub fn os_words_per_group(l: &LayerPlan) -> u64 {
    u64::from(l.synapse_lanes / l.lanes)
}

/// Which synaptic phases overlap the previous layer's sweep, and each FIFO's latency.
/// With delay = 0 layer l's step-t input is layer l-1's step-t spikes, so its walk can
/// take them as the sweep emits them; the cycle model stays exact because the sweep
/// emits the spike of memory word k at a fixed clock and the walk is one server with a
/// fixed time per event (the arbiter never idles while a FIFO holds one). Left
/// sequential: delay = 1 (the layer order is reversed), several cores (their outputs
/// merge in `cores.v`), and a max pool before (its pass 2 emits on its own schedule).
fn plan_overlap(delay: u32, layers: &mut [LayerPlan]) {
    for l in layers.iter_mut() {
        l.fifo_latency = if l.readout {
            0
        } else if l
            .memories
            .iter()
            .any(|m| m.name == "aer_fifos" && m.kind == MemKind::Bram)
        {
            FIFO_LATENCY_BRAM
        } else {
            FIFO_LATENCY_REGS
        };
    }
    for i in 1..layers.len() {
        let prev = &layers[i - 1];
        let pooled = prev.conv.as_ref().is_some_and(|c| c.max_pool.is_some());
        layers[i].syn_overlap = delay == 0 && prev.cores == 1 && layers[i].cores == 1 && !pooled;
    }
}

impl LayerPlan {
    /// The most memory words of this layer's sweep that can be read and not yet have
    /// pushed their spike: what a credit gate keeps free in the AER FIFO.
    pub fn credit_inflight(&self) -> u64 {
        spike_push_delay(self.state_words - 1) / self.sweep_period + 2
    }

    /// Clocks a spike pushed on this layer's last sweep clock is still on its way
    /// through the FIFO after the layer's busy flag drops (`fifo_latency - 1`): how long
    /// an overlapped next layer holds its synaptic phase open.
    pub fn fifo_tail(&self) -> u64 {
        self.fifo_latency.saturating_sub(FIFO_LATENCY_REGS)
    }
}

/// Checks the network and the user's choices and makes the plan.
pub fn make_plan(net: &QNetwork, hw: &HwSpec, frame_input: bool) -> Result<Plan, GenError> {
    net.validate().map_err(|e| GenError::Network(e.0))?;
    let dev = target_device(hw)?;
    let clock_mhz = target_clock(hw, &dev)?;
    check_supported(net, hw)?;
    let mut layers = Vec::new();
    for i in 0..net.layers.len() {
        layers.push(layer_plan(net, hw, &dev, i, frame_input)?);
    }
    place_memories(&dev, hw, net.delay, &mut layers);
    assign_products(&dev, &mut layers);
    plan_overlap(net.delay, &mut layers);
    for (i, l) in layers.iter().enumerate() {
        let drained = layers.get(i + 1).is_some_and(|n| n.syn_overlap);
        if l.credit_limit.is_some() && !drained {
            return Err(GenError::Unsupported(format!(
                "layer '{}': fifo_depth = {} is below the layer's {} neurons, so its sweep is credit-gated, which needs the next layer's synaptic phase to run during it (delay = 0, one core each side, no max pool)",
                l.name, l.fifo_depth, l.neurons
            )));
        }
    }
    let usage = MemoryUse::of(&layers);
    check_capacity(&dev, &layers, usage.bram_blocks, usage.spram_blocks)?;
    let cycle_model = cycle_model(&layers, hw.exit_margin.is_some());
    let floor = step_floor(&layers, frame_input, cycle_model.argmax_cycles);
    let by_kind = usage.by_kind;
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
        exit_margin: hw.margin_rule(),
        total_memory_bits: by_kind.bram + by_kind.spram + by_kind.regs,
        memory_bits_by_kind: by_kind,
        bram_blocks: usage.bram_blocks,
        spram_blocks: usage.spram_blocks,
        layers,
        estimated_cycles_per_step: floor,
        cycle_model,
    })
}

/// The device `hw` names.
fn target_device(hw: &HwSpec) -> Result<Device, GenError> {
    device(&hw.device).copied().ok_or_else(|| {
        GenError::Hw(format!(
            "device = \"{}\" is unknown; known devices: {}",
            hw.device,
            device_names()
        ))
    })
}

/// The clock `hw` asks for (default: the device family's usual figure), checked.
fn target_clock(hw: &HwSpec, dev: &Device) -> Result<f64, GenError> {
    let clock_mhz = hw.clock_mhz.unwrap_or(dev.family.facts().default_clock_mhz);
    if !(clock_mhz.is_finite() && clock_mhz > 0.0 && clock_mhz <= 1000.0) {
        return Err(GenError::Hw(format!(
            "clock_mhz = {clock_mhz} must be in (0, 1000]"
        )));
    }
    Ok(clock_mhz)
}

/// Refuses what the hardware cannot do whatever the layers' choices: no spiking layer,
/// a step or early-exit count above the 16-bit counters, and per-layer overrides that
/// name no layer.
fn check_supported(net: &QNetwork, hw: &HwSpec) -> Result<(), GenError> {
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
    if let Some(m) = hw.exit_margin {
        let ro = net.layers.last().expect("validated: a readout");
        let top = 1i64 << ro.q.state_bits;
        if !(0..top).contains(&m) {
            return Err(GenError::Hw(format!(
                "exit_margin = {m}: the readout '{}' has {}-bit scores, so a margin lies in 0..{top}",
                ro.name, ro.q.state_bits
            )));
        }
        if hw.exit_hold == 0 || hw.exit_hold > u32::from(u16::MAX) {
            return Err(GenError::Hw(format!(
                "exit_hold = {}: must be 1..65535 steps",
                hw.exit_hold
            )));
        }
        if net.n_classes() < 2 {
            return Err(GenError::Hw(format!(
                "exit_margin needs a runner-up class: the readout '{}' has one class",
                ro.name
            )));
        }
    } else if hw.exit_hold != 1 {
        return Err(GenError::Hw(format!(
            "exit_hold = {} without exit_margin: set exit_margin too, or drop exit_hold",
            hw.exit_hold
        )));
    }
    for layer_hw in &hw.layer {
        if !net.layers.iter().any(|l| l.name == layer_hw.name) {
            return Err(GenError::Hw(format!(
                "[[hardware.layer]] name = \"{}\" matches no layer (layers: {})",
                layer_hw.name,
                net.layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}

/// Lanes and cores of one layer.
struct Parallelism {
    lanes: u32,
    cores: u32,
}

/// The layer's lanes and cores: its own override, else the global choice (the global
/// `cores` is capped at the layer's channel count; a per-layer one is not), checked.
fn parallelism(
    hw: &HwSpec,
    layer_hw: Option<&LayerHw>,
    l: &QLayer,
) -> Result<Parallelism, GenError> {
    let lanes = layer_hw.and_then(|o| o.lanes).unwrap_or(hw.lanes);
    let cores = layer_hw.and_then(|o| o.cores).unwrap_or_else(|| {
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
    Ok(Parallelism { lanes, cores })
}

/// The layer's synapse lanes: its override, else (first layer) the global choice, else
/// its neuron lanes; more than the neuron lanes only where the output-stationary unit
/// is built (dense first layer, frame input, one core), a multiple of them.
fn synapse_lanes(
    hw: &HwSpec,
    layer_hw: Option<&LayerHw>,
    l: &QLayer,
    i: usize,
    lanes: u32,
    cores: u32,
    frame_input: bool,
) -> Result<u32, GenError> {
    let own = layer_hw.and_then(|o| o.synapse_lanes);
    let Some(s) = own.or(if i == 0 { hw.synapse_lanes } else { None }) else {
        return Ok(lanes);
    };
    let name = &l.name;
    if s == lanes {
        return Ok(lanes);
    }
    if i != 0 {
        return Err(GenError::Hw(format!(
            "layer '{name}': synapse_lanes = {s} != its lanes ({lanes}): synapse lanes apart from the neuron lanes are built for the first layer only (its walk replays a frame); a hidden layer's walk uses its neuron lanes"
        )));
    }
    if !matches!(l.conn, Conn::Dense { .. }) {
        return Err(GenError::Unsupported(format!(
            "layer '{name}': synapse_lanes = {s} needs a dense first layer; this one is a convolution (its walk uses the neuron lanes)"
        )));
    }
    if !frame_input {
        return Err(GenError::Unsupported(format!(
            "layer '{name}': synapse_lanes = {s} needs frame input ([input] kind = \"frame\"): the output-stationary unit sums a whole frame at step 0, not value changes"
        )));
    }
    if cores != 1 {
        return Err(GenError::Unsupported(format!(
            "layer '{name}': synapse_lanes = {s} with cores = {cores}: the output-stationary unit is built for one core"
        )));
    }
    if !(1..=64).contains(&s) || s % lanes != 0 {
        return Err(GenError::Hw(format!(
            "layer '{name}': synapse_lanes = {s} must be a multiple of its {lanes} lane(s), at most 64"
        )));
    }
    Ok(s)
}

/// Products of the output-stationary units: as many in DSPs as the device has left
/// after the neuron pipelines' constant multiplies and the walks' products (one per
/// lane of a layer that multiplies a payload), the rest as shift-add trees in logic.
/// A device without DSPs builds every `*` in logic anyway (nothing to decide).
fn assign_products(dev: &Device, layers: &mut [LayerPlan]) {
    if dev.dsps == 0 {
        return;
    }
    let neuron = Plan::neuron_multipliers_of(layers);
    let walks: u64 = layers
        .iter()
        .filter(|l| !l.output_stationary && l.payload_in_bits > 0)
        .map(|l| u64::from(l.lanes * l.cores))
        .sum();
    let mut spare = u64::from(dev.dsps).saturating_sub(neuron + walks);
    for l in layers.iter_mut().filter(|l| l.output_stationary) {
        let in_dsp = spare.min(u64::from(l.synapse_lanes));
        spare -= in_dsp;
        l.lut_products = l.synapse_lanes - in_dsp as u32;
    }
}

/// What the hardware walks in one layer: output channels and positions per channel.
struct LayerShape {
    kind: &'static str,
    channels: usize,
    positions: usize,
    conv: Option<ConvPlan>,
}

/// The layer's shape; refuses an average pool with overlapping windows.
fn layer_shape(l: &QLayer) -> Result<LayerShape, GenError> {
    Ok(match l.conn {
        Conn::Dense { n_out, .. } => LayerShape {
            kind: "dense",
            channels: n_out,
            positions: 1,
            conv: None,
        },
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
            let (conv_h, conv_w) = g.conv_hw();
            let (out_h, out_w) = g.out_hw();
            LayerShape {
                kind: "conv2d",
                channels: g.out_c,
                positions: out_h * out_w,
                conv: Some(ConvPlan {
                    in_c: g.in_c,
                    in_h: g.in_h,
                    in_w: g.in_w,
                    kernel: g.kernel,
                    stride: g.stride,
                    padding: g.padding,
                    conv_h,
                    conv_w,
                    pool,
                    max_pool,
                    out_h,
                    out_w,
                }),
            }
        }
    })
}

/// The plan of layer `i`: parallelism, shape, memories and cycle figures, checked.
fn layer_plan(
    net: &QNetwork,
    hw: &HwSpec,
    dev: &Device,
    i: usize,
    frame_input: bool,
) -> Result<LayerPlan, GenError> {
    let l = &net.layers[i];
    let layer_hw = hw.layer.iter().find(|o| o.name == l.name);
    let Parallelism { lanes, cores } = parallelism(hw, layer_hw, l)?;
    let shape = layer_shape(l)?;
    let synapse_lanes = synapse_lanes(hw, layer_hw, l, i, lanes, cores, frame_input)?;
    let output_stationary = synapse_lanes != lanes;
    // Each core holds ceil(channels / cores) channels (the last may hold fewer);
    // memories below are per core.
    let core_channels = shape.channels.div_ceil(cores as usize);
    let groups = core_channels.div_ceil(lanes as usize);
    let synapse_groups = core_channels.div_ceil(synapse_lanes as usize);
    // With a max pool the accumulator and {I, Sd} live per conv output (targets),
    // {Sh, Td} per pooled neuron.
    let max_pool = shape.conv.as_ref().and_then(|c| c.max_pool);
    let target_positions = match (&shape.conv, max_pool) {
        (Some(c), Some(_)) => c.conv_h * c.conv_w,
        _ => shape.positions,
    };
    let depth = groups * target_positions;
    let payload_in_bits = if i == 0 {
        net.payload_bits_in(0) + 1
    } else if net.coding == Coding::Graded {
        net.layers[i - 1].q.state_bits
    } else {
        0
    };
    let walk_cycles = match &shape.conv {
        // Output-stationary: each event is buffered (and summed into group 0) once and
        // replayed once per further group.
        None if output_stationary => synapse_groups as u64,
        None => groups as u64,
        Some(c) => (c.kernel * c.kernel * groups) as u64 + conv_decode_cycles(c),
    };
    let lane_neurons = (groups * shape.positions) as u64;
    // The first layer of an event-input design holds every input's last value.
    let held_input_bits = (i == 0 && !frame_input).then(|| net.payload_bits_in(0));
    // An output-stationary first layer buffers (address, value) of every input.
    let event_buffer_bits =
        output_stationary.then(|| addr_bits(l.conn.n_in()) + net.payload_bits_in(0));
    let mut clear_cycles = depth as u64;
    if held_input_bits.is_some() {
        clear_cycles = clear_cycles.max(l.conn.n_in() as u64 + 1);
    }
    let weights_kind = match layer_hw.and_then(|o| o.weights).unwrap_or(hw.weights) {
        MemKindChoice::Spram => MemKind::Spram,
        _ => MemKind::Bram,
    };
    let mut lp = LayerPlan {
        index: i,
        name: l.name.clone(),
        kind: shape.kind,
        readout: l.readout,
        neurons: l.conn.n_out(),
        inputs: l.conn.n_in(),
        channels: shape.channels,
        positions: shape.positions,
        lanes,
        cores,
        core_channels,
        channel_groups: groups,
        synapse_lanes,
        synapse_groups,
        output_stationary,
        lut_products: 0,
        depth,
        conv: shape.conv,
        arithmetic: l.q.arithmetic,
        state_bits: l.q.state_bits,
        weight_bits: l.q.weight_bits,
        acc_bits: net.acc_bits(i),
        payload_in_bits,
        fifo_depth: lane_neurons.next_power_of_two().max(2),
        // Filled in below, from the layer's geometry.
        memories: Vec::new(),
        walk_cycles,
        sweep_cycles: sweep_cycles(l.readout, depth, groups * shape.positions, max_pool),
        syn_overlap: false,
        fifo_latency: 0,
        clear_cycles,
        state_sprams: 0,
        state_words: 1,
        sweep_period: 1,
        credit_limit: None,
    };
    lp.memories = layer_memories(dev, &lp, weights_kind, held_input_bits, event_buffer_bits);
    let refuse = |why: String| GenError::Unsupported(format!("layer '{}': {why}", l.name));
    if layer_hw.and_then(|o| o.state) == Some(MemKindChoice::Spram) {
        if dev.spram_blocks == 0 {
            return Err(refuse(format!(
                "state = \"spram\" but device {} has no SPRAM",
                dev.name
            )));
        }
        let cols = layer_hw.and_then(|o| o.state_sprams).unwrap_or(1);
        state_to_spram(dev, &mut lp, cols).map_err(refuse)?;
    }
    if let Some(d) = layer_hw.and_then(|o| o.fifo_depth) {
        set_credits(dev, &mut lp, d).map_err(refuse)?;
    }
    if cores > 1 && lp.memories[0].kind == MemKind::Spram {
        return Err(GenError::Unsupported(format!(
            "layer '{}': SPRAM weights with cores > 1 (one load port per core) are not implemented",
            l.name
        )));
    }
    Ok(lp)
}

/// Cycles of a layer's neuron sweep over `depth` words; with a max pool, pass 1
/// (targets, readout-like pipeline) then pass 2 (K² window reads for each of the
/// `pooled` neurons, one clock to the data, the neuron's stages).
fn sweep_cycles(
    readout: bool,
    depth: usize,
    pooled: usize,
    max_pool: Option<(usize, usize)>,
) -> u64 {
    let latency = if readout {
        READOUT_LATENCY
    } else {
        NEURON_LATENCY
    };
    match max_pool {
        None => depth as u64 + latency + 1,
        Some((k, _)) => {
            // pass 1: reads, drain, hand-over; pass 2: reads, data, neuron, done
            (depth as u64 + READOUT_LATENCY + 1)
                + ((pooled * k * k) as u64 + 1 + NEURON_LATENCY + 1)
        }
    }
}

/// The memories of layer `lp` (weights first, in `weights`), each copied once per core;
/// `held_input_bits`: the width of the held input values, for the first layer of an
/// event-input design.
fn layer_memories(
    dev: &Device,
    lp: &LayerPlan,
    weights: MemKind,
    held_input_bits: Option<u32>,
    event_buffer_bits: Option<u32>,
) -> Vec<MemPlan> {
    let lanes = lp.lanes;
    let groups = lp.channel_groups;
    let state_bits = lp.state_bits;
    let max_pool = lp.conv.as_ref().and_then(|c| c.max_pool);
    let w_depth = match &lp.conv {
        None => lp.inputs * lp.synapse_groups,
        Some(c) => groups * c.in_c * c.kernel * c.kernel,
    } as u64;
    let state_w = if lp.readout || max_pool.is_some() {
        2 * state_bits
    } else {
        4 * state_bits
    };
    let depth = lp.depth as u64;
    let mut memories = vec![
        mem(
            dev,
            "weights",
            weights,
            lp.synapse_lanes * lp.weight_bits,
            w_depth,
        ),
        mem(
            dev,
            "bias",
            MemKind::Bram,
            lanes * state_bits,
            groups as u64,
        ),
        mem(
            dev,
            "accumulator",
            MemKind::Bram,
            lanes * lp.acc_bits,
            depth,
        ),
        mem(dev, "state", MemKind::Bram, lanes * state_w, depth),
    ];
    if max_pool.is_some() {
        memories.push(mem(
            dev,
            "pooled_state",
            MemKind::Bram,
            lanes * 2 * state_bits,
            (groups * lp.positions) as u64,
        ));
    }
    if !lp.readout {
        memories.push(aer_fifo_mem(dev, lp));
    }
    if let Some(x_w) = held_input_bits {
        memories.push(mem(dev, "held_input", MemKind::Bram, x_w, lp.inputs as u64));
    }
    if let Some(e_w) = event_buffer_bits {
        memories.push(mem(
            dev,
            "event_buffer",
            MemKind::Bram,
            e_w,
            lp.inputs as u64,
        ));
    }
    for m in &mut memories {
        m.copies = lp.cores;
        m.bits *= u64::from(lp.cores);
        m.blocks *= u64::from(lp.cores);
    }
    memories
}

/// The AER FIFOs of spiking layer `lp`: one per lane (asnn_fifo.v: registers, or block
/// RAM behind a two-word output queue when the memory rules give it block RAM).
fn aer_fifo_mem(dev: &Device, lp: &LayerPlan) -> MemPlan {
    let event_w = addr_bits(lp.neurons) + lp.state_bits;
    let n_fifos = u64::from(lp.lanes);
    let one = mem(dev, "aer_fifos", MemKind::Bram, event_w, lp.fifo_depth);
    MemPlan {
        name: "aer_fifos",
        kind: one.kind,
        width: event_w,
        depth: n_fifos * lp.fifo_depth,
        bits: n_fifos * lp.fifo_depth * u64::from(event_w),
        blocks: n_fifos * one.blocks,
        load_port: false,
        copies: lp.cores,
    }
}

/// Moves spiking layer `lp`'s neuron state to `cols` SPRAMs side by side
/// (`asnn_spram_state.v`): each state word takes `ceil(width / 16 cols)` SPRAM words,
/// read back to back; the one port also takes the write-backs, so the sweep reads a
/// neuron every 2 x words clocks. Sweep: reads at 1, 1 + P, .., the last BRAM-side read
/// words - 1 later, the neuron, the write-back clock and its words:
/// P (depth - 1) + 2 words + latency + 2. Clear: every SPRAM word, then the clock that
/// sees it done.
fn state_to_spram(dev: &Device, lp: &mut LayerPlan, cols: u32) -> Result<(), String> {
    let pooled = lp.conv.as_ref().is_some_and(|c| c.max_pool.is_some());
    if lp.readout || pooled || lp.cores > 1 {
        return Err(
            "state in SPRAM is implemented for spiking layers without a max pool, one core".into(),
        );
    }
    if !(1..=4).contains(&cols) {
        return Err(format!("state_sprams = {cols}: 1 to 4"));
    }
    let k = lp
        .memories
        .iter()
        .position(|m| m.name == "state")
        .expect("a spiking layer has a state memory");
    let m = lp.memories[k].clone();
    let words = u64::from(m.width).div_ceil(16 * u64::from(cols));
    if m.depth * words > 16_384 {
        return Err(format!(
            "state of {} x {} bits needs {} words of {} bits, one SPRAM holds 16384: use more state_sprams",
            m.depth,
            m.width,
            m.depth * words,
            16 * cols
        ));
    }
    lp.memories[k] = MemPlan {
        kind: MemKind::Spram,
        blocks: u64::from(cols),
        load_port: false,
        ..m
    };
    let depth = lp.depth as u64;
    lp.state_sprams = cols;
    lp.state_words = words;
    lp.sweep_period = 2 * words;
    lp.sweep_cycles = 2 * words * (depth - 1) + 2 * words + NEURON_LATENCY + 2;
    lp.clear_cycles = lp.clear_cycles.max(depth * words + 1);
    if lp.credit_limit.is_some() {
        // Fewer words in flight at the slower issue.
        set_credits(dev, lp, lp.fifo_depth)?;
    }
    Ok(())
}

/// Gives spiking layer `lp` AER FIFOs of `depth` words (rounded up to a power of two)
/// and, when that is less than a step's spikes, the credit gate: the sweep issues a
/// word only while the events in the FIFO plus the words in flight (at most
/// push delay / period + 2) leave room.
fn set_credits(dev: &Device, lp: &mut LayerPlan, depth: u64) -> Result<(), String> {
    if lp.readout {
        return Err("fifo_depth: the readout has no AER FIFO".into());
    }
    let depth = depth.next_power_of_two().max(2);
    let neurons = (lp.channel_groups * lp.positions) as u64;
    if depth >= neurons.next_power_of_two() {
        lp.fifo_depth = depth;
        lp.credit_limit = None;
    } else {
        if lp.lanes != 1 || lp.cores != 1 {
            return Err(format!(
                "fifo_depth = {depth} (credit-gated sweep) is implemented for one lane and one core; this layer has {} lanes, {} cores",
                lp.lanes, lp.cores
            ));
        }
        let inflight = lp.credit_inflight();
        if depth <= inflight {
            return Err(format!(
                "fifo_depth = {depth}: the credit gate needs more than the {inflight} words in flight"
            ));
        }
        lp.fifo_depth = depth;
        lp.credit_limit = Some(depth - inflight);
    }
    let k = lp
        .memories
        .iter()
        .position(|m| m.name == "aer_fifos")
        .expect("a spiking layer has AER FIFOs");
    lp.memories[k] = aer_fifo_mem(dev, lp);
    Ok(())
}

/// Placement while block RAM overflows: first (iCE40) the weight memories that fill
/// SPRAM well go there (largest first), then the memories that use their blocks worst
/// (few bits per block, e.g. wide and shallow lane-packed state) go back to logic if
/// at most the family's fallback size each (logic is the scarcer resource), and only
/// then any remaining weights go to SPRAM, however poorly they fill it. Layers whose
/// weights the user placed are left alone. If block RAM still overflows (a CNN on the
/// UP5K), placement starts over: credit gates for the largest AER FIFOs, the largest
/// neuron state in SPRAM, the weights that fill SPRAM poorly, then further states.
fn place_memories(dev: &Device, hw: &HwSpec, delay: u32, layers: &mut [LayerPlan]) {
    let original = layers.to_vec();
    let pinned = pinned_weights(hw, layers);
    // Weights may move to SPRAM to bring memories back from logic only in auto.
    let fixed: Vec<bool> = pinned
        .iter()
        .map(|&p| p || hw.weights != MemKindChoice::Auto)
        .collect();
    place_weights(dev, hw, layers, &pinned);
    if bram_used(layers) <= u64::from(dev.bram_blocks)
        || hw.weights != MemKindChoice::Auto
        || dev.spram_blocks == 0
    {
        fallbacks_to_bram(dev, layers, &fixed);
        return;
    }
    // Still over: from the start, SPRAM for the largest neuron states and credits for
    // the largest AER FIFOs before the weights that fill SPRAM poorly.
    layers.clone_from_slice(&original);
    weights_to_spram(dev, layers, &pinned, 0.25);
    worst_filled_to_logic(dev, layers);
    fifos_to_credits(dev, hw, delay, layers);
    // One state first (it takes the most block RAM), then weights (SPRAM weights cost
    // no cycles, a state in SPRAM slows its sweep), then further states.
    states_to_spram(dev, hw, layers, 1);
    weights_to_spram(dev, layers, &pinned, 0.0);
    states_to_spram(dev, hw, layers, usize::MAX);
    fallbacks_to_bram(dev, layers, &fixed);
}

/// Memories over the family's logic bar that the block-RAM shortage put in logic
/// ([`worst_filled_to_logic`]) go back to block RAM where room can be made: on iCE40
/// a bit in logic costs a whole logic cell (the small UP5K CNN's readout state and
/// accumulator, 900 bits, were ~1,500 cells). While such a memory remains, the largest
/// first: into block RAM if it fits; otherwise the block-RAM weights taking the most
/// blocks go to a free SPRAM (unpinned, one core; only if that frees enough blocks).
/// Biases (read-only, LUT ROMs in logic) stay where they are.
fn fallbacks_to_bram(dev: &Device, layers: &mut [LayerPlan], fixed: &[bool]) {
    let max_bits = dev.family.facts().logic_max_bits;
    loop {
        let candidate = layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.memories.iter().enumerate().map(move |(k, m)| (i, k, m)))
            .filter(|(_, _, m)| m.kind == MemKind::Regs && m.name != "bias" && m.bits > max_bits)
            .max_by_key(|(_, _, m)| m.bits)
            .map(|(i, k, m)| (i, k, bram_blocks(dev, m.width, m.depth)));
        let Some((i, k, need)) = candidate else {
            return;
        };
        let free = u64::from(dev.bram_blocks).saturating_sub(bram_used(layers));
        if need > free {
            let free_spram = u64::from(dev.spram_blocks).saturating_sub(spram_used(layers));
            let weights = movable_bram_weights(layers, fixed)
                .map(|(j, m)| {
                    let sp = mem(dev, "weights", MemKind::Spram, m.width, m.depth);
                    (j, m.blocks, sp)
                })
                .filter(|(_, blocks, sp)| sp.blocks <= free_spram && free + blocks >= need)
                .max_by_key(|(_, blocks, _)| *blocks);
            let Some((j, _, sp)) = weights else { return };
            layers[j].memories[0] = sp;
        }
        let m = &mut layers[i].memories[k];
        m.kind = MemKind::Bram;
        m.blocks = need;
    }
}

/// SPRAM blocks the layers' memories take.
fn spram_used(layers: &[LayerPlan]) -> u64 {
    layers
        .iter()
        .flat_map(|l| &l.memories)
        .filter(|m| m.kind == MemKind::Spram)
        .map(|m| m.blocks)
        .sum()
}

/// While block RAM overflows, moves the largest block-RAM neuron state that can go
/// there to SPRAM (at most `max_moves` of them), on the user's `state_sprams` or half
/// the free SPRAMs (at least one), unless the user pinned the layer's state.
fn states_to_spram(dev: &Device, hw: &HwSpec, layers: &mut [LayerPlan], max_moves: usize) {
    for _ in 0..max_moves {
        if bram_used(layers) <= u64::from(dev.bram_blocks) {
            return;
        }
        let free = u64::from(dev.spram_blocks).saturating_sub(spram_used(layers));
        let candidate = layers
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let o = hw.layer.iter().find(|o| o.name == l.name);
                o.and_then(|o| o.state).unwrap_or_default() == MemKindChoice::Auto
            })
            .filter_map(|(i, l)| {
                let m = l.memories.iter().find(|m| m.name == "state")?;
                (m.kind == MemKind::Bram && l.state_sprams == 0).then_some((i, m.blocks))
            })
            .max_by_key(|&(_, blocks)| blocks)
            .map(|(i, _)| i);
        let Some(i) = candidate else { return };
        let o = hw.layer.iter().find(|o| o.name == layers[i].name);
        let cols = o
            .and_then(|o| o.state_sprams)
            .map_or((free / 2).max(1), u64::from);
        if cols > free || state_to_spram(dev, &mut layers[i], cols as u32).is_err() {
            return;
        }
    }
}

/// While block RAM overflows, gives the largest block-RAM AER FIFO whose next layer
/// runs its synaptic phase with this layer's sweep (delay = 0, one core, one lane, no
/// max pool) [`CREDIT_FIFO_DEPTH`] words and the credit gate, unless the user set the
/// layer's `fifo_depth`.
fn fifos_to_credits(dev: &Device, hw: &HwSpec, delay: u32, layers: &mut [LayerPlan]) {
    loop {
        if bram_used(layers) <= u64::from(dev.bram_blocks) || delay != 0 {
            return;
        }
        let candidate = (0..layers.len().saturating_sub(1))
            .filter(|&i| {
                let (l, next) = (&layers[i], &layers[i + 1]);
                let pooled = l.conv.as_ref().is_some_and(|c| c.max_pool.is_some());
                let user = hw
                    .layer
                    .iter()
                    .any(|o| o.name == l.name && o.fifo_depth.is_some());
                !user
                    && !pooled
                    && l.lanes == 1
                    && l.cores == 1
                    && next.cores == 1
                    && l.credit_limit.is_none()
                    && l.fifo_depth > CREDIT_FIFO_DEPTH
            })
            .filter_map(|i| {
                let m = layers[i].memories.iter().find(|m| m.name == "aer_fifos")?;
                let mut fewer = layers[i].clone();
                fewer.fifo_depth = CREDIT_FIFO_DEPTH;
                let saves = aer_fifo_mem(dev, &fewer).blocks < m.blocks;
                (m.kind == MemKind::Bram && saves).then_some((i, m.blocks))
            })
            .max_by_key(|&(_, blocks)| blocks)
            .map(|(i, _)| i);
        let Some(i) = candidate else { return };
        let mut credited = layers[i].clone();
        if set_credits(dev, &mut credited, CREDIT_FIFO_DEPTH).is_err() {
            return;
        }
        layers[i] = credited;
    }
}

/// Layers whose weights the user placed.
fn pinned_weights(hw: &HwSpec, layers: &[LayerPlan]) -> Vec<bool> {
    layers
        .iter()
        .map(|l| {
            hw.layer
                .iter()
                .any(|o| o.name == l.name && o.weights.is_some_and(|w| w != MemKindChoice::Auto))
        })
        .collect()
}

/// The weights-first placement (see [`place_memories`]).
fn place_weights(dev: &Device, hw: &HwSpec, layers: &mut [LayerPlan], pinned: &[bool]) {
    let auto_spram = hw.weights == MemKindChoice::Auto && dev.spram_blocks > 0;
    if auto_spram {
        weights_to_spram(dev, layers, pinned, 0.25);
    }
    worst_filled_to_logic(dev, layers);
    if auto_spram {
        weights_to_spram(dev, layers, pinned, 0.0);
    }
}

/// Block RAMs the layers' memories take.
fn bram_used(layers: &[LayerPlan]) -> u64 {
    layers
        .iter()
        .flat_map(|l| &l.memories)
        .filter(|m| m.kind == MemKind::Bram)
        .map(|m| m.blocks)
        .sum()
}

/// The block-RAM weight memories of single-core layers not `fixed` in place, with their
/// layer's index: what placement may move to SPRAM.
fn movable_bram_weights<'a>(
    layers: &'a [LayerPlan],
    fixed: &'a [bool],
) -> impl Iterator<Item = (usize, &'a MemPlan)> + 'a {
    layers
        .iter()
        .enumerate()
        .filter(move |(i, l)| !fixed[*i] && l.cores == 1 && l.memories[0].kind == MemKind::Bram)
        .map(|(i, l)| (i, &l.memories[0]))
}

/// While block RAM overflows, moves the largest unpinned single-core weight memory that
/// would fill at least `min_fill` of its SPRAM blocks to SPRAM.
fn weights_to_spram(dev: &Device, layers: &mut [LayerPlan], pinned: &[bool], min_fill: f64) {
    while bram_used(layers) > u64::from(dev.bram_blocks) {
        let candidate = movable_bram_weights(layers, pinned)
            .filter(|(_, m)| {
                let sp = mem(dev, "weights", MemKind::Spram, m.width, m.depth);
                m.bits as f64 >= min_fill * (sp.blocks * u64::from(dev.spram_bits)) as f64
            })
            .max_by_key(|(_, m)| m.bits)
            .map(|(i, _)| i);
        let Some(i) = candidate else { break };
        let m = &layers[i].memories[0];
        layers[i].memories[0] = mem(dev, "weights", MemKind::Spram, m.width, m.depth);
    }
}

/// While block RAM overflows, moves the block-RAM memory (weights aside) with the
/// fewest bits per block, of at most the family's fallback size, to logic.
fn worst_filled_to_logic(dev: &Device, layers: &mut [LayerPlan]) {
    let fallback_bits = dev.family.facts().logic_fallback_bits;
    while bram_used(layers) > u64::from(dev.bram_blocks) {
        let candidate = layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.memories.iter().enumerate().map(move |(k, m)| (i, k, m)))
            .filter(|(_, _, m)| {
                m.kind == MemKind::Bram && m.name != "weights" && m.bits <= fallback_bits
            })
            .min_by_key(|(_, _, m)| (m.bits * 1000 / m.blocks.max(1), m.bits))
            .map(|(i, k, _)| (i, k));
        let Some((i, k)) = candidate else { break };
        let m = &mut layers[i].memories[k];
        m.kind = MemKind::Regs;
        m.blocks = 0;
    }
}

/// Memory bits by kind and blocks taken, over every layer.
struct MemoryUse {
    by_kind: Bits,
    bram_blocks: u64,
    spram_blocks: u64,
}

impl MemoryUse {
    fn of(layers: &[LayerPlan]) -> Self {
        let mut usage = MemoryUse {
            by_kind: Bits::default(),
            bram_blocks: 0,
            spram_blocks: 0,
        };
        for m in layers.iter().flat_map(|l| &l.memories) {
            match m.kind {
                MemKind::Bram => {
                    usage.by_kind.bram += m.bits;
                    usage.bram_blocks += m.blocks;
                }
                MemKind::Spram => {
                    usage.by_kind.spram += m.bits;
                    usage.spram_blocks += m.blocks;
                }
                MemKind::Regs => usage.by_kind.regs += m.bits,
            }
        }
        usage
    }
}

/// The cycle model's constants for these layers: the longest clear and the argmax.
fn cycle_model(layers: &[LayerPlan], margin_exit: bool) -> CycleModel {
    let clear = layers.iter().map(|l| l.clear_cycles).max().unwrap_or(0);
    // top.v C_ARGMAX (one clock per class; two with the margin rule, its compares
    // registered) and C_ARGMAX_LAST; C_MARGIN with the rule.
    let classes = layers.last().map_or(0, |l| l.neurons as u64);
    let argmax = if margin_exit {
        ARGMAX_MARGIN_CLOCKS * classes + 1 + MARGIN_CYCLES
    } else {
        classes + 1
    };
    CycleModel {
        formula: format!(
            "sample = clear + 2 + sum over steps [ sum over layers ( 3 + syn(E) if the layer has a synaptic phase, else 1; 3 + sweep ) + 2 + classes + 1 ] + 1 (2 x classes + 2 with the margin exit); syn(E) = E x walk + 3 (E > 0; conv + 2: the walk's registered stage and the accumulator's registered read), 1 (E = 0; first layer, frame input: 2), output-stationary first layer E + (G - 1) x (E + max(0, M - E)) + M + 8 - min(E, clear) (G synapse groups, M = synapse lanes / lanes; events taken during the clear); a layer with syn_overlap runs its synaptic phase during the previous layer's sweep, the two costing 3 + max(sweep + 1 + tail, the last walk's end + 2), the spike of memory word k reaching the walk at 10 + k + fifo latency (overlap_cycles); sweep = depth + latency + 1, latency {NEURON_LATENCY} (spiking) or {READOUT_LATENCY} (readout) (max pool: depth + {} + pooled x K² + {}; state in SPRAM: P (depth - 1) + 2 words + latency + 2, P = 2 words, plus the credit gate's stalls)",
            READOUT_LATENCY + 1,
            NEURON_LATENCY + 2
        ),
        phase_overhead: PHASE_OVERHEAD,
        step_overhead: STEP_OVERHEAD,
        syn_overhead: SYN_OVERHEAD,
        clear_cycles: clear,
        argmax_cycles: argmax,
    }
}

/// Cycles of a step with no synaptic event anywhere (the sweep floor).
fn step_floor(layers: &[LayerPlan], frame_input: bool, argmax_cycles: u64) -> u64 {
    layers
        .iter()
        .map(|l| {
            PHASE_OVERHEAD
                + l.sweep_cycles
                + match (l.index, frame_input) {
                    // Overlapped: the phase ends after the previous sweep's FIFO tail.
                    _ if l.syn_overlap => 1 + layers[l.index - 1].fifo_tail(),
                    (0, true) => SKIP_OVERHEAD,
                    (0, false) => PHASE_OVERHEAD + 2,
                    _ => PHASE_OVERHEAD + 1,
                }
        })
        .sum::<u64>()
        + STEP_OVERHEAD
        + argmax_cycles
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
            if dev.spram_blocks > 0 {
                "weights = \"spram\", or per layer state = \"spram\" and fifo_depth"
            } else {
                "or a larger device"
            }
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
            "needs {spram} SPRAM blocks ({} bits each), device {} has {}: {}; put fewer memories in SPRAM (weights, state, state_sprams) or use a larger device",
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
/// The bars are per family (`family::*::FACTS.logic_max_bits`, 1,024 bits on ECP5,
/// 256 on iCE40; `logic_fallback_bits`, 16,384 and 4,096).
///
/// Whether a memory this size stays in logic on `dev`.
pub fn keep_in_logic(dev: &Device, width: u32, depth: u64) -> bool {
    let bits = u64::from(width) * depth;
    bits <= dev.family.facts().logic_max_bits
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
    let shapes = dev.family.facts().bram_shapes;
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
