//! `asnn`: the command-line tool. Glue only: every stage lives in its own crate.

mod bundled;
mod cmd;
mod common;
mod models;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "asnn",
    version,
    about = "Adapting Spiking Neural Networks: import a trained network, simulate it bit-exactly, compare it with rate-coded baselines"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Validate a network and summarise it (layers, neurons, synapses, widths).
    Check(cmd::check::Args),
    /// Simulate samples; per sample: prediction, spikes per layer, readout trace.
    Sim(cmd::sim::Args),
    /// Calibrate: choose per-layer theta0 and fixed-point formats from training data
    /// and write the network with them made explicit.
    Calibrate(cmd::calibrate::Args),
    /// Run the bundled digits example through every model.
    Demo(cmd::demo::Args),
    /// Co-simulate the generated design against the golden model, spike for spike.
    Cosim(cmd::cosim::Args),
    /// Co-simulate seeded random networks with random hardware choices (lanes, early
    /// exit), each against the golden model.
    CosimRandom(cmd::cosim::RandomArgs),
    /// Build a bitstream for a board: generate, synthesise (yosys), place and route
    /// (nextpnr), pack (icepack / ecppack), then report resources, Fmax, the critical path,
    /// cycles per inference and latency (report.json, summary.md).
    Build(cmd::build::Args),
    /// Stream a dataset to a board (or the simulated board's pseudo-terminal) over its
    /// UART host link and check every answer against the golden model.
    Run(cmd::board::RunArgs),
    /// Sweep neuron-core parallelism and weight widths on a board: every point planned,
    /// generated, synthesised, placed and routed and co-simulated (cached by a content
    /// hash, so a rerun only builds new points); the golden model's accuracy per width;
    /// a table (explore.md / .csv / .json) and SVG plots with the Pareto front.
    Explore(cmd::explore::Args),
    /// Build the board top in Verilator (PLL bypassed, UART, flash loader and a flash
    /// model) and serve it on a pseudo-terminal whose path is printed: a board without
    /// hardware, for `asnn run --port`.
    BoardSim(cmd::board::SimArgs),
    /// Generate the hardware: plan, Verilog (core library, layers, top), $readmemh
    /// memory images, a file list and plan.json, into a folder.
    Generate(cmd::generate::Args),
    /// Evaluate ANN, float ASNN, integer ASNN and both rate-coded baselines on a
    /// labelled dataset: accuracy, spikes, synops, decision step, steps to 99% of the ANN.
    Eval(cmd::eval::Args),
    /// Stream consecutive frames (each held K steps, no reset) through the integer
    /// ASNN; compare its synaptic operations with the ANN's per-frame MACs.
    Stream(cmd::stream::Args),
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Check(a) => cmd::check::run(&a),
        Cmd::Sim(a) => cmd::sim::run(&a),
        Cmd::Calibrate(a) => cmd::calibrate::run(&a),
        Cmd::Demo(a) => cmd::demo::run(&a),
        Cmd::Cosim(a) => cmd::cosim::run(&a),
        Cmd::CosimRandom(a) => cmd::cosim::run_random(&a),
        Cmd::Build(a) => cmd::build::run(&a),
        Cmd::Run(a) => cmd::board::run(&a),
        Cmd::Explore(a) => cmd::explore::run(&a),
        Cmd::BoardSim(a) => cmd::board::serve(&a),
        Cmd::Generate(a) => cmd::generate::run(&a),
        Cmd::Eval(a) => cmd::eval::run(&a),
        Cmd::Stream(a) => cmd::stream::run(&a),
    }
}
