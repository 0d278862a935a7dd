//! The sweep's table (markdown, CSV, JSON) and plots (SVG, Pareto front marked).

use super::{Meta, Row, Status};
use crate::flow::CyclesSource;
use crate::inputs::{write_file, write_json};
use anyhow::Result;
use asnn_report::{line_plot, pareto_front, Axis, Objective, Series};
use serde::Serialize;
use std::path::Path;

/// One line per finished point, for the progress output.
pub(super) fn point_line(r: &Row) -> String {
    let f = |k: &str, d: usize| r.num(k).map_or("-".into(), |x| format!("{x:.d$}", d = d));
    let mut s = format!("{}: {}", r.label, r.status.text());
    if let (Some(lcs), Some(dsp)) = (r.lcs, r.dsp) {
        s.push_str(&format!(
            ", {} LCs, {} DSP, Fmax {} MHz, {} cycles, {} us",
            lcs,
            dsp,
            f("fmax_mhz", 1),
            f("cycles_per_inference", 0),
            f("latency_us", 0)
        ));
    }
    if r.cached {
        s.push_str(" (cached)");
    }
    if r.status != Status::Ok {
        if let Some(why) = r.reason.as_deref() {
            s.push_str(&format!(": {}", why.lines().next().unwrap_or("")));
        }
    }
    s
}

/// CSV columns (the list first).
const CSV_COLUMNS: [&str; 28] = [
    "lanes",
    "cores",
    "luts",
    "ffs",
    "bram",
    "spram",
    "dsp",
    "fmax_mhz",
    "cycles_per_inference",
    "latency_us",
    "accuracy",
    "weight_bits",
    "lcs",
    "clock_mhz",
    "latency_us_at_fmax",
    "model_cycles_per_inference",
    "model_error_pct",
    "cycles_source",
    "mismatches",
    "inferences_per_second",
    "throughput_per_klc",
    "synapse_lanes",
    "arithmetic",
    "label",
    "status",
    "pareto",
    "cached",
    "reason",
];

