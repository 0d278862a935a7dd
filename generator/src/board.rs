//! Boards (`constraints/*.toml`, embedded here), the iCE40 PLL settings, and the board
//! top around a generated core: clock and reset, UART host link, SPI-flash weight
//! loader, LEDs, the pin constraints (.pcf / .lpf), the flash image and the board-level
//! Verilator testbench. Framing and image format: `docs/host-link.md`.

use crate::emit::{dbg_lanes, decl, lit, render, sanitize_comment, DbgLane, OutFile, WireCtx};
use crate::family::ecp5::{self, ecp5_pll};
use crate::family::ice40::ice40_pll;
pub use crate::family::{ecp5::Ecp5Pll, ice40::Ice40Pll};
use crate::plan::{addr_bits, Plan};
use crate::{Design, GenError};
use askama::Template;
use asnn_numerics::QNetwork;
use serde::{Deserialize, Serialize};

/// The board files, embedded so the binary does not depend on the source tree.
pub const BOARD_FILES: [(&str, &str); 4] = [
    (
        "icebreaker",
        include_str!("../../constraints/icebreaker.toml"),
    ),
    ("upduino", include_str!("../../constraints/upduino.toml")),
    ("ulx3s", include_str!("../../constraints/ulx3s.toml")),
    (
        "orangecrab",
        include_str!("../../constraints/orangecrab.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    board: Board,
}

/// One board's data.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub name: String,
    pub description: String,
    /// Device name in `device::DEVICES`.
    pub device: String,
    pub package: String,
    pub osc_mhz: f64,
    pub clock_pin: String,
    pub pll: PllKind,
    #[serde(default)]
    pub reset_n_pin: Option<String>,
    pub uart_rx_pin: String,
    pub uart_tx_pin: String,
    #[serde(default)]
    pub flash: Option<Flash>,
    pub leds: Vec<String>,
    #[serde(default)]
    pub leds_active_low: bool,
    #[serde(default)]
    pub led_ok_pin: Option<String>,
    #[serde(default)]
    pub led_err_pin: Option<String>,
    #[serde(default)]
    pub status_active_low: bool,
    pub uart_note: String,
}

/// The board's SPI flash: pins, and where the weight image goes.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flash {
    pub sck: String,
    pub cs_n: String,
    pub mosi: String,
    pub miso: String,
    pub offset: u32,
    pub size: u32,
}

/// How the core clock is made from the oscillator.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PllKind {
    /// The iCE40 PLL whose pad is the clock pin (`family::ice40::PLL_PAD`).
    Ice40Pad,
    /// The iCE40 PLL fed through the fabric (`family::ice40::PLL_CORE`).
    Ice40Core,
    /// The ECP5 PLL (`family::ecp5::PLL`, CLKOP fed back); used only when a clock
    /// other than the oscillator's is asked for.
    Ecp5,
    /// No PLL: the core runs at the oscillator clock.
    None,
}

/// Looks a board up by name.
pub fn board(name: &str) -> Result<Board, GenError> {
    let (_, text) = BOARD_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| {
            GenError::Hw(format!(
                "unknown board '{name}'; known boards: {}",
                board_names()
            ))
        })?;
    let f: BoardFile =
        toml::from_str(text).map_err(|e| GenError::Hw(format!("constraints/{name}.toml: {e}")))?;
    Ok(f.board)
}

