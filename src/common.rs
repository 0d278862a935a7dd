//! Helpers shared by the commands: loading networks and datasets, calibration, JSON.

use anyhow::{bail, Context, Result};
use asnn_import::{load_dataset, load_network, Dataset, LoadedNetwork};
use asnn_sim::{calibrate, needs_calibration, Calibration};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `network.toml`, or a directory holding one.
pub fn net_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("network.toml")
    } else {
        p.to_path_buf()
    }
}

pub fn load(p: &Path) -> Result<LoadedNetwork> {
    Ok(load_network(&net_path(p))?)
}

/// A dataset spec (see `asnn_import::load_dataset`), optionally truncated to `limit`.
pub fn dataset(spec: &str, limit: Option<usize>) -> Result<Dataset> {
    let mut d = load_dataset(spec).map_err(anyhow::Error::msg)?;
    if let Some(n) = limit {
        d.truncate(n);
    }
    if d.is_empty() {
        bail!("{spec}: no samples");
    }
    Ok(d)
}

/// The dataset to run: the one given, or the example's bundled test slice
/// (`test-images-idx3-ubyte` beside the network).
pub fn dataset_spec(p: &Path, given: Option<&str>) -> Result<String> {
    if let Some(s) = given {
        return Ok(s.to_string());
    }
    let dir = if p.is_dir() {
        p.to_path_buf()
    } else {
        p.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    if !dir.join("test-images-idx3-ubyte").exists()
        && !dir.join("test-images-idx3-ubyte.gz").exists()
    {
        bail!(
            "{}: no bundled test slice (test-images-idx3-ubyte); pass --dataset idx:DIR[:PREFIX]",
            dir.display()
        );
    }
    Ok(format!("idx:{}:test", dir.display()))
}

/// Validates every sample against the network before any simulation starts.
pub fn check_inputs(net: &asnn_ir::Network, d: &Dataset, steps: u32) -> Result<()> {
    for (i, x) in d.inputs.iter().enumerate() {
        x.validate(net.input.len(), net.input.raw_max, steps)
            .map_err(|e| anyhow::anyhow!("{}: sample {i}: {e}", d.source))?;
    }
    Ok(())
}

pub fn labels(d: &Dataset) -> Result<&[u16]> {
    d.labels.as_deref().with_context(|| {
        format!(
            "{}: no labels (an IDX labels file or a label column is needed)",
            d.source
        )
    })
}

/// Calibrates with `calib` (training data) or, without it, only if the network fixes
/// everything itself.
pub fn calibrate_for(loaded: &LoadedNetwork, calib: Option<&str>, n: usize) -> Result<Calibration> {
    calibrate_net(loaded, &loaded.network, calib, n)
}

/// As [`calibrate_for`], for a variant of the loaded network (e.g. another theta0 rule).
pub fn calibrate_net(
    loaded: &LoadedNetwork,
    net: &asnn_ir::Network,
    calib: Option<&str>,
    n: usize,
) -> Result<Calibration> {
    let inputs = match calib {
        Some(spec) => {
            // Spread, not the first n: training files may be sorted by class.
            let mut d = dataset(spec, None)?;
            d.spread(n);
            check_inputs(net, &d, net.steps)?;
            d.inputs
        }
        None if needs_calibration(net) => bail!(
            "{}: this network needs calibration data (theta0 = \"auto\" or no fixed state_frac): pass --calib idx:DIR[:PREFIX] with samples from the training split, or run `asnn calibrate`",
            loaded.path.display()
        ),
        None => Vec::new(),
    };
    calibrate(net, &inputs)
        .with_context(|| format!("{}: calibration failed", loaded.path.display()))
}

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

pub fn write_json(path: &Path, v: &Value) -> Result<()> {
    let s = serde_json::to_string_pretty(v)?;
    write_file(path, &(s + "\n"))
}

pub fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
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
    if !cal.theta0_search.is_empty() {
        let min = cal.network.calibration.min_agreement;
        let mut rows = vec![strings([
            "theta0_fraction",
            "agreement with ANN",
            "spikes/inference",
            "",
        ])];
        for t in &cal.theta0_search {
            let chosen = t.fraction == cal.network.calibration.theta0_fraction;
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
    let sats: u64 = cal.saturations.iter().map(|s| s.total()).sum();
    if sats > 0 {
        println!("warning: {sats} saturations on the calibration data (see the table): consider more state_bits");
    }
}
