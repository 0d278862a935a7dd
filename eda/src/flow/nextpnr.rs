//! nextpnr's `--report` JSON (an external format, read here into types) and, when a
//! placement failed before writing it, the utilisation lines of its log.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct UsedAvailable {
    pub used: u64,
    pub available: u64,
}

#[derive(Debug, Deserialize)]
struct FmaxEntry {
    achieved: f64,
}

#[derive(Debug, Deserialize)]
struct CellRef {
    #[serde(default)]
    cell: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Segment {
    #[serde(default)]
    delay: Option<f64>,
    #[serde(rename = "type", default)]
    kind: String,
    from: Option<CellRef>,
    to: Option<CellRef>,
}

#[derive(Debug, Deserialize)]
struct CriticalPath {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    path: Vec<Segment>,
}

#[derive(Debug, Default, Deserialize)]
struct Report {
    #[serde(default)]
    utilization: Option<BTreeMap<String, UsedAvailable>>,
    #[serde(default)]
    fmax: BTreeMap<String, FmaxEntry>,
    #[serde(default)]
    critical_paths: Vec<CriticalPath>,
}

/// The critical path as the build report gives it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CritPath {
    pub from: Option<String>,
    pub to: Option<String>,
    pub delay_ns: f64,
    pub logic_levels: usize,
    pub segments: usize,
    pub start_cell: Option<String>,
    pub end_cell: Option<String>,
}

/// What the flow reads from nextpnr.
#[derive(Debug, Default)]
pub struct PnrResult {
    /// Resource name -> (used, available).
    pub utilization: BTreeMap<String, UsedAvailable>,
    pub fmax_mhz: Option<f64>,
    pub critical_path: Option<CritPath>,
}

/// Reads the report JSON (`report`, empty if nextpnr wrote none) and falls back to the
/// log text for the utilisation and the Fmax.
pub fn read(report: &str, log: &str) -> PnrResult {
    let r: Report = serde_json::from_str(report).unwrap_or_default();
    let utilization = r.utilization.unwrap_or_else(|| utilization_from_log(log));
    let fmax_mhz = r
        .fmax
        .values()
        .next()
        .map(|f| f.achieved)
        .or_else(|| fmax_from_log(log));
    let critical_path = r.critical_paths.first().map(|cp| CritPath {
        from: cp.from.clone(),
        to: cp.to.clone(),
        delay_ns: cp.path.iter().filter_map(|s| s.delay).sum(),
        logic_levels: cp.path.iter().filter(|s| s.kind == "logic").count(),
        segments: cp.path.len(),
        start_cell: cp
            .path
            .first()
            .and_then(|s| s.from.as_ref())
            .and_then(|c| c.cell.clone()),
        end_cell: cp
            .path
            .last()
            .and_then(|s| s.to.as_ref())
            .and_then(|c| c.cell.clone()),
    });
    PnrResult {
        utilization,
        fmax_mhz,
        critical_path,
    }
}

/// "Info:          ICESTORM_LC: 12968/ 5280   245%" lines.
fn utilization_from_log(log: &str) -> BTreeMap<String, UsedAvailable> {
    let mut util = BTreeMap::new();
    for line in log.lines() {
        let t = line.trim_start_matches("Info:").trim();
        if let Some((k, rest)) = t.split_once(':') {
            if let Some((u, av)) = rest.split_once('/') {
                let av = av.split_whitespace().next().unwrap_or("");
                if let (Ok(used), Ok(available)) = (u.trim().parse::<u64>(), av.parse::<u64>()) {
                    util.insert(k.trim().to_string(), UsedAvailable { used, available });
                }
            }
        }
    }
    util
}

/// The last "Max frequency for clock 'clk': 31.34 MHz" line.
fn fmax_from_log(log: &str) -> Option<f64> {
    log.lines()
        .filter_map(|l| l.split("Max frequency for clock").nth(1))
        .filter_map(|l| l.split(':').nth(1))
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|x| x.parse::<f64>().ok())
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_and_log_fallbacks_are_read() {
        let report = r#"{"utilization": {"ICESTORM_LC": {"used": 10, "available": 20}},
            "fmax": {"clk": {"achieved": 31.5, "constraint": 24}},
            "critical_paths": [{"from": "posedge clk", "to": "posedge clk", "path": [
              {"delay": 1.0, "type": "clk-to-q", "from": {"cell": "a"}, "to": {"cell": "b"}},
              {"delay": 2.5, "type": "logic", "from": {"cell": "b"}, "to": {"cell": "c"}}]}]}"#;
        let r = read(report, "");
        assert_eq!(r.utilization["ICESTORM_LC"].used, 10);
        assert_eq!(r.fmax_mhz, Some(31.5));
        let cp = r.critical_path.unwrap();
        assert_eq!((cp.delay_ns, cp.logic_levels, cp.segments), (3.5, 1, 2));
        assert_eq!(
            (cp.start_cell.as_deref(), cp.end_cell.as_deref()),
            (Some("a"), Some("c"))
        );
        let log = "Info:          ICESTORM_LC: 12968/ 5280   245%\nInfo: Max frequency for clock 'clk': 20.10 MHz (FAIL at 24.00 MHz)\n";
        let r = read("", log);
        assert_eq!(r.utilization["ICESTORM_LC"].available, 5280);
        assert_eq!(r.fmax_mhz, Some(20.1));
        assert!(r.critical_path.is_none());
    }
}
