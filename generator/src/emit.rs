//! Renders the plan to files: the core library, one module per layer, the top, memory
//! images, a file list and `plan.json`. Pure: returns (file name, contents) pairs in a
//! fixed order; nothing here depends on time, paths or the machine.

use crate::plan::{addr_bits, ConvPlan, LayerPlan, MemKind, Plan, NEURON_LATENCY, READOUT_LATENCY};
use crate::GenError;
use askama::Template;
use asnn_numerics::fixed::bits_for;
use asnn_numerics::{Coding, Conn, QLayer, QNetwork};

/// The hand-written core library, shipped inside the binary.
pub const LIBRARY: [(&str, &str); 13] = [
    (
        "asnn_fixed.vh",
        include_str!("../../rtl-templates/lib/asnn_fixed.vh"),
    ),
    (
        "asnn_ram.v",
        include_str!("../../rtl-templates/lib/asnn_ram.v"),
    ),
    (
        "asnn_const_mul.v",
        include_str!("../../rtl-templates/lib/asnn_const_mul.v"),
    ),
    (
        "asnn_fifo.v",
        include_str!("../../rtl-templates/lib/asnn_fifo.v"),
    ),
    (
        "asnn_rr_arbiter.v",
        include_str!("../../rtl-templates/lib/asnn_rr_arbiter.v"),
    ),
    (
        "asnn_accum.v",
        include_str!("../../rtl-templates/lib/asnn_accum.v"),
    ),
    (
        "asnn_os_synapse.v",
        include_str!("../../rtl-templates/lib/asnn_os_synapse.v"),
    ),
    (
        "asnn_shift_add_mul.v",
        include_str!("../../rtl-templates/lib/asnn_shift_add_mul.v"),
    ),
    (
        "asnn_rescale.v",
        include_str!("../../rtl-templates/lib/asnn_rescale.v"),
    ),
    (
        "asnn_neuron.v",
        include_str!("../../rtl-templates/lib/asnn_neuron.v"),
    ),
    (
        "asnn_readout_neuron.v",
        include_str!("../../rtl-templates/lib/asnn_readout_neuron.v"),
    ),
    (
        "asnn_spram.v",
        include_str!("../../rtl-templates/lib/asnn_spram.v"),
    ),
    (
        "asnn_spram_state.v",
        include_str!("../../rtl-templates/lib/asnn_spram_state.v"),
    ),
];

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    pub name: String,
    pub contents: String,
}

/// One layer unit's `layer.v` context (a core of a layer, or the layer itself), also
/// what the top, the testbench and a multi-core wrapper read of it: identity, ports,
/// widths and documentation. How the layer works inside (memories, neuron constants,
/// walk and sweep arithmetic) is in [`LayerBody`]; the template reads those fields
/// through `Deref` (askama resolves a field name as `self.name`, which derefs).
#[derive(Clone, Template)]
#[template(path = "layer.v", escape = "none")]
struct LayerCtx {
    header: String,
    index: usize,
    name: String,
    description: String,
    module: String,
    lanes: u32,
    first: bool,
    first_int: u32,
    first_events: bool,
    readout: bool,
    readout_like: bool,
    maxpool: bool,
    conv: bool,
    has_in_payload: bool,
    load_port: bool,
    in_addr_doc: String,
    in_aw: u32,
    in_aw_decl: String,
    pin_port_decl: String,
    pin_bits: u32,
    pin_doc: String,
    scores_decl: String,
    out_addr_doc: String,
    out_aw: u32,
    out_aw_decl: String,
    b_decl: String,
    lanes_decl: String,
    dbg_addr_decl: String,
    dbg_pay_decl: String,
    w_aw_decl: String,
    w_aw_slice: String,
    w_word_decl: String,
    state_bits: u32,
    acc_bits: u32,
    weight_bits: u32,
    w_depth: u64,
    w_aw: u32,
    w_layout_doc: String,
    walk_doc: String,
    raw_bits: u32,
    in_units: usize,
    in_last: String,
    neurons: usize,
    /// The synaptic phase runs with the previous layer's sweep (plan `syn_overlap`).
    syn_overlap: bool,
    // For the top.
    go_sel: String,
    /// When `syn_overlap`: the previous layer still busy or its spikes still in its
    /// FIFOs (its busy flag, held `fifo_latency - 1` clocks longer).
    up_expr: String,
    up_tail: u64,
    up_decl: String,
    up_next: String,
    cmd_sel: String,
    next: usize,
    prev_b_decl: String,
    dbg_valid_sel: String,
    dbg_addr_sel: String,
    dbg_pay_sel: String,
    body: LayerBody,
}

impl std::ops::Deref for LayerCtx {
    type Target = LayerBody;
    fn deref(&self) -> &LayerBody {
        &self.body
    }
}

/// The inside of a layer unit, as `layer.v` builds it: memories and where they live,
/// the neuron constants, and the walk and sweep address arithmetic (`wa`-bit literals).
#[derive(Clone)]
struct LayerBody {
    depth: usize,
    depth_aw: u32,
    w_kind: String,
    w_spram: bool,
    w_init: String,
    b_init: String,
    cg: usize,
    cg_aw: u32,
    st_w: u32,
    st_doc: String,
    wa: u32,
    depth_last: String,
    cg_last: String,
    cg_zero: String,
    fifo_depth: u64,
    fifo_aw: u32,
    k_lit: String,
    pad_lit: String,
    stride_lit: String,
    pk_lit: String,
    ph_lit: String,
    pw_lit: String,
    hw_lit: String,
    cin_lit: String,
    inhw_dec: String,
    inw_dec: String,
    dec: DecodeCtx,
    one_lit: String,
    cg_lit: String,
    sp_bits: u32,
    sp_last: String,
    shift: i32,
    d_beta: String,
    c_phi: String,
    d_phi: String,
    d_eta: String,
    d_gamma: String,
    m: String,
    theta0: String,
    /// 1: the neuron pipelines build their constant multiplies in logic
    /// (`arithmetic = "shift"`, asnn_const_mul); 0: multiplies (DSPs).
    logic_mul: u32,
    sweep_lat: u64,
    neuron_lat: u64,
    lanes_lit: String,
    channels_lit: String,
    sel_decl: String,
    sel_bits: u32,
    acc: AccCtx,
    w_logic: u32,
    b_logic: u32,
    f_bram: u32,
    a_logic: u32,
    s_logic: u32,
    h_logic: u32,
    /// Output-stationary synapse unit (asnn_os_synapse.v) and its parameters.
    os: bool,
    syn_lanes: u32,
    syn_groups: usize,
    syn_groups_aw: u32,
    os_nb: u32,
    os_dsp_lanes: u32,
    os_buf_logic: u32,
    /// How the sweep issues its reads (SPRAM state, credits).
    sw: SweepCtx,
    dn: usize,
    dn_aw: u32,
    psp_bits: u32,
    kw_bits: u32,
    mp_k_lit: String,
    mp_s_lit: String,
    mp_cw_lit: String,
    mp_chw_lit: String,
    mp_klast: String,
    mp_pw_last: String,
    mp_ph_last: String,
    dn_last: String,
    n_logic: u32,
    ohw_lit: String,
    choff_lit: String,
}