/// The board names, for messages.
pub fn board_names() -> String {
    BOARD_FILES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How far a PLL's output may be from the clock asked for (2%; the closest setting is
/// named when none is that close).
const PLL_TOLERANCE: f64 = 0.02;

/// The closest setting a PLL search `found`, if it makes `asked` within
/// [`PLL_TOLERANCE`]; otherwise an error naming the closest clock and the PLL's range.
fn pll_within<P>(
    found: Option<P>,
    fout: fn(&P) -> f64,
    fin: f64,
    asked: f64,
    what: &str,
    range: &str,
) -> Result<P, GenError> {
    match found {
        Some(p) if (fout(&p) - asked).abs() <= PLL_TOLERANCE * asked => Ok(p),
        other => Err(GenError::Hw(format!(
            "no {what} setting makes {asked} MHz from {fin} MHz within 2% (the closest is {:.4} MHz; the PLL makes {range})",
            other.as_ref().map_or(0.0, fout)
        ))),
    }
}

/// The board top and everything around it.
pub struct BoardDesign {
    pub files: Vec<OutFile>,
    /// Top module of the board design.
    pub top: String,
    /// Core clock actually made (MHz).
    pub clock_mhz: f64,
    pub pll: Option<Ice40Pll>,
    pub ecp5_pll: Option<Ecp5Pll>,
    pub baud: u32,
    pub clocks_per_bit: u32,
    /// The flash image (None: nothing to load).
    pub image: Option<Vec<u8>>,
    pub flash_offset: Option<u32>,
}

/// One SPRAM layer's part of the flash image.
struct Seg {
    layer: usize,
    k_lit: String,
    bytes_last: u32,
    depth_last_lit: String,
    aw_decl: String,
    word_decl: String,
    aw_slice: String,
    word_slice: String,
}

#[derive(Template)]
#[template(path = "board/board.v", escape = "none")]
struct BoardCtx {
    w: WireCtx,
    header: String,
    module: String,
    core: String,
    board_desc: String,
    clock_doc: String,
    loader_doc: String,
    baud: u32,
    cpb: u32,
    has_reset: bool,
    loader: bool,
    led_ok: bool,
    led_err: bool,
    leds_decl: String,
    in_aw: u32,
    x_w: u32,
    n_cls: usize,
    cls_w: u32,
    ro_bits: u32,
    d_len: u32,
    in_last: usize,
    n_in: usize,
    design_id: String,
    pll: &'static str,
    pll_doc: String,
    divr: u32,
    divf: u32,
    divq: u32,
    filter: u32,
    clki_div: u32,
    clkfb_div: u32,
    clkop_div: u32,
    clkop_cphase: u32,
    fin_mhz: String,
    fout_mhz: String,
    out_aw_decl: String,
    out_pay_decl: String,
    scores_decl: String,
    cls_decl: String,
    cls_zero: String,
    dbg_valid_decl: String,
    dbg_addr_decl: String,
    dbg_pay_decl: String,
    segs: Vec<Seg>,
    word_max: u32,
    wa_max: u32,
    seg_decl: String,
    seg_zero: String,
    seg_last: String,
    flash_offset: String,
    wake_clks: u32,
    scores_bytes: String,
    pred_byte: String,
    score_bytes: u32,
    leds_expr: String,
    leds_out: String,
    led_ok_expr: String,
    led_err_expr: String,
}

#[derive(Template)]
#[template(path = "board/tb_board.sv", escape = "none")]
struct TbBoardCtx<'a> {
    w: WireCtx,
    header: String,
    module: String,
    leds_decl: String,
    loader: bool,
    flash_offset: String,
    image_size: usize,
    led_ok: bool,
    led_err: bool,
    has_reset: bool,
    dbg_lanes: &'a [DbgLane],
    n_cls: usize,
    ro_bits: u32,
}

#[derive(Template)]
#[template(path = "board/tb_board.cpp", escape = "none")]
struct HarnessCtx {
    header: String,
    cpb: u32,
}

/// Host-link speed used when none is asked for: FTDI parts do 1 Mbaud exactly.
pub const DEFAULT_BAUD: u32 = 1_000_000;

