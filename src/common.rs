//! Helpers shared by the commands: progress bars, the calibration table; loading and
//! writing come from `asnn_eda::inputs`.

pub use asnn_eda::inputs::{
    calibrate_for, calibrate_net, calibrate_subset_observed, check_inputs, dataset, dataset_spec,
    labels, load, load_hw, write_file, write_json,
};
use asnn_ir::CalibTarget;
use asnn_sim::Calibration;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress(len: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// The library's progress, drawn as a bar on stderr (lines go above it; without a
/// terminal, lines go to stderr and the bar is hidden).
pub struct Bar {
    pb: ProgressBar,
}

impl Bar {
    /// Hidden until the library starts a piece of work.
    pub fn new() -> Self {
        let pb = progress(0, "");
        pb.set_draw_target(ProgressDrawTarget::hidden());
        Bar { pb }
    }
}

impl asnn_eda::progress::Progress for Bar {
    fn start(&self, len: u64, what: &str) {
        self.pb.reset();
        self.pb.set_length(len);
        self.pb.set_message(what.to_string());
        self.pb.set_draw_target(ProgressDrawTarget::stderr());
    }
    fn set(&self, done: u64) {
        self.pb.set_position(done);
    }
    fn inc(&self) {
        self.pb.inc(1);
    }
    fn message(&self, msg: &str) {
        self.pb.set_message(msg.to_string());
    }
    fn note(&self, line: &str) {
        if self.pb.is_hidden() || self.pb.is_finished() {
            eprintln!("{line}");
        } else {
            self.pb.println(line);
        }
    }
    fn finish(&self) {
        self.pb.finish_and_clear();
        self.pb.set_draw_target(ProgressDrawTarget::hidden());
    }
}

pub fn strings<const N: usize>(v: [&str; N]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The calibration/quantization table.
pub fn print_calibration(cal: &Calibration) {
    println!(
        "calibration: {} samples; per-layer theta0 and fixed-point formats (docs/numerics.md section 8):",
        cal.samples
    );
    let mut rows = vec![strings([
        "layer",
        "theta0",
        "theta0 LSB",
        "W bits.frac",
        "state bits.frac",
        "shift",
        "max w err",
        "saturations",
    ])];
    for (i, q) in cal.quant.iter().enumerate() {
        let readout = cal.network.layers[i].readout;
        rows.push(vec![
            format!("{}{}", q.name, if readout { " (readout)" } else { "" }),
            q.theta0.map_or("-".into(), |t| format!("{t:.4}")),
            q.theta0_lsb.map_or("-".into(), |t| t.to_string()),
            format!("{}.{}", q.weight_bits, q.weight_frac),
            format!("{}.{}", q.state_bits, q.state_frac),
            q.shift.to_string(),
            format!("{:.2}%", 100.0 * q.weight_rel_error),
            cal.saturations
                .get(i)
                .map_or("-".into(), |s| s.total().to_string()),
        ]);
    }
    print!("{}", asnn_report::table(&rows));
    match cal.network.calibration.target {
        _ if cal.theta0_search.is_empty() => {}
        CalibTarget::Agreement => print_agreement_search(cal),
        CalibTarget::Accuracy => print_accuracy_search(cal),
    }
    if let Some(t) = &cal.if_tuned {
        let mut rows = vec![strings([
            "percentile",
            "accuracy",
            "settled",
            "spikes/inference",
            "steps to 99%",
            "spikes to 99%",
            "interpolated",
            "",
        ])];
        for tr in &t.trials {
            rows.push(vec![
                format!("{}", tr.percentile),
                format!("{:.2}%", 100.0 * tr.accuracy),
                format!("{:.2}%", 100.0 * tr.settled_accuracy),
                format!("{:.1}", tr.spikes),
                opt_u32(tr.steps_to_99pct),
                opt_f64(tr.spikes_to_99pct),
                opt_f64(tr.spikes_to_99pct_interpolated),
                chosen_mark(tr.percentile == t.percentile, tr.feasible),
            ]);
        }
        println!("if_baseline_tuned: the normalisation percentile by the same objective, on the same inputs:");
        print!("{}", asnn_report::table(&rows));
    }
    let sats: u64 = cal.saturations.iter().map(|s| s.total()).sum();
    if sats > 0 {
        println!("warning: {sats} saturations on the calibration data (see the table): consider more state_bits");
    }
}

/// A θ0 search can take minutes on a CNN: prints one line per candidate on stderr as
/// it is scored.
pub fn trial_printer() -> impl Fn(&asnn_sim::FractionTrial) + Sync {
    let t0 = std::time::Instant::now();
    move |t: &asnn_sim::FractionTrial| {
        eprintln!(
            "  [{:>5.0} s] {} fractions {:?}{}: agreement {:.2}%{}, spikes {:.1}{}",
            t0.elapsed().as_secs_f64(),
            t.layer.as_deref().unwrap_or("all"),
            t.fractions,
            match (t.m_f, t.readout_tau_phi) {
                (Some(m), Some(r)) => format!(" m_f {} readout tau_phi {}", short(m), short(r)),
                _ => String::new(),
            },
            100.0 * t.agreement,
            t.accuracy
                .map_or(String::new(), |a| format!(", accuracy {:.2}%", 100.0 * a)),
            t.spikes,
            t.spikes_to_99pct_interpolated
                .map_or(String::new(), |s| format!(", to 99% {s:.1} (interpolated)")),
        )
    }
}

fn opt_u32(v: Option<u32>) -> String {
    v.map_or("never".into(), |t| t.to_string())
}

fn opt_f64(v: Option<f64>) -> String {
    v.map_or("never".into(), |t| format!("{t:.1}"))
}

fn chosen_mark(chosen: bool, feasible: bool) -> String {
    match (chosen, feasible) {
        (true, _) => "<- chosen".into(),
        (false, false) => "(accuracy bound missed)".into(),
        _ => String::new(),
    }
}

fn print_agreement_search(cal: &Calibration) {
    let min = cal.network.calibration.min_agreement;
    let mut rows = vec![strings([
        "theta0_fraction",
        "agreement with ANN",
        "spikes/inference",
        "",
    ])];
    for (i, t) in cal.theta0_search.iter().enumerate() {
        let chosen = cal.chosen_trial == Some(i);
        rows.push(vec![
            format!("{}", t.fraction),
            format!("{:.2}%", 100.0 * t.agreement),
            format!("{:.1}", t.spikes),
            if chosen {
                "<- chosen".into()
            } else {
                String::new()
            },
        ]);
    }
    println!("theta0_fraction = \"auto\": largest fraction with integer-ASNN/ANN agreement >= {:.1}% on the calibration inputs:", 100.0 * min);
    print!("{}", asnn_report::table(&rows));
}

fn print_accuracy_search(cal: &Calibration) {
    let mut rows = vec![strings([
        "varied",
        "fractions (per auto layer)",
        "m_f",
        "readout tau_phi",
        "accuracy",
        "settled (± s.e. of drop)",
        "agreement",
        "spikes/inference",
        "steps to 99%",
        "spikes to 99%",
        "interpolated",
        "",
    ])];
    for (i, t) in cal.theta0_search.iter().enumerate() {
        rows.push(vec![
            t.layer.clone().unwrap_or_else(|| "all".into()),
            t.fractions
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            t.m_f.map_or("-".into(), short),
            t.readout_tau_phi.map_or("-".into(), short),
            t.accuracy
                .map_or("-".into(), |a| format!("{:.2}%", 100.0 * a)),
            match (t.settled_accuracy, t.drop_se) {
                (Some(a), Some(e)) => format!("{:.2}% ± {:.2}", 100.0 * a, 100.0 * e),
                _ => "-".into(),
            },
            format!("{:.2}%", 100.0 * t.agreement),
            format!("{:.1}", t.spikes),
            opt_u32(t.steps_to_99pct),
            opt_f64(t.spikes_to_99pct),
            opt_f64(t.spikes_to_99pct_interpolated),
            chosen_mark(cal.chosen_trial == Some(i), t.feasible),
        ]);
    }
    println!(
        "theta0_fraction = \"auto\", target = \"accuracy\": fewest spikes to 99% of the ANN (interpolated between steps) with the settled accuracy (mean over the window's second half) within {:.2} points of the ANN's{}, on the calibration inputs:",
        100.0 * cal.network.calibration.max_accuracy_drop,
        cal.ann_accuracy
            .map_or(String::new(), |a| format!(" ({:.2}%)", 100.0 * a)),
    );
    print!("{}", asnn_report::table(&rows));
    let chosen = cal.chosen_trial.and_then(|i| cal.theta0_search.get(i));
    let bound = cal.network.calibration.max_accuracy_drop;
    if let Some(note) = chosen
        .and_then(|t| t.drop_se)
        .and_then(|se| resolution_note(se, bound, cal.samples))
    {
        println!("{note}");
    }
}

/// A note when the accuracy bound is finer than the calibration inputs resolve: the
/// chosen candidate's standard error `se` is at least half the bound.
fn resolution_note(se: f64, bound: f64, samples: usize) -> Option<String> {
    (se >= 0.5 * bound).then(|| {
        format!(
            "note: the chosen candidate's drop from the ANN has a standard error of {:.2} points on these {samples} inputs, against a bound of {:.2}: which candidates meet the bound depends on which inputs were used; more calibration inputs (--calib-samples) resolve it better",
            100.0 * se,
            100.0 * bound
        )
    })
}

/// Where calibration data comes from (training data, never the test set).
#[derive(clap::Args)]
pub struct CalibArgs {
    /// Calibration samples from the training split: idx:DIR[:PREFIX] or events:FILE.csv.
    /// Needed when the network has theta0 = "auto" or unfixed formats, and by eval.
    #[arg(long)]
    pub calib: Option<String>,
    /// Use N calibration samples, spread evenly over the file (not the first N: training
    /// files may be sorted by class).
    #[arg(long, default_value_t = 1000)]
    pub calib_samples: usize,
}

#[derive(clap::Args)]
pub struct BoardOpts {
    /// Board: icebreaker, upduino (iCE40 UP5K), ulx3s, orangecrab (ECP5).
    #[arg(long)]
    pub board: String,
    /// Hardware choices (hw.toml with a [hardware] table; default: the board's device).
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Core clock in MHz (overrides the plan's; made by the board's PLL).
    #[arg(long)]
    pub freq: Option<f64>,
    /// Host-link baud rate.
    #[arg(long, default_value_t = asnn_generator::board::DEFAULT_BAUD)]
    pub baud: u32,
    #[command(flatten)]
    pub cal: CalibArgs,
}

impl BoardOpts {
    pub fn args(&self) -> asnn_eda::board::BoardArgs<'_> {
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimArg {
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

/// A parameter value for a table or a progress line: at most 4 decimals, trailing zeros
/// dropped (a τ realised by shift arithmetic is 50.698356…; it prints 50.6984).
pub fn short(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::resolution_note;

    #[test]
    fn the_resolution_note_appears_from_half_the_bound() {
        // 1,000 MNIST images: s.e. ~0.2 points against a 0.2-point bound.
        let n = resolution_note(0.0022, 0.002, 1000).expect("coarse");
        assert!(n.contains("0.22 points on these 1000 inputs") && n.contains("bound of 0.20"));
        assert!(resolution_note(0.001, 0.002, 1000).is_some());
        assert!(resolution_note(0.0009, 0.002, 5000).is_none());
        assert!(resolution_note(0.0, 0.002, 200).is_none());
    }
}
