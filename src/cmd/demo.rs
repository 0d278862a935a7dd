//! `asnn demo`: the bundled digits example through every model.

use crate::bundled;
use crate::common::{check_inputs, labels, print_calibration, write_json};
use crate::models::{compare, print_table, to_json, POISSON_SEED};
use anyhow::Result;
use asnn_sim::{calibrate, ModelKind};
use std::path::PathBuf;

/// `asnn demo` arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Write {"models": {...}} as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Override the number of time steps (default: the network's, 300).
    #[arg(long)]
    pub steps: Option<u32>,
}

pub fn run(a: &Args) -> Result<()> {
    let (json_out, steps) = (a.json.as_deref(), a.steps);
    let loaded = bundled::network()?;
    let calib = bundled::calib()?;
    let test = bundled::test()?;
    let net = &loaded.network;
    let steps = steps.unwrap_or(net.steps);
    if steps == 0 {
        anyhow::bail!("--steps must be at least 1");
    }
    let shape = net
        .layers
        .iter()
        .map(|l| l.conn.n_out().to_string())
        .fold(net.input.len().to_string(), |a, b| a + "-" + &b);
    println!(
        "asnn demo: {} — 8x8 digits MLP ({shape}), {:?} coding, {steps} steps",
        bundled::LABEL,
        net.coding
    );
    check_inputs(net, &calib, steps)?;
    check_inputs(net, &test, steps)?;
    let cal = calibrate(net, &calib.inputs)?;
    print_calibration(&cal);
    let c = compare(
        &cal,
        &ModelKind::ALL,
        &test.inputs,
        labels(&test)?,
        steps,
        POISSON_SEED,
        None,
    )?;
    println!(
        "\n{} held-out test images (examples/digits/test-*), scored at step {}:",
        test.len(),
        steps - 1
    );
    print_table(&c);
    if let Some(out) = json_out {
        let mut v = to_json(&c, false);
        v["network"] = net.name.clone().into();
        v["calibration"] = serde_json::to_value(&cal.quant)?;
        write_json(out, &v)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