/// Builds the board top for `design` on `board`, with the core clock `clock_mhz`
/// (made by the board's PLL when it differs from the oscillator).
pub fn board_design(
    net: &QNetwork,
    design: &Design,
    board: &Board,
    clock_mhz: f64,
    baud: u32,
) -> Result<BoardDesign, GenError> {
    let plan: &Plan = &design.plan;
    if plan.device.name != board.device {
        return Err(GenError::Hw(format!(
            "the design targets device {} but board {} carries a {}; set device = \"{}\" in hw.toml",
            plan.device.name, board.name, board.device, board.device
        )));
    }
    let clock = core_clock(board, clock_mhz)?;
    let cpb = clocks_per_bit(clock.mhz, baud)?;
    let ports = HostPorts::of(net, plan)?;
    let weights = spram_weights(design)?;
    let load = flash_load(board, design, &weights)?;
    let parts = BoardParts {
        module: format!("{}_board", plan.top),
        header: format!(
            "Generated by asnn-generator {} for board {}; do not edit.",
            env!("CARGO_PKG_VERSION"),
            board.name
        ),
        clock,
        baud,
        cpb,
        ports,
        segs: weights.segs,
        load,
        dbg_lanes: dbg_lanes(plan),
    };
    let mut files = vec![OutFile {
        name: format!("{}.v", parts.module),
        contents: render(&board_top(net, design, board, &parts))?,
    }];
    for (name, text) in BOARD_LIBRARY {
        files.push(OutFile {
            name: name.to_string(),
            contents: text.to_string(),
        });
    }
    files.push(OutFile {
        name: "tb_board.sv".into(),
        contents: render(&board_tb(board, &parts))?,
    });
    files.push(OutFile {
        name: "tb_board.cpp".into(),
        contents: render(&HarnessCtx {
            header: parts.header.clone(),
            cpb,
        })?,
    });
    if let Some(load) = &parts.load {
        files.push(OutFile {
            name: "weights.hex".into(),
            contents: hex_bytes(&load.image),
        });
    }
    files.push(OutFile {
        name: "board_files.f".into(),
        contents: board_file_list(design, &parts.module),
    });
    files.push(constraints_file(
        board,
        &parts.module,
        parts.load.is_some(),
    )?);
    Ok(BoardDesign {
        files,
        top: parts.module,
        clock_mhz: parts.clock.mhz,
        pll: parts.clock.ice40_pll,
        ecp5_pll: parts.clock.ecp5_pll,
        baud,
        clocks_per_bit: cpb,
        flash_offset: parts.load.as_ref().map(|l| l.flash.offset),
        image: parts.load.map(|l| l.image),
    })
}

/// What `board_design` works out before rendering the board top and its testbench.
struct BoardParts {
    module: String,
    header: String,
    clock: CoreClock,
    baud: u32,
    /// Core clocks per UART bit.
    cpb: u32,
    ports: HostPorts,
    segs: Vec<SpramSeg>,
    /// The weight loader's flash and image (None: every memory is initialised by the
    /// bitstream).
    load: Option<FlashLoad>,
    dbg_lanes: Vec<DbgLane>,
}

/// How the core clock is made from the board's oscillator.
struct CoreClock {
    mhz: f64,
    ice40_pll: Option<Ice40Pll>,
    ecp5_pll: Option<Ecp5Pll>,
    /// The board template's PLL: "none", "ecp5", "ice40-pad" or "ice40-core".
    kind: &'static str,
    /// The PLL's arithmetic, for the board top's comment (empty without a PLL).
    doc: String,
}

impl CoreClock {
    /// One line on the clock, for the board top's header.
    fn summary(&self, board: &Board) -> String {
        match (self.ice40_pll, self.ecp5_pll) {
            (Some(p), _) => format!(
                "{} MHz oscillator, PLL to {:.4} MHz",
                board.osc_mhz, p.fout_mhz
            ),
            (None, Some(p)) => format!(
                "{} MHz oscillator, PLL to {:.4} MHz",
                board.osc_mhz, p.fout_mhz
            ),
            (None, None) => format!("{} MHz oscillator, no PLL", board.osc_mhz),
        }
    }
}

