//! # asnn-numerics
//!
//! The integer specification of the adaptive spiking neuron network
//! (`docs/numerics.md`) and the golden model that executes it. This crate is the
//! contract every generated design is checked against.
//!
//! Invariants: no floating point (enforced by `clippy.toml` and the lint below), no I/O,
//! no panics on a network that passed [`QNetwork::validate`] and an input that passed
//! [`RawInput::validate`].
#![deny(clippy::float_arithmetic)]

pub mod fixed;
pub mod golden;
pub mod input;
pub mod qnet;
pub mod synapse;

pub use golden::{
    accumulate, argmax_i64, deliver, readout_margin, ExitMargin, Golden, GoldenTrace, RunOptions,
    SatCounts, Spike, WatchRow,
};
pub use input::{InputEvent, RawInput};
pub use qnet::{
    Arithmetic, Coding, Conn, ConvGeom, Pool, PoolKind, QError, QLayer, QNetwork, QParams,
};
