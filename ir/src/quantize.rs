//! Float network -> integer network (docs/numerics.md sections 2 and 8).
//! The only place where float parameters become the spec's integers.

use crate::error::IrError;
use crate::network::{Layer, Network};
use crate::params::Theta0;
use asnn_numerics::fixed::DECAY_ONE;
use asnn_numerics::{Coding, QLayer, QNetwork, QParams};
use serde::{Deserialize, Serialize};

/// What the calibrator measured, per layer (readout included).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CalibStats {
    /// The `percentile`-th percentile of each spiking layer's positive ANN activations.
    pub activation_percentile: Vec<f64>,
    /// The largest ANN activation of each spiking layer (Diehl's max-normalisation).
    pub activation_max: Vec<f64>,
    /// Largest magnitude of any state variable in the float ASNN run, per layer.
    pub max_abs: Vec<f64>,
}

/// How each layer was quantized, for reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerQuantInfo {
    pub name: String,
    pub weight_bits: u32,
    pub weight_frac: i32,
    pub state_bits: u32,
    pub state_frac: i32,
    pub shift: i32,
    pub theta0: Option<f64>,
    pub theta0_lsb: Option<i64>,
    pub max_abs_weight: f64,
    /// Largest |w - Wq/2^Fw| relative to max|w|.
    pub weight_rel_error: f64,
}

/// Resolves `theta0 = auto` per layer: `theta0_fraction · percentile activation`.
pub fn resolve_theta0(net: &Network, percentiles: &[f64]) -> Result<Network, IrError> {
    let fractions = vec![net.calibration.theta0_fraction; net.layers.len()];
    resolve_theta0_per_layer(net, percentiles, &fractions)
}

/// As [`resolve_theta0`] with a fraction per layer (`fractions[l]`, used where layer
/// `l`'s θ0 is `auto`).
pub fn resolve_theta0_per_layer(
    net: &Network,
    percentiles: &[f64],
    fractions: &[f64],
) -> Result<Network, IrError> {
    let mut out = net.clone();
    for (idx, l) in out.layers.iter_mut().enumerate() {
        if l.readout || l.asn.theta0 != Theta0::Auto {
            continue;
        }
        let p = percentiles.get(idx).copied().unwrap_or(0.0);
        if !(p.is_finite() && p > 0.0) {
            return Err(IrError::layer(
                &l.name,
                idx,
                Some("theta0"),
                format!("\"auto\" needs a positive activation percentile from calibration data, found {p}: the layer never activated on the calibration set"),
            ));
        }
        let frac = fractions
            .get(idx)
            .copied()
            .unwrap_or(net.calibration.theta0_fraction);
        l.asn.theta0 = Theta0::Value(frac * p);
    }
    Ok(out)
}

/// A layer's decay constant for τ: [`decay_const`], or under `arithmetic = "shift"` the
/// shift-form constant (its τ is already the realised one, so both agree; taking the
/// shift form directly keeps the constant buildable whatever float rounding did).
fn layer_decay(l: &Layer, tau: f64) -> u32 {
    match l.asn.arithmetic {
        asnn_numerics::Arithmetic::Multiply => decay_const(tau),
        asnn_numerics::Arithmetic::Shift => crate::params::shift_decay(tau),
    }
}

/// `round(exp(-1/tau) · 2^16)`.
pub fn decay_const(tau: f64) -> u32 {
    ((-1.0 / tau).exp() * f64::from(DECAY_ONE))
        .round()
        .min(f64::from(DECAY_ONE - 1)) as u32
}

fn ceil_log2(x: f64) -> i32 {
    x.log2().ceil() as i32
}

fn round_fixed(x: f64, frac: i32) -> f64 {
    (x * 2f64.powi(frac)).round()
}

fn layer_err(l: &Layer, idx: usize, key: Option<&str>, msg: String) -> IrError {
    IrError::layer(&l.name, idx, key, msg)
}