#[derive(Template)]
#[template(path = "top.v", escape = "none")]
struct TopCtx<'a> {
    header: String,
    name: String,
    module: String,
    n_layers: usize,
    order_doc: &'static str,
    delay: u32,
    input_doc: &'static str,
    in_aw_decl: String,
    x_decl: String,
    out_aw_decl: String,
    out_pay_decl: String,
    scores_decl: String,
    cls_decl: String,
    dbg_valid_decl: String,
    dbg_addr_decl: String,
    dbg_pay_decl: String,
    layers: &'a [LayerCtx],
    ro_bits: u32,
    steps_last: u32,
    early_exit: u32,
    margin_on: u32,
    exit_margin: String,
    exit_hold: u32,
    frame_int: u32,
    binary: bool,
    binary_payloads: String,
    last_ev: usize,
    cls_zero: String,
    cls_last: String,
    pos_decl: String,
    pos_zero: String,
    pos_last: String,
    li_expr: String,
    /// plan.rs syn_overlap of every layer as an L-bit literal, layer 0 in bit 0.
    syn_ovl: String,
}

#[derive(Template)]
#[template(path = "tb.sv", escape = "none")]
struct TbCtx<'a> {
    w: WireCtx,
    header: String,
    module: String,
    in_aw_decl: String,
    x_decl: String,
    out_aw_decl: String,
    out_pay_decl: String,
    scores_decl: String,
    cls_decl: String,
    dbg_valid_decl: String,
    dbg_addr_decl: String,
    dbg_pay_decl: String,
    layers: &'a [LayerCtx],
    dbg_lanes: Vec<DbgLane>,
    n_classes: usize,
    ro_bits: u32,
    in_slice: String,
    x_slice: String,
}

/// The wire-format constants the testbench and board templates are rendered with
/// (`asnn-wire`), so the host side and the hardware cannot disagree about them.
pub(crate) struct WireCtx {
    pub(crate) stim_start: u32,
    pub(crate) stim_event: u32,
    pub(crate) stim_end_step: u32,
    pub(crate) stim_wait_done: u32,
    pub(crate) log_spike: &'static str,
    pub(crate) log_step: &'static str,
    pub(crate) log_done: &'static str,
    pub(crate) log_x_event: &'static str,
    pub(crate) cmd_start: String,
    pub(crate) cmd_event: String,
    pub(crate) cmd_end_step: String,
    pub(crate) cmd_info: String,
    pub(crate) rec_done: String,
    pub(crate) rec_info: String,
    pub(crate) info_len: usize,
    pub(crate) version: String,
    pub(crate) flash_magic: String,
}

impl WireCtx {
    pub(crate) fn new() -> Self {
        use asnn_wire::{flash, tb, uart, verilog_byte};
        WireCtx {
            stim_start: tb::STIM_START,
            stim_event: tb::STIM_EVENT,
            stim_end_step: tb::STIM_END_STEP,
            stim_wait_done: tb::STIM_WAIT_DONE,
            log_spike: tb::LOG_SPIKE,
            log_step: tb::LOG_STEP,
            log_done: tb::LOG_DONE,
            log_x_event: tb::LOG_X_EVENT,
            cmd_start: verilog_byte(uart::CMD_START),
            cmd_event: verilog_byte(uart::CMD_EVENT),
            cmd_end_step: verilog_byte(uart::CMD_END_STEP),
            cmd_info: verilog_byte(uart::CMD_INFO),
            rec_done: verilog_byte(uart::REC_DONE),
            rec_info: verilog_byte(uart::REC_INFO),
            info_len: uart::INFO_LEN,
            version: format!("8'd{}", uart::PROTOCOL_VERSION),
            flash_magic: flash::magic_hex_le(),
        }
    }
}

pub(crate) struct DbgLane {
    pub(crate) bit: String,
    pub(crate) layer: usize,
    pub(crate) addr: String,
    pub(crate) pay: String,
}

/// The debug spike ports' lanes (every lane of every core of every hidden layer), as
/// the testbenches select them.
pub(crate) fn dbg_lanes(plan: &Plan) -> Vec<DbgLane> {
    let mut out = Vec::new();
    let mut k = 0u32;
    for lp in plan.layers.iter().filter(|l| !l.readout) {
        for _ in 0..lp.lanes * lp.cores {
            out.push(DbgLane {
                bit: format!("[{k}]"),
                layer: lp.index,
                addr: format!("[{}:{}]", k * 24 + 23, k * 24),
                pay: format!("[{}:{}]", k * 32 + 31, k * 32),
            });
            k += 1;
        }
    }
    out
}

pub(crate) fn decl(bits: u64) -> String {
    format!("[{}:0]", bits.max(1) - 1)
}

pub(crate) fn lit(bits: u32, v: u64) -> String {
    format!("{bits}'d{v}")
}

/// Renders a template, a failure as [`GenError::Template`].
pub(crate) fn render<T: Template>(ctx: &T) -> Result<String, GenError> {
    ctx.render().map_err(|e| GenError::Template(e.to_string()))
}

