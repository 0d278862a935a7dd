//! ASN neuron parameters, quantization settings and the ASN transfer function.

use asnn_numerics::fixed::{signed_digits, DECAY_ONE, SHIFT_DIGITS};
use asnn_numerics::Arithmetic;
use serde::{Deserialize, Serialize};

/// θ0 as written in the network file: a value, or chosen by the calibration rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Theta0 {
    Auto,
    Value(f64),
}

/// Resolved ASN parameters of one layer (asn-model.md names).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AsnParams {
    pub tau_phi: f64,
    pub tau_gamma: f64,
    pub tau_eta: f64,
    pub tau_beta: f64,
    pub m_f: f64,
    pub theta0: Theta0,
    /// How the neuron constants are built (docs/numerics.md section 11). With `Shift`
    /// the τ and m_f above are the realised values ([`AsnParams::realised`]).
    #[serde(default)]
    pub arithmetic: Arithmetic,
}

impl Default for AsnParams {
    /// The reference implementation's defaults.
    fn default() -> Self {
        AsnParams {
            tau_phi: 2.5,
            tau_gamma: 15.0,
            tau_eta: 50.0,
            tau_beta: 50.0,
            m_f: 0.1,
            theta0: Theta0::Value(0.1),
            arithmetic: Arithmetic::Multiply,
        }
    }
}

/// Per-layer overrides of [`AsnParams`] (all optional).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AsnOverride {
    pub tau_phi: Option<f64>,
    pub tau_gamma: Option<f64>,
    pub tau_eta: Option<f64>,
    pub tau_beta: Option<f64>,
    pub m_f: Option<f64>,
    pub theta0: Option<Theta0>,
    pub arithmetic: Option<Arithmetic>,
}

impl AsnParams {
    pub fn apply(&self, o: &AsnOverride) -> AsnParams {
        AsnParams {
            tau_phi: o.tau_phi.unwrap_or(self.tau_phi),
            tau_gamma: o.tau_gamma.unwrap_or(self.tau_gamma),
            tau_eta: o.tau_eta.unwrap_or(self.tau_eta),
            tau_beta: o.tau_beta.unwrap_or(self.tau_beta),
            m_f: o.m_f.unwrap_or(self.m_f),
            theta0: o.theta0.unwrap_or(self.theta0),
            arithmetic: o.arithmetic.unwrap_or(self.arithmetic),
        }
    }

    /// The parameters the layer's arithmetic realises: unchanged for `Multiply`; for
    /// `Shift` every τ becomes the one its shift-form decay constant realises
    /// ([`shift_decay`]) and m_f the nearest power of two ([`shift_m_f`]). The float
    /// reference and the quantizer both read these, so float and integer follow the
    /// same dynamics. Idempotent.
    pub fn realised(&self) -> AsnParams {
        match self.arithmetic {
            Arithmetic::Multiply => *self,
            Arithmetic::Shift => AsnParams {
                tau_phi: tau_of_decay(shift_decay(self.tau_phi)),
                tau_gamma: tau_of_decay(shift_decay(self.tau_gamma)),
                tau_eta: tau_of_decay(shift_decay(self.tau_eta)),
                tau_beta: tau_of_decay(shift_decay(self.tau_beta)),
                m_f: shift_m_f(self.m_f),
                ..*self
            },
        }
    }

    /// θ0 as a number; `None` while it is still `auto`.
    pub fn theta0_value(&self) -> Option<f64> {
        match self.theta0 {
            Theta0::Value(v) => Some(v),
            Theta0::Auto => None,
        }
    }

    /// The binary-coding spike height `h`, chosen so that the ASN transfer function
    /// gives f(1) = 1 (asn-model.md). `f` is linear in `h`, so this is closed form.
    pub fn spike_height(&self) -> Option<f64> {
        let theta0 = self.theta0_value()?;
        let (m, tg, te) = (self.m_f, self.tau_gamma, self.tau_eta);
        let c1 = 2.0 * m * tg * tg;
        let c2 = 2.0 * theta0 * te * tg;
        let c3 = tg * (m * tg + 2.0 * (m + 1.0) * te);
        let c4 = theta0 * te * (tg + te);
        let g = |r: f64| 1.0 / (((c1 * r + c2) / (c3 * r + c4)).exp() - 1.0);
        Some(1.0 / (g(1.0) - g(theta0 / 2.0) + 0.5))
    }

    /// The ASN transfer function f(x) with spike height `h` (asn-model.md).
    pub fn transfer(&self, x: f64, h: f64) -> Option<f64> {
        let theta0 = self.theta0_value()?;
        let (m, tg, te) = (self.m_f, self.tau_gamma, self.tau_eta);
        let c1 = 2.0 * m * tg * tg;
        let c2 = 2.0 * theta0 * te * tg;
        let c3 = tg * (m * tg + 2.0 * (m + 1.0) * te);
        let c4 = theta0 * te * (tg + te);
        let g = |r: f64| h / (((c1 * r + c2) / (c3 * r + c4)).exp() - 1.0);
        let r = x.max(0.0);
        Some((g(r) - g(theta0 / 2.0) + h / 2.0).max(0.0))
    }
}

/// `exp(-1/τ)` in the decay format, unrounded.
fn decay_exact(tau: f64) -> f64 {
    (-1.0 / tau).exp() * f64::from(DECAY_ONE)
}