/// The core clock `clock_mhz` on `board`: the oscillator itself, or the closest
/// setting of the board's PLL (within [`PLL_TOLERANCE`]).
fn core_clock(board: &Board, clock_mhz: f64) -> Result<CoreClock, GenError> {
    if (clock_mhz - board.osc_mhz).abs() < 1e-9 {
        return Ok(CoreClock {
            mhz: board.osc_mhz,
            ice40_pll: None,
            ecp5_pll: None,
            kind: "none",
            doc: String::new(),
        });
    }
    match board.pll {
        PllKind::None => Err(GenError::Hw(format!(
            "board {} has no PLL set up in asnn: its core runs at the {} MHz oscillator, not {clock_mhz} MHz (use --freq {})",
            board.name, board.osc_mhz, board.osc_mhz
        ))),
        PllKind::Ecp5 => {
            let p = pll_within(
                ecp5_pll(board.osc_mhz, clock_mhz),
                |p| p.fout_mhz,
                board.osc_mhz,
                clock_mhz,
                "ECP5 PLL",
                "3.125-400 MHz",
            )?;
            Ok(CoreClock {
                mhz: p.fout_mhz,
                ice40_pll: None,
                ecp5_pll: Some(p),
                kind: "ecp5",
                doc: format!(
                    "{}: {} MHz x {} / {} = {:.4} MHz (VCO {:.1} MHz = output x {}; asked {} MHz)",
                    ecp5::PLL,
                    board.osc_mhz,
                    p.clkfb_div,
                    p.clki_div,
                    p.fout_mhz,
                    p.fvco_mhz,
                    p.clkop_div,
                    clock_mhz
                ),
            })
        }
        kind => {
            let p = pll_within(
                ice40_pll(board.osc_mhz, clock_mhz),
                |p| p.fout_mhz,
                board.osc_mhz,
                clock_mhz,
                "iCE40 PLL",
                "16-275 MHz",
            )?;
            Ok(CoreClock {
                mhz: p.fout_mhz,
                ice40_pll: Some(p),
                ecp5_pll: None,
                kind: if kind == PllKind::Ice40Pad {
                    "ice40-pad"
                } else {
                    "ice40-core"
                },
                doc: format!(
                    "PLL: {} MHz x {} / ({} x 2^{}) = {:.4} MHz (asked {} MHz)",
                    board.osc_mhz,
                    p.divf + 1,
                    p.divr + 1,
                    p.divq,
                    p.fout_mhz,
                    clock_mhz
                ),
            })
        }
    }
}

/// Core clocks per UART bit for `baud` at `clock_mhz`; refuses a rate more than 2% off
/// or under 4 clocks a bit.
fn clocks_per_bit(clock_mhz: f64, baud: u32) -> Result<u32, GenError> {
    let cpb = (clock_mhz * 1e6 / f64::from(baud)).round() as u32;
    let real_baud = clock_mhz * 1e6 / f64::from(cpb.max(1));
    if cpb < 4 || (real_baud - f64::from(baud)).abs() / f64::from(baud) > 0.02 {
        return Err(GenError::Hw(format!(
            "{baud} baud cannot be made from a {clock_mhz:.3} MHz core clock within 2% (clocks per bit {cpb})"
        )));
    }
    Ok(cpb)
}

/// The core's ports as the host link carries them.
struct HostPorts {
    n_in: usize,
    in_aw: u32,
    /// Bits of an input value.
    x_w: u32,
    n_cls: usize,
    cls_w: u32,
    /// Bits of a readout score, and whole bytes of one in the done record.
    ro_bits: u32,
    score_bytes: u32,
}

impl HostPorts {
    /// Refuses a core the host link cannot carry: more than 256 classes, inputs or
    /// values wider than 16 bits.
    fn of(net: &QNetwork, plan: &Plan) -> Result<Self, GenError> {
        let readout = plan.layers.last().expect("plan has layers");
        let n_cls = readout.neurons;
        if n_cls > 256 {
            return Err(GenError::Unsupported(format!(
                "the host link carries the class in one byte; this network has {n_cls} classes"
            )));
        }
        let n_in = plan.layers[0].inputs;
        let in_aw = addr_bits(n_in);
        let x_w = net.payload_bits_in(0).max(1);
        if in_aw > 16 || x_w > 16 {
            return Err(GenError::Unsupported(format!(
                "the host link carries 16-bit input addresses and values; this network has {n_in} inputs of {x_w} bits"
            )));
        }
        Ok(HostPorts {
            n_in,
            in_aw,
            x_w,
            n_cls,
            cls_w: addr_bits(n_cls),
            ro_bits: readout.state_bits,
            score_bytes: readout.state_bits.div_ceil(8),
        })
    }
}

/// One SPRAM layer's weights in the flash image.
struct SpramSeg {
    layer: usize,
    /// Whole bytes of one word.
    bytes: u32,
    depth: u64,
    width: u32,
}

/// The SPRAM layers' weights: their segments and the image data, in layer order.
struct SpramWeights {
    segs: Vec<SpramSeg>,
    data: Vec<u8>,
}

