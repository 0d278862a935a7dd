//! Plain-text tables and progress bars for the CLI.

use asnn_ir::{LayerQuantInfo, Network};
use asnn_numerics::SatCounts;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress(len: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} samples ({elapsed}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Renders rows as an aligned table; the first row is the header.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = width[c])
                } else {
                    format!("{s:>w$}", w = width[c])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * cols.saturating_sub(1)));
            out.push('\n');
        }
    }
    out
}

/// The calibration/quantization table.
pub fn quant_table(net: &Network, infos: &[LayerQuantInfo], sats: &[SatCounts]) -> String {
    let mut rows = vec![vec![
        "layer".to_string(),
        "theta0".into(),
        "theta0 LSB".into(),
        "W bits.frac".into(),
        "state bits.frac".into(),
        "shift".into(),
        "max w err".into(),
        "saturations".into(),
    ]];
    for (i, q) in infos.iter().enumerate() {
        let readout = net.layers[i].readout;
        rows.push(vec![
            format!("{}{}", q.name, if readout { " (readout)" } else { "" }),
            q.theta0.map_or("-".into(), |t| format!("{t:.4}")),
            q.theta0_lsb.map_or("-".into(), |t| t.to_string()),
            format!("{}.{}", q.weight_bits, q.weight_frac),
            format!("{}.{}", q.state_bits, q.state_frac),
            q.shift.to_string(),
            format!("{:.2}%", 100.0 * q.weight_rel_error),
            sats.get(i).map_or("-".into(), |s| s.total().to_string()),
        ]);
    }
    table(&rows)
}
