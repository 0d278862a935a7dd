//! Lattice iCE40 (UP5K, HX8K): Debian's yosys, nextpnr-ice40 and icepack.

use super::{CellNames, Facts, Family, PnrResources, ToolName};
use serde::{Deserialize, Serialize};

pub static FACTS: Facts = Facts {
    family: Family::Ice40,
    name: "ice40",
    default_clock_mhz: 24.0,
    logic_max_bits: 256,
    logic_fallback_bits: 4096,
    bram_shapes: &[(16, 256), (8, 512), (4, 1024), (2, 2048)],
    synth: |top| format!("synth_ice40 -top {top} -dsp"),
    yosys: ToolName {
        names: &["yosys"],
        install_hint: "apt-get install yosys (bash scripts/test.sh does)",
    },
    nextpnr: ToolName {
        names: &["nextpnr-ice40"],
        install_hint: "apt-get install nextpnr-ice40",
    },
    pack: ToolName {
        names: &["icepack"],
        install_hint: "apt-get install fpga-icestorm",
    },
    nextpnr_device_args: |device, package| {
        vec![format!("--{device}"), "--package".into(), package.into()]
    },
    constraints_flag: "--pcf",
    constraints_ext: "pcf",
    pnr_output_flag: "--asc",
    pnr_output_ext: "asc",
    bitstream_ext: "bin",
    constraints: |header, _osc_mhz, pins| {
        let mut text = header.to_string();
        for (sig, pin) in pins {
            text.push_str(&format!("set_io {sig} {pin}\n"));
        }
        text
    },
    cell_models: "ice40/cells_sim.v",
    cell_model_defines: &["-DNO_ICE40_DEFAULT_ASSIGNMENTS"],
    cells: CellNames {
        lut: "SB_LUT4",
        ff_prefix: "SB_DFF",
        bram: "SB_RAM40_4K",
        spram: Some("SB_SPRAM256KA"),
        dsp: "SB_MAC16",
    },
    pnr: PnrResources {
        logic: "ICESTORM_LC",
        bram: "ICESTORM_RAM",
        spram: Some("ICESTORM_SPRAM"),
        dsp: "ICESTORM_DSP",
    },
};

/// iCE40 PLL settings (SIMPLE feedback): f_out = f_in (DIVF + 1) / ((DIVR + 1) 2^DIVQ).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ice40Pll {
    pub divr: u32,
    pub divf: u32,
    pub divq: u32,
    pub filter_range: u32,
    pub fout_mhz: f64,
}

/// The PLL primitive with the clock pin as its pad, and the one fed through the fabric.
pub const PLL_PAD: &str = "SB_PLL40_PAD";
pub const PLL_CORE: &str = "SB_PLL40_CORE";

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