/// Reads the SPRAM layers' weights back from the design's memory images (each word
/// little-endian in whole bytes), checking them against the plan.
fn spram_weights(design: &Design) -> Result<SpramWeights, GenError> {
    let plan = &design.plan;
    let mut segs = Vec::new();
    let mut data = Vec::new();
    for lp in plan.layers.iter().filter(|l| l.memories[0].load_port) {
        let m = &lp.memories[0];
        let name = format!("{}_l{}_w.memh", plan.top, lp.index);
        let memh = design
            .files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| GenError::Template(format!("no weight image {name}")))?;
        let bytes = m.width.div_ceil(8);
        let mut words = 0u64;
        for line in memh
            .contents
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let mut word = hex_le(line, bytes as usize)
                .ok_or_else(|| GenError::Template(format!("{name}: bad word '{line}'")))?;
            data.append(&mut word);
            words += 1;
        }
        if words != m.depth {
            return Err(GenError::Template(format!(
                "{name}: {words} words, the plan says {}",
                m.depth
            )));
        }
        segs.push(SpramSeg {
            layer: lp.index,
            bytes,
            depth: m.depth,
            width: m.width,
        });
    }
    Ok(SpramWeights { segs, data })
}

/// The board's flash and the weight image the loader reads from it.
struct FlashLoad {
    flash: Flash,
    image: Vec<u8>,
}

/// The flash image of the SPRAM weights (None when there are none); refuses a board
/// without a flash, or an image that does not fit it.
fn flash_load(
    board: &Board,
    design: &Design,
    weights: &SpramWeights,
) -> Result<Option<FlashLoad>, GenError> {
    if weights.segs.is_empty() {
        return Ok(None);
    }
    let flash = board.flash.clone().ok_or_else(|| {
        GenError::Hw(format!(
            "board {} has no SPI flash set up for loading SPRAM weights",
            board.name
        ))
    })?;
    let image = asnn_wire::flash::image(design.id, &weights.data);
    if u64::from(flash.offset) + image.len() as u64 > u64::from(flash.size) {
        return Err(GenError::Capacity(format!(
            "the weight image ({} bytes at offset {:#x}) does not fit board {}'s {} byte flash",
            image.len(),
            flash.offset,
            board.name,
            flash.size
        )));
    }
    Ok(Some(FlashLoad { flash, image }))
}

/// The loader's view of the segments: per segment its literals, and the widths shared
/// by all of them.
struct SegLayout {
    segs: Vec<Seg>,
    /// Bits of a segment number.
    seg_w: u32,
    /// Widest word address and word.
    wa_max: u32,
    word_max: u32,
}

impl SegLayout {
    fn of(segs: &[SpramSeg]) -> Self {
        let seg_w = addr_bits(segs.len().max(1));
        let wa_max = segs
            .iter()
            .map(|s| addr_bits(s.depth as usize))
            .max()
            .unwrap_or(1);
        let word_max = segs.iter().map(|s| s.bytes * 8).max().unwrap_or(8);
        let segs = segs
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let aw = addr_bits(s.depth as usize);
                Seg {
                    layer: s.layer,
                    k_lit: lit(seg_w, k as u64),
                    bytes_last: s.bytes - 1,
                    depth_last_lit: lit(wa_max, s.depth - 1),
                    aw_decl: decl(u64::from(aw)),
                    word_decl: decl(u64::from(s.width)),
                    aw_slice: format!("[{}:0]", aw - 1),
                    word_slice: format!("[{}:0]", s.width - 1),
                }
            })
            .collect();
        SegLayout {
            segs,
            seg_w,
            wa_max,
            word_max,
        }
    }
}