/// A spiking layer's θ0 (`None` for the readout); it must no longer be `auto`.
fn layer_theta0(l: &Layer, idx: usize) -> Result<Option<f64>, IrError> {
    if l.readout {
        return Ok(None);
    }
    let theta0 = l.asn.theta0_value().ok_or_else(|| {
        layer_err(
            l,
            idx,
            Some("theta0"),
            "is \"auto\": pass calibration data (--calib) or run `asnn calibrate`".into(),
        )
    })?;
    Ok(Some(theta0))
}

/// A layer's weights in fixed point.
struct QuantWeights {
    /// The integer weights, still as floats.
    values: Vec<f64>,
    frac: i32,
    /// Largest |w| of the effective (float) weights.
    max_abs: f64,
    /// Largest |w - Wq/2^Fw|.
    max_err: f64,
}

/// Quantizes layer `idx`'s effective weights at its `weight_frac` (the largest
/// that fits `weight_bits` when the file leaves it open).
fn quantize_weights(net: &Network, idx: usize) -> Result<QuantWeights, IrError> {
    let l = &net.layers[idx];
    let wb = l.quant.weight_bits;
    let w = net.effective_weights(idx);
    let wmax = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let wlim = f64::from((1u32 << (wb - 1)) - 1);
    let fw = match l.quant.weight_frac {
        Some(f) => f,
        None if wmax == 0.0 => 0,
        None => (wlim / wmax).log2().floor() as i32,
    };
    let wq: Vec<f64> = w.iter().map(|x| round_fixed(*x, fw)).collect();
    if let Some((i, q)) = wq.iter().enumerate().find(|(_, q)| q.abs() > wlim) {
        return Err(layer_err(
            l,
            idx,
            Some("weight_frac"),
            format!("weight {} (flat index {i}) quantizes to {q}, which does not fit {wb} bits at weight_frac {fw}", w[i]),
        ));
    }
    let scale_w = 2f64.powi(-fw);
    let werr = w
        .iter()
        .zip(&wq)
        .fold(0.0f64, |m, (a, q)| m.max((a - q * scale_w).abs()));
    Ok(QuantWeights {
        values: wq,
        frac: fw,
        max_abs: wmax,
        max_err: werr,
    })
}

/// Layer `idx`'s `state_frac`: as fixed in the file, or the largest that holds the
/// calibrated magnitude (and the bias and θ0) with the configured headroom.
fn state_frac(
    net: &Network,
    idx: usize,
    theta0: Option<f64>,
    max_abs: Option<&[f64]>,
) -> Result<i32, IrError> {
    let l = &net.layers[idx];
    if let Some(f) = l.quant.state_frac {
        return Ok(f);
    }
    let bmax = l.bias.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let m = max_abs.and_then(|v| v.get(idx).copied()).ok_or_else(|| {
        layer_err(l, idx, Some("state_frac"), "is not fixed in the network file and no calibration data was given: pass --calib DATA or run `asnn calibrate`".into())
    })?;
    let m = m.max(bmax).max(theta0.unwrap_or(0.0));
    if !m.is_finite() {
        return Err(layer_err(
            l,
            idx,
            None,
            format!("calibration found a non-finite state magnitude ({m})"),
        ));
    }
    let top = if m > 0.0 { ceil_log2(m) } else { 0 };
    Ok(l.quant.state_bits as i32 - 1 - net.calibration.headroom_bits as i32 - top)
}

/// A layer's bias and θ0 in state LSBs.
struct QuantState {
    /// The integer biases, still as floats.
    bias: Vec<f64>,
    theta0_lsb: Option<i64>,
}

