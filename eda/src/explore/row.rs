//! A point's row: what the sweep knows about it, stored as its `result.json` (the
//! cache) and rendered into the table, the CSV and `explore.json`.

use crate::flow::report::{Seconds, ToolVersions};
pub use crate::flow::BuildStatus as Status;
use crate::flow::{BuildReport, CyclesSource};
use serde::{Deserialize, Deserializer, Serialize};

/// Weight widths as text ("8", "8/6"); older results stored a number here.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        S(String),
        N(u64),
    }
    Ok(Option::<T>::deserialize(d)?.map(|t| match t {
        T::S(s) => s,
        T::N(n) => n.to_string(),
    }))
}

/// One point of the sweep. Every column is present (null where unknown).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Row {
    pub label: String,
    pub lanes: u32,
    /// The first layer's synapse lanes when above its lanes (None: the walk).
    pub synapse_lanes: Option<u32>,
    pub cores: u32,
    #[serde(deserialize_with = "text_or_number")]
    pub weight_bits: Option<String>,
    /// The neuron arithmetic: "multiply", "shift" or "mixed" (docs/numerics.md section 11).
    pub arithmetic: Option<String>,
    pub accuracy: Option<f64>,
    pub board: String,
    pub network: Option<String>,
    pub device: Option<String>,
    pub clock_mhz: Option<f64>,
    pub key: Option<String>,
    pub dir: Option<String>,
    pub seconds: Option<f64>,
    pub status: Status,
    pub reason: Option<String>,
    /// When the point finished (the newest result per label wins in `--collect`).
    pub finished_unix: Option<u64>,
    pub cached: bool,
    pub pareto: bool,
    pub luts: Option<u64>,
    pub ffs: Option<u64>,
    pub lcs: Option<u64>,
    pub lcs_available: Option<u64>,
    pub bram: Option<u64>,
    pub spram: Option<u64>,
    pub dsp: Option<u64>,
    pub dsp_available: Option<u64>,
    pub fmax_mhz: Option<f64>,
    pub cycles_per_inference: Option<f64>,
    pub cycles_source: Option<CyclesSource>,
    pub model_cycles_per_inference: Option<f64>,
    pub cosim_samples: Option<usize>,
    pub mismatches: Option<usize>,
    pub model_error_pct: Option<f64>,
    pub latency_us: Option<f64>,
    pub latency_us_at_fmax: Option<f64>,
    pub inferences_per_second: Option<f64>,
    pub throughput_per_klc: Option<f64>,
    pub tools: Option<ToolVersions>,
    pub flow_seconds: Option<Seconds>,
}

impl Row {
    /// The row's columns from its build report.
    pub fn fill(&mut self, r: &BuildReport) {
        let u = &r.utilization;
        self.luts = Some(u.luts);
        self.ffs = Some(u.ffs);
        self.lcs = Some(u.lcs.used);
        self.lcs_available = Some(u.lcs.available);
        self.bram = Some(u.bram.used);
        self.spram = Some(u.spram.used);
        self.dsp = Some(u.dsp.used);
        self.dsp_available = Some(u.dsp.available);
        self.fmax_mhz = r.fmax_mhz;
        self.clock_mhz = Some(r.clock_mhz);
        self.cycles_per_inference = Some(r.cycles_per_inference);
        self.cycles_source = Some(r.cycles_source);
        self.model_cycles_per_inference = Some(r.model_cycles_per_inference);
        self.cosim_samples = r.cosim.as_ref().map(|c| c.samples);
        self.mismatches = r.cosim.as_ref().map(|c| c.mismatches);
        self.model_error_pct = r.cosim.as_ref().map(|c| {
            let m = c.cycles_per_inference.mean;
            (r.model_cycles_per_inference - m) / m * 100.0
        });
        self.latency_us = Some(r.latency_us);
        self.latency_us_at_fmax = r.latency_us_at_fmax;
        self.inferences_per_second = Some(r.inferences_per_second);
        self.throughput_per_klc =
            (u.lcs.used > 0).then(|| r.inferences_per_second / u.lcs.used as f64 * 1000.0);
        self.tools = Some(r.tools.clone());
        self.flow_seconds = Some(r.seconds.clone());
        self.status = r.build_status();
        self.reason = r.failure.clone();
    }

    /// A value by CSV column name (None: empty): the text columns, else the number.
    pub fn column(&self, k: &str) -> Option<String> {
        match k {
            "weight_bits" => self.weight_bits.clone(),
            "arithmetic" => self.arithmetic.clone(),
            "cycles_source" => self.cycles_source.map(|c| c.text().to_string()),
            "label" => Some(self.label.clone()),
            "status" => Some(self.status.text().to_string()),
            "pareto" => Some(self.pareto.to_string()),
            "cached" => Some(self.cached.to_string()),
            "reason" => self.reason.clone(),
            _ => self.num(k).map(fmt_f64),
        }
    }
}

/// A float as the CSV writes it: at most four decimals, trailing zeros dropped;
/// a whole number as JSON would write it ("1184.0" -> "1184").
fn fmt_f64(x: f64) -> String {
    format!("{x:.4}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

impl Row {
    /// A numeric column by name (None: unknown).
    pub fn num(&self, k: &str) -> Option<f64> {
        let u = |x: Option<u64>| x.map(|v| v as f64);
        match k {
            "lanes" => Some(f64::from(self.lanes)),
            "synapse_lanes" => Some(f64::from(self.synapse_lanes.unwrap_or(self.lanes))),
            "cores" => Some(f64::from(self.cores)),
            "luts" => u(self.luts),
            "ffs" => u(self.ffs),
            "lcs" => u(self.lcs),
            "bram" => u(self.bram),
            "spram" => u(self.spram),
            "dsp" => u(self.dsp),
            "fmax_mhz" => self.fmax_mhz,
            "clock_mhz" => self.clock_mhz,
            "cycles_per_inference" => self.cycles_per_inference,
            "model_cycles_per_inference" => self.model_cycles_per_inference,
            "model_error_pct" => self.model_error_pct,
            "latency_us" => self.latency_us,
            "latency_us_at_fmax" => self.latency_us_at_fmax,
            "inferences_per_second" => self.inferences_per_second,
            "throughput_per_klc" => self.throughput_per_klc,
            "accuracy" => self.accuracy,
            "mismatches" => self.mismatches.map(|m| m as f64),
            _ => None,
        }
    }
}
