//! Seeded random networks and inputs: small nets of every layer kind, coding, delay
//! and width, for differential tests (golden model vs references, later the RTL).
//! The same seed always gives the same network and inputs.

use asnn_ir::{
    AsnOverride, AsnParams, CalibConfig, InputKind, InputSpec, IrError, Network, NetworkSpec,
    QuantOverride, QuantParams, RawKind, RawLayer, Tensor, Theta0,
};
use asnn_numerics::{Arithmetic, Coding, InputEvent, RawInput};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a random network may contain.
#[derive(Clone, Copy, Debug)]
pub struct RandomConfig {
    pub max_hidden: usize,
    pub allow_conv: bool,
    pub allow_maxpool: bool,
    pub allow_events: bool,
    pub max_steps: u32,
}

impl Default for RandomConfig {
    fn default() -> Self {
        RandomConfig {
            max_hidden: 3,
            allow_conv: true,
            allow_maxpool: true,
            allow_events: true,
            max_steps: 60,
        }
    }
}

/// A random network with its inputs (the first half doubles as calibration data).
pub struct RandomCase {
    pub seed: u64,
    pub network: Network,
    pub inputs: Vec<RawInput>,
}

fn tensor(rng: &mut ChaCha8Rng, name: &str, dims: Vec<usize>, scale: f64, offset: f64) -> Tensor {
    let n = dims.iter().product();
    let data = (0..n)
        .map(|_| offset + scale * (rng.random::<f64>() * 2.0 - 1.0))
        .collect();
    Tensor {
        name: name.to_string(),
        dims,
        data,
    }
}

/// How the random network's input looks.
struct InputFormat {
    /// `[n]` or `[channels, height, width]`.
    shape: Vec<usize>,
    coding: Coding,
    raw_max: u32,
}

/// The input's shape (an image only when conv layers are allowed), coding and range.
fn random_format(rng: &mut ChaCha8Rng, cfg: &RandomConfig) -> InputFormat {
    let image = cfg.allow_conv && rng.random_bool(0.5);
    let shape = if image {
        vec![
            rng.random_range(1..=2),
            rng.random_range(5..=9),
            rng.random_range(5..=9),
        ]
    } else {
        vec![rng.random_range(3..=20)]
    };
    let coding = if rng.random_bool(0.5) {
        Coding::Graded
    } else {
        Coding::Binary
    };
    let raw_max = if rng.random_bool(0.5) { 15 } else { 255 };
    InputFormat {
        shape,
        coding,
        raw_max,
    }
}

/// The raw layers so far, the shape they output and the running layer number
/// that names the next one.
struct LayerStack {
    layers: Vec<RawLayer>,
    cur: Vec<usize>,
    li: usize,
}

impl LayerStack {
    /// The next layer's name: `prefix` and the running number.
    fn next_name(&mut self, prefix: char) -> String {
        let name = format!("{prefix}{}", self.li);
        self.li += 1;
        name
    }

    fn push(&mut self, name: String, kind: RawKind) {
        self.layers.push(RawLayer {
            name,
            kind,
            asn: AsnOverride::default(),
            quant: QuantOverride::default(),
        });
    }

    /// Appends a flatten layer when the current shape is an image.
    fn flatten_image(&mut self) {
        if self.cur.len() == 3 {
            let name = self.next_name('f');
            self.push(name, RawKind::Flatten);
            self.cur = vec![self.cur.iter().product()];
        }
    }

