//! The integer network: geometry, constants and weights exactly as the spec uses them.

use serde::{Deserialize, Serialize};

/// How a spike is coded downstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coding {
    /// A spike carries θ (its payload); synapses multiply.
    Graded,
    /// A spike carries a fixed height folded into the weights; synapses add.
    Binary,
}

/// How a layer's neuron constants may be built (docs/numerics.md section 11). The
/// integers and the dynamics are those of section 5 either way; `Shift` only restricts
/// the constants so that hardware builds every constant multiply from shifts and adds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Arithmetic {
    /// Any constant; hardware multiplies (in DSPs where the device has them).
    #[default]
    Multiply,
    /// Every decay constant has at most [`crate::fixed::SHIFT_DIGITS`] nonzero signed
    /// digits and `M` is a power of two.
    Shift,
}

impl Arithmetic {
    pub fn is_multiply(&self) -> bool {
        *self == Arithmetic::Multiply
    }

    pub fn key(&self) -> &'static str {
        match self {
            Arithmetic::Multiply => "multiply",
            Arithmetic::Shift => "shift",
        }
    }
}

/// A pool fused into the conv layer before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolKind {
    Avg,
    Max,
}

/// Fused pool geometry (square window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    pub kind: PoolKind,
    pub kernel: usize,
    pub stride: usize,
}

/// Conv2d geometry, PyTorch semantics, CHW layout, optional fused pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvGeom {
    pub in_c: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub out_c: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub pool: Option<Pool>,
}

impl ConvGeom {
    /// Conv output height and width (before pooling).
    pub fn conv_hw(&self) -> (usize, usize) {
        let f = |n: usize| (n + 2 * self.padding - self.kernel) / self.stride + 1;
        (f(self.in_h), f(self.in_w))
    }
    /// Output height and width after the fused pool (if any).
    pub fn out_hw(&self) -> (usize, usize) {
        let (h, w) = self.conv_hw();
        match self.pool {
            None => (h, w),
            Some(p) => ((h - p.kernel) / p.stride + 1, (w - p.kernel) / p.stride + 1),
        }
    }
    pub fn n_in(&self) -> usize {
        self.in_c * self.in_h * self.in_w
    }
    pub fn n_conv(&self) -> usize {
        let (h, w) = self.conv_hw();
        self.out_c * h * w
    }
    pub fn n_out(&self) -> usize {
        let (h, w) = self.out_hw();
        self.out_c * h * w
    }
    pub fn n_weights(&self) -> usize {
        self.out_c * self.in_c * self.kernel * self.kernel
    }
    /// Number of taps feeding one conv output (for accumulator sizing).
    pub fn fan_in(&self) -> usize {
        let taps = self.in_c * self.kernel * self.kernel;
        match self.pool {
            Some(Pool {
                kind: PoolKind::Avg,
                kernel,
                ..
            }) => taps * kernel * kernel,
            _ => taps,
        }
    }
}

/// How a layer's inputs reach its synaptic targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Conn {
    /// Fully connected; canonical weight layout `[in][out]`.
    Dense { n_in: usize, n_out: usize },
    /// Convolution; canonical weight layout `[co][ci][ky][kx]` (PyTorch).
    Conv(ConvGeom),
}

impl Conn {
    pub fn n_in(&self) -> usize {
        match self {
            Conn::Dense { n_in, .. } => *n_in,
            Conn::Conv(g) => g.n_in(),
        }
    }
    /// Spiking (or readout) units.
    pub fn n_out(&self) -> usize {
        match self {
            Conn::Dense { n_out, .. } => *n_out,
            Conn::Conv(g) => g.n_out(),
        }
    }
    /// Units that hold `I`/`Sd`: pre-pool units for a max pool, else the outputs.
    pub fn n_targets(&self) -> usize {
        match self {
            Conn::Conv(g) if matches!(g.pool, Some(p) if p.kind == PoolKind::Max) => g.n_conv(),
            _ => self.n_out(),
        }
    }
    pub fn n_weights(&self) -> usize {
        match self {
            Conn::Dense { n_in, n_out } => n_in * n_out,
            Conn::Conv(g) => g.n_weights(),
        }
    }
    /// Largest number of terms in one target's synaptic sum.
    pub fn fan_in(&self) -> usize {
        match self {
            Conn::Dense { n_in, .. } => *n_in,
            Conn::Conv(g) => g.fan_in(),
        }
    }
    /// Output channel of an output unit (for per-channel biases).
    pub fn channel_of(&self, out: usize) -> usize {
        match self {
            Conn::Dense { .. } => out,
            Conn::Conv(g) => {
                let (h, w) = g.out_hw();
                out / (h * w)
            }
        }
    }
    pub fn n_channels(&self) -> usize {
        match self {
            Conn::Dense { n_out, .. } => *n_out,
            Conn::Conv(g) => g.out_c,
        }
    }
}

