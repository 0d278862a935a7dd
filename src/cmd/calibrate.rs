//! `asnn calibrate`: choose theta0 and fixed-point formats, write them explicitly.

use crate::common::{
    calibrate_subset_observed, load, print_calibration, trial_printer, write_json,
};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// `asnn calibrate` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    /// Calibration samples from the training split: idx:DIR[:PREFIX] or events:FILE.csv.
    #[arg(long)]
    pub calib: String,
    /// Use N calibration samples, spread evenly over the file.
    #[arg(long, default_value_t = 1000)]
    pub calib_samples: usize,
    /// Take the J-th of the disjoint spread subsets (indices k*len/N + J, J < len/N),
    /// e.g. to check that the rule gives the same result on other images.
    #[arg(long, default_value_t = 0)]
    pub calib_offset: usize,
    /// Output network.toml (weights are referenced, not copied).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Write the calibration report as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<()> {
    calibrate(
        &a.net,
        &a.calib,
        a.calib_samples,
        a.calib_offset,
        &a.output,
        a.json.as_deref(),
    )
}

fn calibrate(
    p: &Path,
    calib: &str,
    n: usize,
    offset: usize,
    out: &Path,
    json_out: Option<&Path>,
) -> Result<()> {
    let loaded = load(p)?;
    let hook = trial_printer();
    let cal = calibrate_subset_observed(&loaded, &loaded.network, Some(calib), n, offset, &hook)?;
    print_calibration(&cal);
    // The output references the same weights file, relative to the output's folder.
    let src_dir = loaded.path.parent().unwrap_or(Path::new("."));
    let weights = src_dir.join(&loaded.file.network.weights);
    let out_dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let weights_ref = relative_path(&weights, out_dir);
    let fracs: Vec<(String, i32, i32)> = cal
        .quant
        .iter()
        .map(|q| (q.name.clone(), q.weight_frac, q.state_frac))
        .collect();
    let text = asnn_import::calibrated_toml(&loaded, &cal.network, &fracs, &weights_ref)
        .map_err(anyhow::Error::msg)?;
    let header = format!(
        "# Calibrated by asnn {} from {} ({} samples of {calib}).\n",
        env!("CARGO_PKG_VERSION"),
        loaded
            .path
            .file_name()
            .map_or("network.toml".into(), |f| f.to_string_lossy().to_string()),
        cal.samples
    );
    std::fs::write(out, header + &text)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {} (runs without calibration data)", out.display());
    if let Some(j) = json_out {
        write_json(
            j,
            &serde_json::json!({
                "source": calib,
                "samples": cal.samples,
                "offset": offset,
                "target": cal.network.calibration.target.key(),
                "ann_accuracy": cal.ann_accuracy,
                "layers": cal.quant,
                "theta0_fractions": cal.theta0_fractions,
                "theta0_search": cal.theta0_search,
                "chosen_trial": cal.chosen_trial,
                "if_baseline_tuned": cal.if_tuned,
            }),
        )?;
    }
    Ok(())
}
fn relative_path(target: &Path, base: &Path) -> String {
    let (Ok(t), Ok(b)) = (target.canonicalize(), base.canonicalize()) else {
        return target.display().to_string();
    };
    let tc: Vec<_> = t.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = tc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); bc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    parts.join("/")
}
