//! # asnn-ir
//!
//! The float network IR, its validation, and the quantizer that turns it into the
//! integer network of `docs/numerics.md`. Pure data and pure functions: no I/O.

pub mod error;
pub mod network;
pub mod params;
pub mod quantize;

pub use error::IrError;
pub use network::{InputKind, InputSpec, Layer, Network, NetworkSpec, RawKind, RawLayer, Tensor};
pub use params::{
    shift_decay, shift_m_f, tau_of_decay, AsnOverride, AsnParams, CalibConfig, CalibTarget,
    QuantOverride, QuantParams, Theta0, THETA0_FRACTIONS, THETA0_FRACTIONS_WIDE,
};
pub use quantize::{
    quantize, resolve_theta0, resolve_theta0_per_layer, CalibStats, LayerQuantInfo,
};