/// Per-layer integer constants (docs/numerics.md section 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QParams {
    pub weight_bits: u32,
    pub weight_frac: i32,
    pub state_bits: u32,
    pub state_frac: i32,
    /// `R = Fw + F_in - F`.
    pub shift: i32,
    pub d_beta: u32,
    pub d_phi: u32,
    pub d_eta: u32,
    pub d_gamma: u32,
    pub m: u32,
    pub theta0: i64,
    /// How the constants above may be built (section 11); absent in files written
    /// before the option existed, which are `multiply`. Not written when `multiply`, so
    /// a multiply network serialises (and hashes: the design id) as it always did.
    #[serde(default, skip_serializing_if = "Arithmetic::is_multiply")]
    pub arithmetic: Arithmetic,
}

/// One integer layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QLayer {
    pub name: String,
    pub readout: bool,
    pub conn: Conn,
    /// Canonical layout (see [`Conn`]).
    pub weights: Vec<i32>,
    /// One per output channel, in the state format.
    pub bias: Vec<i64>,
    pub q: QParams,
}

/// The integer network the golden model runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QNetwork {
    pub name: String,
    pub steps: u32,
    pub delay: u32,
    pub coding: Coding,
    pub input_len: usize,
    pub raw_max: u32,
    pub layers: Vec<QLayer>,
}

/// Why an integer network is not runnable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QError(pub String);

impl std::fmt::Display for QError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for QError {}

/// The constraints of `arithmetic = "shift"` (docs/numerics.md section 11).
fn check_shift(l: &QLayer) -> Result<(), String> {
    let q = &l.q;
    if q.arithmetic != Arithmetic::Shift {
        return Ok(());
    }
    for (name, d) in [
        ("d_beta", q.d_beta),
        ("d_phi", q.d_phi),
        ("d_eta", q.d_eta),
        ("d_gamma", q.d_gamma),
    ] {
        let n = crate::fixed::signed_digits(u64::from(d));
        if n > crate::fixed::SHIFT_DIGITS {
            return Err(format!(
                "arithmetic = \"shift\": {name} = {d} has {n} nonzero signed digits, at most {} allowed",
                crate::fixed::SHIFT_DIGITS
            ));
        }
    }
    if !l.readout && !q.m.is_power_of_two() {
        return Err(format!(
            "arithmetic = \"shift\": m = {} must be a power of two",
            q.m
        ));
    }
    Ok(())
}