/// Emits every file of the design.
pub fn emit(net: &QNetwork, plan: &Plan, input_hash: &str) -> Result<Vec<OutFile>, GenError> {
    let header = format!(
        "Generated by asnn-generator {} from input {}; do not edit.",
        env!("CARGO_PKG_VERSION"),
        input_hash
    );
    let mut files: Vec<OutFile> = LIBRARY
        .iter()
        .map(|(name, text)| OutFile {
            name: name.to_string(),
            contents: text.to_string(),
        })
        .collect();
    let layers = layer_ctxs(net, plan, &header, &mut files)?;
    for unit in &layers.units {
        files.push(OutFile {
            name: format!("{}.v", unit.module),
            contents: render(unit)?,
        });
    }
    let top = top_ctx(net, plan, &header, &layers);
    files.push(OutFile {
        name: format!("{}.v", plan.top),
        contents: render(&top)?,
    });
    let tb_file = OutFile {
        name: format!("tb_{}.sv", plan.top),
        contents: render(&tb_ctx(net, plan, &header, &top))?,
    };
    let mut list = String::new();
    for f in files.iter().filter(|f| f.name.ends_with(".v")) {
        list.push_str(&f.name);
        list.push('\n');
    }
    files.push(OutFile {
        name: "files.f".into(),
        contents: list,
    });
    files.push(tb_file);
    let json = serde_json::to_string_pretty(plan).map_err(|e| GenError::Template(e.to_string()))?;
    files.push(OutFile {
        name: "plan.json".into(),
        contents: json + "\n",
    });
    Ok(files)
}

/// The layer contexts of a design.
struct LayerCtxs {
    /// One per layer unit (a core, or a layer with one core), each its own module.
    units: Vec<LayerCtx>,
    /// One per layer, as the top instantiates it (a multi-core layer's wrapper).
    top: Vec<LayerCtx>,
    /// Debug spike lanes of all hidden layers.
    dbg_lanes: u32,
}

/// The contexts of every layer unit and of every layer as the top sees it; pushes each
/// unit's memory images, then (multi-core layers) the layer's wrapper, to `files`.
fn layer_ctxs(
    net: &QNetwork,
    plan: &Plan,
    header: &str,
    files: &mut Vec<OutFile>,
) -> Result<LayerCtxs, GenError> {
    let mut units: Vec<LayerCtx> = Vec::new();
    let mut top = Vec::new();
    let mut dbg_lane = 0u32;
    for layer in &plan.layers {
        let cores = core_units(plan, layer, &net.layers[layer.index]);
        let n_cores = cores.len();
        let first_unit = units.len();
        let layer_dbg_base = dbg_lane;
        for unit in cores {
            let lanes = unit.plan.lanes;
            let dbg = if unit.plan.readout {
                DbgSel::default()
            } else {
                let sel = DbgSel::lanes(dbg_lane, lanes);
                dbg_lane += lanes;
                sel
            };
            units.push(layer_ctx(net, plan, layer, &unit, header, dbg));
            files.push(OutFile {
                name: weights_file(&unit.module),
                contents: weights_memh(&unit.layer, &unit.plan),
            });
            files.push(OutFile {
                name: bias_file(&unit.module),
                contents: bias_memh(&unit.layer, &unit.plan),
            });
        }
        if n_cores == 1 {
            top.push(units[first_unit].clone());
        } else {
            let (top_ctx, wrapper) =
                cores_wrapper(plan, layer, &units[first_unit..], layer_dbg_base, header)?;
            top.push(top_ctx);
            files.push(wrapper);
        }
    }
    Ok(LayerCtxs {
        units,
        top,
        dbg_lanes: dbg_lane,
    })
}

/// The weight image of module `module`.
fn weights_file(module: &str) -> String {
    format!("{module}_w.memh")
}

/// The bias image of module `module`.
fn bias_file(module: &str) -> String {
    format!("{module}_b.memh")
}

/// Where a layer's debug spike lanes sit in the top's debug ports (empty: a readout).
#[derive(Default)]
struct DbgSel {
    valid: String,
    addr: String,
    pay: String,
}

impl DbgSel {
    /// `n` lanes from lane `base` on (24-bit addresses, 32-bit payloads).
    fn lanes(base: u32, n: u32) -> Self {
        DbgSel {
            valid: format!("[{}:{}]", base + n - 1, base),
            addr: format!("[{}:{}]", (base + n) * 24 - 1, base * 24),
            pay: format!("[{}:{}]", (base + n) * 32 - 1, base * 32),
        }
    }
}

/// Address widths of one layer unit.
struct UnitWidths {
    in_aw: u32,
    /// Of the whole layer's neurons (the AER output numbers them all).
    out_aw: u32,
    depth_aw: u32,
    w_aw: u32,
    /// Address arithmetic: every address and product, plus spare bits (the debug
    /// address is zero-extended to its 24 bits; the source decode is IN_AW + 1 wide).
    wa: u32,
}

impl UnitWidths {
    fn new(lp: &LayerPlan, layer_neurons: usize) -> Self {
        let in_aw = addr_bits(lp.inputs);
        let out_aw = addr_bits(layer_neurons);
        let depth_aw = addr_bits(lp.depth);
        let w_depth = lp.memories[0].depth;
        let w_aw = addr_bits(w_depth as usize);
        let mut amax = [
            w_depth,
            lp.depth as u64,
            lp.inputs as u64,
            (lp.channel_groups as u64) * u64::from(lp.lanes) * lp.positions as u64,
        ]
        .into_iter()
        .max()
        .unwrap_or(1);
        if let Some(c) = &lp.conv {
            amax = amax.max((c.in_h.max(c.in_w) + 2 * c.padding + c.kernel) as u64);
        }
        let wa = (bits_for(amax) + 2)
            .max(in_aw + 2)
            .max(w_aw + 1)
            .max(depth_aw + 1)
            .max(out_aw + 1);
        UnitWidths {
            in_aw,
            out_aw,
            depth_aw,
            w_aw,
            wa,
        }
    }
}

/// What a layer's synapse unit receives with each event besides its address.
struct InPayload {
    /// A payload is multiplied (first layer: the raw value; graded coding: theta).
    present: bool,
    /// Bits multiplied.
    bits: u32,
    /// Bits of the input port.
    port_bits: u32,
    doc: &'static str,
}

impl InPayload {
    fn new(net: &QNetwork, lp: &LayerPlan) -> Self {
        let x_bits = net.payload_bits_in(0);
        let graded = net.coding == Coding::Graded;
        let (bits, doc, port_bits) = if lp.index == 0 {
            (
                x_bits + 1,
                "raw input value (its change to the held value is multiplied, signed)",
                x_bits,
            )
        } else if graded {
            (
                lp.payload_in_bits,
                "the sender's theta (graded coding)",
                lp.payload_in_bits,
            )
        } else {
            (1, "none (binary coding)", 1)
        };
        InPayload {
            present: lp.index == 0 || graded,
            bits,
            port_bits,
            doc,
        }
    }
}

/// The comments of a layer unit's module.
struct LayerDocs {
    description: String,
    in_addr: String,
    out_addr: String,
    walk: String,
    w_layout: String,
}

