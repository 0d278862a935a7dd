//! FPGA families: everything asnn knows about one family, in one file each
//! ([`ice40`], [`ecp5`]): the plan's memory rules, the PLL search, the pin-constraint
//! syntax, the yosys / nextpnr / packer commands and their flags, the cell models for
//! netlist simulation, and the primitive and resource names the build report reads.
//! A new family is a new file here, a [`Family`] variant and a row in `device.rs`.
//!
//! Facts only: nothing here runs a tool (the tool crate, `asnn-eda`, does).

pub mod ecp5;
pub mod ice40;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ice40,
    Ecp5,
}

impl Family {
    /// This family's facts.
    pub fn facts(self) -> &'static Facts {
        match self {
            Family::Ice40 => &ice40::FACTS,
            Family::Ecp5 => &ecp5::FACTS,
        }
    }
}

/// A tool the flow needs: the executable names to look for, in order, and how to get it.
#[derive(Debug)]
pub struct ToolName {
    pub names: &'static [&'static str],
    pub install_hint: &'static str,
}

/// Cell names in yosys `stat` output, for the build report.
#[derive(Debug)]
pub struct CellNames {
    pub lut: &'static str,
    /// Flip-flop cells: every cell whose name starts with this.
    pub ff_prefix: &'static str,
    pub bram: &'static str,
    /// Large single-port RAM (None: the family has none).
    pub spram: Option<&'static str>,
    pub dsp: &'static str,
}

/// Resource names in nextpnr's report.
#[derive(Debug)]
pub struct PnrResources {
    pub logic: &'static str,
    pub bram: &'static str,
    pub spram: Option<&'static str>,
    pub dsp: &'static str,
}

/// What the plan, the board top and the flow need to know about one family.
#[derive(Debug)]
pub struct Facts {
    pub family: Family,
    /// The family's folder in yosys's share directory (`ice40`, `ecp5`).
    pub name: &'static str,
    /// The core clock a plan assumes when `[hardware]` names none (MHz).
    pub default_clock_mhz: f64,
    /// Memories of at most this many bits stay in logic (see `plan::keep_in_logic`).
    pub logic_max_bits: u64,
    /// The largest memory the block-RAM overflow pass moves back to logic.
    pub logic_fallback_bits: u64,
    /// The block RAM's aspect ratios (width, depth).
    pub bram_shapes: &'static [(u64, u64)],
    /// The yosys synthesis command for a top module.
    pub synth: fn(top: &str) -> String,
    pub yosys: ToolName,
    pub nextpnr: ToolName,
    pub pack: ToolName,
    /// nextpnr's device arguments (before --json, --freq ...).
    pub nextpnr_device_args: fn(device: &str, package: &str) -> Vec<String>,
    /// nextpnr's constraint flag and the constraint file's extension (`--pcf`, `pcf`).
    pub constraints_flag: &'static str,
    pub constraints_ext: &'static str,
    /// nextpnr's output flag and extension (`--asc`, `asc`), the packer's output
    /// extension (`bin`).
    pub pnr_output_flag: &'static str,
    pub pnr_output_ext: &'static str,
    pub bitstream_ext: &'static str,
    /// The constraint file's text for (signal, pin) pairs.
    pub constraints: fn(header: &str, osc_mhz: f64, pins: &[(String, &str)]) -> String,
    /// Cell models for simulating a synthesised netlist, relative to yosys's share
    /// directory, and the defines they need.
    pub cell_models: &'static str,
    pub cell_model_defines: &'static [&'static str],
    pub cells: CellNames,
    pub pnr: PnrResources,
}

/// What the build report's primitive checks mean (`report.json`'s `checks.*.what`),
/// naming both families' primitives.
pub mod check_text {
    pub const BLOCK_RAM: &str = "the block RAM primitives (SB_RAM40_4K / DP16KD) yosys made can hold at least 90% of the bits the plan put in block RAM: no large memory went to logic (yosys may pack tighter than the plan's estimate, or put a small memory in distributed RAM)";
    pub const SPRAM: &str = "SPRAM weights mapped to SB_SPRAM256KA";
    pub const MULTIPLIERS: &str =
        "every decay/adaptation multiplier in a DSP (SB_MAC16 / MULT18X18D)";
}