fn csv_field(v: Option<String>) -> String {
    let s = v.unwrap_or_default();
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(rows: &[Row]) -> String {
    let mut s = CSV_COLUMNS.join(",") + "\n";
    for r in rows {
        let line: Vec<String> = CSV_COLUMNS.iter().map(|k| csv_field(r.column(k))).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

fn markdown(meta: &Meta, rows: &[Row]) -> String {
    let f = |r: &Row, k: &str, d: usize| r.num(k).map_or("-".into(), |x| format!("{x:.d$}", d = d));
    let mut s = format!(
        "# Design space: {} on {} ({})\n\n",
        meta.network.as_deref().unwrap_or("?"),
        meta.board.as_deref().unwrap_or("?"),
        meta.device.as_deref().unwrap_or("?")
    );
    s.push_str("Cycles are co-simulated (Verilator) on a few samples, with the cycle model's prediction beside them; latency is at the requested clock; accuracy is the golden model's (bit-exact with the hardware); `*` marks the Pareto front (fewest LCs, lowest latency, highest accuracy, among points that built and met timing).\n\n");
    s.push_str("| point | lanes | synapse lanes | cores | W bits | arithmetic | LCs | LUT4 | FF | BRAM | SPRAM | DSP | Fmax MHz | cycles (cosim) | cycles (model) | model err | latency us | inf/s per kLC | accuracy | status |\n");
    s.push_str(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let acc = r.accuracy.map_or("-".into(), |x| format!("{x:.2}%"));
        let err = r
            .model_error_pct
            .map_or("-".into(), |x| format!("{x:+.2}%"));
        let cosim = if r.cycles_source == Some(CyclesSource::Cosim) {
            f(r, "cycles_per_inference", 0)
        } else {
            "-".into()
        };
        s.push_str(&format!(
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.label,
            if r.pareto { " *" } else { "" },
            r.lanes,
            r.synapse_lanes.unwrap_or(r.lanes),
            r.cores,
            r.weight_bits.as_deref().unwrap_or("null"),
            r.arithmetic.as_deref().unwrap_or("-"),
            int(r.lcs),
            int(r.luts),
            int(r.ffs),
            int(r.bram),
            int(r.spram),
            int(r.dsp),
            f(r, "fmax_mhz", 1),
            cosim,
            f(r, "model_cycles_per_inference", 0),
            err,
            f(r, "latency_us", 0),
            f(r, "throughput_per_klc", 1),
            acc,
            r.status.text(),
        ));
    }
    let why: Vec<String> = rows
        .iter()
        .filter(|r| r.status != Status::Ok)
        .filter_map(|r| {
            r.reason
                .as_deref()
                .map(|w| format!("- {}: {}", r.label, w.lines().next().unwrap_or("")))
        })
        .collect();
    if !why.is_empty() {
        s.push_str("\nPoints that did not give a bitstream:\n");
        s.push_str(&why.join("\n"));
        s.push('\n');
    }
    s
}

fn num(r: &Row, k: &str) -> f64 {
    r.num(k).unwrap_or(f64::NAN)
}

fn int(x: Option<u64>) -> String {
    x.map_or("-".into(), |x| x.to_string())
}

/// Marks the Pareto front, writes explore.{csv,md,json} and the plots into `dir`.
pub(super) fn write_outputs(dir: &Path, meta: Meta, mut rows: Vec<Row>) -> Result<Written> {
    rows.sort_by_key(|r| {
        let w = r.weight_bits.clone().unwrap_or_default();
        let first: u64 = w
            .split('/')
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        (
            first,
            w,
            r.arithmetic.clone(),
            r.cores,
            r.lanes,
            r.synapse_lanes,
        )
    });
    let ok: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].status == Status::Ok)
        .collect();
    let lcs: Vec<f64> = ok.iter().map(|&i| num(&rows[i], "lcs")).collect();
    let lat: Vec<f64> = ok.iter().map(|&i| num(&rows[i], "latency_us")).collect();
    let acc: Vec<f64> = ok.iter().map(|&i| num(&rows[i], "accuracy")).collect();
    let mut objectives = vec![
        Objective {
            values: &lcs,
            minimize: true,
        },
        Objective {
            values: &lat,
            minimize: true,
        },
    ];
    if acc.iter().all(|x| x.is_finite()) {
        objectives.push(Objective {
            values: &acc,
            minimize: false,
        });
    }
    let front: Vec<usize> = pareto_front(ok.len(), &objectives)
        .into_iter()
        .map(|k| ok[k])
        .collect();
    for (i, r) in rows.iter_mut().enumerate() {
        r.pareto = front.contains(&i);
    }
    let title = format!(
        "{} on {}",
        meta.network.as_deref().unwrap_or("?"),
        meta.board.as_deref().unwrap_or("?")
    );
    let plots = write_plots(dir, &title, &rows)?;
    let md = markdown(&meta, &rows);
    write_file(&dir.join("explore.csv"), &csv(&rows))?;
    write_file(&dir.join("explore.md"), &md)?;
    let summary = format!(
        "\nwrote {}/explore.{{csv,md,json}} and {}",
        dir.display(),
        plots.join(", ")
    );
    write_json(
        &dir.join("explore.json"),
        &ExploreJson {
            meta,
            plots: plots.clone(),
            points: rows,
        },
    )?;
    Ok(Written {
        markdown: md,
        plots,
        summary,
    })
}

/// `explore.json`.
#[derive(Serialize)]
struct ExploreJson {
    #[serde(flatten)]
    meta: Meta,
    plots: Vec<String>,
    points: Vec<Row>,
}

/// What [`write_outputs`] wrote: the markdown table (also printed), the plots, and a
/// closing line naming the files.
pub struct Written {
    pub markdown: String,
    pub plots: Vec<String>,
    pub summary: String,
}

/// A short point name for plot labels: "L2 C1 W8".
fn short(r: &Row) -> String {
    format!(
        "L{}{} C{} W{}",
        r.lanes,
        r.synapse_lanes
            .map_or_else(String::new, |s| format!(" S{s}")),
        r.cores,
        r.weight_bits.as_deref().unwrap_or("?")
    ) + if r.arithmetic.as_deref() == Some("shift") {
        " shift"
    } else {
        ""
    }
}

/// The rows with finite values at both keys `xy` that `keep` keeps.
fn with_xy<'a>(rows: &'a [Row], xy: (&str, &str), keep: impl Fn(&Row) -> bool) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| num(r, xy.0).is_finite() && num(r, xy.1).is_finite() && keep(r))
        .collect()
}

