//! One module per subcommand.

pub mod calibrate;
pub mod check;
pub mod demo;
pub mod eval;
pub mod sim;
pub mod stream;
