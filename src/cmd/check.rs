//! `asnn check`: validate and summarise a network.

use crate::common::load;
use anyhow::Result;
use asnn_sim::needs_calibration;
use std::path::{Path, PathBuf};

/// `asnn check` arguments.
#[derive(clap::Args)]
pub struct Args {
    /// network.toml, or a directory holding one.
    pub net: PathBuf,
}

pub fn run(a: &Args) -> Result<()> {
    let p: &Path = &a.net;
    let loaded = load(p)?;
    let net = &loaded.network;
    println!("{}: OK — network '{}'", loaded.path.display(), net.name);
    println!(
        "input {:?} ({} values, {:?}, raw 0..={} scaled by {}), {} steps, {:?} coding, inter-layer delay {}",
        net.input.shape, net.input.len(), net.input.kind, net.input.raw_max, net.input.scale, net.steps, net.coding, net.delay
    );
    let mut rows = vec![[
        "layer",
        "kind",
        "neurons",
        "weights",
        "synapses",
        "W bits",
        "state bits",
        "theta0",
        "tau phi/gamma/eta/beta",
        "m_f",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for (l, layer) in net.layers.iter().enumerate() {
        let kind = match layer.conn {
            asnn_numerics::Conn::Dense { .. } => "dense".to_string(),
            asnn_numerics::Conn::Conv(g) => {
                let (h, w) = g.out_hw();
                let pool = g.pool.map_or(String::new(), |p| {
                    format!("+{:?}pool{}", p.kind, p.kernel).to_lowercase()
                });
                format!(
                    "conv{}x{}s{}p{}{pool} -> {}x{}x{}",
                    g.kernel, g.kernel, g.stride, g.padding, g.out_c, h, w
                )
            }
        };
        let a = &layer.asn;
        rows.push(vec![
            layer.name.clone(),
            if layer.readout {
                format!("{kind} (readout)")
            } else {
                kind
            },
            layer.conn.n_out().to_string(),
            layer.weights.len().to_string(),
            net.synapses(l).to_string(),
            layer.quant.weight_bits.to_string(),
            layer.quant.state_bits.to_string(),
            if layer.readout {
                "-".into()
            } else {
                a.theta0_value().map_or("auto".into(), |t| format!("{t}"))
            },
            format!("{}/{}/{}/{}", a.tau_phi, a.tau_gamma, a.tau_eta, a.tau_beta),
            if layer.readout {
                "-".into()
            } else {
                a.m_f.to_string()
            },
        ]);
    }
    print!("{}", asnn_report::table(&rows));
    let hidden: usize = net.hidden().iter().map(|l| l.conn.n_out()).sum();
    let syn: usize = (0..net.layers.len()).map(|l| net.synapses(l)).sum();
    println!(
        "{hidden} spiking neurons, {} readout units, {syn} synapses",
        net.n_classes()
    );
    if needs_calibration(net) {
        println!("needs calibration data (theta0 \"auto\" or state_frac not fixed): use --calib or `asnn calibrate`");
    }
    Ok(())
}
