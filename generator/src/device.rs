//! The FPGA devices asnn plans for and their resources (hardware-notes.md; ECP5
//! figures from Lattice's family data sheet, checked against nextpnr's report by the
//! FPGA flow). What a family is (tools, primitives, memory rules) is in `family/`.

use serde::Serialize;

/// One device's resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    /// Name used in `hw.toml` (`device = "..."`).
    pub name: &'static str,
    pub family: Family,
    /// Logic cells (iCE40: LUT4 + FF) or LUT4s (ECP5).
    pub luts: u32,
    /// Block RAMs and the bits of one.
    pub bram_blocks: u32,
    pub bram_bits: u32,
    /// Large single-port RAMs (iCE40 UP SPRAM): count and bits of one.
    pub spram_blocks: u32,
    pub spram_bits: u32,
    /// Hard multipliers (iCE40 16x16, ECP5 18x18).
    pub dsps: u32,
}

pub use crate::family::Family;

impl Device {
    pub fn bram_total_bits(&self) -> u64 {
        u64::from(self.bram_blocks) * u64::from(self.bram_bits)
    }
    pub fn spram_total_bits(&self) -> u64 {
        u64::from(self.spram_blocks) * u64::from(self.spram_bits)
    }
}

/// The device table.
pub const DEVICES: [Device; 5] = [
    Device {
        name: "up5k",
        family: Family::Ice40,
        luts: 5280,
        bram_blocks: 30,
        bram_bits: 4096,
        spram_blocks: 4,
        spram_bits: 262_144,
        dsps: 8,
    },
    Device {
        name: "hx8k",
        family: Family::Ice40,
        luts: 7680,
        bram_blocks: 32,
        bram_bits: 4096,
        spram_blocks: 0,
        spram_bits: 0,
        dsps: 0,
    },
    Device {
        name: "ecp5-12f",
        family: Family::Ecp5,
        luts: 12_288,
        bram_blocks: 32,
        bram_bits: 18_432,
        spram_blocks: 0,
        spram_bits: 0,
        dsps: 28,
    },
    Device {
        name: "ecp5-25f",
        family: Family::Ecp5,
        luts: 24_288,
        bram_blocks: 56,
        bram_bits: 18_432,
        spram_blocks: 0,
        spram_bits: 0,
        dsps: 28,
    },
    Device {
        name: "ecp5-85f",
        family: Family::Ecp5,
        luts: 83_640,
        bram_blocks: 208,
        bram_bits: 18_432,
        spram_blocks: 0,
        spram_bits: 0,
        dsps: 156,
    },
];

/// Looks a device up by its `hw.toml` name.
pub fn device(name: &str) -> Option<&'static Device> {
    DEVICES.iter().find(|d| d.name == name)
}

/// The names, for error messages.
pub fn device_names() -> String {
    DEVICES
        .iter()
        .map(|d| d.name)
        .collect::<Vec<_>>()
        .join(", ")
}
