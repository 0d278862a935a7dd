//! `asnn`: the command-line tool. Glue only: every stage lives in its own crate.

mod bundled;
mod cmd;
mod common;
mod models;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    Check {
        /// network.toml, or a directory holding one.
        net: PathBuf,
    },
    /// Simulate samples; per sample: prediction, spikes per layer, readout trace.
    Sim {
        net: PathBuf,
        /// Input samples: idx:DIR[:PREFIX], events:FILE.csv, or an IDX images file.
        #[arg(long)]
        input: String,
        /// Which model to run.
        #[arg(long, value_enum, default_value_t = Model::AsnnInt)]
        model: Model,
        /// Shorthand for --model asnn-float.
        #[arg(long, conflicts_with = "model")]
        float: bool,
        #[command(flatten)]
        cal: CalibArgs,
        /// Simulate only the first N input samples.
        #[arg(long)]
        samples: Option<usize>,
        /// Override the network's number of time steps.
        #[arg(long)]
        steps: Option<u32>,
        /// Write per-sample results (with readout traces) as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Include every spike [step, layer, neuron, payload] in the JSON.
        #[arg(long, requires = "json")]
        spikes: bool,
    },
    /// Calibrate: choose per-layer theta0 and fixed-point formats from training data
    /// and write the network with them made explicit.
    Calibrate {
        net: PathBuf,
        /// Calibration samples from the training split: idx:DIR[:PREFIX] or events:FILE.csv.
        #[arg(long)]
        calib: String,
        /// Use N calibration samples, spread evenly over the file.
        #[arg(long, default_value_t = 1000)]
        calib_samples: usize,
        /// Output network.toml (weights are referenced, not copied).
        #[arg(short, long)]
        output: PathBuf,
        /// Write the calibration report as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Run the bundled digits example through every model.
    Demo {
        /// Write {"models": {...}} as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Override the number of time steps (default: the network's, 300).
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Co-simulate the generated design against the golden model, spike for spike.
    Cosim {
        net: PathBuf,
        /// Hardware choices (hw.toml with a [hardware] table).
        #[arg(long)]
        hw: Option<PathBuf>,
        /// Samples: idx:DIR[:PREFIX] or events:FILE.csv (default: the example's test slice).
        #[arg(long)]
        dataset: Option<String>,
        /// Only the first N samples.
        #[arg(long)]
        samples: Option<usize>,
        #[arg(long, value_enum, default_value_t = SimArg::Verilator)]
        sim: SimArg,
        #[command(flatten)]
        cal: CalibArgs,
        /// Write the summary as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Work folder for the design and simulator build (default: a temp folder).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Dump a VCD of the whole run (DIR/wave.vcd); without it, a failing sample's VCD
        /// is written on its own (DIR/failing-sample/wave.vcd).
        #[arg(long)]
        vcd: bool,
        /// Write a JUnit XML report: one test case per sample.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Apply a one-place text mutation FILE:FROM:TO to the generated design before
        /// simulating (to check that the diff catches a wrong design). Repeatable.
        #[arg(long)]
        mutate: Vec<String>,
        /// Co-simulate the whole board top of this board (PLL bypassed; UART host link
        /// driven through a pseudo-terminal by the code of `asnn run`; flash loader with a
        /// flash model) in Verilator.
        #[arg(long)]
        board: Option<String>,
        /// Host-link baud rate with --board.
        #[arg(long, default_value_t = asnn_generator::board::DEFAULT_BAUD)]
        baud: u32,
        /// Co-simulate the synthesised netlist (yosys write_verilog + the family's
        /// cells_sim.v) instead of the RTL.
        #[arg(long)]
        netlist: bool,
    },
    /// Co-simulate seeded random networks with random hardware choices (lanes, early
    /// exit), each against the golden model.
    CosimRandom {
        /// First seed.
        #[arg(long, default_value_t = 0)]
        first: u64,
        /// Number of seeds.
        #[arg(long, default_value_t = 20)]
        count: u64,
        #[arg(long, value_enum, default_value_t = SimArg::Verilator)]
        sim: SimArg,
        /// Networks built and simulated at once.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Build a bitstream for a board: generate, synthesise (yosys), place and route
    /// (nextpnr), pack (icepack / ecppack), then report resources, Fmax, the critical path,
    /// cycles per inference and latency (report.json, summary.md).
    Build {
        net: PathBuf,
        #[command(flatten)]
        b: BoardOpts,
        /// Co-simulate this many samples of the bundled test slice (or --dataset) for the
        /// measured cycles per inference; 0 uses the cycle model alone.
        #[arg(long, default_value_t = 20)]
        cosim_samples: usize,
        /// Samples for the cycle measurement: idx:DIR[:PREFIX] or events:FILE.csv.
        #[arg(long)]
        dataset: Option<String>,
        /// nextpnr placement seed.
        #[arg(long, default_value_t = 1)]
        seed: u32,
        /// Output folder.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Stream a dataset to a board (or the simulated board's pseudo-terminal) over its
    /// UART host link and check every answer against the golden model.
    Run {
        net: PathBuf,
        #[command(flatten)]
        b: BoardOpts,
        /// Serial device of the board (e.g. /dev/ttyUSB1).
        #[arg(long)]
        port: PathBuf,
        /// Samples: idx:DIR[:PREFIX] or events:FILE.csv (default: the example's test slice).
        #[arg(long)]
        dataset: Option<String>,
        /// Only the first N samples.
        #[arg(long)]
        samples: Option<usize>,
        /// Seconds to wait for one answer.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// Write the summary as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Sweep neuron-core parallelism and weight widths on a board: every point planned,
    /// generated, synthesised, placed and routed and co-simulated (cached by a content
    /// hash, so a rerun only builds new points); the golden model's accuracy per width;
    /// a table (explore.md / .csv / .json) and SVG plots with the Pareto front.
    Explore {
        /// The network (not with --collect).
        #[arg(required_unless_present = "collect")]
        net: Option<PathBuf>,
        /// Board: icebreaker, upduino (iCE40 UP5K), ulx3s, orangecrab (ECP5).
        #[arg(long, required_unless_present = "collect")]
        board: Option<String>,
        /// Lanes per core to try (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16")]
        lanes: Vec<u32>,
        /// Neuron cores per layer to try (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1")]
        cores: Vec<u32>,
        /// Weight widths to try, every layer (comma-separated; default: the network's own).
        #[arg(long, value_delimiter = ',')]
        weight_bits: Vec<u32>,
        /// Base hardware choices (hw.toml: device, early exit, weight memories); lanes and
        /// cores come from the sweep.
        #[arg(long)]
        hw: Option<PathBuf>,
        /// Core clock in MHz (default: the board's).
        #[arg(long)]
        freq: Option<f64>,
        /// Host-link baud rate.
        #[arg(long, default_value_t = asnn_generator::board::DEFAULT_BAUD)]
        baud: u32,
        #[command(flatten)]
        cal: CalibArgs,
        /// Samples: idx:DIR[:PREFIX] or events:FILE.csv (default: the example's test slice).
        #[arg(long)]
        dataset: Option<String>,
        /// Samples co-simulated per point for the measured cycles per inference.
        #[arg(long, default_value_t = 3)]
        cosim_samples: usize,
        /// Samples for each weight width's golden-model accuracy (0: none).
        #[arg(long, default_value_t = 1000)]
        accuracy_samples: usize,
        /// nextpnr placement seed.
        #[arg(long, default_value_t = 1)]
        seed: u32,
        /// Points built at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Write the points as a Slurm job array (jobs/sweep.sbatch) and a plain shell
        /// list (jobs/points.txt, jobs/run-all.sh) instead of running them.
        #[arg(long)]
        emit_jobs: bool,
        /// Run the points but write no table (each job of an emitted array).
        #[arg(long, hide = true)]
        no_summary: bool,
        /// Merge the point results in DIR (from jobs) into the table and plots.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["emit_jobs", "no_summary"])]
        collect: Option<PathBuf>,
        /// Output folder (also the cache: rerun with the same folder).
        #[arg(short, long, required_unless_present = "collect")]
        output: Option<PathBuf>,
    },
    /// Build the board top in Verilator (PLL bypassed, UART, flash loader and a flash
    /// model) and serve it on a pseudo-terminal whose path is printed: a board without
    /// hardware, for `asnn run --port`.
    BoardSim {
        net: PathBuf,
        #[command(flatten)]
        b: BoardOpts,
        /// Work folder (default: a temp folder).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Serve this flash image ($readmemh bytes, as DIR/weights.hex) instead of the
        /// design's own (e.g. a damaged or foreign image, to see the loader refuse it).
        #[arg(long)]
        flash: Option<PathBuf>,
    },
    /// Generate the hardware: plan, Verilog (core library, layers, top), $readmemh
    /// memory images, a file list and plan.json, into a folder.
    Generate {
        net: PathBuf,
        /// Hardware choices: a TOML file with a [hardware] table (docs/hardware-plan.md).
        #[arg(long)]
        hw: Option<PathBuf>,
        #[command(flatten)]
        cal: CalibArgs,
        /// Output folder.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Evaluate ANN, float ASNN, integer ASNN and both rate-coded baselines on a
    /// labelled dataset: accuracy, spikes, synops, decision step, steps to 99% of the ANN.
    Eval {
        net: PathBuf,
        /// Labelled test samples: idx:DIR[:PREFIX] (prefix t10k by default) or events:FILE.csv.
        #[arg(long)]
        dataset: String,
        #[command(flatten)]
        cal: CalibArgs,
        /// Evaluate only the first N samples.
        #[arg(long)]
        samples: Option<usize>,
        /// Override the network's number of time steps.
        #[arg(long)]
        steps: Option<u32>,
        /// Write every figure (accuracy and spikes by step included) as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write accuracy_vs_step.svg and accuracy_vs_spikes.svg here.
        #[arg(long)]
        plots: Option<PathBuf>,
        /// Also run the integer ASNN for these calibration.theta0_fraction values.
        #[arg(long, value_delimiter = ',')]
        theta0_sweep: Option<Vec<f64>>,
        /// Seed of the Poisson baseline's input spike trains.
        #[arg(long, default_value_t = models::POISSON_SEED)]
        seed: u64,
    },
    /// Stream consecutive frames (each held K steps, no reset) through the integer
    /// ASNN; compare its synaptic operations with the ANN's per-frame MACs.
    Stream {
        net: PathBuf,
        /// Labelled frames: idx:DIR[:PREFIX].
        #[arg(long)]
        dataset: String,
        #[command(flatten)]
        cal: CalibArgs,
        /// Number of consecutive frames.
        #[arg(long, default_value_t = 1000)]
        frames: usize,
        /// Steps each frame is held; several values give several runs.
        #[arg(long, value_delimiter = ',', default_value = "10,50")]
        hold: Vec<u32>,
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

/// Where calibration data comes from (training data, never the test set).
#[derive(clap::Args)]
struct CalibArgs {
    /// Calibration samples from the training split: idx:DIR[:PREFIX] or events:FILE.csv.
    /// Needed when the network has theta0 = "auto" or unfixed formats, and by eval.
    #[arg(long)]
    calib: Option<String>,
    /// Use N calibration samples, spread evenly over the file (not the first N: training
    /// files may be sorted by class).
    #[arg(long, default_value_t = 1000)]
    calib_samples: usize,
}

#[derive(clap::Args)]
struct BoardOpts {
    /// Board: icebreaker, upduino (iCE40 UP5K), ulx3s, orangecrab (ECP5).
    #[arg(long)]
    board: String,
    /// Hardware choices (hw.toml with a [hardware] table; default: the board's device).
    #[arg(long)]
    hw: Option<PathBuf>,
    /// Core clock in MHz (overrides the plan's; made by the board's PLL).
    #[arg(long)]
    freq: Option<f64>,
    /// Host-link baud rate.
    #[arg(long, default_value_t = asnn_generator::board::DEFAULT_BAUD)]
    baud: u32,
    #[command(flatten)]
    cal: CalibArgs,
}

impl BoardOpts {
    fn args(&self) -> asnn_eda::board::BoardArgs<'_> {
        asnn_eda::board::BoardArgs {
            board: &self.board,
            hw: self.hw.as_deref(),
            freq: self.freq,
            baud: self.baud,
            calib: self.cal.calib.as_deref(),
            calib_samples: self.cal.calib_samples,
        }
    }
}

/// Which simulator runs the testbench.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SimArg {
    Verilator,
    Iverilog,
}

impl From<SimArg> for asnn_eda::simulator::Simulator {
    fn from(s: SimArg) -> Self {
        match s {
            SimArg::Verilator => asnn_eda::simulator::Simulator::Verilator,
            SimArg::Iverilog => asnn_eda::simulator::Simulator::Iverilog,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Model {
    Ann,
    AsnnFloat,
    AsnnInt,
    IfBaseline,
    IfPoisson,
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Check { net } => cmd::check::run(&net),
        Cmd::Sim {
            net,
            input,
            model,
            float,
            cal,
            samples,
            steps,
            json,
            spikes,
        } => {
            let model = if float { Model::AsnnFloat } else { model };
            let args = cmd::sim::SimArgs {
                calib: cal.calib.as_deref(),
                calib_samples: cal.calib_samples,
                samples,
                steps,
                json: json.as_deref(),
                spikes,
            };
            cmd::sim::run(&net, &input, model, &args)
        }
        Cmd::Calibrate {
            net,
            calib,
            calib_samples,
            output,
            json,
        } => cmd::calibrate::run(&net, &calib, calib_samples, &output, json.as_deref()),
        Cmd::Demo { json, steps } => cmd::demo::run(json.as_deref(), steps),
        Cmd::Cosim {
            net,
            hw,
            dataset,
            samples,
            sim,
            cal,
            json,
            dir,
            vcd,
            junit,
            mutate,
            board,
            baud,
            netlist,
        } => cmd::cosim::run(
            &net,
            &cmd::cosim::CosimArgs {
                board: board.as_deref().map(|b| asnn_eda::board::BoardArgs {
                    board: b,
                    hw: hw.as_deref(),
                    freq: None,
                    baud,
                    calib: cal.calib.as_deref(),
                    calib_samples: cal.calib_samples,
                }),
                netlist,
                hw: hw.as_deref(),
                dataset: dataset.as_deref(),
                samples,
                sim: sim.into(),
                calib: cal.calib.as_deref(),
                calib_samples: cal.calib_samples,
                json: json.as_deref(),
                dir: dir.as_deref(),
                vcd,
                junit: junit.as_deref(),
                mutate: &mutate,
            },
        ),
        Cmd::CosimRandom {
            first,
            count,
            sim,
            jobs,
            dir,
            json,
        } => cmd::cosim::run_random(&cmd::cosim::RandomArgs {
            first,
            count,
            sim: sim.into(),
            jobs,
            dir: dir.as_deref(),
            json: json.as_deref(),
        }),
        Cmd::Build {
            net,
            b,
            cosim_samples,
            dataset,
            seed,
            output,
        } => cmd::build::run(
            &net,
            &cmd::build::BuildArgs {
                board: b.args(),
                cosim_samples,
                dataset: dataset.as_deref(),
                seed,
                out: &output,
            },
        ),
        Cmd::Run {
            net,
            b,
            port,
            dataset,
            samples,
            timeout,
            json,
        } => cmd::board::run(
            &net,
            &cmd::board::RunArgs {
                board: b.args(),
                port: &port,
                dataset: dataset.as_deref(),
                samples,
                timeout_s: timeout,
                json: json.as_deref(),
            },
        ),
        Cmd::Explore {
            collect: Some(dir), ..
        } => cmd::explore::collect(&dir),
        Cmd::Explore {
            net,
            board,
            lanes,
            cores,
            weight_bits,
            hw,
            freq,
            baud,
            cal,
            dataset,
            cosim_samples,
            accuracy_samples,
            seed,
            jobs,
            emit_jobs,
            no_summary,
            collect: None,
            output,
        } => {
            let (Some(net), Some(board), Some(output)) = (net, board, output) else {
                anyhow::bail!("asnn explore needs NET, --board and -o (or --collect DIR)");
            };
            let args = asnn_eda::explore::ExploreArgs {
                net: &net,
                board: asnn_eda::board::BoardArgs {
                    board: &board,
                    hw: hw.as_deref(),
                    freq,
                    baud,
                    calib: cal.calib.as_deref(),
                    calib_samples: cal.calib_samples,
                },
                lanes: &lanes,
                cores: &cores,
                weight_bits: &weight_bits,
                dataset: dataset.as_deref(),
                cosim_samples,
                accuracy_samples,
                seed,
                jobs: jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                out: &output,
                no_summary,
            };
            cmd::explore::run(&args, emit_jobs)
        }
        Cmd::BoardSim { net, b, dir, flash } => {
            let d = cmd::board::dir_or_temp(dir.as_deref(), &format!("asnn-board-{}", b.board));
            cmd::board::serve(&net, &b.args(), &d, flash.as_deref())
        }
        Cmd::Generate {
            net,
            hw,
            cal,
            output,
        } => cmd::generate::run(
            &net,
            &cmd::generate::GenerateArgs {
                hw: hw.as_deref(),
                calib: cal.calib.as_deref(),
                calib_samples: cal.calib_samples,
                out: &output,
            },
        ),
        Cmd::Eval {
            net,
            dataset,
            cal,
            samples,
            steps,
            json,
            plots,
            theta0_sweep,
            seed,
        } => {
            let args = cmd::eval::EvalArgs {
                dataset,
                calib: cal.calib,
                calib_samples: cal.calib_samples,
                samples,
                steps,
                json,
                plots,
                theta0_sweep,
                seed,
            };
            cmd::eval::run(&net, &args)
        }
        Cmd::Stream {
            net,
            dataset,
            cal,
            frames,
            hold,
            json,
        } => {
            let args = cmd::stream::StreamArgs {
                dataset: &dataset,
                calib: cal.calib.as_deref(),
                calib_samples: cal.calib_samples,
                frames,
                holds: &hold,
                json: json.as_deref(),
            };
            cmd::stream::run(&net, &args)
        }
    }
}