impl LayerDocs {
    fn of(lp: &LayerPlan) -> Self {
        let conv = &lp.conv;
        let description = match conv {
            Some(c) => {
                let pool = if c.pool > 1 {
                    format!(", average pool {} fused", c.pool)
                } else {
                    String::new()
                };
                format!(
                    "conv2d {}x{}x{} -> {} channels, kernel {}, stride {}, padding {}{pool}, {} neurons",
                    c.in_c, c.in_h, c.in_w, lp.channels, c.kernel, c.stride, c.padding, lp.neurons
                )
            }
            None => format!(
                "dense {} -> {}{}",
                lp.inputs,
                lp.neurons,
                if lp.readout { " (readout)" } else { "" }
            ),
        };
        let in_addr = match (conv, lp.index == 0) {
            (_, true) => "input index (CHW order)".to_string(),
            (Some(c), false) => format!(
                "sender's neuron index = (c * {} + y) * {} + x",
                c.in_h, c.in_w
            ),
            (None, false) => "sender's neuron index".to_string(),
        };
        let out_addr = match conv {
            Some(c) => format!(
                "neuron index = (channel * {} + y) * {} + x",
                c.out_h, c.out_w
            ),
            None => "neuron index".to_string(),
        };
        let walk = match conv {
            Some(c) => format!(
                "{}x{} taps x {} channel groups per event",
                c.kernel, c.kernel, lp.channel_groups
            ),
            None => format!("{} channel groups per event", lp.channel_groups),
        };
        let w_layout = match conv {
            Some(_) => "word ((group * C_in + ci) * K + ky) * K + kx, lane p holds out channel group * LANES + p".to_string(),
            None => "word src * CG + group, lane p holds output group * LANES + p".to_string(),
        };
        LayerDocs {
            description,
            in_addr,
            out_addr,
            walk,
            w_layout,
        }
    }
}

/// The context of `unit`, a unit of `layer`, with its debug lanes at `dbg`.
fn layer_ctx(
    net: &QNetwork,
    plan: &Plan,
    layer: &LayerPlan,
    unit: &CoreUnit,
    header: &str,
    dbg: DbgSel,
) -> LayerCtx {
    let lp = &unit.plan;
    let first = lp.index == 0;
    let lanes = lp.lanes;
    let state_bits = lp.state_bits;
    let widths = UnitWidths::new(lp, layer.neurons);
    let w_aw = widths.w_aw;
    let payload = InPayload::new(net, lp);
    let docs = LayerDocs::of(lp);
    let maxpool = lp.conv.as_ref().is_some_and(|c| c.max_pool.is_some());
    LayerCtx {
        header: header.to_string(),
        index: lp.index,
        name: sanitize_comment(&lp.name),
        description: docs.description,
        module: unit.module.clone(),
        lanes,
        first,
        first_int: u32::from(first),
        first_events: first && !plan.frame_input,
        readout: lp.readout,
        readout_like: lp.readout || maxpool,
        maxpool,
        conv: lp.conv.is_some(),
        has_in_payload: payload.present,
        load_port: lp.memories[0].load_port,
        in_addr_doc: docs.in_addr,
        in_aw: widths.in_aw,
        in_aw_decl: decl(u64::from(widths.in_aw)),
        pin_port_decl: decl(u64::from(payload.port_bits)),
        pin_bits: payload.bits,
        pin_doc: payload.doc.to_string(),
        scores_decl: decl(lp.neurons as u64 * u64::from(state_bits)),
        out_addr_doc: docs.out_addr,
        out_aw: widths.out_aw,
        out_aw_decl: decl(u64::from(widths.out_aw)),
        b_decl: decl(u64::from(state_bits)),
        lanes_decl: decl(u64::from(lanes)),
        dbg_addr_decl: decl(u64::from(lanes) * 24),
        dbg_pay_decl: decl(u64::from(lanes) * 32),
        w_aw_decl: decl(u64::from(w_aw)),
        w_aw_slice: format!("[{}:0]", w_aw - 1),
        w_word_decl: decl(u64::from(lp.memories[0].width)),
        state_bits,
        acc_bits: lp.acc_bits,
        weight_bits: lp.weight_bits,
        w_depth: lp.memories[0].depth,
        w_aw,
        w_layout_doc: docs.w_layout,
        walk_doc: docs.walk,
        raw_bits: net.payload_bits_in(0),
        in_units: lp.inputs,
        in_last: lit(widths.in_aw, lp.inputs as u64 - 1),
        neurons: lp.neurons,
        syn_overlap: lp.syn_overlap,
        go_sel: format!("[{}]", lp.index),
        up_expr: up_expr(plan, lp),
        up_tail: up_tail(plan, lp),
        up_decl: decl(up_tail(plan, lp).max(1)),
        up_next: match up_tail(plan, lp) {
            0 | 1 => format!("busy[{}]", lp.index.saturating_sub(1)),
            t => format!(
                "{{up{}_q[{}:0], busy[{}]}}",
                lp.index,
                t - 2,
                lp.index.saturating_sub(1)
            ),
        },
        cmd_sel: format!("[{}:{}]", 2 * lp.index + 1, 2 * lp.index),
        next: lp.index + 1,
        prev_b_decl: if first {
            String::new()
        } else {
            decl(u64::from(net.layers[lp.index - 1].q.state_bits))
        },
        dbg_valid_sel: dbg.valid,
        dbg_addr_sel: dbg.addr,
        dbg_pay_sel: dbg.pay,
        body: layer_body(unit, &widths, &payload, plan.frame_input),
    }
}

/// Clocks the previous layer's busy flag is held for an overlapped synaptic phase: a
/// spike pushed on the sweep's last clock reaches the FIFO's output `fifo_latency`
/// clocks later, one of them after the busy flag drops.
fn up_tail(plan: &Plan, lp: &LayerPlan) -> u64 {
    if !lp.syn_overlap {
        return 0;
    }
    plan.layers[lp.index - 1].fifo_tail()
}

/// The overlapped synaptic phase's "more spikes may come" signal (see [`up_tail`]).
fn up_expr(plan: &Plan, lp: &LayerPlan) -> String {
    if !lp.syn_overlap {
        return String::new();
    }
    let prev = lp.index - 1;
    let mut e = format!("busy[{prev}]");
    for k in 0..up_tail(plan, lp) {
        e.push_str(&format!(" || up{}_q[{k}]", lp.index));
    }
    e
}

