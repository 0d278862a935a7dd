//! # asnn-report
//!
//! Presentation only: aligned text tables and SVG line plots, returned as strings.
//! No I/O and no knowledge of the simulators; callers pass plain numbers.

mod plot;
mod table;

pub use plot::{line_plot, Axis, Series};
pub use table::table;