/// Rows as one plot series at (`xy.0`, `xy.1`), markers always, each labelled with its
/// short name and `suffix`.
fn point_series(
    name: &str,
    v: &[&Row],
    xy: (&str, &str),
    line: bool,
    suffix: fn(&Row) -> String,
    color: usize,
) -> Series {
    Series {
        name: name.into(),
        points: v.iter().map(|r| (num(r, xy.0), num(r, xy.1))).collect(),
        markers: true,
        line,
        labels: v
            .iter()
            .map(|r| format!("  {}{}", short(r), suffix(r)))
            .collect(),
        color,
    }
}

/// " (does not fit)": a point's status, for labels of points without a bitstream.
fn status_mark(r: &Row) -> String {
    format!(" ({})", r.status.text())
}

fn write_plots(dir: &Path, title: &str, rows: &[Row]) -> Result<Vec<String>> {
    let groups = lane_groups(rows);
    let mut plots = vec![
        ("lcs_vs_latency.svg", lcs_vs_latency(title, rows)),
        ("fmax_vs_lanes.svg", fmax_vs_lanes(title, rows, &groups)),
    ];
    if let Some(svg) = accuracy_vs_lcs(title, rows) {
        plots.push(("accuracy_vs_lcs.svg", svg));
    }
    plots.push((
        "throughput_per_lc.svg",
        throughput_per_lc(title, rows, &groups),
    ));
    if rows.iter().any(|r| r.synapse_lanes.is_some()) {
        plots.push((
            "latency_vs_synapse_lanes.svg",
            latency_vs_synapse_lanes(title, rows),
        ));
    }
    let mut written = Vec::new();
    for (name, svg) in plots {
        let p = dir.join(name);
        write_file(&p, &svg.map_err(anyhow::Error::msg)?)?;
        written.push(p.display().to_string());
    }
    Ok(written)
}

/// Logic vs latency: every point with numbers; the front joined and labelled.
fn lcs_vs_latency(title: &str, rows: &[Row]) -> Result<String, String> {
    const LAT: (&str, &str) = ("lcs", "latency_us");
    let mut front = with_xy(rows, LAT, |r| r.pareto);
    front.sort_by(|a, b| num(a, "lcs").total_cmp(&num(b, "lcs")));
    let other_ok = with_xy(rows, LAT, |r| r.status == Status::Ok && !r.pareto);
    let failed = with_xy(rows, LAT, |r| r.status != Status::Ok);
    let mut series = vec![point_series(
        "Pareto front",
        &front,
        LAT,
        true,
        |_| String::new(),
        3,
    )];
    if !other_ok.is_empty() {
        series.push(point_series(
            "built, dominated",
            &other_ok,
            LAT,
            false,
            |_| String::new(),
            0,
        ));
    }
    if !failed.is_empty() {
        series.push(point_series(
            "no bitstream (see table)",
            &failed,
            LAT,
            false,
            status_mark,
            7,
        ));
    }
    let ys: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "latency_us"))
        .filter(|y| y.is_finite() && *y > 0.0)
        .collect();
    if let (Some(cap), false) = (
        rows.iter().find_map(|r| r.lcs_available.map(|x| x as f64)),
        ys.is_empty(),
    ) {
        let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        series.push(Series {
            name: format!("device capacity ({cap:.0} logic cells)"),
            points: vec![(cap, lo), (cap, hi)],
            markers: false,
            line: true,
            labels: Vec::new(),
            color: 1,
        });
    }
    line_plot(
        &format!("{title}: logic vs latency"),
        &Axis {
            label: "logic cells used (LUT4+FF; ECP5: LUT4 slices' combinational)".into(),
            log: false,
        },
        &Axis {
            label: "latency per inference at the requested clock (us, log)".into(),
            log: true,
        },
        &series,
    )
}

