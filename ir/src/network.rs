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

/// The run settings: window length and synaptic delay.
fn check_run(spec: &NetworkSpec) -> Result<(), IrError> {
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
    Ok(())
}

/// The `[input]` section: shape, scale and raw range.
fn check_input(inp: &InputSpec) -> Result<(), IrError> {
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
    Ok(())
}

/// The `[calibration]` section's knobs.
fn check_calibration(c: &CalibConfig) -> Result<(), IrError> {
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
    if c.dynamics && c.target != crate::CalibTarget::Accuracy {
        return Err(IrError::key(
            "calibration.dynamics",
            "searching m_f and the readout's tau_phi needs target = \"accuracy\" (labelled calibration inputs)",
        ));
    }
    if !(c.max_accuracy_drop >= 0.0 && c.max_accuracy_drop < 1.0) {
        return Err(IrError::key(
            "calibration.max_accuracy_drop",
            format!("must be in [0, 1), found {}", c.max_accuracy_drop),
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
    Ok(())
}

/// One raw layer and where it sits in the spec: what its checks and messages need.
struct LayerCtx<'a> {
    spec: &'a NetworkSpec,
    idx: usize,
    raw: &'a RawLayer,
}

/// A layer's neuron and quantization parameters, the globals with its overrides applied.
struct Neurons {
    asn: AsnParams,
    quant: QuantParams,
}

/// The weight and optional bias tensor of a dense, conv2d or readout layer.
#[derive(Clone, Copy)]
struct Tensors<'a> {
    weight: &'a Tensor,
    bias: Option<&'a Tensor>,
}

/// A conv2d layer as written, borrowed from its [`RawKind::Conv2d`].
struct RawConv<'a> {
    channels: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    tensors: Tensors<'a>,
}

impl LayerCtx<'_> {
    fn err<T>(&self, key: Option<&str>, msg: String) -> Result<T, IrError> {
        Err(IrError::layer(&self.raw.name, self.idx, key, msg))
    }

    fn is_readout(&self) -> bool {
        matches!(self.raw.kind, RawKind::Readout { .. })
    }

    /// The last layer, and only the last, is a readout.
    fn check_position(&self) -> Result<(), IrError> {
        let is_last = self.idx + 1 == self.spec.layers.len();
        match &self.raw.kind {
            RawKind::Readout { .. } if !is_last => {
                self.err(None, "a readout layer must be the last layer".into())
            }
            k if is_last && !matches!(k, RawKind::Readout { .. }) => self.err(
                None,
                format!("the last layer must be a readout, found '{}'", k.name()),
            ),
            _ => Ok(()),
        }
    }

    fn check_tensor(&self, t: &Tensor, want: &[usize], key: &str) -> Result<(), IrError> {
        check_tensor(t, want, &self.raw.name, self.idx, key)
    }

    /// The bias values (zeros when the layer has none), checked against `n` channels.
    fn bias_values(&self, bias: Option<&Tensor>, n: usize) -> Result<Vec<f64>, IrError> {
        match bias {
            Some(b) => {
                self.check_tensor(b, &[n], "bias")?;
                Ok(b.data.clone())
            }
            None => Ok(vec![0.0; n]),
        }
    }

    /// Resolves the layer's ASN and quantization parameters (a readout takes the
    /// network's readout τ_φ unless it sets its own) and checks them.
    fn neurons(&self) -> Result<Neurons, IrError> {
        let readout = self.is_readout();
        let mut asn = self.spec.asn.apply(&self.raw.asn);
        if readout && self.raw.asn.tau_phi.is_none() {
            asn.tau_phi = self.spec.readout_tau_phi;
        }
        let quant = self.spec.quant.apply(&self.raw.quant);
        check_asn(&asn, self.spec.coding, &self.raw.name, self.idx, readout)?;
        check_quant(&quant, &self.raw.name, self.idx)?;
        Ok(Neurons {
            asn: asn.realised(),
            quant,
        })
    }

    /// The IR layer from its checked parts.
    fn layer(
        &self,
        conn: Conn,
        weights: Vec<f64>,
        bias: Vec<f64>,
        neurons: Neurons,
        tensors: Tensors,
    ) -> Layer {
        Layer {
            name: self.raw.name.clone(),
            readout: self.is_readout(),
            conn,
            weights,
            bias,
            asn: neurons.asn,
            quant: neurons.quant,
            weight_name: tensors.weight.name.clone(),
            bias_name: tensors.bias.map(|b| b.name.clone()),
        }
    }
}