/// The conv geometry the walk and sweep counters step through; a dense layer walks a
/// 1x1 "image" of one input channel.
struct Walk {
    conv: ConvPlan,
    /// The walk and pass 1 address conv outputs when a max pool follows; the AER
    /// output numbers pooled neurons.
    h: usize,
    w: usize,
    /// Max-pool kernel and stride (1 without one).
    pool_k: usize,
    pool_s: usize,
}

impl Walk {
    fn of(lp: &LayerPlan) -> Self {
        let conv = lp.conv.clone().unwrap_or(ConvPlan {
            in_c: 1,
            in_h: 1,
            in_w: 1,
            kernel: 1,
            stride: 1,
            padding: 0,
            conv_h: 1,
            conv_w: 1,
            pool: 1,
            max_pool: None,
            out_h: 1,
            out_w: 1,
        });
        let (h, w) = if conv.max_pool.is_some() {
            (conv.conv_h, conv.conv_w)
        } else {
            (conv.out_h, conv.out_w)
        };
        let (pool_k, pool_s) = conv.max_pool.unwrap_or((1, 1));
        Walk {
            conv,
            h,
            w,
            pool_k,
            pool_s,
        }
    }
}

/// The inside of `unit` (see [`LayerBody`]).
fn layer_body(
    unit: &CoreUnit,
    widths: &UnitWidths,
    payload: &InPayload,
    frame_input: bool,
) -> LayerBody {
    let lp = &unit.plan;
    let q = &unit.layer.q;
    let (lanes, groups, state_bits, wa) = (lp.lanes, lp.channel_groups, lp.state_bits, widths.wa);
    let walk = Walk::of(lp);
    let c = &walk.conv;
    let cg_aw = addr_bits(groups);
    let target_positions = lp.depth / groups;
    let sp_bits = addr_bits(target_positions);
    let st_w = if lp.readout || c.max_pool.is_some() {
        2 * state_bits
    } else {
        4 * state_bits
    };
    let dn = groups * lp.positions;
    let dn_aw = addr_bits(dn);
    let psp_bits = addr_bits(lp.positions.max(c.out_h).max(c.out_w));
    let kw_bits = addr_bits(walk.pool_k.max(2));
    let u32lit = |v: u64| lit(32, v);
    let w_file = weights_file(&unit.module);
    LayerBody {
        depth: lp.depth,
        depth_aw: widths.depth_aw,
        w_spram: lp.memories[0].kind == MemKind::Spram,
        w_kind: match lp.memories[0].kind {
            MemKind::Spram => "SPRAM, loaded through the load port".to_string(),
            _ => format!("block RAM, initialised from {w_file}"),
        },
        w_init: if lp.memories[0].load_port {
            "\"\"".to_string()
        } else {
            format!("\"{w_file}\"")
        },
        b_init: format!("\"{}\"", bias_file(&unit.module)),
        cg: groups,
        cg_aw,
        st_w,
        st_doc: if st_w == 2 * state_bits {
            "{Sd, I}"
        } else {
            "{Td, Sh, Sd, I}"
        }
        .to_string(),
        wa,
        depth_last: lit(widths.depth_aw, lp.depth as u64 - 1),
        cg_last: lit(cg_aw, groups as u64 - 1),
        cg_zero: lit(cg_aw, 0),
        fifo_depth: lp.fifo_depth,
        fifo_aw: bits_for(lp.fifo_depth - 1).max(1),
        k_lit: lit(wa, c.kernel as u64),
        pad_lit: lit(wa, c.padding as u64),
        stride_lit: lit(wa, c.stride as u64),
        pk_lit: lit(wa, c.pool as u64),
        ph_lit: lit(wa, walk.h as u64),
        pw_lit: lit(wa, walk.w as u64),
        hw_lit: lit(wa, (walk.h * walk.w) as u64),
        ohw_lit: lit(wa, (c.out_h * c.out_w) as u64),
        choff_lit: lit(wa, unit.first_channel as u64),
        cin_lit: lit(wa, c.in_c as u64),
        inhw_dec: lit(widths.in_aw + 1, (c.in_h * c.in_w) as u64),
        inw_dec: lit(widths.in_aw + 1, c.in_w as u64),
        dec: DecodeCtx::of(c),
        one_lit: lit(wa, 1),
        cg_lit: lit(wa, groups as u64),
        sp_bits,
        sp_last: lit(sp_bits, target_positions as u64 - 1),
        shift: q.shift,
        d_beta: u32lit(u64::from(q.d_beta)),
        c_phi: u32lit(u64::from(asnn_numerics::fixed::DECAY_ONE - q.d_phi)),
        d_phi: u32lit(u64::from(q.d_phi)),
        d_eta: u32lit(u64::from(q.d_eta)),
        d_gamma: u32lit(u64::from(q.d_gamma)),
        m: u32lit(u64::from(q.m)),
        theta0: u32lit(q.theta0.max(1) as u64),
        logic_mul: u32::from(q.arithmetic == asnn_numerics::Arithmetic::Shift),
        neuron_lat: NEURON_LATENCY,
        sweep_lat: if lp.readout || c.max_pool.is_some() {
            READOUT_LATENCY
        } else {
            NEURON_LATENCY
        },
        lanes_lit: lit(wa, u64::from(lanes)),
        channels_lit: lit(wa, lp.channels as u64),
        sel_decl: decl(u64::from(addr_bits(lanes as usize))),
        sel_bits: addr_bits(lanes as usize),
        acc: AccCtx::of(lp, q.shift, payload, frame_input),
        dn,
        dn_aw,
        psp_bits,
        kw_bits,
        mp_k_lit: lit(wa, walk.pool_k as u64),
        mp_s_lit: lit(wa, walk.pool_s as u64),
        mp_cw_lit: lit(wa, c.conv_w as u64),
        mp_chw_lit: lit(wa, (c.conv_h * c.conv_w) as u64),
        mp_klast: lit(kw_bits, walk.pool_k as u64 - 1),
        mp_pw_last: lit(psp_bits, c.out_w as u64 - 1),
        mp_ph_last: lit(psp_bits, c.out_h as u64 - 1),
        dn_last: lit(dn_aw, dn as u64 - 1),
        n_logic: logic(lp, "pooled_state"),
        w_logic: logic(lp, "weights"),
        b_logic: logic(lp, "bias"),
        f_bram: u32::from(lp.fifo_latency == crate::plan::FIFO_LATENCY_BRAM),
        a_logic: logic(lp, "accumulator"),
        s_logic: logic(lp, "state"),
        h_logic: logic(lp, "held_input"),
        os: lp.output_stationary,
        syn_lanes: lp.synapse_lanes,
        syn_groups: lp.synapse_groups,
        syn_groups_aw: addr_bits(lp.synapse_groups),
        os_nb: bits_for(lp.inputs as u64).max(1),
        os_dsp_lanes: lp.synapse_lanes - lp.lut_products,
        os_buf_logic: logic(lp, "event_buffer"),
        sw: SweepCtx::of(lp),
    }
}

