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
pub mod tune;

pub use ann::{final_frame, Ann};
pub use calibrate::{
    calibrate, calibrate_labelled, calibrate_observed, needs_calibration, Calibration,
    FractionTrial, TrialHook,
};
pub use eval::{
    interpolated_spikes_to, summarize, FrontierPoint, ModelKind, Models, Outcome, Summary,
    FRONTIER_LEVELS,
};
pub use float_asnn::FloatAsnn;
pub use if_baseline::{IfBaseline, IfVariant};
pub use trace::{argmax_f64, decision_step, ProbeState, SimOptions, Trace};
pub use tune::{IfTrial, IfTuning, IF_PERCENTILES};
pub mod random;
