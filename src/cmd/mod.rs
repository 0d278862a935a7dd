//! One module per subcommand.

pub mod board;
pub mod build;
pub mod calibrate;
pub mod check;
pub mod cosim;
pub mod demo;
pub mod eval;
pub mod explore;
pub mod generate;
pub mod sim;
pub mod stream;