/// A layer's accumulator bank A (layer.v, asnn_accum.v).
#[derive(Clone)]
struct AccCtx {
    /// Payload width and coding (1: graded) of the walk's products, and the payload
    /// register the bank reads.
    pin: u32,
    graded: u32,
    pay: &'static str,
    /// 1: A holds A + 2^(R-1), so the neuron's rescale is a shift (asnn_rescale.v PRE);
    /// `init` is A's cleared value.
    pre: u32,
    init: String,
    /// The walk's beat is registered and the bank registers its read and products
    /// (plan.rs walk_pipelined: CONV_WALK_STAGE, CONV_ACC_RD_REG).
    walk_pipe: bool,
}

impl AccCtx {
    fn of(lp: &LayerPlan, shift: i32, payload: &InPayload, frame_input: bool) -> Self {
        // The output-stationary unit starts its sums there (asnn_os_synapse SUM_INIT).
        let pre = shift > 0 && (shift as u32) < lp.acc_bits;
        let pipe = crate::plan::walk_pipelined(lp, frame_input);
        AccCtx {
            pin: if payload.present { payload.bits } else { 1 },
            graded: u32::from(payload.present),
            pay: match (payload.present, pipe) {
                (false, _) => "1'b0",
                (true, false) => "pay_q",
                (true, true) => "wst_pay_q", // the conv walk's registered stage
            },
            pre: u32::from(pre),
            init: lit(lp.acc_bits, if pre { 1u64 << (shift - 1) } else { 0 }),
            walk_pipe: pipe,
        }
    }

    /// asnn_accum's RD_REG.
    fn rd_reg(&self) -> u32 {
        u32::from(self.walk_pipe)
    }
}

/// The conv walk's source decode (layer.v): an event's address split into channel, row
/// and column by a restoring divider, one quotient bit a clock (plan::conv_decode_cycles).
#[derive(Clone)]
struct DecodeCtx {
    /// Quotient bits: channel (ci < C_in) and row (y < H).
    ci_qbits: u32,
    yi_qbits: u32,
    /// The clock counter's width and its start values: all clocks, the row phase, one.
    cnt_bits: u32,
    all: String,
    yi: String,
    one: String,
}

impl DecodeCtx {
    fn of(c: &ConvPlan) -> Self {
        let (ci_qbits, yi_qbits) = (
            crate::plan::quotient_bits(c.in_c),
            crate::plan::quotient_bits(c.in_h),
        );
        let all = crate::plan::conv_decode_cycles(c);
        let yi = u64::from(yi_qbits) + 1;
        let cnt_bits = addr_bits(all.max(yi) as usize + 1);
        DecodeCtx {
            ci_qbits,
            yi_qbits,
            cnt_bits,
            all: lit(cnt_bits, all),
            yi: lit(cnt_bits, yi),
            one: lit(cnt_bits, 1),
        }
    }
}

/// How a layer's sweep issues its reads: the state in SPRAM (asnn_spram_state.v:
/// SPRAMs side by side, words a state word, the clocks from its read to the BRAM-side
/// reads, words - 1) and the gate (SPRAM period, credits) when not one a clock.
#[derive(Clone)]
struct SweepCtx {
    spram: bool,
    cols: u32,
    words: u64,
    delay: u64,
    gated: bool,
    gate_doc: String,
    gap_decl: String,
    gap_zero: String,
    gap_reload: String,
    credit: bool,
    credit_limit_lit: String,
}

impl SweepCtx {
    fn of(lp: &LayerPlan) -> Self {
        let gap_w = bits_for(lp.sweep_period.saturating_sub(1)).max(1);
        SweepCtx {
            spram: lp.state_sprams > 0,
            cols: lp.state_sprams,
            words: lp.state_words,
            delay: lp.state_words - 1,
            gated: lp.sweep_period > 1 || lp.credit_limit.is_some(),
            gate_doc: gate_doc(lp),
            gap_decl: decl(u64::from(gap_w)),
            gap_zero: lit(gap_w, 0),
            gap_reload: lit(gap_w, lp.sweep_period - 1),
            credit: lp.credit_limit.is_some(),
            credit_limit_lit: lit(
                bits_for(lp.fifo_depth - 1).max(1) + 1,
                lp.credit_limit.unwrap_or(0),
            ),
        }
    }
}

/// What gates the sweep's reads, for the comment in `layer.v`.
fn gate_doc(lp: &LayerPlan) -> String {
    let mut why = Vec::new();
    if lp.sweep_period > 1 {
        why.push(format!(
            "one every {} clocks (the SPRAM state's port takes {} reads and {} writes a neuron)",
            lp.sweep_period, lp.state_words, lp.state_words
        ));
    }
    if let Some(c) = lp.credit_limit {
        why.push(format!(
            "while fewer than {c} events wait in the {}-word AER FIFO (credits)",
            lp.fifo_depth
        ));
    }
    why.join("; ")
}

