//! Boards (`constraints/*.toml`, embedded here), the iCE40 PLL settings, and the board
//! top around a generated core: clock and reset, UART host link, SPI-flash weight
//! loader, LEDs, the pin constraints (.pcf / .lpf), the flash image and the board-level
//! Verilator testbench. Framing and image format: `docs/host-link.md`.

use crate::device::Family;
use crate::emit::{dbg_lanes, decl, lit, sanitize_comment, DbgLane, OutFile};
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
    /// iCE40 SB_PLL40_PAD (the clock pin is the PLL's pad).
    Ice40Pad,
    /// iCE40 SB_PLL40_CORE (reference through the fabric).
    Ice40Core,
    /// ECP5 EHXPLLL (CLKOP fed back); used only when a clock other than the
    /// oscillator's is asked for.
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

/// iCE40 PLL settings (SIMPLE feedback): f_out = f_in (DIVF + 1) / ((DIVR + 1) 2^DIVQ).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ice40Pll {
    pub divr: u32,
    pub divf: u32,
    pub divq: u32,
    pub filter_range: u32,
    pub fout_mhz: f64,
}

/// The closest iCE40 PLL output to `fout` from `fin` (MHz) within the PLL's limits
/// (phase detector 10-133 MHz, VCO 533-1066 MHz, output 16-275 MHz), or None.
pub fn ice40_pll(fin: f64, fout: f64) -> Option<Ice40Pll> {
    let mut best: Option<Ice40Pll> = None;
    for divr in 0..=15u32 {
        let fpfd = fin / f64::from(divr + 1);
        if !(10.0..=133.0).contains(&fpfd) {
            continue;
        }
        for divf in 0..=127u32 {
            let fvco = fpfd * f64::from(divf + 1);
            if !(533.0..=1066.0).contains(&fvco) {
                continue;
            }
            for divq in 1..=6u32 {
                let f = fvco / f64::from(1u32 << divq);
                if !(16.0..=275.0).contains(&f) {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some(b) => (f - fout).abs() < (b.fout_mhz - fout).abs() - 1e-9,
                };
                if better {
                    let filter_range = match fpfd {
                        x if x < 17.0 => 1,
                        x if x < 26.0 => 2,
                        x if x < 44.0 => 3,
                        x if x < 66.0 => 4,
                        x if x < 101.0 => 5,
                        _ => 6,
                    };
                    best = Some(Ice40Pll {
                        divr,
                        divf,
                        divq,
                        filter_range,
                        fout_mhz: f,
                    });
                }
            }
        }
    }
    best
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

/// ECP5 EHXPLLL settings, CLKOP fed back: f_out = f_in CLKFB_DIV / CLKI_DIV, the VCO
/// at f_out CLKOP_DIV.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ecp5Pll {
    pub clki_div: u32,
    pub clkfb_div: u32,
    pub clkop_div: u32,
    pub clkop_cphase: u32,
    pub fvco_mhz: f64,
    pub fout_mhz: f64,
}