    /// A conv2d layer on the current image, sometimes followed by a 2x2 pool.
    fn push_conv(&mut self, rng: &mut ChaCha8Rng, cfg: &RandomConfig, name: String) {
        let (c, hh, ww) = (self.cur[0], self.cur[1], self.cur[2]);
        let k = rng.random_range(1..=3usize.min(hh).min(ww));
        let stride = rng.random_range(1..=2);
        let pad = if k > 1 { rng.random_range(0..=1) } else { 0 };
        let ch = rng.random_range(1..=3);
        let fan_in = (c * k * k) as f64;
        let s = 1.5 / fan_in.sqrt();
        let kind = RawKind::Conv2d {
            channels: ch,
            kernel: k,
            stride,
            padding: pad,
            weight: tensor(rng, &format!("{name}.w"), vec![ch, c, k, k], s, 0.3 * s),
            bias: Some(tensor(rng, &format!("{name}.b"), vec![ch], 0.2, 0.1)),
        };
        self.push(name, kind);
        let oh = (hh + 2 * pad - k) / stride + 1;
        let ow = (ww + 2 * pad - k) / stride + 1;
        self.cur = vec![ch, oh, ow];
        if oh >= 2 && ow >= 2 && rng.random_bool(0.5) {
            let max = cfg.allow_maxpool && rng.random_bool(0.4);
            let kind = if max {
                RawKind::MaxPool {
                    kernel: 2,
                    stride: 2,
                }
            } else {
                RawKind::AvgPool {
                    kernel: 2,
                    stride: 2,
                }
            };
            let name = self.next_name('p');
            self.push(name, kind);
            self.cur = vec![ch, (oh - 2) / 2 + 1, (ow - 2) / 2 + 1];
        }
    }

    /// A dense layer (flattening an image first).
    fn push_dense(&mut self, rng: &mut ChaCha8Rng, name: String) {
        self.flatten_image();
        let units = rng.random_range(2..=12);
        let n_in = self.cur[0];
        let s = 1.5 / (n_in as f64).sqrt();
        let kind = RawKind::Dense {
            units,
            weight: tensor(rng, &format!("{name}.w"), vec![units, n_in], s, 0.3 * s),
            bias: Some(tensor(rng, &format!("{name}.b"), vec![units], 0.2, 0.1)),
        };
        self.push(name, kind);
        self.cur = vec![units];
    }

    /// Sometimes gives the last layer with neurons its own ASN parameters or widths.
    fn vary_last(&mut self, rng: &mut ChaCha8Rng) {
        let last = self
            .layers
            .iter_mut()
            .rev()
            .find(|l| {
                !matches!(
                    l.kind,
                    RawKind::MaxPool { .. } | RawKind::AvgPool { .. } | RawKind::Flatten
                )
            })
            .expect("layer");
        if rng.random_bool(0.3) {
            last.asn.m_f = Some([0.05, 0.1, 0.125, 0.25, 0.5, 1.0][rng.random_range(0..6)]);
            last.asn.tau_phi = Some(rng.random_range(1.0..5.0));
        }
        if rng.random_bool(0.3) {
            last.quant.state_bits = Some(rng.random_range(12..=28));
        }
    }

    /// The readout (flattening an image first).
    fn push_readout(&mut self, rng: &mut ChaCha8Rng) {
        self.flatten_image();
        let classes = rng.random_range(2..=5);
        let n_in = self.cur[0];
        let s = 1.5 / (n_in as f64).sqrt();
        let kind = RawKind::Readout {
            units: classes,
            weight: tensor(rng, "readout.w", vec![classes, n_in], s, 0.0),
            bias: Some(tensor(rng, "readout.b", vec![classes], 0.1, 0.0)),
        };
        self.push("readout".into(), kind);
    }
}

/// The hidden layers (conv2d with optional pools while the shape is an image, for
/// the first two; dense after) and the readout.
fn random_layers(rng: &mut ChaCha8Rng, cfg: &RandomConfig, shape: &[usize]) -> Vec<RawLayer> {
    let mut stack = LayerStack {
        layers: Vec::new(),
        cur: shape.to_vec(),
        li: 0,
    };
    let n_hidden = rng.random_range(1..=cfg.max_hidden.max(1));
    for h in 0..n_hidden {
        let name = stack.next_name('l');
        // Keep activations O(1): weights ~ 1.5/sqrt(fan_in) with a positive drift.
        if stack.cur.len() == 3 && h < 2 {
            stack.push_conv(rng, cfg, name);
        } else {
            stack.push_dense(rng, name);
        }
        stack.vary_last(rng);
    }
    stack.push_readout(rng);
    stack.layers
}