/// The done record's scores: each sign-extended to whole bytes, class 0 first (lowest
/// bytes).
fn done_scores_bytes(ports: &HostPorts) -> String {
    let (b_ro, sb) = (ports.ro_bits, ports.score_bytes);
    (0..ports.n_cls)
        .rev()
        .map(|c| {
            let lsb = c as u32 * b_ro;
            let msb = lsb + b_ro - 1;
            let pad = sb * 8 - b_ro;
            if pad > 0 {
                format!("{{{{{pad}{{d_scores_q[{msb}]}}}}, d_scores_q[{msb}:{lsb}]}}")
            } else {
                format!("d_scores_q[{msb}:{lsb}]")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The done record's predicted-class byte.
fn pred_byte(cls_w: u32) -> String {
    if cls_w < 8 {
        format!("{{{}'d0, d_pred_q}}", 8 - cls_w)
    } else {
        "d_pred_q".to_string()
    }
}

/// What the `n_leds` LEDs show: the predicted class, zero-extended or truncated.
fn leds_expr(n_leds: u32, cls_w: u32) -> String {
    if n_leds > cls_w {
        format!("{{{}'d0, d_pred_q}}", n_leds - cls_w)
    } else {
        format!("d_pred_q[{}:0]", n_leds - 1)
    }
}

/// `expr`, inverted for an active-low output.
fn active(low: bool, expr: &str) -> String {
    if low {
        format!("~{expr}")
    } else {
        expr.to_string()
    }
}

/// The board top's context.
fn board_top(net: &QNetwork, design: &Design, board: &Board, parts: &BoardParts) -> BoardCtx {
    let plan = &design.plan;
    let n_layers = plan.layers.len();
    let ports = &parts.ports;
    let clock = &parts.clock;
    let layout = SegLayout::of(&parts.segs);
    let n_dbg = parts.dbg_lanes.len() as u64;
    let n_leds = board.leds.len() as u32;
    let loader = parts.load.is_some();
    BoardCtx {
        w: WireCtx::new(),
        header: parts.header.clone(),
        module: parts.module.clone(),
        core: plan.top.clone(),
        board_desc: sanitize_comment(&board.description),
        clock_doc: clock.summary(board),
        loader_doc: if loader {
            "SPI-flash loader for the SPRAM weights".to_string()
        } else {
            "no weight loader (every memory is initialised by the bitstream)".to_string()
        },
        baud: parts.baud,
        cpb: parts.cpb,
        has_reset: board.reset_n_pin.is_some(),
        loader,
        led_ok: board.led_ok_pin.is_some(),
        led_err: board.led_err_pin.is_some(),
        leds_decl: decl(u64::from(n_leds)),
        in_aw: ports.in_aw,
        x_w: ports.x_w,
        n_cls: ports.n_cls,
        cls_w: ports.cls_w,
        ro_bits: ports.ro_bits,
        d_len: asnn_wire::uart::done_len(ports.n_cls, ports.score_bytes as usize) as u32,
        in_last: ports.n_in - 1,
        n_in: ports.n_in,
        design_id: format!("{:08x}", design.id),
        pll: clock.kind,
        pll_doc: clock.doc.clone(),
        divr: clock.ice40_pll.map_or(0, |p| p.divr),
        divf: clock.ice40_pll.map_or(0, |p| p.divf),
        divq: clock.ice40_pll.map_or(0, |p| p.divq),
        filter: clock.ice40_pll.map_or(0, |p| p.filter_range),
        clki_div: clock.ecp5_pll.map_or(1, |p| p.clki_div),
        clkfb_div: clock.ecp5_pll.map_or(1, |p| p.clkfb_div),
        clkop_div: clock.ecp5_pll.map_or(1, |p| p.clkop_div),
        clkop_cphase: clock.ecp5_pll.map_or(0, |p| p.clkop_cphase),
        fin_mhz: format!("{}", board.osc_mhz),
        fout_mhz: format!("{:.4}", clock.mhz),
        out_aw_decl: decl(u64::from(addr_bits(plan.layers[n_layers - 2].neurons))),
        out_pay_decl: decl(u64::from(net.layers[n_layers - 2].q.state_bits)),
        scores_decl: decl(ports.n_cls as u64 * u64::from(ports.ro_bits)),
        cls_decl: decl(u64::from(ports.cls_w)),
        cls_zero: lit(ports.cls_w, 0),
        dbg_valid_decl: decl(n_dbg),
        dbg_addr_decl: decl(n_dbg * 24),
        dbg_pay_decl: decl(n_dbg * 32),
        segs: layout.segs,
        word_max: layout.word_max,
        wa_max: layout.wa_max,
        seg_decl: decl(u64::from(layout.seg_w)),
        seg_zero: lit(layout.seg_w, 0),
        seg_last: lit(layout.seg_w, parts.segs.len().max(1) as u64 - 1),
        flash_offset: flash_offset_hex(parts),
        // tRES1 is 3 us on common parts; wait 10 us.
        wake_clks: (clock.mhz * 10.0).ceil() as u32 + 16,
        scores_bytes: done_scores_bytes(ports),
        pred_byte: pred_byte(ports.cls_w),
        score_bytes: ports.score_bytes,
        leds_expr: leds_expr(n_leds, ports.cls_w),
        leds_out: active(board.leds_active_low, "leds"),
        led_ok_expr: active(board.status_active_low, "(status_q == 2'd1)"),
        led_err_expr: active(
            board.status_active_low,
            "(status_q[1] || flags_q[3:1] != 3'd0)",
        ),
    }
}

/// The loader's flash offset as the templates write it (0 without a loader).
fn flash_offset_hex(parts: &BoardParts) -> String {
    format!("{:06x}", parts.load.as_ref().map_or(0, |l| l.flash.offset))
}

/// The board-level testbench's context.
fn board_tb<'a>(board: &Board, parts: &'a BoardParts) -> TbBoardCtx<'a> {
    TbBoardCtx {
        w: WireCtx::new(),
        header: parts.header.clone(),
        module: parts.module.clone(),
        leds_decl: decl(board.leds.len() as u64),
        loader: parts.load.is_some(),
        flash_offset: flash_offset_hex(parts),
        image_size: parts.load.as_ref().map_or(0, |l| l.image.len()).max(1),
        led_ok: board.led_ok_pin.is_some(),
        led_err: board.led_err_pin.is_some(),
        has_reset: board.reset_n_pin.is_some(),
        dbg_lanes: &parts.dbg_lanes,
        n_cls: parts.ports.n_cls,
        ro_bits: parts.ports.ro_bits,
    }
}

/// The flash image as `$readmemh` text, one byte a line.
fn hex_bytes(image: &[u8]) -> String {
    let mut hex = String::with_capacity(image.len() * 3);
    for b in image {
        hex.push_str(&format!("{b:02x}\n"));
    }
    hex
}

/// The file list of the board design: the core's files first, then the board's.
fn board_file_list(design: &Design, module: &str) -> String {
    let mut list: String = design
        .files
        .iter()
        .filter(|f| f.name.ends_with(".v"))
        .map(|f| format!("{}\n", f.name))
        .collect();
    for (name, _) in BOARD_LIBRARY {
        list.push_str(name);
        list.push('\n');
    }
    list.push_str(&format!("{module}.v\n"));
    list
}

/// Board-level RTL shared by every board top, plus the simulation-only flash model.
pub const BOARD_LIBRARY: [(&str, &str); 3] = [
    (
        "asnn_uart_rx.v",
        include_str!("../../rtl-templates/lib/asnn_uart_rx.v"),
    ),
    (
        "asnn_uart_tx.v",
        include_str!("../../rtl-templates/lib/asnn_uart_tx.v"),
    ),
    (
        "asnn_spi_flash_reader.v",
        include_str!("../../rtl-templates/lib/asnn_spi_flash_reader.v"),
    ),
];

/// The SPI-flash model the board testbench uses (never synthesised).
pub const FLASH_MODEL: (&str, &str) = (
    "asnn_spi_flash_model.v",
    include_str!("../../rtl-templates/bench/asnn_spi_flash_model.v"),
);

/// The pin constraints: .pcf for iCE40, .lpf for ECP5.
fn constraints_file(board: &Board, module: &str, loader: bool) -> Result<OutFile, GenError> {
    let dev = crate::device::device(&board.device)
        .ok_or_else(|| GenError::Hw(format!("board {}: unknown device", board.name)))?;
    let mut pins: Vec<(String, &str)> = vec![
        ("clk_pin_i".into(), board.clock_pin.as_str()),
        ("uart_rx_i".into(), board.uart_rx_pin.as_str()),
        ("uart_tx_o".into(), board.uart_tx_pin.as_str()),
    ];
    if let Some(p) = &board.reset_n_pin {
        pins.push(("rst_n_pin_i".into(), p));
    }
    if loader {
        if let Some(f) = &board.flash {
            pins.push(("flash_sck_o".into(), &f.sck));
            pins.push(("flash_cs_n_o".into(), &f.cs_n));
            pins.push(("flash_mosi_o".into(), &f.mosi));
            pins.push(("flash_miso_i".into(), &f.miso));
        }
    }
    if let Some(p) = &board.led_ok_pin {
        pins.push(("led_ok_o".into(), p));
    }
    if let Some(p) = &board.led_err_pin {
        pins.push(("led_err_o".into(), p));
    }
    for (i, p) in board.leds.iter().enumerate() {
        pins.push((format!("leds_o[{i}]"), p));
    }
    let header = format!(
        "# Pin constraints of {module} on {} (from constraints/{}.toml).\n",
        board.description, board.name
    );
    let facts = dev.family.facts();
    Ok(OutFile {
        name: format!("{}.{}", board.name, facts.constraints_ext),
        contents: (facts.constraints)(&header, board.osc_mhz, &pins),
    })
}

/// A hex word (most significant digit first) as `bytes` little-endian bytes.
fn hex_le(s: &str, bytes: usize) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    let mut out = vec![0u8; bytes];
    for (k, d) in digits.iter().rev().enumerate() {
        let byte = k / 2;
        if byte >= bytes {
            if *d != 0 {
                return None;
            }
            continue;
        }
        out[byte] |= d << (4 * (k % 2));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_parses_and_names_a_known_device() {
        for (name, _) in BOARD_FILES {
            let b = board(name).unwrap();
            assert_eq!(b.name, name);
            assert!(crate::device::device(&b.device).is_some(), "{name}");
            assert!(!b.leds.is_empty());
        }
        assert!(board("nope")
            .unwrap_err()
            .to_string()
            .contains("icebreaker"));
    }

    #[test]
    fn ecp5_pll_settings_match_ecppll() {
        // Project Trellis's ecppll for 12 -> 16 MHz and 25 -> 304.167 MHz.
        let p = ecp5_pll(12.0, 16.0).unwrap();
        assert_eq!(
            (p.clki_div, p.clkfb_div, p.clkop_div, p.clkop_cphase),
            (3, 4, 37, 18)
        );
        let p = ecp5_pll(25.0, 304.167).unwrap();
        assert_eq!((p.clki_div, p.clkfb_div, p.clkop_div), (6, 73, 2));
        // 25 -> 37.5 MHz exactly, VCO within limits.
        let p = ecp5_pll(25.0, 37.5).unwrap();
        assert!((p.fout_mhz - 37.5).abs() < 1e-9);
        assert!((400.0..=800.0).contains(&p.fvco_mhz));
        assert!(ecp5_pll(25.0, 1000.0).unwrap().fout_mhz <= 400.0);
    }

    #[test]
    fn pll_settings_match_icepll() {
        // icepll -i 12 -o 24 / -o 48 / -o 30 (fpga-icestorm) print these settings.
        let p = ice40_pll(12.0, 24.0).unwrap();
        assert_eq!((p.divr, p.divf, p.divq, p.filter_range), (0, 63, 5, 1));
        assert!((p.fout_mhz - 24.0).abs() < 1e-9);
        let p = ice40_pll(12.0, 48.0).unwrap();
        assert_eq!((p.divr, p.divf, p.divq, p.filter_range), (0, 63, 4, 1));
        let p = ice40_pll(12.0, 30.0).unwrap();
        assert_eq!((p.divr, p.divf, p.divq, p.filter_range), (0, 79, 5, 1));
        assert!(ice40_pll(12.0, 1000.0).unwrap().fout_mhz <= 275.0);
    }

    #[test]
    fn hex_words_become_little_endian_bytes() {
        assert_eq!(hex_le("0a0b", 2), Some(vec![0x0b, 0x0a]));
        assert_eq!(hex_le("f", 2), Some(vec![0x0f, 0x00]));
        assert_eq!(hex_le("1ff", 1), None);
        assert_eq!(hex_le("zz", 1), None);
    }
}
