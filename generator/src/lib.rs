//! # asnn-generator
//!
//! From an integer network ([`asnn_numerics::QNetwork`], whose contract is
//! `docs/numerics.md`) and the user's `[hardware]` choices, makes a hardware plan
//! ([`plan::Plan`]) and renders it to Verilog: the hand-written core library in
//! `rtl-templates/lib/` plus askama-rendered layer and top modules, `$readmemh` memory
//! images, a file list and `plan.json`.
//!
//! Invariants: no I/O (the caller writes the returned files); output is a pure
//! function of the input (no dates, paths or hash-map order), so two runs give the same
//! bytes; this crate never simulates and never depends on `asnn-sim`.

pub mod board;
pub mod device;
pub mod emit;
pub mod family;
pub mod hw;
pub mod plan;

pub use emit::OutFile;
pub use hw::{HwFile, HwSpec};
pub use plan::Plan;

use asnn_numerics::QNetwork;

/// Why a design cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("network: {0}")]
    Network(String),
    #[error("hardware: {0}")]
    Hw(String),
    #[error("does not fit: {0}")]
    Capacity(String),
    #[error("not supported by the RTL generator: {0}")]
    Unsupported(String),
    #[error("template: {0}")]
    Template(String),
}

/// A generated design.
pub struct Design {
    pub plan: Plan,
    pub files: Vec<OutFile>,
    /// Design id: the first 32 bits of the hash of the integer network and hardware
    /// choices. The board top reports it and the flash image carries it, so a host or
    /// loader can tell that it talks to the design it expects.
    pub id: u32,
}

/// Plans and renders the design for `net` (with frame or event input).
pub fn generate(net: &QNetwork, hw: &HwSpec, frame_input: bool) -> Result<Design, GenError> {
    let plan = plan::make_plan(net, hw, frame_input)?;
    let mut h = blake3::Hasher::new();
    h.update(serde_json::to_string(net).unwrap_or_default().as_bytes());
    h.update(serde_json::to_string(hw).unwrap_or_default().as_bytes());
    h.update(&[u8::from(frame_input)]);
    let hash = h.finalize().to_hex();
    let files = emit::emit(net, &plan, &hash[..16])?;
    let id = u32::from_str_radix(&hash[..8], 16).unwrap_or(0);
    Ok(Design { plan, files, id })
}