/// The (cores, weight bits) groups of the rows, in order of appearance.
fn lane_groups(rows: &[Row]) -> Vec<(u64, String)> {
    let mut groups: Vec<(u64, String)> = Vec::new();
    for r in rows {
        let g = (
            u64::from(r.cores),
            r.weight_bits.as_deref().unwrap_or("?").to_string(),
        );
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    groups
}

/// Per (cores, weight bits) group a line of `key` over lanes (the walk's points; the
/// output-stationary ones are in `latency_vs_synapse_lanes.svg`).
fn by_lanes(rows: &[Row], groups: &[(u64, String)], key: &str) -> Vec<Series> {
    groups
        .iter()
        .enumerate()
        .map(|(gi, (c, w))| {
            let mut v: Vec<&Row> = rows
                .iter()
                .filter(|r| {
                    u64::from(r.cores) == *c
                        && r.weight_bits.as_deref() == Some(w.as_str())
                        && r.synapse_lanes.is_none()
                })
                .filter(|r| num(r, key).is_finite())
                .collect();
            v.sort_by_key(|r| r.lanes);
            line_through(
                format!("{c} core(s), {w}-bit weights"),
                &v,
                ("lanes", key),
                "L",
                gi,
            )
        })
        .collect()
}

/// A line of `xy.1` over `xy.0` through `v` (in the caller's order), each point labelled
/// `tag` and its x value, and its status when it gave no bitstream.
fn line_through(name: String, v: &[&Row], xy: (&str, &str), tag: &str, color: usize) -> Series {
    Series {
        name,
        points: v.iter().map(|r| (num(r, xy.0), num(r, xy.1))).collect(),
        markers: true,
        line: true,
        labels: v
            .iter()
            .map(|r| {
                let x = num(r, xy.0);
                if r.status == Status::Ok {
                    format!("  {tag}{x}")
                } else {
                    format!("  {tag}{x} ({})", r.status.text())
                }
            })
            .collect(),
        color,
    }
}

/// Fmax over lanes, with the requested clock.
fn fmax_vs_lanes(title: &str, rows: &[Row], groups: &[(u64, String)]) -> Result<String, String> {
    let mut fmax = by_lanes(rows, groups, "fmax_mhz");
    let clocks: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "clock_mhz"))
        .filter(|x| x.is_finite())
        .collect();
    if let Some(c) = clocks.first() {
        let lanes: Vec<f64> = rows.iter().map(|r| num(r, "lanes")).collect();
        let lo = lanes.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = lanes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        fmax.push(Series {
            name: format!("requested clock ({c:.1} MHz)"),
            points: vec![(lo, *c), (hi, *c)],
            markers: false,
            line: true,
            labels: Vec::new(),
            color: 7,
        });
    }
    line_plot(
        &format!("{title}: Fmax vs lanes"),
        &Axis {
            label: "lanes per core (log)".into(),
            log: true,
        },
        &Axis {
            label: "Fmax after place and route (MHz)".into(),
            log: false,
        },
        &fmax,
    )
}

