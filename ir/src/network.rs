//! The float network IR: what the importer produces and every stage after it reads.

use crate::error::IrError;
use crate::params::{AsnOverride, AsnParams, CalibConfig, QuantOverride, QuantParams, Theta0};
use asnn_numerics::{Coding, Conn, ConvGeom, Pool, PoolKind};
use serde::{Deserialize, Serialize};

/// A named tensor (row-major, f64).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    pub name: String,
    pub dims: Vec<usize>,
    pub data: Vec<f64>,
}

/// How the input is presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// One frame held for the whole window.
    Frame,
    /// Value-change events (step, index, value); inputs hold their last value.
    Events,
}

/// The `[input]` section, resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    /// `[n]` or `[channels, height, width]`.
    pub shape: Vec<usize>,
    pub kind: InputKind,
    /// The first layer sees `raw · scale` (zero stays zero).
    pub scale: f64,
    /// Largest raw value (e.g. 255 for 8-bit pixels).
    pub raw_max: u32,
}

impl InputSpec {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A layer as written in the file, before fusing pools and checking shapes.
#[derive(Clone, Debug, PartialEq)]
pub enum RawKind {
    Dense {
        units: usize,
        weight: Tensor,
        bias: Option<Tensor>,
    },
    Conv2d {
        channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        weight: Tensor,
        bias: Option<Tensor>,
    },
    AvgPool {
        kernel: usize,
        stride: usize,
    },
    MaxPool {
        kernel: usize,
        stride: usize,
    },
    Flatten,
    Readout {
        units: usize,
        weight: Tensor,
        bias: Option<Tensor>,
    },
}

impl RawKind {
    pub fn name(&self) -> &'static str {
        match self {
            RawKind::Dense { .. } => "dense",
            RawKind::Conv2d { .. } => "conv2d",
            RawKind::AvgPool { .. } => "avgpool",
            RawKind::MaxPool { .. } => "maxpool",
            RawKind::Flatten => "flatten",
            RawKind::Readout { .. } => "readout",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RawLayer {
    pub name: String,
    pub kind: RawKind,
    pub asn: AsnOverride,
    pub quant: QuantOverride,
}

/// The whole network as written in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSpec {
    pub name: String,
    pub steps: u32,
    pub coding: Coding,
    pub delay: u32,
    pub input: InputSpec,
    pub asn: AsnParams,
    /// τ_φ of the readout unless its layer overrides it.
    pub readout_tau_phi: f64,
    pub quant: QuantParams,
    pub calibration: CalibConfig,
    pub layers: Vec<RawLayer>,
}

/// One computing layer: dense or conv (with a fused pool), spiking or readout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub readout: bool,
    pub conn: Conn,
    /// Canonical layout (`asnn_numerics::Conn`): dense `[in][out]`, conv `[co][ci][ky][kx]`.
    pub weights: Vec<f64>,
    /// Per output channel.
    pub bias: Vec<f64>,
    pub asn: AsnParams,
    pub quant: QuantParams,
    /// Tensor names, for messages and for writing the network back.
    pub weight_name: String,
    pub bias_name: Option<String>,
}

/// A validated network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub name: String,
    pub steps: u32,
    pub coding: Coding,
    pub delay: u32,
    pub input: InputSpec,
    pub calibration: CalibConfig,
    pub layers: Vec<Layer>,
}

const MAX_TAU: f64 = 10_000.0;
const MAX_STEPS: u32 = 1_000_000;
/// Largest layer (units, channels, input values): far above any FPGA target.
const MAX_UNITS: usize = 1 << 24;
/// Largest kernel, stride or padding.
const MAX_GEOM: usize = 1024;

fn check_tensor(
    t: &Tensor,
    want: &[usize],
    lname: &str,
    idx: usize,
    key: &str,
) -> Result<(), IrError> {
    if t.dims != want {
        return Err(IrError::layer(
            lname,
            idx,
            Some(key),
            format!(
                "tensor '{}' has shape {:?}, expected {:?}",
                t.name, t.dims, want
            ),
        ));
    }
    if t.data.len() != want.iter().product::<usize>() {
        return Err(IrError::layer(
            lname,
            idx,
            Some(key),
            format!(
                "tensor '{}' holds {} values, shape {:?} needs {}",
                t.name,
                t.data.len(),
                want,
                want.iter().product::<usize>()
            ),
        ));
    }
    if let Some((i, v)) = t.data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(IrError::layer(
            lname,
            idx,
            Some(key),
            format!(
                "tensor '{}' has a non-finite value {v} at flat index {i}",
                t.name
            ),
        ));
    }
    Ok(())
}