/// The network-wide ASN parameters (θ0 is `auto` for graded coding).
fn random_asn(rng: &mut ChaCha8Rng, coding: Coding) -> AsnParams {
    let m_f = [0.05, 0.1, 0.125, 0.25, 1.0][rng.random_range(0..5)];
    let tau_eta = rng.random_range(10.0..80.0);
    AsnParams {
        tau_phi: rng.random_range(1.0..5.0),
        tau_gamma: rng.random_range(5.0..30.0),
        tau_eta,
        tau_beta: if rng.random_bool(0.7) {
            tau_eta
        } else {
            rng.random_range(10.0..80.0)
        },
        m_f,
        theta0: match coding {
            Coding::Graded => Theta0::Auto,
            Coding::Binary => Theta0::Value(rng.random_range(0.05..0.5)),
        },
        arithmetic: Arithmetic::Multiply,
    }
}

/// Shift arithmetic (docs/numerics.md section 11) for 40% of the networks, and for one
/// layer only in 15% more (a network mixing both). Seeded on its own, so that each
/// seed keeps its other choices.
fn maybe_shift(seed: u64, asn: &mut AsnParams, layers: &mut [RawLayer]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5_41f7);
    let r: f64 = rng.random();
    if r < 0.4 {
        asn.arithmetic = Arithmetic::Shift;
    } else if r < 0.55 {
        let computing: Vec<usize> = (0..layers.len())
            .filter(|&i| {
                !matches!(
                    layers[i].kind,
                    RawKind::MaxPool { .. } | RawKind::AvgPool { .. } | RawKind::Flatten
                )
            })
            .collect();
        let i = computing[rng.random_range(0..computing.len())];
        layers[i].asn.arithmetic = Some(Arithmetic::Shift);
    }
}

/// Value-change events over `steps`: every input at step 0, then sparse changes.
fn random_events(rng: &mut ChaCha8Rng, n_in: usize, steps: u32, raw_max: u32) -> RawInput {
    let mut ev = Vec::new();
    for step in 0..steps {
        if step == 0 || rng.random_bool(0.2) {
            for i in 0..n_in {
                if step == 0 || rng.random_bool(0.2) {
                    ev.push(InputEvent {
                        step,
                        index: i as u32,
                        value: rng.random_range(0..=raw_max),
                    });
                }
            }
        }
    }
    RawInput::Events(ev)
}

/// A frame with about 30% zeros.
fn random_frame(rng: &mut ChaCha8Rng, n_in: usize, raw_max: u32) -> RawInput {
    RawInput::Frame(
        (0..n_in)
            .map(|_| {
                if rng.random_bool(0.3) {
                    0
                } else {
                    rng.random_range(0..=raw_max)
                }
            })
            .collect(),
    )
}

/// Builds the random case for `seed`.
pub fn random_case(seed: u64, cfg: &RandomConfig) -> Result<RandomCase, IrError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let format = random_format(&mut rng, cfg);
    let mut layers = random_layers(&mut rng, cfg, &format.shape);
    let mut asn = random_asn(&mut rng, format.coding);
    maybe_shift(seed, &mut asn, &mut layers);
    let steps = rng.random_range(10..=cfg.max_steps.max(10));
    let events = cfg.allow_events && rng.random_bool(0.3);
    let spec = NetworkSpec {
        name: format!("random-{seed}"),
        steps,
        coding: format.coding,
        delay: rng.random_range(0..=1),
        input: InputSpec {
            shape: format.shape.clone(),
            kind: if events {
                InputKind::Events
            } else {
                InputKind::Frame
            },
            scale: 1.0 / format.raw_max as f64,
            raw_max: format.raw_max,
        },
        asn,
        readout_tau_phi: rng.random_range(5.0..50.0),
        quant: QuantParams {
            weight_bits: rng.random_range(4..=10),
            state_bits: rng.random_range(14..=28),
            weight_frac: None,
            state_frac: None,
        },
        calibration: CalibConfig {
            theta0_fraction: rng.random_range(0.05..0.3),
            ..Default::default()
        },
        layers,
    };
    let network = Network::build(spec)?;
    let n_in: usize = format.shape.iter().product();
    let inputs = (0..8)
        .map(|_| {
            if events {
                random_events(&mut rng, n_in, steps, format.raw_max)
            } else {
                random_frame(&mut rng, n_in, format.raw_max)
            }
        })
        .collect();
    Ok(RandomCase {
        seed,
        network,
        inputs,
    })
}