/// Quantizes the bias and θ0 at `state_frac` `f`, each checked against `state_bits`.
fn quantize_state(
    l: &Layer,
    idx: usize,
    theta0: Option<f64>,
    f: i32,
) -> Result<QuantState, IrError> {
    let sb = l.quant.state_bits;
    let slim = f64::from((1u32 << (sb - 1)) - 1);
    let bias: Vec<f64> = l.bias.iter().map(|b| round_fixed(*b, f)).collect();
    if let Some((i, b)) = bias.iter().enumerate().find(|(_, b)| b.abs() > slim) {
        return Err(layer_err(
            l,
            idx,
            Some("bias"),
            format!("bias {} (channel {i}) is {b} LSB at state_frac {f}, beyond {sb} bits: raise state_bits or lower state_frac", l.bias[i]),
        ));
    }
    let theta0_lsb = match theta0 {
        Some(t) => {
            let q = round_fixed(t, f);
            if q < 1.0 || q > slim {
                return Err(layer_err(
                    l,
                    idx,
                    Some("theta0"),
                    format!("theta0 = {t} is {q} LSB at state_frac {f} ({sb} state bits): it must be 1..={slim}; raise state_bits"),
                ));
            }
            Some(q as i64)
        }
        None => None,
    };
    Ok(QuantState { bias, theta0_lsb })
}

/// One quantized layer and its report line.
struct QuantizedLayer {
    layer: QLayer,
    info: LayerQuantInfo,
}

/// Quantizes layer `idx`; `prev_frac` is the `state_frac` of the layer before it.
fn quantize_layer(
    net: &Network,
    idx: usize,
    max_abs: Option<&[f64]>,
    prev_frac: i32,
) -> Result<QuantizedLayer, IrError> {
    let l = &net.layers[idx];
    let theta0 = layer_theta0(l, idx)?;
    let w = quantize_weights(net, idx)?;
    let f = state_frac(net, idx, theta0, max_abs)?;
    let state = quantize_state(l, idx, theta0, f)?;
    let f_in = if idx == 0 || net.coding == Coding::Binary {
        0
    } else {
        prev_frac
    };
    let q = QParams {
        weight_bits: l.quant.weight_bits,
        weight_frac: w.frac,
        state_bits: l.quant.state_bits,
        state_frac: f,
        shift: w.frac + f_in - f,
        d_beta: layer_decay(l, l.asn.tau_beta),
        d_phi: layer_decay(l, l.asn.tau_phi),
        d_eta: layer_decay(l, l.asn.tau_eta),
        d_gamma: layer_decay(l, l.asn.tau_gamma),
        m: (l.asn.m_f * f64::from(DECAY_ONE)).round().max(1.0) as u32,
        theta0: state.theta0_lsb.unwrap_or(0),
        arithmetic: l.asn.arithmetic,
    };
    let info = LayerQuantInfo {
        name: l.name.clone(),
        weight_bits: q.weight_bits,
        weight_frac: w.frac,
        state_bits: q.state_bits,
        state_frac: f,
        shift: q.shift,
        theta0,
        theta0_lsb: state.theta0_lsb,
        max_abs_weight: w.max_abs,
        weight_rel_error: if w.max_abs > 0.0 {
            w.max_err / w.max_abs
        } else {
            0.0
        },
    };
    let layer = QLayer {
        name: l.name.clone(),
        readout: l.readout,
        conn: l.conn,
        weights: w.values.iter().map(|x| *x as i32).collect(),
        bias: state.bias.iter().map(|x| *x as i64).collect(),
        q,
    };
    Ok(QuantizedLayer { layer, info })
}

/// Quantizes `net`. `max_abs` (from calibration) is needed for every layer whose
/// `state_frac` is not fixed in the network file.
pub fn quantize(
    net: &Network,
    max_abs: Option<&[f64]>,
) -> Result<(QNetwork, Vec<LayerQuantInfo>), IrError> {
    let mut layers = Vec::new();
    let mut infos = Vec::new();
    let mut prev_frac = 0i32;
    for idx in 0..net.layers.len() {
        let QuantizedLayer { layer, info } = quantize_layer(net, idx, max_abs, prev_frac)?;
        prev_frac = layer.q.state_frac;
        layers.push(layer);
        infos.push(info);
    }
    let qn = QNetwork {
        name: net.name.clone(),
        steps: net.steps,
        delay: net.delay,
        coding: net.coding,
        input_len: net.input.len(),
        raw_max: net.input.raw_max,
        layers,
    };
    qn.validate().map_err(|e| IrError::net(e.0))?;
    Ok((qn, infos))
}