/// With more than one accuracy (weight widths): accuracy against logic.
fn accuracy_vs_lcs(title: &str, rows: &[Row]) -> Option<Result<String, String>> {
    let mut accs: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "accuracy"))
        .filter(|x| x.is_finite())
        .collect();
    accs.sort_by(f64::total_cmp);
    accs.dedup();
    if accs.len() <= 1 {
        return None;
    }
    const ACC: (&str, &str) = ("lcs", "accuracy");
    let built = with_xy(rows, ACC, |r| r.status == Status::Ok);
    let not = with_xy(rows, ACC, |r| r.status != Status::Ok);
    let pareto_mark = |r: &Row| {
        if r.pareto {
            " *".to_string()
        } else {
            String::new()
        }
    };
    let mut s = vec![point_series("built", &built, ACC, false, pareto_mark, 0)];
    if !not.is_empty() {
        s.push(point_series(
            "no bitstream (see table)",
            &not,
            ACC,
            false,
            status_mark,
            7,
        ));
    }
    Some(line_plot(
        &format!("{title}: accuracy vs logic (* = Pareto front)"),
        &Axis {
            label: "logic cells used".into(),
            log: false,
        },
        &Axis {
            label: "golden-model accuracy (%), bit-exact with the hardware".into(),
            log: false,
        },
        &s,
    ))
}

/// Latency over the first layer's synapse lanes: one line per (lanes, cores, weight
/// bits), every point with a latency (a point without a bitstream labelled so).
fn latency_vs_synapse_lanes(title: &str, rows: &[Row]) -> Result<String, String> {
    let mut keys: Vec<(u32, u32, &str, &str)> = Vec::new();
    for r in rows {
        let k = (
            r.lanes,
            r.cores,
            r.weight_bits.as_deref().unwrap_or(""),
            r.arithmetic.as_deref().unwrap_or(""),
        );
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let series = keys
        .iter()
        .enumerate()
        .map(|(gi, (l, c, w, ar))| {
            let mut v: Vec<&Row> = rows
                .iter()
                .filter(|r| r.lanes == *l && r.cores == *c)
                .filter(|r| r.weight_bits.as_deref().unwrap_or("") == *w)
                .filter(|r| r.arithmetic.as_deref().unwrap_or("") == *ar)
                .filter(|r| num(r, "latency_us").is_finite())
                .collect();
            v.sort_by_key(|r| r.synapse_lanes.unwrap_or(r.lanes));
            let ar = if ar.is_empty() {
                String::new()
            } else {
                format!(", {ar}")
            };
            line_through(
                format!("{l} lane(s), {c} core(s), {w}-bit weights{ar}"),
                &v,
                ("synapse_lanes", "latency_us"),
                "S",
                gi,
            )
        })
        .collect::<Vec<_>>();
    line_plot(
        &format!("{title}: latency vs first-layer synapse lanes"),
        &Axis {
            label: "first-layer synapse lanes (log)".into(),
            log: true,
        },
        &Axis {
            label: "latency per inference at the requested clock (us, log)".into(),
            log: true,
        },
        &series,
    )
}

/// Throughput per logic cell over lanes.
fn throughput_per_lc(
    title: &str,
    rows: &[Row],
    groups: &[(u64, String)],
) -> Result<String, String> {
    line_plot(
        &format!("{title}: throughput per logic cell"),
        &Axis {
            label: "lanes per core (log)".into(),
            log: true,
        },
        &Axis {
            label: "inferences/s per 1000 logic cells (requested clock)".into(),
            log: false,
        },
        &by_lanes(rows, groups, "throughput_per_klc"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_reasons_and_trims_numbers() {
        let rows = vec![Row {
            lanes: 2,
            cores: 1,
            fmax_mhz: Some(30.25),
            latency_us: Some(1184.0),
            status: Status::DoesNotFit,
            reason: Some("over the device: ICESTORM_DSP 16 of 8, \"x\"".into()),
            ..Row::default()
        }];
        let text = csv(&rows);
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with(
            "lanes,cores,luts,ffs,bram,spram,dsp,fmax_mhz,cycles_per_inference,latency_us,accuracy"
        ));
        let row = lines.next().unwrap();
        assert!(row.starts_with("2,1,,,,,,30.25,,1184,"), "{row}");
        assert!(
            row.ends_with(",\"over the device: ICESTORM_DSP 16 of 8, \"\"x\"\"\""),
            "{row}"
        );
    }
}
