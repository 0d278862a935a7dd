//! The `network.toml` schema (docs/network-format.md). Unknown keys are errors.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    pub network: NetworkSection,
    pub input: InputSection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<AsnSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization: Option<QuantSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibSection>,
    #[serde(default)]
    pub layer: Vec<LayerFile>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    pub name: String,
    /// A `.safetensors` file, or a directory of `<tensor name>.npy` files; relative
    /// to the network file.
    pub weights: String,
    #[serde(default = "default_steps")]
    pub steps: u32,
    #[serde(default = "default_coding")]
    pub coding: String,
    #[serde(default)]
    pub delay: u32,
}

fn default_steps() -> u32 {
    300
}
fn default_coding() -> String {
    "graded".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputSection {
    pub shape: Vec<usize>,
    #[serde(default = "default_kind")]
    pub kind: String,
    pub scale: f64,
    #[serde(default = "default_raw_max")]
    pub raw_max: u32,
}

fn default_kind() -> String {
    "frame".into()
}
fn default_raw_max() -> u32 {
    255
}

/// θ0: a number or the string "auto".
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Theta0File {
    Value(f64),
    Word(String),
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AsnSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_phi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_gamma: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_eta: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau_beta: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m_f: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theta0: Option<Theta0File>,
    /// "multiply" (default) or "shift" (docs/numerics.md section 11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arithmetic: Option<String>,
    /// Global section only: τ_φ of the readout (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readout_tau_phi: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuantSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_bits: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_bits: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_frac: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_frac: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalibSection {
    /// A number, or "auto" (searched on the calibration data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theta0_fraction: Option<Theta0File>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_agreement: Option<f64>,
    /// "agreement" (default) or "accuracy" (docs/numerics.md section 8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_accuracy_drop: Option<f64>,
    /// Also search m_f and the readout's tau_phi (target = "accuracy").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamics: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percentile: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headroom_bits: Option<u32>,
}

/// One `[[layer]]` entry; `kind` selects the variant.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum LayerFile {
    Dense {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        units: usize,
        weight: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        bias: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        asn: Option<AsnSection>,
        #[serde(skip_serializing_if = "Option::is_none")]
        quantization: Option<QuantSection>,
    },
    Conv2d {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        channels: usize,
        kernel: usize,
        #[serde(default = "one")]
        stride: usize,
        #[serde(default)]
        padding: usize,
        weight: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        bias: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        asn: Option<AsnSection>,
        #[serde(skip_serializing_if = "Option::is_none")]
        quantization: Option<QuantSection>,
    },
    Avgpool {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        kernel: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        stride: Option<usize>,
    },
    Maxpool {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        kernel: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        stride: Option<usize>,
    },
    Flatten {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    Readout {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        units: usize,
        weight: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        bias: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        asn: Option<AsnSection>,
        #[serde(skip_serializing_if = "Option::is_none")]
        quantization: Option<QuantSection>,
    },
}

fn one() -> usize {
    1
}

impl LayerFile {
    pub fn name(&self) -> Option<&str> {
        match self {
            LayerFile::Dense { name, .. }
            | LayerFile::Conv2d { name, .. }
            | LayerFile::Avgpool { name, .. }
            | LayerFile::Maxpool { name, .. }
            | LayerFile::Flatten { name }
            | LayerFile::Readout { name, .. } => name.as_deref(),
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            LayerFile::Dense { .. } => "dense",
            LayerFile::Conv2d { .. } => "conv2d",
            LayerFile::Avgpool { .. } => "avgpool",
            LayerFile::Maxpool { .. } => "maxpool",
            LayerFile::Flatten { .. } => "flatten",
            LayerFile::Readout { .. } => "readout",
        }
    }
    /// Mutable access to the settings tables of layers that have neurons.
    pub fn settings_mut(&mut self) -> Option<(&mut Option<AsnSection>, &mut Option<QuantSection>)> {
        match self {
            LayerFile::Dense {
                asn, quantization, ..
            }
            | LayerFile::Conv2d {
                asn, quantization, ..
            }
            | LayerFile::Readout {
                asn, quantization, ..
            } => Some((asn, quantization)),
            _ => None,
        }
    }
}