/// A dense or readout layer on a flat input of shape `shape`.
fn dense_layer(
    ctx: &LayerCtx,
    shape: &[usize],
    units: usize,
    tensors: Tensors,
) -> Result<Layer, IrError> {
    if shape.len() != 1 {
        return ctx.err(
            None,
            format!(
                "a {} layer needs a flat input, found shape {:?}: add a flatten layer before it",
                ctx.raw.kind.name(),
                shape
            ),
        );
    }
    if units == 0 || units > MAX_UNITS {
        return ctx.err(
            Some("units"),
            format!("must be in 1..={MAX_UNITS}, found {units}"),
        );
    }
    let n_in = shape[0];
    ctx.check_tensor(tensors.weight, &[units, n_in], "weight")?;
    let bias = ctx.bias_values(tensors.bias, units)?;
    let neurons = ctx.neurons()?;
    Ok(ctx.layer(
        Conn::Dense { n_in, n_out: units },
        transpose(&tensors.weight.data, units, n_in),
        bias,
        neurons,
        tensors,
    ))
}

/// A conv2d layer (no pool yet) on a `[channels, height, width]` input of shape `shape`.
fn conv_layer(ctx: &LayerCtx, shape: &[usize], conv: RawConv) -> Result<Layer, IrError> {
    let RawConv {
        channels,
        kernel,
        stride,
        padding,
        tensors,
    } = conv;
    if shape.len() != 3 {
        return ctx.err(
            None,
            format!("conv2d needs a [channels, height, width] input, found {shape:?}"),
        );
    }
    if channels == 0 || kernel == 0 || stride == 0 {
        return ctx.err(
            None,
            format!("channels {channels}, kernel {kernel} and stride {stride} must be positive"),
        );
    }
    if channels > MAX_UNITS || kernel > MAX_GEOM || stride > MAX_GEOM || padding > MAX_GEOM {
        return ctx.err(None, format!("channels {channels} (max {MAX_UNITS}), kernel {kernel}, stride {stride}, padding {padding} (max {MAX_GEOM}) out of range"));
    }
    let (c, h, w) = (shape[0], shape[1], shape[2]);
    if h + 2 * padding < kernel || w + 2 * padding < kernel {
        return ctx.err(
            Some("kernel"),
            format!(
                "kernel {kernel} larger than the padded input {}x{}",
                h + 2 * padding,
                w + 2 * padding
            ),
        );
    }
    ctx.check_tensor(tensors.weight, &[channels, c, kernel, kernel], "weight")?;
    let bias = ctx.bias_values(tensors.bias, channels)?;
    let neurons = ctx.neurons()?;
    let g = ConvGeom {
        in_c: c,
        in_h: h,
        in_w: w,
        out_c: channels,
        kernel,
        stride,
        padding,
        pool: None,
    };
    if g.n_conv() > MAX_UNITS {
        return ctx.err(
            None,
            format!(
                "{} conv outputs, above the limit of {MAX_UNITS}",
                g.n_conv()
            ),
        );
    }
    Ok(ctx.layer(
        Conn::Conv(g),
        tensors.weight.data.clone(),
        bias,
        neurons,
        tensors,
    ))
}

