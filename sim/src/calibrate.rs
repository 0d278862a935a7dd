//! The calibrator: float network + calibration inputs (from training data) -> integer
//! network, by the rule of docs/numerics.md section 8.

use crate::ann::Ann;
use crate::float_asnn::FloatAsnn;
use crate::trace::SimOptions;
use asnn_ir::{
    quantize, resolve_theta0, CalibStats, IrError, LayerQuantInfo, Network, Theta0,
    THETA0_FRACTIONS,
};
use asnn_numerics::{Golden, QNetwork, RawInput, RunOptions, SatCounts};
use rayon::prelude::*;
use serde::Serialize;

/// Everything calibration decided and measured.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// The network with θ0 resolved (no `auto` left).
    pub network: Network,
    pub qnet: QNetwork,
    pub stats: CalibStats,
    pub quant: Vec<LayerQuantInfo>,
    /// Golden-model saturations per layer over the calibration inputs.
    pub saturations: Vec<SatCounts>,
    pub samples: usize,
    /// The `theta0_fraction = "auto"` search, in the order tried (empty otherwise).
    pub theta0_search: Vec<FractionTrial>,
}

/// Nearest-rank percentile of the positive values (0 when there are none).
pub fn percentile_positive(mut v: Vec<f64>, p: f64) -> f64 {
    v.retain(|x| *x > 0.0);
    if v.is_empty() {
        return 0.0;
    }
    // Nearest rank; the epsilon keeps e.g. 99.9% of 1000 at rank 999 despite float error.
    let k = ((p / 100.0 * v.len() as f64 - 1e-9).ceil() as usize).clamp(1, v.len()) - 1;
    let (_, x, _) = v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    *x
}

/// Per layer: (the `percentile`-th percentile, the maximum) of the ANN's positive
/// activations; 0 for the readout.
pub fn activation_stats(net: &Network, inputs: &[RawInput]) -> (Vec<f64>, Vec<f64>) {
    let ann = Ann::new(net);
    let acts: Vec<Vec<Vec<f64>>> = inputs.par_iter().map(|x| ann.forward(x)).collect();
    (0..net.layers.len())
        .map(|l| {
            if net.layers[l].readout {
                return (0.0, 0.0);
            }
            let all: Vec<f64> = acts.iter().flat_map(|a| a[l].iter().copied()).collect();
            let max = all.iter().fold(0.0f64, |m, x| m.max(*x));
            (percentile_positive(all, net.calibration.percentile), max)
        })
        .unzip()
}

/// Needs calibration data: some θ0 is `auto` or some `state_frac` is not fixed.
pub fn needs_calibration(net: &Network) -> bool {
    net.layers
        .iter()
        .any(|l| l.quant.state_frac.is_none() || (!l.readout && l.asn.theta0 == Theta0::Auto))
}

/// One candidate of the `theta0_fraction = "auto"` search.
#[derive(Clone, Debug, Serialize)]
pub struct FractionTrial {
    pub fraction: f64,
    /// Share of calibration inputs where the integer ASNN predicts what the ANN predicts.
    pub agreement: f64,
    /// Mean hidden spikes per calibration input.
    pub spikes: f64,
}

/// Runs the calibration rule (docs/numerics.md section 8). With no inputs, the network
/// must fix everything itself.
pub fn calibrate(net: &Network, inputs: &[RawInput]) -> Result<Calibration, IrError> {
    if inputs.is_empty() {
        let (qnet, quant) = quantize(net, None)?;
        return Ok(Calibration {
            network: net.clone(),
            qnet,
            stats: CalibStats::default(),
            quant,
            saturations: Vec::new(),
            samples: 0,
            theta0_search: Vec::new(),
        });
    }
    let (pct, max) = activation_stats(net, inputs);
    let searching = net.calibration.auto_fraction
        && net
            .layers
            .iter()
            .any(|l| !l.readout && l.asn.theta0 == Theta0::Auto);
    if !searching {
        return Ok(with_fraction(net, inputs, &pct, &max, net.calibration.theta0_fraction)?.0);
    }
    let ann = Ann::new(net);
    let want: Vec<u16> = inputs.par_iter().map(|x| ann.predict(x)).collect();
    let mut trials = Vec::new();
    let mut chosen = None;
    for &f in THETA0_FRACTIONS.iter() {
        let (cal, preds, spikes) = with_fraction(net, inputs, &pct, &max, f)?;
        let agree =
            preds.iter().zip(&want).filter(|(a, b)| a == b).count() as f64 / inputs.len() as f64;
        trials.push(FractionTrial {
            fraction: f,
            agreement: agree,
            spikes,
        });
        let ok = agree >= net.calibration.min_agreement;
        chosen = Some(cal);
        if ok {
            break;
        }
    }
    let mut cal = chosen.expect("at least one candidate");
    cal.theta0_search = trials;
    Ok(cal)
}

/// Calibrates with a fixed `theta0_fraction`; also returns the golden model's final
/// predictions and mean spikes on the calibration inputs.
fn with_fraction(
    net: &Network,
    inputs: &[RawInput],
    pct: &[f64],
    max: &[f64],
    fraction: f64,
) -> Result<(Calibration, Vec<u16>, f64), IrError> {
    let mut net = net.clone();
    net.calibration.theta0_fraction = fraction;
    let resolved = resolve_theta0(&net, pct)?;
    let fa = FloatAsnn::new(&resolved)?;
    let opts = SimOptions {
        track_max: true,
        ..Default::default()
    };
    let max_abs = inputs
        .par_iter()
        .map(|x| fa.run(x, None, opts).max_abs)
        .reduce(
            || vec![0.0; net.layers.len()],
            |a, b| a.iter().zip(&b).map(|(x, y)| x.max(*y)).collect(),
        );
    let (qnet, quant) = quantize(&resolved, Some(&max_abs))?;
    let golden = Golden::new(&qnet).map_err(|e| IrError::net(e.0))?;
    let runs = inputs
        .par_iter()
        .map(|x| golden.run(x, None, RunOptions::default()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IrError::net(format!("calibration input rejected: {e}")))?;
    let mut saturations = vec![SatCounts::default(); net.layers.len()];
    for t in &runs {
        saturations
            .iter_mut()
            .zip(&t.saturations)
            .for_each(|(a, b)| a.add(b));
    }
    let preds = runs
        .iter()
        .map(|t| *t.predictions.last().unwrap_or(&0))
        .collect();
    let spikes = runs
        .iter()
        .map(|t| t.spikes_per_layer.iter().sum::<u64>() as f64)
        .sum::<f64>()
        / inputs.len() as f64;
    let cal = Calibration {
        network: resolved,
        qnet,
        stats: CalibStats {
            activation_percentile: pct.to_vec(),
            activation_max: max.to_vec(),
            max_abs,
        },
        quant,
        saturations,
        samples: inputs.len(),
        theta0_search: Vec::new(),
    };
    Ok((cal, preds, spikes))
}
