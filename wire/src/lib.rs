//! # asnn-wire
//!
//! Every byte or text format that crosses between generated hardware and the host, in
//! one module each, used by both sides: the generator takes its constants from here
//! when it renders `tb.sv` and `board.v`, and the tool crate (`asnn-eda`) encodes and
//! parses with the same functions.
//!
//! - [`tb`]: the core testbench's stimulus lines and its log (docs/hardware-plan.md).
//! - [`uart`]: the board's host-link framing (docs/host-link.md).
//! - [`flash`]: the SPI-flash weight image the board's loader reads (docs/host-link.md).
//!
//! Invariant: no I/O. Readers are generic over `std::io::BufRead`, writers return bytes
//! or text; the caller opens files and ports.

pub mod flash;
pub mod tb;
pub mod uart;

/// A byte as a sized Verilog literal, `8'h53`.
pub fn verilog_byte(b: u8) -> String {
    format!("8'h{b:02X}")
}
