//! # asnn-report
//!
//! Presentation only: aligned text tables, SVG line and scatter plots, returned as
//! strings, and the Pareto front of a set of candidates.
//! No I/O and no knowledge of the simulators; callers pass plain numbers.

mod pareto;
mod plot;
mod table;

pub use pareto::{pareto_front, Objective};
pub use plot::{line_plot, Axis, Series};
pub use table::table;