/// The top's context.
fn top_ctx<'a>(net: &QNetwork, plan: &Plan, header: &str, layers: &'a LayerCtxs) -> TopCtx<'a> {
    let n_layers = plan.layers.len();
    let readout = plan.layers.last().expect("plan has layers");
    let n_cls = readout.neurons;
    let cls_w = addr_bits(n_cls);
    let pos_w = addr_bits(n_layers);
    let n_dbg = u64::from(layers.dbg_lanes);
    TopCtx {
        header: header.to_string(),
        name: sanitize_comment(&net.name),
        module: plan.top.clone(),
        n_layers,
        order_doc: if plan.delay == 0 {
            "network order (a layer sees this step's spikes of the one before)"
        } else {
            "reverse order (a layer sees the previous step's spikes, still in its input FIFO)"
        },
        delay: plan.delay,
        input_doc: if plan.frame_input {
            "frame: the nonzero values at step 0, then one end-of-step beat"
        } else {
            "events: each step's changed values, then one end-of-step beat, every step"
        },
        in_aw_decl: decl(u64::from(addr_bits(plan.layers[0].inputs))),
        x_decl: decl(u64::from(net.payload_bits_in(0))),
        out_aw_decl: decl(u64::from(addr_bits(plan.layers[n_layers - 2].neurons))),
        out_pay_decl: decl(u64::from(net.layers[n_layers - 2].q.state_bits)),
        scores_decl: decl(n_cls as u64 * u64::from(readout.state_bits)),
        cls_decl: decl(u64::from(cls_w)),
        dbg_valid_decl: decl(n_dbg),
        dbg_addr_decl: decl(n_dbg * 24),
        dbg_pay_decl: decl(n_dbg * 32),
        layers: &layers.top,
        ro_bits: readout.state_bits,
        steps_last: plan.steps - 1,
        early_exit: plan.early_exit,
        margin_on: u32::from(plan.exit_margin.is_some()),
        exit_margin: lit(
            readout.state_bits + 1,
            plan.exit_margin.map_or(0, |m| m.margin as u64),
        ),
        exit_hold: plan.exit_margin.map_or(1, |m| m.hold),
        frame_int: u32::from(plan.frame_input),
        binary: net.coding == Coding::Binary,
        binary_payloads: (1..n_layers)
            .map(|i| format!("ev{i}_payload"))
            .collect::<Vec<_>>()
            .join(", "),
        last_ev: n_layers - 1,
        cls_zero: lit(cls_w, 0),
        cls_last: lit(cls_w, (n_cls.max(1) - 1) as u64),
        pos_decl: decl(u64::from(pos_w)),
        pos_zero: lit(pos_w, 0),
        pos_last: lit(pos_w, n_layers as u64 - 1),
        li_expr: if plan.delay == 0 {
            "pos_q".to_string()
        } else {
            format!("{} - pos_q", lit(pos_w, n_layers as u64 - 1))
        },
        syn_ovl: format!(
            "{}'b{}",
            n_layers,
            plan.layers
                .iter()
                .rev()
                .map(|l| if l.syn_overlap { '1' } else { '0' })
                .collect::<String>()
        ),
    }
}

/// The testbench's context: the top's ports, and how to drive and log them.
fn tb_ctx<'a>(net: &QNetwork, plan: &Plan, header: &str, top: &TopCtx<'a>) -> TbCtx<'a> {
    let readout = plan.layers.last().expect("plan has layers");
    TbCtx {
        w: WireCtx::new(),
        header: header.to_string(),
        module: plan.top.clone(),
        in_aw_decl: top.in_aw_decl.clone(),
        x_decl: top.x_decl.clone(),
        out_aw_decl: top.out_aw_decl.clone(),
        out_pay_decl: top.out_pay_decl.clone(),
        scores_decl: top.scores_decl.clone(),
        cls_decl: top.cls_decl.clone(),
        dbg_valid_decl: top.dbg_valid_decl.clone(),
        dbg_addr_decl: top.dbg_addr_decl.clone(),
        dbg_pay_decl: top.dbg_pay_decl.clone(),
        layers: top.layers,
        dbg_lanes: dbg_lanes(plan),
        n_classes: readout.neurons,
        ro_bits: readout.state_bits,
        in_slice: format!("[{}:0]", addr_bits(plan.layers[0].inputs) - 1),
        x_slice: format!("[{}:0]", net.payload_bits_in(0).max(1) - 1),
    }
}

#[derive(Template)]
#[template(path = "cores.v", escape = "none")]
struct CoresCtx {
    header: String,
    module: String,
    name: String,
    index: usize,
    n: usize,
    lanes: u32,
    core_channels: usize,
    first: bool,
    readout: bool,
    has_in_payload: bool,
    in_aw_decl: String,
    pin_port_decl: String,
    scores_decl: String,
    out_aw_decl: String,
    b_decl: String,
    lanes_decl: String,
    dbg_addr_decl: String,
    dbg_pay_decl: String,
    ev_w: u32,
    sel_decl: String,
    sel_bits: u32,
    m_addr_sel: String,
    m_pay_sel: String,
    cores: Vec<CoreRef>,
}

struct CoreRef {
    module: String,
    k: usize,
    sel: String,
    scores_sel: String,
    addr_sel: String,
    pay_sel: String,
    dbg_valid_sel: String,
    dbg_addr_sel: String,
    dbg_pay_sel: String,
}

/// One core of a layer, or the layer itself when it has one core.
struct CoreUnit {
    /// The core's share of the layer plan (its channels and neurons).
    plan: LayerPlan,
    /// The core's share of the integer layer (its channels' weights and biases).
    layer: QLayer,
    module: String,
    /// The layer's first channel this core holds.
    first_channel: usize,
}

/// The cores of a layer; the layer itself when it has one core. Core k holds channels
/// [k·Cc, min((k+1)·Cc, C)).
fn core_units(plan: &Plan, lp: &LayerPlan, l: &QLayer) -> Vec<CoreUnit> {
    let base = format!("{}_l{}", plan.top, lp.index);
    if lp.cores == 1 {
        return vec![CoreUnit {
            plan: lp.clone(),
            layer: l.clone(),
            module: base,
            first_channel: 0,
        }];
    }
    let cc = lp.core_channels;
    (0..lp.cores as usize)
        .filter_map(|k| {
            let lo = k * cc;
            let hi = ((k + 1) * cc).min(lp.channels);
            if lo >= hi {
                return None;
            }
            let real = hi - lo;
            let mut sub = l.clone();
            match l.conn {
                Conn::Dense { n_in, n_out } => {
                    sub.conn = Conn::Dense { n_in, n_out: real };
                    sub.weights = (0..n_in)
                        .flat_map(|src| {
                            l.weights[src * n_out + lo..src * n_out + hi]
                                .iter()
                                .copied()
                        })
                        .collect();
                }
                Conn::Conv(g) => {
                    let per = g.in_c * g.kernel * g.kernel;
                    sub.conn = Conn::Conv(asnn_numerics::ConvGeom { out_c: real, ..g });
                    sub.weights = l.weights[lo * per..hi * per].to_vec();
                }
            }
            sub.bias = l.bias[lo..hi].to_vec();
            let mut sp = lp.clone();
            sp.channels = real;
            sp.neurons = real * lp.positions;
            Some(CoreUnit {
                plan: sp,
                layer: sub,
                module: format!("{base}_c{k}"),
                first_channel: lo,
            })
        })
        .collect()
}

