//! The co-simulation's typed result, its JSON form (`asnn cosim --json`, the build
//! report's `cosim`), the failure report and the JUnit XML.

use super::Divergence;
use crate::simulator::Simulator;
use anyhow::Result;
use asnn_import::Dataset;
use asnn_numerics::{Golden, QNetwork, RunOptions};
use serde::{Deserialize, Serialize};

/// One sample's verdict.
#[derive(Clone, Debug)]
pub struct SampleResult {
    pub divergence: Option<Divergence>,
    pub cycles: u64,
    /// The cycle model's prediction.
    pub predicted: u64,
    /// Whether the golden model's prediction is the label (None: no labels).
    pub correct: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Rtl,
    Netlist,
    Board,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleStats {
    pub mean: f64,
    pub max: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstDivergence {
    pub sample: usize,
    pub step: u32,
    pub layer: Option<u16>,
    pub neuron: Option<u32>,
    pub what: String,
}

/// A co-simulation's summary. Times (`sim_seconds`, `build_seconds`,
/// `simulated_cycles_per_second`) are measured; everything else is a pure function of
/// the design and the samples.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CosimVerdict {
    pub samples: usize,
    pub mismatches: usize,
    pub simulator: String,
    pub cycles_per_inference: CycleStats,
    /// Worst relative error of the cycle model (None over the UART: no model there).
    pub model_cycle_error_pct: Option<f64>,
    pub mode: Mode,
    pub model_cycle_error_mean_pct: f64,
    pub sim_seconds: f64,
    pub build_seconds: f64,
    pub simulated_cycles_per_second: f64,
    pub accuracy: Option<f64>,
    pub first_divergence: Option<FirstDivergence>,
    pub vcd: Option<String>,
    /// The first divergence explained, with the neuron's golden state (None: bit-exact).
    #[serde(skip)]
    pub failure_report: Option<String>,
    #[serde(skip)]
    pub results: Vec<SampleResult>,
    #[serde(skip)]
    pub total_cycles: u64,
    #[serde(skip)]
    pub diff_seconds: f64,
    /// What ran, for the summary line ("verilator", "board icebreaker (...)").
    #[serde(skip)]
    pub what: String,
}

impl CosimVerdict {
    pub(super) fn from_results(
        results: Vec<SampleResult>,
        sim: Simulator,
        mode: Mode,
        what: String,
    ) -> CosimVerdict {
        let cyc: Vec<u64> = results.iter().map(|r| r.cycles).collect();
        let errs: Vec<f64> = results
            .iter()
            .map(|r| (r.predicted as f64 - r.cycles as f64) / r.cycles as f64 * 100.0)
            .collect();
        let worst = errs
            .iter()
            .copied()
            .fold(0.0f64, |m, e| if e.abs() > m.abs() { e } else { m });
        let correct: Vec<bool> = results.iter().filter_map(|r| r.correct).collect();
        let first_divergence = results.iter().enumerate().find_map(|(i, r)| {
            r.divergence.as_ref().map(|d| FirstDivergence {
                sample: i,
                step: d.step,
                layer: d.at.map(|a| a.0),
                neuron: d.at.map(|a| a.1),
                what: d.what.clone(),
            })
        });
        CosimVerdict {
            samples: results.len(),
            mismatches: results.iter().filter(|r| r.divergence.is_some()).count(),
            simulator: sim.name().to_string(),
            cycles_per_inference: CycleStats {
                mean: cyc.iter().sum::<u64>() as f64 / cyc.len() as f64,
                max: cyc.iter().copied().max().unwrap_or(0),
            },
            model_cycle_error_pct: (mode != Mode::Board).then_some(worst),
            mode,
            model_cycle_error_mean_pct: errs.iter().sum::<f64>() / errs.len() as f64,
            sim_seconds: 0.0,
            build_seconds: 0.0,
            simulated_cycles_per_second: 0.0,
            accuracy: (!correct.is_empty()).then(|| {
                correct.iter().filter(|&&c| c).count() as f64 / correct.len() as f64 * 100.0
            }),
            first_divergence,
            vcd: None,
            failure_report: None,
            total_cycles: cyc.iter().sum(),
            results,
            diff_seconds: 0.0,
            what,
        }
    }

    /// The first diverging sample and its divergence.
    pub fn first_bad(&self) -> Option<(usize, Divergence)> {
        self.results
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.divergence.clone().map(|d| (i, d)))
    }

    /// The two summary lines `asnn cosim` prints.
    pub fn summary(&self) -> String {
        let model = match self.model_cycle_error_pct {
            None => "cycle model not applied (the core also waits for its input over the UART)"
                .to_string(),
            Some(worst) => format!(
                "cycle model error mean {:+.2}%, worst {worst:+.2}%",
                self.model_cycle_error_mean_pct
            ),
        };
        format!(
            "{}: {} samples, {} mismatches; cycles per inference mean {:.0}, max {}; {model}{}\n\
             build {:.1} s, simulation {:.1} s ({:.0} simulated cycles/s, {:.1} samples/s), diff {:.1} s",
            self.what,
            self.samples,
            self.mismatches,
            self.cycles_per_inference.mean,
            self.cycles_per_inference.max,
            self.accuracy
                .map(|x| format!("; accuracy {x:.2}%"))
                .unwrap_or_default(),
            self.build_seconds,
            self.sim_seconds,
            self.simulated_cycles_per_second,
            self.samples as f64 / self.sim_seconds.max(1e-9),
            self.diff_seconds
        )
    }
}

/// The first divergence of sample `i`, and the neuron's golden-model state up to it.
pub(super) fn failure_report(
    qnet: &QNetwork,
    golden: &Golden,
    opts: RunOptions,
    data: &Dataset,
    i: usize,
    d: &Divergence,
) -> Result<String> {
    let mut report = format!(
        "sample {i}: first divergence at step {}: {}{}",
        d.step,
        d.what,
        d.at.map(|(l, n)| format!(
            " (layer {l} '{}', neuron {n})",
            qnet.layers[l as usize].name
        ))
        .unwrap_or_default()
    );
    if let Some((l, n)) = d.at {
        let w = golden
            .run(
                &data.inputs[i],
                None,
                RunOptions {
                    watch: Some((l, n)),
                    ..opts
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        report.push_str(&format!(
            "\ngolden state of layer {l} neuron {n} after each step (numerics.md section 3):\n  step            I           Sd           Sh           Td        theta            S\n"
        ));
        for r in w
            .watch
            .iter()
            .filter(|r| r.step + 8 >= d.step && r.step <= d.step)
        {
            report.push_str(&format!(
                "  {:>4} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}\n",
                r.step, r.i, r.sd, r.sh, r.td, r.theta, r.s
            ));
        }
    }
    Ok(report)
}

/// JUnit XML: one test case per sample, the failure text its first divergence.
pub fn junit(top: &str, sim: Simulator, results: &[SampleResult]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let failures = results.iter().filter(|r| r.divergence.is_some()).count();
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"asnn cosim {top} ({})\" tests=\"{}\" failures=\"{failures}\">\n",
        sim.name(),
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        x.push_str(&format!(
            "  <testcase classname=\"{top}\" name=\"sample {i}\">"
        ));
        if let Some(d) = &r.divergence {
            x.push_str(&format!(
                "<failure message=\"{}\">step {}: {}</failure>",
                esc(&d.what),
                d.step,
                esc(&d.what)
            ));
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n</testsuites>\n");
    x
}
