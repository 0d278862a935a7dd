//! # asnn-eda
//!
//! Everything in asnn that runs an external tool, with typed results:
//!
//! - [`process`]: the one process runner (output drained on threads, timeouts, typed
//!   errors with the command line and the output's tail);
//! - [`tools`]: finding the tools (`ASNN_TOOL_<NAME>` overrides, PATH, YoWASP);
//! - [`simulator`]: the Verilator and Icarus back ends; [`lint`] the checks every
//!   generated design passes;
//! - [`cosim`]: a design against the golden model, sample by sample ([`cosim::CosimVerdict`]),
//!   and the random-network co-simulation;
//! - [`flow`]: yosys -> nextpnr -> packer ([`flow::BuildReport`]);
//! - [`board`] and [`hostlink`]: the board design, the simulated board behind a
//!   pseudo-terminal, and the host side of the UART link;
//! - [`explore`]: the design-space sweep (typed points and statuses, a content-hash
//!   cache, job arrays);
//! - [`inputs`]: loading networks, hardware choices, datasets and calibration.
//!
//! What a user reads (`report.json`, the cosim JSON, `explore.json`) is serialised
//! from these types at the edge; nothing inside passes JSON around. Progress goes
//! through [`progress::Progress`], so the CLI decides how it looks.

pub mod board;
pub mod cosim;
pub mod explore;
pub mod flow;
pub mod hostlink;
pub mod inputs;
pub mod lint;
pub mod process;
pub mod progress;
pub mod simulator;
pub mod tools;