fn check_asn(
    p: &AsnParams,
    coding: Coding,
    lname: &str,
    idx: usize,
    readout: bool,
) -> Result<(), IrError> {
    let e = |k: &str, m: String| Err(IrError::layer(lname, idx, Some(k), m));
    for (k, v) in [
        ("tau_phi", p.tau_phi),
        ("tau_gamma", p.tau_gamma),
        ("tau_eta", p.tau_eta),
        ("tau_beta", p.tau_beta),
    ] {
        if !v.is_finite() || v <= 0.0 || v > MAX_TAU {
            return e(
                k,
                format!("time constant must be in (0, {MAX_TAU}] steps, found {v}"),
            );
        }
    }
    if readout {
        return Ok(());
    }
    if !p.m_f.is_finite() || p.m_f <= 0.0 || p.m_f > 4.0 {
        return e("m_f", format!("must be in (0, 4], found {}", p.m_f));
    }
    match p.theta0 {
        Theta0::Value(v) if !v.is_finite() || v <= 0.0 => e("theta0", format!("must be positive and finite, found {v}")),
        Theta0::Auto if coding == Coding::Binary => e(
            "theta0",
            "\"auto\" is only for graded coding: a binary-coded network was trained for a fixed theta0; give its value".into(),
        ),
        _ => Ok(()),
    }
}

fn check_quant(q: &QuantParams, lname: &str, idx: usize) -> Result<(), IrError> {
    if !(2..=16).contains(&q.weight_bits) {
        return Err(IrError::layer(
            lname,
            idx,
            Some("weight_bits"),
            format!("must be in 2..=16, found {}", q.weight_bits),
        ));
    }
    if !(8..=32).contains(&q.state_bits) {
        return Err(IrError::layer(
            lname,
            idx,
            Some("state_bits"),
            format!("must be in 8..=32, found {}", q.state_bits),
        ));
    }
    for (k, v) in [("weight_frac", q.weight_frac), ("state_frac", q.state_frac)] {
        if let Some(v) = v {
            if !(-32..=48).contains(&v) {
                return Err(IrError::layer(
                    lname,
                    idx,
                    Some(k),
                    format!("must be in -32..=48, found {v}"),
                ));
            }
        }
    }
    Ok(())
}

/// PyTorch `[out][in]` to canonical `[in][out]`.
fn transpose(data: &[f64], n_out: usize, n_in: usize) -> Vec<f64> {
    let mut t = vec![0.0; data.len()];
    for o in 0..n_out {
        for i in 0..n_in {
            t[i * n_out + o] = data[o * n_in + i];
        }
    }
    t
}