/// The closest ECP5 PLL output to `fout` from `fin` (MHz) within the PLL's limits
/// (phase detector 3.125-400 MHz, VCO 400-800 MHz, output 3.125-400 MHz), ties broken
/// towards a VCO near 600 MHz (the search Project Trellis's `ecppll` makes), or None.
pub fn ecp5_pll(fin: f64, fout: f64) -> Option<Ecp5Pll> {
    let mut best: Option<(f64, f64, Ecp5Pll)> = None;
    for clki_div in 1..=128u32 {
        let fpfd = fin / f64::from(clki_div);
        if !(3.125..=400.0).contains(&fpfd) {
            continue;
        }
        for clkfb_div in 1..=80u32 {
            let f = fpfd * f64::from(clkfb_div);
            if !(3.125..=400.0).contains(&f) {
                continue;
            }
            for clkop_div in 1..=128u32 {
                let fvco = f * f64::from(clkop_div);
                if !(400.0..=800.0).contains(&fvco) {
                    continue;
                }
                let key = ((f - fout).abs(), (fvco - 600.0).abs());
                let better = match &best {
                    None => true,
                    Some((e, v, _)) => key.0 < e - 1e-9 || (key.0 < e + 1e-9 && key.1 < v - 1e-9),
                };
                if better {
                    best = Some((
                        key.0,
                        key.1,
                        Ecp5Pll {
                            clki_div,
                            clkfb_div,
                            clkop_div,
                            clkop_cphase: (clkop_div - 1) / 2,
                            fvco_mhz: fvco,
                            fout_mhz: f,
                        },
                    ));
                }
            }
        }
    }
    best.map(|b| b.2)
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
    // Clock.
    let mut ecp5 = None;
    let (pll, clock, pll_kind, pll_doc) = if (clock_mhz - board.osc_mhz).abs() < 1e-9 {
        (None, board.osc_mhz, "none", String::new())
    } else {
        match board.pll {
            PllKind::None => {
                return Err(GenError::Hw(format!(
                    "board {} has no PLL set up in asnn: its core runs at the {} MHz oscillator, not {clock_mhz} MHz (use --freq {})",
                    board.name, board.osc_mhz, board.osc_mhz
                )))
            }
            PllKind::Ecp5 => {
                let p = pll_within(
                    ecp5_pll(board.osc_mhz, clock_mhz),
                    |p| p.fout_mhz,
                    board.osc_mhz,
                    clock_mhz,
                    "ECP5 PLL",
                    "3.125-400 MHz",
                )?;
                ecp5 = Some(p);
                let doc = format!(
                    "EHXPLLL: {} MHz x {} / {} = {:.4} MHz (VCO {:.1} MHz = output x {}; asked {} MHz)",
                    board.osc_mhz,
                    p.clkfb_div,
                    p.clki_div,
                    p.fout_mhz,
                    p.fvco_mhz,
                    p.clkop_div,
                    clock_mhz
                );
                (None, p.fout_mhz, "ecp5", doc)
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
                let name = if kind == PllKind::Ice40Pad {
                    "ice40-pad"
                } else {
                    "ice40-core"
                };
                let doc = format!(
                    "PLL: {} MHz x {} / ({} x 2^{}) = {:.4} MHz (asked {} MHz)",
                    board.osc_mhz,
                    p.divf + 1,
                    p.divr + 1,
                    p.divq,
                    p.fout_mhz,
                    clock_mhz
                );
                (Some(p), p.fout_mhz, name, doc)
            }
        }
    };
    let cpb = (clock * 1e6 / f64::from(baud)).round() as u32;
    let real_baud = clock * 1e6 / f64::from(cpb.max(1));
    if cpb < 4 || (real_baud - f64::from(baud)).abs() / f64::from(baud) > 0.02 {
        return Err(GenError::Hw(format!(
            "{baud} baud cannot be made from a {clock:.3} MHz core clock within 2% (clocks per bit {cpb})"
        )));
    }
    // Core ports.
    let n_layers = plan.layers.len();
    let ro = plan.layers.last().expect("plan has layers");
    let n_cls = ro.neurons;
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
    let cls_w = addr_bits(n_cls);
    let b_ro = ro.state_bits;
    let sb = b_ro.div_ceil(8);
    let lanes = dbg_lanes(plan);
    let n_dbg = lanes.len() as u64;
    // Flash image of the SPRAM layers.
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
            let mut w = hex_le(line, bytes as usize)
                .ok_or_else(|| GenError::Template(format!("{name}: bad word '{line}'")))?;
            data.append(&mut w);
            words += 1;
        }
        if words != m.depth {
            return Err(GenError::Template(format!(
                "{name}: {words} words, the plan says {}",
                m.depth
            )));
        }
        segs.push((lp.index, bytes, m.depth, m.width));
    }
    let loader = !segs.is_empty();
    let flash = if loader {
        Some(board.flash.clone().ok_or_else(|| {
            GenError::Hw(format!(
                "board {} has no SPI flash set up for loading SPRAM weights",
                board.name
            ))
        })?)
    } else {
        None
    };
    let image = loader.then(|| {
        let mut img = b"ASNW".to_vec();
        img.extend_from_slice(&design.id.to_le_bytes());
        let sum = data.iter().fold(0u16, |s, &b| s.wrapping_add(u16::from(b)));
        img.extend_from_slice(&data);
        img.extend_from_slice(&sum.to_le_bytes());
        img
    });
    if let (Some(img), Some(f)) = (&image, &flash) {
        if u64::from(f.offset) + img.len() as u64 > u64::from(f.size) {
            return Err(GenError::Capacity(format!(
                "the weight image ({} bytes at offset {:#x}) does not fit board {}'s {} byte flash",
                img.len(),
                f.offset,
                board.name,
                f.size
            )));
        }
    }
    let seg_w = addr_bits(segs.len().max(1));
    let wa_max = segs
        .iter()
        .map(|s| addr_bits(s.2 as usize))
        .max()
        .unwrap_or(1);
    let word_max = segs.iter().map(|s| s.1 * 8).max().unwrap_or(8);
    let seg_ctx: Vec<Seg> = segs
        .iter()
        .enumerate()
        .map(|(k, &(layer, bytes, depth, width))| {
            let aw = addr_bits(depth as usize);
            Seg {
                layer,
                k_lit: lit(seg_w, k as u64),
                bytes_last: bytes - 1,
                depth_last_lit: lit(wa_max, depth - 1),
                aw_decl: decl(u64::from(aw)),
                word_decl: decl(u64::from(width)),
                aw_slice: format!("[{}:0]", aw - 1),
                word_slice: format!("[{}:0]", width - 1),
            }
        })
        .collect();
    // Done record: scores sign-extended to whole bytes, class 0 first (lowest bytes).
    let scores_bytes = (0..n_cls)
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
        .join(", ");
    let pred_byte = if cls_w < 8 {
        format!("{{{}'d0, d_pred_q}}", 8 - cls_w)
    } else {
        "d_pred_q".to_string()
    };
    let n_leds = board.leds.len() as u32;
    let leds_expr = if n_leds > cls_w {
        format!("{{{}'d0, d_pred_q}}", n_leds - cls_w)
    } else {
        format!("d_pred_q[{}:0]", n_leds - 1)
    };
    let inv = |low: bool, e: &str| if low { format!("~{e}") } else { e.to_string() };
    let module = format!("{}_board", plan.top);
    let header = format!(
        "Generated by asnn-generator {} for board {}; do not edit.",
        env!("CARGO_PKG_VERSION"),
        board.name
    );
    let d_len = 9 + n_cls as u32 * sb;
    let ctx = BoardCtx {
        header: header.clone(),
        module: module.clone(),
        core: plan.top.clone(),
        board_desc: sanitize_comment(&board.description),
        clock_doc: match (pll, ecp5) {
            (Some(p), _) => format!(
                "{} MHz oscillator, PLL to {:.4} MHz",
                board.osc_mhz, p.fout_mhz
            ),
            (None, Some(p)) => format!(
                "{} MHz oscillator, PLL to {:.4} MHz",
                board.osc_mhz, p.fout_mhz
            ),
            (None, None) => format!("{} MHz oscillator, no PLL", board.osc_mhz),
        },
        loader_doc: if loader {
            "SPI-flash loader for the SPRAM weights".to_string()
        } else {
            "no weight loader (every memory is initialised by the bitstream)".to_string()
        },
        baud,
        cpb,
        has_reset: board.reset_n_pin.is_some(),
        loader,
        led_ok: board.led_ok_pin.is_some(),
        led_err: board.led_err_pin.is_some(),
        leds_decl: decl(u64::from(n_leds)),
        in_aw,
        x_w,
        n_cls,
        cls_w,
        ro_bits: b_ro,
        d_len,
        in_last: n_in - 1,
        n_in,
        design_id: format!("{:08x}", design.id),
        pll: pll_kind,
        pll_doc,
        divr: pll.map_or(0, |p| p.divr),
        divf: pll.map_or(0, |p| p.divf),
        divq: pll.map_or(0, |p| p.divq),
        filter: pll.map_or(0, |p| p.filter_range),
        clki_div: ecp5.map_or(1, |p| p.clki_div),
        clkfb_div: ecp5.map_or(1, |p| p.clkfb_div),
        clkop_div: ecp5.map_or(1, |p| p.clkop_div),
        clkop_cphase: ecp5.map_or(0, |p| p.clkop_cphase),
        fin_mhz: format!("{}", board.osc_mhz),
        fout_mhz: format!("{:.4}", clock),
        out_aw_decl: decl(u64::from(addr_bits(plan.layers[n_layers - 2].neurons))),
        out_pay_decl: decl(u64::from(net.layers[n_layers - 2].q.state_bits)),
        scores_decl: decl(n_cls as u64 * u64::from(b_ro)),
        cls_decl: decl(u64::from(cls_w)),
        cls_zero: lit(cls_w, 0),
        dbg_valid_decl: decl(n_dbg),
        dbg_addr_decl: decl(n_dbg * 24),
        dbg_pay_decl: decl(n_dbg * 32),
        segs: seg_ctx,
        word_max,
        wa_max,
        seg_decl: decl(u64::from(seg_w)),
        seg_zero: lit(seg_w, 0),
        seg_last: lit(seg_w, segs.len().max(1) as u64 - 1),
        flash_offset: format!("{:06x}", flash.as_ref().map_or(0, |f| f.offset)),
        // tRES1 is 3 us on common parts; wait 10 us.
        wake_clks: (clock * 10.0).ceil() as u32 + 16,
        scores_bytes,
        pred_byte,
        score_bytes: sb,
        leds_expr,
        leds_out: inv(board.leds_active_low, "leds"),
        led_ok_expr: inv(board.status_active_low, "(status_q == 2'd1)"),
        led_err_expr: inv(
            board.status_active_low,
            "(status_q[1] || flags_q[3:1] != 3'd0)",
        ),
    };
    let mut files = vec![OutFile {
        name: format!("{module}.v"),
        contents: ctx
            .render()
            .map_err(|e| GenError::Template(e.to_string()))?,
    }];
    for (name, text) in BOARD_LIBRARY {
        files.push(OutFile {
            name: name.to_string(),
            contents: text.to_string(),
        });
    }
    let tb = TbBoardCtx {
        header: header.clone(),
        module: module.clone(),
        leds_decl: decl(u64::from(n_leds)),
        loader,
        flash_offset: format!("{:06x}", flash.as_ref().map_or(0, |f| f.offset)),
        image_size: image.as_ref().map_or(0, Vec::len).max(1),
        led_ok: board.led_ok_pin.is_some(),
        led_err: board.led_err_pin.is_some(),
        has_reset: board.reset_n_pin.is_some(),
        dbg_lanes: &lanes,
        n_cls,
        ro_bits: b_ro,
    };
    files.push(OutFile {
        name: "tb_board.sv".into(),
        contents: tb.render().map_err(|e| GenError::Template(e.to_string()))?,
    });
    files.push(OutFile {
        name: "tb_board.cpp".into(),
        contents: HarnessCtx {
            header: header.clone(),
            cpb,
        }
        .render()
        .map_err(|e| GenError::Template(e.to_string()))?,
    });
    if let Some(img) = &image {
        let mut hex = String::with_capacity(img.len() * 3);
        for b in img {
            hex.push_str(&format!("{b:02x}\n"));
        }
        files.push(OutFile {
            name: "weights.hex".into(),
            contents: hex,
        });
    }
    // File list of the board design (core files first, then the board's).
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
    files.push(OutFile {
        name: "board_files.f".into(),
        contents: list,
    });
    files.push(constraints_file(board, &module, loader)?);
    Ok(BoardDesign {
        files,
        top: module,
        clock_mhz: clock,
        pll,
        ecp5_pll: ecp5,
        baud,
        clocks_per_bit: cpb,
        image,
        flash_offset: flash.map(|f| f.offset),
    })
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
    let mut text = format!(
        "# Pin constraints of {module} on {} (from constraints/{}.toml).\n",
        board.description, board.name
    );
    Ok(match dev.family {
        Family::Ice40 => {
            for (sig, pin) in &pins {
                text.push_str(&format!("set_io {sig} {pin}\n"));
            }
            OutFile {
                name: format!("{}.pcf", board.name),
                contents: text,
            }
        }
        Family::Ecp5 => {
            text.push_str(&format!(
                "FREQUENCY PORT \"clk_pin_i\" {} MHZ;\n",
                board.osc_mhz
            ));
            for (sig, pin) in &pins {
                text.push_str(&format!(
                    "LOCATE COMP \"{sig}\" SITE \"{pin}\";\nIOBUF PORT \"{sig}\" IO_TYPE=LVCMOS33;\n"
                ));
            }
            OutFile {
                name: format!("{}.lpf", board.name),
                contents: text,
            }
        }
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
