//! Loading `network.toml` + weights into the IR, with errors that name the file.

use crate::format::{AsnSection, CalibSection, LayerFile, NetworkFile, QuantSection, Theta0File};
use crate::weights::TensorStore;
use crate::ImportError;
use asnn_ir::{
    AsnOverride, AsnParams, CalibConfig, CalibTarget, InputKind, InputSpec, Network, NetworkSpec,
    QuantOverride, QuantParams, RawKind, RawLayer, Tensor, Theta0,
};
use asnn_numerics::{Arithmetic, Coding};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A loaded network with the parsed file it came from (for writing it back).
#[derive(Clone, Debug)]
pub struct LoadedNetwork {
    pub path: PathBuf,
    pub file: NetworkFile,
    pub network: Network,
}

fn theta0(t: &Theta0File, ctx: &str) -> Result<Theta0, String> {
    match t {
        Theta0File::Value(v) => Ok(Theta0::Value(*v)),
        Theta0File::Word(w) if w == "auto" => Ok(Theta0::Auto),
        Theta0File::Word(w) => Err(format!(
            "{ctx}: theta0 must be a number or \"auto\", found \"{w}\""
        )),
    }
}

fn arithmetic(word: &str, ctx: &str) -> Result<Arithmetic, String> {
    match word {
        "multiply" => Ok(Arithmetic::Multiply),
        "shift" => Ok(Arithmetic::Shift),
        o => Err(format!(
            "{ctx}: arithmetic must be \"multiply\" or \"shift\", found \"{o}\""
        )),
    }
}

fn asn_override(a: &Option<AsnSection>, ctx: &str) -> Result<AsnOverride, String> {
    let Some(a) = a else {
        return Ok(AsnOverride::default());
    };
    if a.readout_tau_phi.is_some() {
        return Err(format!(
            "{ctx}: readout_tau_phi belongs in the global [asn] section; on a layer set tau_phi"
        ));
    }
    Ok(AsnOverride {
        tau_phi: a.tau_phi,
        tau_gamma: a.tau_gamma,
        tau_eta: a.tau_eta,
        tau_beta: a.tau_beta,
        m_f: a.m_f,
        theta0: a.theta0.as_ref().map(|t| theta0(t, ctx)).transpose()?,
        arithmetic: a
            .arithmetic
            .as_deref()
            .map(|w| arithmetic(w, ctx))
            .transpose()?,
    })
}

fn quant_override(q: &Option<QuantSection>) -> QuantOverride {
    let Some(q) = q else {
        return QuantOverride::default();
    };
    QuantOverride {
        weight_bits: q.weight_bits,
        state_bits: q.state_bits,
        weight_frac: q.weight_frac,
        state_frac: q.state_frac,
    }
}

/// Parses network TOML text (no weights) — the part that fuzzing exercises.
pub fn parse_network_toml(text: &str) -> Result<NetworkFile, String> {
    toml::from_str::<NetworkFile>(text).map_err(|e| e.to_string().trim_end().to_string())
}

fn parse_coding(word: &str) -> Result<Coding, String> {
    match word {
        "graded" => Ok(Coding::Graded),
        "binary" => Ok(Coding::Binary),
        o => Err(format!(
            "key 'network.coding': must be \"graded\" or \"binary\", found \"{o}\""
        )),
    }
}

fn parse_input_kind(word: &str) -> Result<InputKind, String> {
    match word {
        "frame" => Ok(InputKind::Frame),
        "events" => Ok(InputKind::Events),
        o => Err(format!(
            "key 'input.kind': must be \"frame\" or \"events\", found \"{o}\""
        )),
    }
}

/// The global `[asn]` section, defaults filled in.
struct GlobalAsn {
    asn: AsnParams,
    readout_tau_phi: f64,
}

fn global_asn(a: &Option<AsnSection>) -> Result<GlobalAsn, String> {
    let defaults = AsnParams::default();
    let g = a.clone().unwrap_or_default();
    let asn = AsnParams {
        tau_phi: g.tau_phi.unwrap_or(defaults.tau_phi),
        tau_gamma: g.tau_gamma.unwrap_or(defaults.tau_gamma),
        tau_eta: g.tau_eta.unwrap_or(defaults.tau_eta),
        tau_beta: g.tau_beta.unwrap_or(defaults.tau_beta),
        m_f: g.m_f.unwrap_or(defaults.m_f),
        theta0: match &g.theta0 {
            Some(t) => theta0(t, "[asn]")?,
            None => defaults.theta0,
        },
        arithmetic: match &g.arithmetic {
            Some(w) => arithmetic(w, "[asn]")?,
            None => defaults.arithmetic,
        },
    };
    Ok(GlobalAsn {
        asn,
        readout_tau_phi: g.readout_tau_phi.unwrap_or(50.0),
    })
}