impl Network {
    /// Validates a spec and builds the IR: shapes chained, pools fused, params resolved.
    pub fn build(spec: NetworkSpec) -> Result<Network, IrError> {
        if spec.steps == 0 || spec.steps > MAX_STEPS {
            return Err(IrError::key(
                "steps",
                format!("must be in 1..={MAX_STEPS}, found {}", spec.steps),
            ));
        }
        if spec.delay > 1 {
            return Err(IrError::key(
                "delay",
                format!("must be 0 or 1, found {}", spec.delay),
            ));
        }
        let inp = &spec.input;
        if inp.shape.is_empty()
            || inp.shape.len() > 3
            || inp.shape.contains(&0)
            || inp.shape.len() == 2
            || inp.shape.iter().any(|&d| d > MAX_UNITS)
            || inp.shape.iter().product::<usize>() > MAX_UNITS
        {
            return Err(IrError::key(
                "input.shape",
                format!(
                    "must be [n] or [channels, height, width] with positive sizes, found {:?}",
                    inp.shape
                ),
            ));
        }
        if !inp.scale.is_finite() || inp.scale <= 0.0 {
            return Err(IrError::key(
                "input.scale",
                format!("must be positive and finite, found {}", inp.scale),
            ));
        }
        if inp.raw_max == 0 || inp.raw_max > 65_535 {
            return Err(IrError::key(
                "input.raw_max",
                format!("must be in 1..=65535, found {}", inp.raw_max),
            ));
        }
        let c = &spec.calibration;
        if !(c.theta0_fraction > 0.0 && c.theta0_fraction <= 10.0) {
            return Err(IrError::key(
                "calibration.theta0_fraction",
                format!("must be in (0, 10], found {}", c.theta0_fraction),
            ));
        }
        if !(c.min_agreement > 0.0 && c.min_agreement <= 1.0) {
            return Err(IrError::key(
                "calibration.min_agreement",
                format!("must be in (0, 1], found {}", c.min_agreement),
            ));
        }
        if !(c.percentile > 0.0 && c.percentile <= 100.0) {
            return Err(IrError::key(
                "calibration.percentile",
                format!("must be in (0, 100], found {}", c.percentile),
            ));
        }
        if c.headroom_bits > 8 {
            return Err(IrError::key(
                "calibration.headroom_bits",
                format!("must be in 0..=8, found {}", c.headroom_bits),
            ));
        }
        if spec.layers.is_empty() {
            return Err(IrError::key(
                "layer",
                "the network has no layers; it needs at least a final readout",
            ));
        }
        let n_raw = spec.layers.len();
        let mut shape = inp.shape.clone();
        let mut layers: Vec<Layer> = Vec::new();
        for (idx, rl) in spec.layers.iter().enumerate() {
            let lname = rl.name.as_str();
            let is_last = idx + 1 == n_raw;
            let err = |k: Option<&str>, m: String| Err(IrError::layer(lname, idx, k, m));
            match &rl.kind {
                RawKind::Readout { .. } if !is_last => {
                    return err(None, "a readout layer must be the last layer".into());
                }
                k if is_last && !matches!(k, RawKind::Readout { .. }) => {
                    return err(
                        None,
                        format!("the last layer must be a readout, found '{}'", k.name()),
                    );
                }
                _ => {}
            }
            let readout = matches!(rl.kind, RawKind::Readout { .. });
            let mut asn = spec.asn.apply(&rl.asn);
            if readout && rl.asn.tau_phi.is_none() {
                asn.tau_phi = spec.readout_tau_phi;
            }
            let quant = spec.quant.apply(&rl.quant);
            match &rl.kind {
                RawKind::Dense {
                    units,
                    weight,
                    bias,
                }
                | RawKind::Readout {
                    units,
                    weight,
                    bias,
                } => {
                    if shape.len() != 1 {
                        return err(None, format!("a {} layer needs a flat input, found shape {:?}: add a flatten layer before it", rl.kind.name(), shape));
                    }
                    if *units == 0 || *units > MAX_UNITS {
                        return err(
                            Some("units"),
                            format!("must be in 1..={MAX_UNITS}, found {units}"),
                        );
                    }
                    let n_in = shape[0];
                    check_tensor(weight, &[*units, n_in], lname, idx, "weight")?;
                    let bias_v = match bias {
                        Some(b) => {
                            check_tensor(b, &[*units], lname, idx, "bias")?;
                            b.data.clone()
                        }
                        None => vec![0.0; *units],
                    };
                    check_asn(&asn, spec.coding, lname, idx, readout)?;
                    check_quant(&quant, lname, idx)?;
                    layers.push(Layer {
                        name: rl.name.clone(),
                        readout,
                        conn: Conn::Dense {
                            n_in,
                            n_out: *units,
                        },
                        weights: transpose(&weight.data, *units, n_in),
                        bias: bias_v,
                        asn,
                        quant,
                        weight_name: weight.name.clone(),
                        bias_name: bias.as_ref().map(|b| b.name.clone()),
                    });
                    shape = vec![*units];
                }
                RawKind::Conv2d {
                    channels,
                    kernel,
                    stride,
                    padding,
                    weight,
                    bias,
                } => {
                    if shape.len() != 3 {
                        return err(
                            None,
                            format!(
                                "conv2d needs a [channels, height, width] input, found {shape:?}"
                            ),
                        );
                    }
                    if *channels == 0 || *kernel == 0 || *stride == 0 {
                        return err(None, format!("channels {channels}, kernel {kernel} and stride {stride} must be positive"));
                    }
                    if *channels > MAX_UNITS
                        || *kernel > MAX_GEOM
                        || *stride > MAX_GEOM
                        || *padding > MAX_GEOM
                    {
                        return err(None, format!("channels {channels} (max {MAX_UNITS}), kernel {kernel}, stride {stride}, padding {padding} (max {MAX_GEOM}) out of range"));
                    }
                    let (c, h, w) = (shape[0], shape[1], shape[2]);
                    if h + 2 * padding < *kernel || w + 2 * padding < *kernel {
                        return err(
                            Some("kernel"),
                            format!(
                                "kernel {kernel} larger than the padded input {}x{}",
                                h + 2 * padding,
                                w + 2 * padding
                            ),
                        );
                    }
                    check_tensor(
                        weight,
                        &[*channels, c, *kernel, *kernel],
                        lname,
                        idx,
                        "weight",
                    )?;
                    let bias_v = match bias {
                        Some(b) => {
                            check_tensor(b, &[*channels], lname, idx, "bias")?;
                            b.data.clone()
                        }
                        None => vec![0.0; *channels],
                    };
                    check_asn(&asn, spec.coding, lname, idx, readout)?;
                    check_quant(&quant, lname, idx)?;
                    let g = ConvGeom {
                        in_c: c,
                        in_h: h,
                        in_w: w,
                        out_c: *channels,
                        kernel: *kernel,
                        stride: *stride,
                        padding: *padding,
                        pool: None,
                    };
                    if g.n_conv() > MAX_UNITS {
                        return err(
                            None,
                            format!(
                                "{} conv outputs, above the limit of {MAX_UNITS}",
                                g.n_conv()
                            ),
                        );
                    }
                    let (oh, ow) = g.out_hw();
                    layers.push(Layer {
                        name: rl.name.clone(),
                        readout,
                        conn: Conn::Conv(g),
                        weights: weight.data.clone(),
                        bias: bias_v,
                        asn,
                        quant,
                        weight_name: weight.name.clone(),
                        bias_name: bias.as_ref().map(|b| b.name.clone()),
                    });
                    shape = vec![*channels, oh, ow];
                }
                RawKind::AvgPool { kernel, stride } | RawKind::MaxPool { kernel, stride } => {
                    let kind = if matches!(rl.kind, RawKind::AvgPool { .. }) {
                        PoolKind::Avg
                    } else {
                        PoolKind::Max
                    };
                    let prev_is_conv =
                        idx > 0 && matches!(spec.layers[idx - 1].kind, RawKind::Conv2d { .. });
                    let Some(Layer {
                        conn: Conn::Conv(g),
                        ..
                    }) = layers.last_mut().filter(|_| prev_is_conv)
                    else {
                        return err(None, format!("a {} layer must directly follow a conv2d layer (it is fused into it)", rl.kind.name()));
                    };
                    if *kernel == 0 || *stride == 0 || *kernel > MAX_GEOM || *stride > MAX_GEOM {
                        return err(
                            None,
                            format!(
                                "kernel {kernel} and stride {stride} must be in 1..={MAX_GEOM}"
                            ),
                        );
                    }
                    let (ch, cw) = g.conv_hw();
                    if *kernel > ch || *kernel > cw {
                        return err(
                            Some("kernel"),
                            format!("pool kernel {kernel} larger than the conv output {ch}x{cw}"),
                        );
                    }
                    if rl.asn != AsnOverride::default() || rl.quant != QuantOverride::default() {
                        return err(None, "a pool layer has no neurons of its own: put asn/quantization settings on the conv2d layer it follows".into());
                    }
                    g.pool = Some(Pool {
                        kind,
                        kernel: *kernel,
                        stride: *stride,
                    });
                    let (oh, ow) = g.out_hw();
                    shape = vec![g.out_c, oh, ow];
                }
                RawKind::Flatten => {
                    shape = vec![shape.iter().product()];
                }
            }
        }
        Ok(Network {
            name: spec.name,
            steps: spec.steps,
            coding: spec.coding,
            delay: spec.delay,
            input: spec.input,
            calibration: spec.calibration,
            layers,
        })
    }

