//! The build report (`report.json`, `summary.md`): typed here, serialised at the edge.
//! Measured times are in `seconds`; everything else follows from the design, the tools
//! and the samples.

use super::nextpnr::{CritPath, UsedAvailable};
use crate::cosim::CosimVerdict;
use asnn_generator::board::{Ecp5Pll, Ice40Pll};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub used: u64,
    pub available: u64,
}

impl From<UsedAvailable> for Usage {
    fn from(u: UsedAvailable) -> Self {
        Usage {
            used: u.used,
            available: u.available,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolVersions {
    pub yosys: String,
    pub nextpnr: String,
    /// The packer's path.
    pub pack: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Logic cells (iCE40 LUT4 + FF; ECP5 the LUT4 slices' combinational part).
    pub lcs: Usage,
    /// From yosys's cell counts.
    pub luts: u64,
    pub ffs: u64,
    pub bram: Usage,
    pub spram: Usage,
    pub dsp: Usage,
    /// Every resource nextpnr reports.
    pub nextpnr: BTreeMap<String, Usage>,
    pub yosys_cells: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostLink {
    pub baud: u32,
    pub bytes_per_sample_in: f64,
    pub bytes_per_sample_out: f64,
    pub seconds_per_sample: f64,
    pub samples_per_second: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlashImage {
    pub file: String,
    pub bytes: usize,
    pub offset: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockRamCheck {
    pub ok: bool,
    pub plan_blocks: u64,
    pub plan_bits: u64,
    pub mapped: u64,
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpramCheck {
    pub ok: bool,
    pub plan_blocks: u64,
    pub mapped: u64,
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MultiplierCheck {
    pub ok: bool,
    pub neuron_multipliers: u64,
    pub mapped_dsps: u64,
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitCheck {
    pub ok: bool,
    /// "ICESTORM_DSP 16 of 8 (+100%)" for each resource over the device.
    pub over: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingCheck {
    pub ok: bool,
    pub requested_mhz: f64,
    pub achieved_mhz: Option<f64>,
}

/// That memories and multipliers landed in the primitives the plan meant, that the
/// design fits and meets its clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checks {
    pub block_ram: BlockRamCheck,
    pub spram: SpramCheck,
    pub multipliers: MultiplierCheck,
    pub fits: FitCheck,
    pub timing: TimingCheck,
}

impl Checks {
    /// (name, passed) in report order.
    pub fn list(&self) -> [(&'static str, bool); 5] {
        [
            ("block_ram", self.block_ram.ok),
            ("spram", self.spram.ok),
            ("multipliers", self.multipliers.ok),
            ("fits", self.fits.ok),
            ("timing", self.timing.ok),
        ]
    }

    pub fn all_ok(&self) -> bool {
        self.list().iter().all(|c| c.1)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seconds {
    pub synthesis: f64,
    pub place_and_route: f64,
    pub total: f64,
}

/// The whole build report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BuildReport {
    pub board: String,
    pub device: String,
    pub network: String,
    pub design_id: String,
    pub top: String,
    pub tools: ToolVersions,
    pub lanes: Vec<u32>,
    pub cores: Vec<u32>,
    pub utilization: Utilization,
    pub clock_mhz: f64,
    pub pll: Option<Ice40Pll>,
    pub ecp5_pll: Option<Ecp5Pll>,
    pub fmax_mhz: Option<f64>,
    pub timing_met: bool,
    pub critical_path: Option<CritPath>,
    pub cycles_per_inference: f64,
    pub cycles_source: CyclesSource,
    /// Placement succeeded within the device (a design over it is not co-simulated).
    pub placed: bool,
    /// The cycle model's mean over `model_samples` samples (with its max).
    pub model_cycles_per_inference: f64,
    #[serde(default)]
    pub model_max_cycles: u64,
    #[serde(default)]
    pub model_samples: usize,
    pub cosim: Option<CosimVerdict>,
    pub samples: usize,
    pub latency_us: f64,
    pub latency_us_at_fmax: Option<f64>,
    pub inferences_per_second: f64,
    pub synops_per_inference: f64,
    pub synops_per_second: f64,
    pub host_link: HostLink,
    pub flash_image: Option<FlashImage>,
    pub bitstream: Option<String>,
    pub checks: Checks,
    pub ok: bool,
    pub seconds: Seconds,
    /// Why the build gave no usable bitstream (None: it did).
    pub failure: Option<String>,
}

/// Where the cycles per inference come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CyclesSource {
    #[serde(rename = "co-simulation (Verilator)")]
    Cosim,
    #[serde(rename = "cycle model")]
    Model,
}

/// What became of a build (the first five), or of a sweep point that never reached
/// one (`asnn explore`'s table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BuildStatus {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "does not fit")]
    DoesNotFit,
    #[serde(rename = "misses timing")]
    MissesTiming,
    #[serde(rename = "place and route failed")]
    PlaceAndRouteFailed,
    #[serde(rename = "check failed")]
    CheckFailed,
    /// Refused before synthesis (quantization or the plan's capacity check).
    #[serde(rename = "refused")]
    Refused,
    /// A tool broke or the co-simulation diverged: never reused from a cache.
    #[default]
    #[serde(rename = "error")]
    Error,
}

impl BuildReport {
    pub fn build_status(&self) -> BuildStatus {
        BuildStatus::classify(
            self.failure.is_some(),
            self.placed,
            self.bitstream.is_some(),
            self.timing_met,
        )
    }

    /// `summary.md`.
    pub fn summary_md(&self) -> String {
        let f = |v: Option<f64>| v.map_or_else(|| "-".into(), |x| format!("{x:.2}"));
        let ua = |u: &Usage| format!("{} / {}", u.used, u.available);
        let u = &self.utilization;
        let mut s = format!(
            "# {} on {} ({})\n\nDesign {} (id {}), tools: {}; {}.\n\n",
            self.network,
            self.board,
            self.device,
            self.top,
            self.design_id,
            self.tools.yosys,
            self.tools.nextpnr,
        );
        s.push_str("| resource | used / available |\n|---|---|\n");
        s.push_str(&format!("| logic cells (LUT4 + FF) | {} |\n", ua(&u.lcs)));
        s.push_str(&format!(
            "| LUT4 / flip-flops (yosys) | {} / {} |\n",
            u.luts, u.ffs
        ));
        s.push_str(&format!("| block RAM | {} |\n", ua(&u.bram)));
        s.push_str(&format!("| SPRAM | {} |\n", ua(&u.spram)));
        s.push_str(&format!("| DSP | {} |\n\n", ua(&u.dsp)));
        let cp = self.critical_path.as_ref();
        s.push_str(&format!(
            "Clock: requested {} MHz, achieved Fmax {} MHz ({}). Critical path: {} ns, {} logic levels, {} -> {}.\n\n",
            f(Some(self.clock_mhz)),
            f(self.fmax_mhz),
            if self.timing_met { "met" } else { "NOT met" },
            f(cp.map(|c| c.delay_ns)),
            cp.map_or("null".into(), |c| c.logic_levels.to_string()),
            cp.and_then(|c| c.start_cell.as_deref()).unwrap_or("?"),
            cp.and_then(|c| c.end_cell.as_deref()).unwrap_or("?"),
        ));
        s.push_str(&format!(
            "Core: {} cycles per inference ({}, {} samples; cycle model over {} samples: mean {}, max {}), latency {} us at {} MHz ({} us at Fmax), {} inferences/s, {:.2} M synaptic ops/s.\n\n",
            f(Some(self.cycles_per_inference)),
            self.cycles_source.text(),
            if self.cycles_source == CyclesSource::Model {
                self.model_samples
            } else {
                self.samples
            },
            self.model_samples,
            f(Some(self.model_cycles_per_inference)),
            self.model_max_cycles,
            f(Some(self.latency_us)),
            f(Some(self.clock_mhz)),
            f(self.latency_us_at_fmax),
            f(Some(self.inferences_per_second)),
            self.synops_per_second / 1e6,
        ));
        let h = &self.host_link;
        s.push_str(&format!(
            "Host link (separate from the core): {} baud, {} bytes in + {} out per sample: {} samples/s at most.\n\n",
            h.baud,
            f(Some(h.bytes_per_sample_in)),
            f(Some(h.bytes_per_sample_out)),
            f(Some(h.samples_per_second)),
        ));
        if let Some(img) = &self.flash_image {
            let off = img.offset.unwrap_or(0);
            s.push_str(&format!(
                "Flash image: {} ({} bytes) goes at offset {off:#x} beside the bitstream (iceprog -o {off} ...).\n\n",
                img.file, img.bytes
            ));
        }
        let ck: Vec<String> = self
            .checks
            .list()
            .iter()
            .map(|(k, ok)| format!("{} {k}", if *ok { "PASS" } else { "FAIL" }))
            .collect();
        s.push_str(&format!(
            "Checks: {}.\nBitstream: {}\n",
            ck.join(", "),
            self.bitstream.as_deref().unwrap_or("none")
        ));
        s
    }
}

impl BuildStatus {
    pub fn text(self) -> &'static str {
        match self {
            BuildStatus::Ok => "ok",
            BuildStatus::DoesNotFit => "does not fit",
            BuildStatus::MissesTiming => "misses timing",
            BuildStatus::PlaceAndRouteFailed => "place and route failed",
            BuildStatus::CheckFailed => "check failed",
            BuildStatus::Refused => "refused",
            BuildStatus::Error => "error",
        }
    }

    /// A failed build that did not place does not fit; one that placed but gave no
    /// bitstream missed timing (or failed otherwise); one with a bitstream failed a
    /// check.
    pub fn classify(failed: bool, placed: bool, bitstream: bool, timing_met: bool) -> Self {
        if !failed {
            BuildStatus::Ok
        } else if !placed {
            BuildStatus::DoesNotFit
        } else if !bitstream && !timing_met {
            BuildStatus::MissesTiming
        } else if !bitstream {
            BuildStatus::PlaceAndRouteFailed
        } else {
            BuildStatus::CheckFailed
        }
    }
}

impl CyclesSource {
    pub fn text(self) -> &'static str {
        match self {
            CyclesSource::Cosim => "co-simulation (Verilator)",
            CyclesSource::Model => "cycle model",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BuildStatus::{self, *};

    #[test]
    fn a_builds_status_follows_what_failed() {
        let c = BuildStatus::classify;
        assert_eq!(c(false, true, true, true), Ok);
        assert_eq!(c(true, false, false, false), DoesNotFit);
        assert_eq!(c(true, true, false, false), MissesTiming);
        assert_eq!(c(true, true, false, true), PlaceAndRouteFailed);
        assert_eq!(c(true, true, true, true), CheckFailed);
    }
}