/// The global `[quantization]` section, defaults filled in.
fn global_quant(q: &Option<QuantSection>) -> QuantParams {
    let qd = QuantParams::default();
    let q = q.clone().unwrap_or_default();
    QuantParams {
        weight_bits: q.weight_bits.unwrap_or(qd.weight_bits),
        state_bits: q.state_bits.unwrap_or(qd.state_bits),
        weight_frac: q.weight_frac,
        state_frac: q.state_frac,
    }
}

/// The `[calibration]` section, defaults filled in.
fn global_calibration(c: &Option<CalibSection>) -> Result<CalibConfig, String> {
    let cd = CalibConfig::default();
    let c = c.clone().unwrap_or_default();
    let auto_fraction = match &c.theta0_fraction {
        Some(Theta0File::Word(w)) if w == "auto" => true,
        Some(Theta0File::Word(w)) => {
            return Err(format!(
                "key 'calibration.theta0_fraction': must be a number or \"auto\", found \"{w}\""
            ))
        }
        _ => false,
    };
    let target = match c.target.as_deref() {
        None | Some("agreement") => CalibTarget::Agreement,
        Some("accuracy") => CalibTarget::Accuracy,
        Some(w) => {
            return Err(format!(
                "key 'calibration.target': must be \"agreement\" or \"accuracy\", found \"{w}\""
            ))
        }
    };
    Ok(CalibConfig {
        target,
        max_accuracy_drop: c.max_accuracy_drop.unwrap_or(cd.max_accuracy_drop),
        dynamics: c.dynamics.unwrap_or(cd.dynamics),
        theta0_fraction: match &c.theta0_fraction {
            Some(Theta0File::Value(v)) => *v,
            _ => cd.theta0_fraction,
        },
        auto_fraction,
        min_agreement: c.min_agreement.unwrap_or(cd.min_agreement),
        percentile: c.percentile.unwrap_or(cd.percentile),
        headroom_bits: c.headroom_bits.unwrap_or(cd.headroom_bits),
    })
}

/// What converting one layer needs: its label for messages and the tensor store.
struct LayerCtx<'a> {
    /// `layer 'name' (#idx)`.
    label: &'a str,
    store: &'a dyn TensorStore,
}

impl LayerCtx<'_> {
    fn tensor(&self, key: &str, t: &str) -> Result<Tensor, String> {
        self.store
            .get(t)
            .map_err(|e| format!("{}, key '{key}': {e}", self.label))
    }

    fn opt_tensor(&self, key: &str, t: &Option<String>) -> Result<Option<Tensor>, String> {
        t.as_ref().map(|t| self.tensor(key, t)).transpose()
    }
}

/// A layer without neurons of its own (pool, flatten): no settings to override.
fn settingless(name: String, kind: RawKind) -> RawLayer {
    RawLayer {
        name,
        kind,
        asn: AsnOverride::default(),
        quant: QuantOverride::default(),
    }
}

/// One `[[layer]]` entry with its tensors, as the IR's raw layer named `name`.
fn raw_layer(lf: &LayerFile, name: String, cx: &LayerCtx) -> Result<RawLayer, String> {
    let layer = match lf {
        LayerFile::Dense {
            units,
            weight,
            bias,
            asn,
            quantization,
            ..
        } => RawLayer {
            name,
            kind: RawKind::Dense {
                units: *units,
                weight: cx.tensor("weight", weight)?,
                bias: cx.opt_tensor("bias", bias)?,
            },
            asn: asn_override(asn, cx.label)?,
            quant: quant_override(quantization),
        },
        LayerFile::Readout {
            units,
            weight,
            bias,
            asn,
            quantization,
            ..
        } => RawLayer {
            name,
            kind: RawKind::Readout {
                units: *units,
                weight: cx.tensor("weight", weight)?,
                bias: cx.opt_tensor("bias", bias)?,
            },
            asn: asn_override(asn, cx.label)?,
            quant: quant_override(quantization),
        },
        LayerFile::Conv2d {
            channels,
            kernel,
            stride,
            padding,
            weight,
            bias,
            asn,
            quantization,
            ..
        } => RawLayer {
            name,
            kind: RawKind::Conv2d {
                channels: *channels,
                kernel: *kernel,
                stride: *stride,
                padding: *padding,
                weight: cx.tensor("weight", weight)?,
                bias: cx.opt_tensor("bias", bias)?,
            },
            asn: asn_override(asn, cx.label)?,
            quant: quant_override(quantization),
        },
        LayerFile::Avgpool { kernel, stride, .. } => settingless(
            name,
            RawKind::AvgPool {
                kernel: *kernel,
                stride: stride.unwrap_or(*kernel),
            },
        ),
        LayerFile::Maxpool { kernel, stride, .. } => settingless(
            name,
            RawKind::MaxPool {
                kernel: *kernel,
                stride: stride.unwrap_or(*kernel),
            },
        ),
        LayerFile::Flatten { .. } => settingless(name, RawKind::Flatten),
    };
    Ok(layer)
}