impl QNetwork {
    /// Checks every invariant the golden model relies on, so that running never panics.
    pub fn validate(&self) -> Result<(), QError> {
        let err = |l: &QLayer, m: String| Err(QError(format!("layer '{}': {m}", l.name)));
        if self.layers.is_empty() {
            return Err(QError("network has no layers".into()));
        }
        if self.delay > 1 {
            return Err(QError(format!(
                "delay must be 0 or 1, found {}",
                self.delay
            )));
        }
        let mut n_prev = self.input_len;
        let mut prev_payload_bits = crate::fixed::bits_for(u64::from(self.raw_max));
        for (i, l) in self.layers.iter().enumerate() {
            let q = &l.q;
            if l.readout != (i + 1 == self.layers.len()) {
                return err(l, "the readout must be the last layer, and only it".into());
            }
            if l.conn.n_in() != n_prev {
                return err(
                    l,
                    format!(
                        "expects {} inputs, previous layer gives {n_prev}",
                        l.conn.n_in()
                    ),
                );
            }
            if l.weights.len() != l.conn.n_weights() {
                return err(
                    l,
                    format!(
                        "{} weights, geometry needs {}",
                        l.weights.len(),
                        l.conn.n_weights()
                    ),
                );
            }
            if l.bias.len() != l.conn.n_channels() {
                return err(
                    l,
                    format!("{} biases, needs {}", l.bias.len(), l.conn.n_channels()),
                );
            }
            if !(2..=16).contains(&q.weight_bits) || !(8..=32).contains(&q.state_bits) {
                return err(
                    l,
                    format!(
                        "weight_bits {} (2..=16) / state_bits {} (8..=32) out of range",
                        q.weight_bits, q.state_bits
                    ),
                );
            }
            let (wlo, whi) = crate::fixed::range(q.weight_bits);
            if let Some(w) = l
                .weights
                .iter()
                .find(|&&w| i64::from(w) < wlo || i64::from(w) > whi)
            {
                return err(l, format!("weight {w} does not fit {} bits", q.weight_bits));
            }
            let (slo, shi) = crate::fixed::range(q.state_bits);
            if let Some(b) = l.bias.iter().find(|&&b| b < slo || b > shi) {
                return err(l, format!("bias {b} does not fit {} bits", q.state_bits));
            }
            if !l.readout && (q.theta0 < 1 || q.theta0 > shi) {
                return err(
                    l,
                    format!("theta0 = {} LSB, must be in 1..={shi}", q.theta0),
                );
            }
            for (name, d) in [
                ("d_beta", q.d_beta),
                ("d_phi", q.d_phi),
                ("d_eta", q.d_eta),
                ("d_gamma", q.d_gamma),
            ] {
                if d >= crate::fixed::DECAY_ONE {
                    return err(l, format!("{name} = {d} must be below 2^16"));
                }
            }
            if q.m == 0 || q.m > 1 << 18 {
                return err(l, format!("m = {} must be in 1..=2^18", q.m));
            }
            if let Err(m) = check_shift(l) {
                return err(l, m);
            }
            if q.shift.abs() > 80 {
                return err(l, format!("rescale shift {} is absurd", q.shift));
            }
            let acc_bits = self.acc_bits_with(i, prev_payload_bits);
            if acc_bits > 63 {
                return err(
                    l,
                    format!(
                        "synaptic accumulator needs {acc_bits} bits (weight {} + payload {} + fan-in {}), above 63",
                        q.weight_bits, prev_payload_bits, l.conn.fan_in()
                    ),
                );
            }
            prev_payload_bits = match self.coding {
                Coding::Graded => q.state_bits,
                Coding::Binary => 1,
            };
            n_prev = l.conn.n_out();
        }
        Ok(())
    }

    /// Bits of the payload layer `i` multiplies its weights by (section 4): the raw input
    /// value's bits for the first layer (its change is one bit wider, signed), θ's `B` of
    /// the sender for graded coding, 1 for binary coding.
    pub fn payload_bits_in(&self, i: usize) -> u32 {
        if i == 0 {
            crate::fixed::bits_for(u64::from(self.raw_max))
        } else {
            match self.coding {
                Coding::Graded => self.layers[i - 1].q.state_bits,
                Coding::Binary => 1,
            }
        }
    }

    /// Width of layer `i`'s exact synaptic accumulator (docs/numerics.md section 4).
    pub fn acc_bits(&self, i: usize) -> u32 {
        self.acc_bits_with(i, self.payload_bits_in(i))
    }

    fn acc_bits_with(&self, i: usize, payload_bits: u32) -> u32 {
        let l = &self.layers[i];
        l.q.weight_bits + payload_bits + crate::fixed::bits_for(l.conn.fan_in() as u64) + 1
    }

    /// Hidden (spiking) neurons.
    pub fn hidden_neurons(&self) -> usize {
        self.layers
            .iter()
            .filter(|l| !l.readout)
            .map(|l| l.conn.n_out())
            .sum()
    }

    pub fn n_classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.conn.n_out())
    }
}
