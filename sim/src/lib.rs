//! # asnn-sim
//!
//! Simulators over the network IR: the ANN, the float ASNN reference, the IF
//! baseline, the calibrator (which drives the integer golden model of
//! `asnn-numerics`), and evaluation over labelled samples. No file I/O.

pub mod ann;
pub mod calibrate;
pub mod eval;
pub mod float_asnn;
pub mod if_baseline;
pub mod trace;

pub use ann::{final_frame, Ann};
pub use calibrate::{calibrate, needs_calibration, Calibration};
pub use eval::{summarize, ModelKind, Models, Outcome, Summary};
pub use float_asnn::FloatAsnn;
pub use if_baseline::{IfBaseline, IfVariant};
pub use trace::{argmax_f64, decision_step, ProbeState, SimOptions, Trace};
pub mod random;