/// Fuses a pool layer into `prev`, the layer built last, which must come from the
/// conv2d layer directly before it in the spec. Returns the pooled output shape.
fn fuse_pool(
    ctx: &LayerCtx,
    prev: Option<&mut Layer>,
    kind: PoolKind,
    kernel: usize,
    stride: usize,
) -> Result<Vec<usize>, IrError> {
    let prev_is_conv =
        ctx.idx > 0 && matches!(ctx.spec.layers[ctx.idx - 1].kind, RawKind::Conv2d { .. });
    let Some(Layer {
        conn: Conn::Conv(g),
        ..
    }) = prev.filter(|_| prev_is_conv)
    else {
        return ctx.err(
            None,
            format!(
                "a {} layer must directly follow a conv2d layer (it is fused into it)",
                ctx.raw.kind.name()
            ),
        );
    };
    if kernel == 0 || stride == 0 || kernel > MAX_GEOM || stride > MAX_GEOM {
        return ctx.err(
            None,
            format!("kernel {kernel} and stride {stride} must be in 1..={MAX_GEOM}"),
        );
    }
    let (ch, cw) = g.conv_hw();
    if kernel > ch || kernel > cw {
        return ctx.err(
            Some("kernel"),
            format!("pool kernel {kernel} larger than the conv output {ch}x{cw}"),
        );
    }
    if ctx.raw.asn != AsnOverride::default() || ctx.raw.quant != QuantOverride::default() {
        return ctx.err(None, "a pool layer has no neurons of its own: put asn/quantization settings on the conv2d layer it follows".into());
    }
    g.pool = Some(Pool {
        kind,
        kernel,
        stride,
    });
    let (oh, ow) = g.out_hw();
    Ok(vec![g.out_c, oh, ow])
}

/// The shape a freshly built layer hands on: `[n]` for dense, `[channels, height,
/// width]` for conv.
fn out_shape(conn: &Conn) -> Vec<usize> {
    match conn {
        Conn::Dense { n_out, .. } => vec![*n_out],
        Conn::Conv(g) => {
            let (oh, ow) = g.out_hw();
            vec![g.out_c, oh, ow]
        }
    }
}

/// Builds the computing layers in order, chaining shapes from the input's and fusing
/// each pool into the conv2d layer before it; flatten layers only reshape.
fn build_layers(spec: &NetworkSpec) -> Result<Vec<Layer>, IrError> {
    let mut shape = spec.input.shape.clone();
    let mut layers: Vec<Layer> = Vec::new();
    for (idx, raw) in spec.layers.iter().enumerate() {
        let ctx = LayerCtx { spec, idx, raw };
        ctx.check_position()?;
        match &raw.kind {
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
                let tensors = Tensors {
                    weight,
                    bias: bias.as_ref(),
                };
                let layer = dense_layer(&ctx, &shape, *units, tensors)?;
                shape = out_shape(&layer.conn);
                layers.push(layer);
            }
            RawKind::Conv2d {
                channels,
                kernel,
                stride,
                padding,
                weight,
                bias,
            } => {
                let conv = RawConv {
                    channels: *channels,
                    kernel: *kernel,
                    stride: *stride,
                    padding: *padding,
                    tensors: Tensors {
                        weight,
                        bias: bias.as_ref(),
                    },
                };
                let layer = conv_layer(&ctx, &shape, conv)?;
                shape = out_shape(&layer.conn);
                layers.push(layer);
            }
            RawKind::AvgPool { kernel, stride } | RawKind::MaxPool { kernel, stride } => {
                let kind = if matches!(raw.kind, RawKind::AvgPool { .. }) {
                    PoolKind::Avg
                } else {
                    PoolKind::Max
                };
                shape = fuse_pool(&ctx, layers.last_mut(), kind, *kernel, *stride)?;
            }
            RawKind::Flatten => {
                shape = vec![shape.iter().product()];
            }
        }
    }
    Ok(layers)
}

impl Network {
    /// Validates a spec and builds the IR: shapes chained, pools fused, params resolved.
    pub fn build(spec: NetworkSpec) -> Result<Network, IrError> {
        check_run(&spec)?;
        check_input(&spec.input)?;
        check_calibration(&spec.calibration)?;
        if spec.layers.is_empty() {
            return Err(IrError::key(
                "layer",
                "the network has no layers; it needs at least a final readout",
            ));
        }
        let layers = build_layers(&spec)?;
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
