//! What every command loads before it works: the network, its hardware choices, the
//! dataset, the calibration; and writing result files.

use anyhow::{bail, Context, Result};
use asnn_generator::{HwFile, HwSpec};
use asnn_import::{load_dataset, load_network, Dataset, LoadedNetwork};
use asnn_sim::{needs_calibration, Calibration};
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

/// Reads `hw.toml` (a `[hardware]` table; unknown keys are errors).
pub fn load_hw(path: &Path) -> Result<HwSpec> {
    let f: HwFile = asnn_import::load_toml(path)?;
    Ok(f.hardware)
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

/// The labels of a dataset, or an error naming it.
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
    calibrate_subset(loaded, net, calib, n, 0)
}

/// As [`calibrate_net`] on the `offset`-th of the disjoint spread subsets of `n`
/// samples (`Dataset::spread_offset`). Labels, when the set has them, go to the rule
/// (`target = "accuracy"` needs them).
pub fn calibrate_subset(
    loaded: &LoadedNetwork,
    net: &asnn_ir::Network,
    calib: Option<&str>,
    n: usize,
    offset: usize,
) -> Result<Calibration> {
    calibrate_subset_observed(loaded, net, calib, n, offset, &|_| {})
}

/// As [`calibrate_subset`]; `on_trial` sees each candidate of a θ0 search.
pub fn calibrate_subset_observed(
    loaded: &LoadedNetwork,
    net: &asnn_ir::Network,
    calib: Option<&str>,
    n: usize,
    offset: usize,
    on_trial: &asnn_sim::TrialHook,
) -> Result<Calibration> {
    let (inputs, labels) = match calib {
        Some(spec) => {
            // Spread, not the first n: training files may be sorted by class.
            let mut d = dataset(spec, None)?;
            d.spread_offset(n, offset).map_err(anyhow::Error::msg)?;
            check_inputs(net, &d, net.steps)?;
            (d.inputs, d.labels)
        }
        None if needs_calibration(net) => bail!(
            "{}: this network needs calibration data (theta0 = \"auto\" or no fixed state_frac): pass --calib idx:DIR[:PREFIX] with samples from the training split, or run `asnn calibrate`",
            loaded.path.display()
        ),
        None => (Vec::new(), None),
    };
    asnn_sim::calibrate_observed(net, &inputs, labels.as_deref(), on_trial)
        .with_context(|| format!("{}: calibration failed", loaded.path.display()))
}

/// `p` made absolute against the current folder: tools run with their work folder as
/// the current one, so every path handed to them must not be relative.
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Writes `text` to `path`, creating its folder.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    write_bytes(path, text.as_bytes())
}

pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `v` as pretty JSON with a final newline, keys sorted.
pub fn write_json<T: serde::Serialize + ?Sized>(path: &Path, v: &T) -> Result<()> {
    // Through serde_json's map, so keys come out sorted as they always have.
    let s = serde_json::to_string_pretty(&serde_json::to_value(v)?)?;
    write_file(path, &(s + "\n"))
}

/// Reads a JSON file into `T`, or None when it is missing or not a `T`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// Writes `v` beside `path` and renames it into place: jobs of one array may write the
/// same cache file at once, and a reader must never see half of one.
pub fn write_json_atomic<T: serde::Serialize>(path: &Path, v: &T) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    write_json(&tmp, v)?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}