/// The decay constant `arithmetic = "shift"` builds for τ (docs/numerics.md section
/// 11): of the constants in `1..2^16` with at most [`SHIFT_DIGITS`] nonzero signed
/// digits, the one whose realised τ ([`tau_of_decay`]) is nearest to τ in ratio (ties:
/// fewer digits, then the smaller constant).
pub fn shift_decay(tau: f64) -> u32 {
    let target = tau.ln();
    let want = decay_exact(tau);
    let mut best: Option<(f64, u32, u32)> = None;
    for d in 1..DECAY_ONE {
        let digits = signed_digits(u64::from(d));
        if digits > SHIFT_DIGITS {
            continue;
        }
        // Only constants near exp(-1/τ) can win; skip the logarithms of the rest.
        if (f64::from(d) - want).abs() > want * 0.5 + 2.0 {
            continue;
        }
        let err = (tau_of_decay(d).ln() - target).abs();
        let better = match best {
            None => true,
            Some((e, n, _)) => err < e || (err == e && digits < n),
        };
        if better {
            best = Some((err, digits, d));
        }
    }
    best.map_or(1, |(_, _, d)| d)
}

/// The τ a decay constant realises: `D / 2^16 = exp(-1/τ)`.
pub fn tau_of_decay(d: u32) -> f64 {
    -1.0 / (f64::from(d) / f64::from(DECAY_ONE)).ln()
}

/// m_f under `arithmetic = "shift"`: the nearest power of two in ratio (ties: the
/// larger), so that `θ·M` is a shift. Within the range m_f may take, (0, 4].
pub fn shift_m_f(m_f: f64) -> f64 {
    let e = m_f.log2();
    let lo = e.floor();
    let k = if e - lo < 0.5 { lo } else { lo + 1.0 };
    2f64.powi(k.clamp(-16.0, 2.0) as i32)
}

/// Quantization settings of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantParams {
    pub weight_bits: u32,
    pub state_bits: u32,
    /// Fixed weight fractional bits; `None`: chosen from the weights.
    pub weight_frac: Option<i32>,
    /// Fixed state fractional bits; `None`: chosen by calibration.
    pub state_frac: Option<i32>,
}

impl Default for QuantParams {
    fn default() -> Self {
        QuantParams {
            weight_bits: 8,
            state_bits: 24,
            weight_frac: None,
            state_frac: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantOverride {
    pub weight_bits: Option<u32>,
    pub state_bits: Option<u32>,
    pub weight_frac: Option<i32>,
    pub state_frac: Option<i32>,
}

impl QuantParams {
    pub fn apply(&self, o: &QuantOverride) -> QuantParams {
        QuantParams {
            weight_bits: o.weight_bits.unwrap_or(self.weight_bits),
            state_bits: o.state_bits.unwrap_or(self.state_bits),
            weight_frac: o.weight_frac.or(self.weight_frac),
            state_frac: o.state_frac.or(self.state_frac),
        }
    }
}

/// The calibration rule's knobs (docs/numerics.md section 8).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibConfig {
    /// `theta0 = auto` resolves to this fraction of the layer's activation percentile.
    pub theta0_fraction: f64,
    /// The activation percentile (also used by the IF baseline's normalisation).
    pub percentile: f64,
    /// Spare bits above the largest calibrated magnitude.
    pub headroom_bits: u32,
    /// `theta0_fraction = "auto"`: search [`THETA0_FRACTIONS`] from the largest down and
    /// take the first whose integer ASNN agrees with the ANN on at least
    /// `min_agreement` (default 0.999) of the calibration inputs (`theta0_fraction` is then ignored).
    pub auto_fraction: bool,
    pub min_agreement: f64,
    /// What the `"auto"` search aims at (docs/numerics.md section 8).
    pub target: CalibTarget,
    /// `target = "accuracy"`: the integer ASNN's final accuracy on the (labelled)
    /// calibration inputs may fall at most this far below the ANN's (default 0.002).
    pub max_accuracy_drop: f64,
    /// `target = "accuracy"`: also search m_f (graded coding) and the readout's τ_φ.
    pub dynamics: bool,
}

/// The `theta0_fraction = "auto"` search's goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibTarget {
    /// The largest common fraction whose predictions agree with the ANN's on at least
    /// `min_agreement` of the inputs (no labels needed).
    Agreement,
    /// Per layer, the fractions that minimise the spikes needed to reach 99% of the ANN's
    /// accuracy, with the settled accuracy (the mean over the window's second half)
    /// within `max_accuracy_drop` of the ANN's (labelled inputs: a validation split).
    Accuracy,
}

impl CalibTarget {
    pub fn key(&self) -> &'static str {
        match self {
            CalibTarget::Agreement => "agreement",
            CalibTarget::Accuracy => "accuracy",
        }
    }
}

/// Candidate fractions of the `theta0_fraction = "auto"` search, largest first.
pub const THETA0_FRACTIONS: [f64; 8] = [0.5, 0.35, 0.25, 0.18, 0.125, 0.09, 0.06, 0.03];

/// Candidates of the `target = "accuracy"` search, largest first: the agreement rule's
/// and two above them (steps of about sqrt 2), since the spikes to a decision can fall
/// further than agreement allows.
pub const THETA0_FRACTIONS_WIDE: [f64; 10] =
    [1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.125, 0.09, 0.06, 0.03];

impl Default for CalibConfig {
    fn default() -> Self {
        CalibConfig {
            theta0_fraction: 0.125,
            percentile: 99.9,
            headroom_bits: 1,
            auto_fraction: false,
            min_agreement: 0.999,
            target: CalibTarget::Agreement,
            max_accuracy_drop: 0.002,
            dynamics: false,
        }
    }
}