    /// Spiking (hidden) layers: all but the readout.
    pub fn hidden(&self) -> &[Layer] {
        &self.layers[..self.layers.len() - 1]
    }

    pub fn n_classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.conn.n_out())
    }

    /// Weights with every linear scale folded in (docs/numerics.md section 2):
    /// input scale for the first layer, the sender's spike height for binary coding,
    /// 1/n for a fused average pool. Both the float reference and the quantizer use these.
    pub fn effective_weights(&self, l: usize) -> Vec<f64> {
        self.folded_weights(l, true, true)
    }

    /// Layer `l`'s weights with the chosen linear scales folded in: the input scale
    /// (first layer, when `input_scale`), the sender's binary spike height (when
    /// `spike_height` and the coding is binary), and always a fused average pool's 1/n.
    /// The ANN folds no spike height; the Poisson baseline's input spikes carry no scale.
    pub fn folded_weights(&self, l: usize, input_scale: bool, spike_height: bool) -> Vec<f64> {
        let layer = &self.layers[l];
        let mut f = 1.0;
        if l == 0 {
            if input_scale {
                f *= self.input.scale;
            }
        } else if spike_height && self.coding == Coding::Binary {
            f *= self.layers[l - 1].asn.spike_height().unwrap_or(1.0);
        }
        if let Conn::Conv(ConvGeom {
            pool:
                Some(Pool {
                    kind: PoolKind::Avg,
                    kernel,
                    ..
                }),
            ..
        }) = layer.conn
        {
            f /= (kernel * kernel) as f64;
        }
        layer.weights.iter().map(|w| w * f).collect()
    }

    /// Synapse count (weights × positions they are used at, one synop each).
    pub fn synapses(&self, l: usize) -> usize {
        let fan = asnn_numerics::synapse::FanOut::new(&self.layers[l].conn);
        (0..self.layers[l].conn.n_in()).map(|i| fan.len(i)).sum()
    }
}
