//! The `[hardware]` section (`hw.toml`): what the user chooses about the hardware.
//! Parsed from text by the caller (`asnn-import` reads files); validated by the planner.

use serde::{Deserialize, Serialize};

/// A `hw.toml` file: one `[hardware]` table.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HwFile {
    #[serde(default)]
    pub hardware: HwSpec,
}

/// The user's hardware choices; every field has a default that fits the device.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HwSpec {
    /// Target device (see `device::DEVICES`).
    #[serde(default = "default_device")]
    pub device: String,
    /// Target clock in MHz (default: the device family's usual figure).
    #[serde(default)]
    pub clock_mhz: Option<f64>,
    /// Lanes per core (neurons updated, synapses accumulated, per clock) for every layer
    /// without its own `lanes`.
    #[serde(default = "one")]
    pub lanes: u32,
    /// Neuron cores per layer (each with its own memories, synapse unit and sweep over
    /// its share of the channels; events are multicast to all, spikes merged). Capped
    /// at each layer's channel count.
    #[serde(default = "one")]
    pub cores: u32,
    /// Synapse lanes of the first layer (dense, frame input): targets whose synaptic
    /// sums it adds per clock, a multiple of its neuron lanes. Above the neuron lanes
    /// the layer is output-stationary (docs/hardware-plan.md section 7): it buffers the
    /// frame's events and replays them once per group of this many targets, one wide
    /// weight word a clock. None: the neuron lanes (the event walk). Other layers' walks
    /// use their neuron lanes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synapse_lanes: Option<u32>,
    /// Early exit: stop a sample once the prediction has been stable for this many
    /// steps (docs/numerics.md section 10); 0 = run every step.
    #[serde(default)]
    pub early_exit: u32,
    /// Margin exit: stop a sample once the readout's margin (top score minus the
    /// runner-up's, integer S units as `asnn sim --json` prints them) has been at least
    /// this for `exit_hold` consecutive steps with the same prediction (docs/numerics.md
    /// section 10). Beside `early_exit`: whichever rule fires first stops the sample.
    #[serde(default)]
    pub exit_margin: Option<i64>,
    /// Steps the margin must hold (at least 1; only with `exit_margin`).
    #[serde(default = "one")]
    pub exit_hold: u32,
    /// Weight memory kind for every layer without its own: "auto", "bram" or "spram".
    #[serde(default)]
    pub weights: MemKindChoice,
    /// Per-layer overrides, by layer name.
    #[serde(default)]
    pub layer: Vec<LayerHw>,
}

impl Default for HwSpec {
    fn default() -> Self {
        HwSpec {
            device: default_device(),
            clock_mhz: None,
            lanes: 1,
            cores: 1,
            synapse_lanes: None,
            early_exit: 0,
            exit_margin: None,
            exit_hold: 1,
            weights: MemKindChoice::Auto,
            layer: Vec::new(),
        }
    }
}

/// Per-layer hardware overrides.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerHw {
    pub name: String,
    #[serde(default)]
    pub lanes: Option<u32>,
    #[serde(default)]
    pub cores: Option<u32>,
    /// The layer's synapse lanes (see [`HwSpec::synapse_lanes`]; first layer only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synapse_lanes: Option<u32>,
    #[serde(default)]
    pub weights: Option<MemKindChoice>,
    /// Where the layer's neuron state lives: "auto" (block RAM; SPRAM when block RAM
    /// overflows), "bram", or "spram" (`asnn_spram_state.v`: one port, so the sweep
    /// reads a neuron every 2 x words clocks). Spiking layers without a max pool only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MemKindChoice>,
    /// SPRAMs side by side for the state (16 bits each; default: half the free ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_sprams: Option<u32>,
    /// Words of the layer's AER FIFO. Below the layer's neurons the sweep is
    /// credit-gated: it issues a neuron only while the FIFO has room for every spike
    /// in flight (needs the next layer's synaptic phase to run with this sweep: delay
    /// = 0, one core each side, one lane). Default: a whole step's spikes, or 32 with
    /// credits when block RAM overflows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fifo_depth: Option<u64>,
}

/// Where a layer's weights live.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MemKindChoice {
    /// Block RAM when everything fits, else SPRAM for the largest weight memories.
    #[default]
    Auto,
    /// Block RAM, initialised by the bitstream (`$readmemh`).
    Bram,
    /// iCE40 SPRAM: cannot be initialised by the bitstream, so it gets a load port.
    Spram,
}

impl LayerHw {
    /// No override for layer `name` yet.
    pub fn named(name: &str) -> Self {
        LayerHw {
            name: name.to_string(),
            lanes: None,
            cores: None,
            synapse_lanes: None,
            weights: None,
            state: None,
            state_sprams: None,
            fifo_depth: None,
        }
    }
}

impl HwSpec {
    /// The overrides of layer `name`, added empty if it has none.
    pub fn layer_mut(&mut self, name: &str) -> &mut LayerHw {
        let k = match self.layer.iter().position(|o| o.name == name) {
            Some(k) => k,
            None => {
                self.layer.push(LayerHw::named(name));
                self.layer.len() - 1
            }
        };
        &mut self.layer[k]
    }

    /// The golden model's margin rule for these choices (None: off).
    pub fn margin_rule(&self) -> Option<asnn_numerics::ExitMargin> {
        self.exit_margin.map(|margin| asnn_numerics::ExitMargin {
            margin,
            hold: self.exit_hold,
        })
    }
}

fn default_device() -> String {
    "up5k".into()
}

fn one() -> u32 {
    1
}

/// Parses `hw.toml` text; unknown keys are errors (the file is read by `asnn-import`).
pub fn parse_hw_toml(text: &str) -> Result<HwSpec, String> {
    let f: HwFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    Ok(f.hardware)
}
