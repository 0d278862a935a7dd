//! `asnn stream`: consecutive frames, each held K steps, no reset; each frame scored at
//! its last step. Work is counted as asn-model.md defines it: the ASNN's synaptic
//! operations delivered (hidden spikes x fan-out, plus changed inputs x fan-out), the
//! ANN's multiply-accumulates per frame x frames.

use crate::common::{
    calibrate_for, check_inputs, dataset, labels, load, strings, write_json, CalibArgs,
};
use anyhow::{bail, Result};
use asnn_numerics::{Golden, InputEvent, RawInput, RunOptions};
use asnn_sim::{final_frame, Ann};
use serde_json::json;
use std::path::PathBuf;

/// `asnn stream` arguments.
#[derive(clap::Args)]
pub struct Args {
    pub net: PathBuf,
    /// Labelled frames: idx:DIR[:PREFIX].
    #[arg(long)]
    pub dataset: String,
    #[command(flatten)]
    pub cal: CalibArgs,
    /// Number of consecutive frames.
    #[arg(long, default_value_t = 1000)]
    pub frames: usize,
    /// Steps each frame is held; several values give several runs.
    #[arg(long, value_delimiter = ',', default_value = "10,50")]
    pub hold: Vec<u32>,
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// The frames as one event stream: at step k·K every input that differs from frame
/// k-1 changes (frame 0 against all-zero).
pub fn stream_events(frames: &[Vec<u32>], hold: u32) -> RawInput {
    let mut prev = vec![0u32; frames.first().map_or(0, Vec::len)];
    let mut ev = Vec::new();
    for (k, f) in frames.iter().enumerate() {
        for (i, (&v, p)) in f.iter().zip(prev.iter_mut()).enumerate() {
            if v != *p {
                ev.push(InputEvent {
                    step: k as u32 * hold,
                    index: i as u32,
                    value: v,
                });
                *p = v;
            }
        }
    }
    RawInput::Events(ev)
}

pub fn run(a: &Args) -> Result<()> {
    let net_path = a.net.as_path();
    let loaded = load(net_path)?;
    let net = &loaded.network;
    let data = dataset(&a.dataset, Some(a.frames))?;
    let labels = labels(&data)?;
    check_inputs(net, &data, 1)?;
    if a.hold.is_empty() || a.hold.contains(&0) {
        bail!("--hold needs one or more positive step counts, e.g. --hold 10,50");
    }
    let cal = calibrate_for(&loaded, a.cal.calib.as_deref(), a.cal.calib_samples)?;
    let golden = Golden::new(&cal.qnet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let frames: Vec<Vec<u32>> = data
        .inputs
        .iter()
        .map(|x| final_frame(x, net.input.len()))
        .collect();
    let n = frames.len();
    let ann = Ann::new(&cal.network);
    let ann_correct = data
        .inputs
        .iter()
        .zip(labels)
        .filter(|(x, l)| ann.predict(x) == **l)
        .count();
    let macs_per_frame: usize = (0..net.layers.len()).map(|l| net.synapses(l)).sum();
    let ann_updates = (macs_per_frame * n) as f64;
    let mut rows = vec![strings([
        "hold K",
        "steps",
        "ASNN accuracy",
        "ANN accuracy",
        "ASNN synops",
        "ASNN input synops",
        "ANN MACs",
        "ASNN / ANN",
    ])];
    let mut out = Vec::new();
    for &k in &a.hold {
        let steps = u32::try_from(n as u64 * u64::from(k))
            .ok()
            .filter(|s| *s <= 1_000_000);
        let Some(steps) = steps else {
            bail!("{n} frames x hold {k} exceeds 1,000,000 steps: use fewer --frames")
        };
        let input = stream_events(&frames, k);
        let t = golden
            .run(&input, Some(steps), RunOptions::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let correct = (0..n)
            .filter(|&f| t.predictions[(f as u32 * k + k - 1) as usize] == labels[f])
            .count();
        let asnn_updates = (t.synops + t.input_synops) as f64;
        rows.push(vec![
            k.to_string(),
            steps.to_string(),
            format!("{:.2}%", 100.0 * correct as f64 / n as f64),
            format!("{:.2}%", 100.0 * ann_correct as f64 / n as f64),
            t.synops.to_string(),
            t.input_synops.to_string(),
            format!("{ann_updates:.0}"),
            format!("{:.3}", asnn_updates / ann_updates),
        ]);
        out.push(json!({
            "hold": k, "frames": n, "steps": steps,
            "asnn_accuracy": correct as f64 / n as f64,
            "ann_accuracy": ann_correct as f64 / n as f64,
            "asnn_synops": t.synops, "asnn_input_synops": t.input_synops, "asnn_input_changes": t.input_changes,
            "asnn_spikes": t.spikes_per_layer.iter().sum::<u64>(),
            "ann_macs": ann_updates, "ratio_asnn_to_ann": asnn_updates / ann_updates,
        }));
    }
    println!(
        "{}: {n} consecutive frames of {}, integer ASNN, no reset between frames",
        net.name, data.source
    );
    print!("{}", asnn_report::table(&rows));
    println!("ANN: {macs_per_frame} MACs per frame. ASNN: synops = hidden spikes x fan-out; input synops = changed inputs x fan-out.");
    if let Some(p) = a.json.as_deref() {
        write_json(
            p,
            &json!({"network": net.name, "dataset": data.source, "runs": out}),
        )?;
        println!("wrote {}", p.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_inputs_become_events_at_frame_boundaries() {
        let frames = vec![vec![0, 5, 5], vec![0, 5, 7], vec![3, 0, 7]];
        let RawInput::Events(ev) = stream_events(&frames, 10) else {
            panic!("events")
        };
        let got: Vec<(u32, u32, u32)> = ev.iter().map(|e| (e.step, e.index, e.value)).collect();
        assert_eq!(
            got,
            vec![(0, 1, 5), (0, 2, 5), (10, 2, 7), (20, 0, 3), (20, 1, 0)]
        );
    }
}