/// All `[[layer]]` entries in order; unnamed layers are called `<kind><index>`, and
/// names must be unique.
fn raw_layers(layers: &[LayerFile], store: &dyn TensorStore) -> Result<Vec<RawLayer>, String> {
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (idx, lf) in layers.iter().enumerate() {
        let name = lf
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}{idx}", lf.kind()));
        if !names.insert(name.clone()) {
            return Err(format!(
                "layer #{idx}: the name '{name}' is used twice; layer names must be unique"
            ));
        }
        let label = format!("layer '{name}' (#{idx})");
        let cx = LayerCtx {
            label: &label,
            store,
        };
        out.push(raw_layer(lf, name, &cx)?);
    }
    Ok(out)
}

/// Turns a parsed file plus its tensors into a validated network.
pub fn build_network(file: &NetworkFile, store: &dyn TensorStore) -> Result<Network, String> {
    let n = &file.network;
    let coding = parse_coding(&n.coding)?;
    let kind = parse_input_kind(&file.input.kind)?;
    let asn = global_asn(&file.asn)?;
    let quant = global_quant(&file.quantization);
    let calibration = global_calibration(&file.calibration)?;
    let layers = raw_layers(&file.layer, store)?;
    let spec = NetworkSpec {
        name: n.name.clone(),
        steps: n.steps,
        coding,
        delay: n.delay,
        input: InputSpec {
            shape: file.input.shape.clone(),
            kind,
            scale: file.input.scale,
            raw_max: file.input.raw_max,
        },
        asn: asn.asn,
        readout_tau_phi: asn.readout_tau_phi,
        quant,
        calibration,
        layers,
    };
    Network::build(spec).map_err(|e| e.to_string())
}

/// Loads a network from TOML text and safetensors bytes already in memory
/// (the bundled example); `label` names it in messages.
pub fn load_network_from_memory(
    label: &str,
    toml_text: &str,
    weights: &[u8],
) -> Result<LoadedNetwork, ImportError> {
    let path = Path::new(label);
    let err = |m: String| ImportError::new(path, m);
    let file = parse_network_toml(toml_text).map_err(err)?;
    let store = crate::weights::safetensors_store(weights, &file.network.weights).map_err(err)?;
    let network = build_network(&file, store.as_ref()).map_err(err)?;
    Ok(LoadedNetwork {
        path: path.to_path_buf(),
        file,
        network,
    })
}

/// Loads `network.toml` and its weights.
pub fn load_network(path: &Path) -> Result<LoadedNetwork, ImportError> {
    let err = |m: String| ImportError::new(path, m);
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let file = parse_network_toml(&text).map_err(err)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let store = crate::weights::open_store(&dir.join(&file.network.weights))
        .map_err(|m| err(format!("key 'network.weights': {m}")))?;
    let network = build_network(&file, store.as_ref()).map_err(err)?;
    Ok(LoadedNetwork {
        path: path.to_path_buf(),
        file,
        network,
    })
}

/// Writes the network back with calibrated values made explicit: per layer θ0,
/// `state_frac` and `weight_frac`, so that no calibration data is needed to run it.
pub fn calibrated_toml(
    loaded: &LoadedNetwork,
    resolved: &Network,
    fracs: &[(String, i32, i32)],
    weights_path: &str,
) -> Result<String, String> {
    let mut f = loaded.file.clone();
    f.network.weights = weights_path.to_string();
    // The chosen m_f and readout tau_phi are written out below: searching them again
    // would make the calibrated file depend on calibration data (binary networks have
    // no `auto` theta0 to stop the search otherwise).
    if let Some(c) = f.calibration.as_mut().filter(|c| c.dynamics == Some(true)) {
        c.dynamics = Some(false);
    }
    for (idx, lf) in f.layer.iter_mut().enumerate() {
        let name = lf
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}{idx}", lf.kind()));
        let Some((asn, quant)) = lf.settings_mut() else {
            continue;
        };
        let Some(layer) = resolved.layers.iter().find(|l| l.name == name) else {
            continue;
        };
        if let (false, Some(t)) = (layer.readout, layer.asn.theta0_value()) {
            asn.get_or_insert_with(Default::default).theta0 = Some(Theta0File::Value(t));
        }
        // Dynamics the rule chose (calibration.dynamics), where they differ from the file's.
        if let Some(orig) = loaded.network.layers.iter().find(|l| l.name == name) {
            if layer.asn.m_f != orig.asn.m_f {
                asn.get_or_insert_with(Default::default).m_f = Some(layer.asn.m_f);
            }
            if layer.asn.tau_phi != orig.asn.tau_phi {
                asn.get_or_insert_with(Default::default).tau_phi = Some(layer.asn.tau_phi);
            }
        }
        if let Some((_, wf, sf)) = fracs.iter().find(|(n, _, _)| *n == name) {
            let q = quant.get_or_insert_with(Default::default);
            q.weight_frac = Some(*wf);
            q.state_frac = Some(*sf);
        }
    }
    toml::to_string(&f).map_err(|e| e.to_string())
}