/// The wrapper module of a multi-core layer, and the entry the top instantiates.
fn cores_wrapper(
    plan: &Plan,
    lp: &LayerPlan,
    cores: &[LayerCtx],
    dbg_base: u32,
    header: &str,
) -> Result<(LayerCtx, OutFile), GenError> {
    let p = lp.lanes;
    let n = cores.len();
    let b = lp.state_bits;
    let out_aw = addr_bits(lp.neurons) as usize;
    let ev_w = out_aw as u32 + b;
    let mut refs = Vec::new();
    let mut score_off = 0usize;
    for (k, c) in cores.iter().enumerate() {
        let real = c.neurons;
        refs.push(CoreRef {
            module: c.module.clone(),
            k,
            sel: format!("[{k}]"),
            scores_sel: format!(
                "[{}:{}]",
                (score_off + real) * b as usize - 1,
                score_off * b as usize
            ),
            addr_sel: format!(
                "[{}:{}]",
                k * ev_w as usize + ev_w as usize - 1,
                k * ev_w as usize + b as usize
            ),
            pay_sel: format!(
                "[{}:{}]",
                k * ev_w as usize + b as usize - 1,
                k * ev_w as usize
            ),
            dbg_valid_sel: format!("[{}:{}]", (k + 1) * p as usize - 1, k * p as usize),
            dbg_addr_sel: format!(
                "[{}:{}]",
                (k + 1) * p as usize * 24 - 1,
                k * p as usize * 24
            ),
            dbg_pay_sel: format!(
                "[{}:{}]",
                (k + 1) * p as usize * 32 - 1,
                k * p as usize * 32
            ),
        });
        score_off += real;
    }
    let c0 = &cores[0];
    let total_lanes = p * n as u32;
    let module = format!("{}_l{}", plan.top, lp.index);
    let ctx = CoresCtx {
        header: header.to_string(),
        module: module.clone(),
        name: c0.name.clone(),
        index: lp.index,
        n,
        lanes: p,
        core_channels: lp.core_channels,
        first: c0.first,
        readout: lp.readout,
        has_in_payload: c0.has_in_payload,
        in_aw_decl: c0.in_aw_decl.clone(),
        pin_port_decl: c0.pin_port_decl.clone(),
        scores_decl: decl(lp.neurons as u64 * u64::from(b)),
        out_aw_decl: decl(out_aw as u64),
        b_decl: decl(u64::from(b)),
        lanes_decl: decl(u64::from(total_lanes)),
        dbg_addr_decl: decl(u64::from(total_lanes) * 24),
        dbg_pay_decl: decl(u64::from(total_lanes) * 32),
        ev_w,
        sel_decl: decl(u64::from(addr_bits(n))),
        sel_bits: addr_bits(n),
        m_addr_sel: format!("[{}:{}]", ev_w - 1, b),
        m_pay_sel: format!("[{}:0]", b - 1),
        cores: refs,
    };
    let text = render(&ctx)?;
    let mut top = c0.clone();
    top.module = module.clone();
    top.scores_decl = decl(lp.neurons as u64 * u64::from(b));
    if !lp.readout {
        let dbg = DbgSel::lanes(dbg_base, total_lanes);
        top.dbg_valid_sel = dbg.valid;
        top.dbg_addr_sel = dbg.addr;
        top.dbg_pay_sel = dbg.pay;
    }
    Ok((
        top,
        OutFile {
            name: format!("{module}.v"),
            contents: text,
        },
    ))
}

/// 1 when the plan puts memory `name` of the layer in logic.
fn logic(lp: &LayerPlan, name: &str) -> u32 {
    u32::from(
        lp.memories
            .iter()
            .any(|m| m.name == name && m.kind == MemKind::Regs),
    )
}

/// Keeps a user string safe inside a `//` comment.
pub(crate) fn sanitize_comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Packs lane values (lane 0 in the low bits) into one hex word of `lanes * bits`.
fn pack_hex(vals: &[i64], bits: u32) -> String {
    let total = vals.len() * bits as usize;
    let mut bitv = vec![false; total];
    for (k, v) in vals.iter().enumerate() {
        for j in 0..bits as usize {
            bitv[k * bits as usize + j] = (v >> j.min(63)) & 1 == 1;
        }
    }
    let digits = total.div_ceil(4);
    let mut s = String::with_capacity(digits);
    for d in (0..digits).rev() {
        let mut nib = 0u8;
        for j in 0..4 {
            if bitv.get(d * 4 + j).copied().unwrap_or(false) {
                nib |= 1 << j;
            }
        }
        s.push(char::from_digit(u32::from(nib), 16).expect("nibble"));
    }
    s
}

fn weights_memh(l: &asnn_numerics::QLayer, lp: &LayerPlan) -> String {
    // One word per (source, synapse group) holds the synapse lanes' weights; the synapse
    // lanes are the lanes except in an output-stationary (dense) first layer.
    let p = lp.synapse_lanes as usize;
    let mut out = String::new();
    let mut lane_vals = vec![0i64; p];
    match l.conn {
        Conn::Dense { n_in, n_out } => {
            for src in 0..n_in {
                for g in 0..lp.synapse_groups {
                    for (lane, v) in lane_vals.iter_mut().enumerate() {
                        let j = g * p + lane;
                        *v = if j < n_out {
                            i64::from(l.weights[src * n_out + j])
                        } else {
                            0
                        };
                    }
                    out.push_str(&pack_hex(&lane_vals, lp.weight_bits));
                    out.push('\n');
                }
            }
        }
        Conn::Conv(g) => {
            let k = g.kernel;
            for grp in 0..lp.channel_groups {
                for ci in 0..g.in_c {
                    for ky in 0..k {
                        for kx in 0..k {
                            for (lane, v) in lane_vals.iter_mut().enumerate() {
                                let co = grp * p + lane;
                                *v = if co < g.out_c {
                                    i64::from(l.weights[((co * g.in_c + ci) * k + ky) * k + kx])
                                } else {
                                    0
                                };
                            }
                            out.push_str(&pack_hex(&lane_vals, lp.weight_bits));
                            out.push('\n');
                        }
                    }
                }
            }
        }
    }
    out
}

fn bias_memh(l: &asnn_numerics::QLayer, lp: &LayerPlan) -> String {
    let p = lp.lanes as usize;
    let mut out = String::new();
    for g in 0..lp.channel_groups {
        let vals: Vec<i64> = (0..p)
            .map(|lane| l.bias.get(g * p + lane).copied().unwrap_or(0))
            .collect();
        out.push_str(&pack_hex(&vals, lp.state_bits));
        out.push('\n');
    }
    out
}
