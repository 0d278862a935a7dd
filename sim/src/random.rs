//! Seeded random networks and inputs: small nets of every layer kind, coding, delay
//! and width, for differential tests (golden model vs references, later the RTL).
//! The same seed always gives the same network and inputs.

use asnn_ir::{
    AsnOverride, AsnParams, CalibConfig, InputKind, InputSpec, IrError, Network, NetworkSpec,
    QuantOverride, QuantParams, RawKind, RawLayer, Tensor, Theta0,
};
use asnn_numerics::{Coding, InputEvent, RawInput};
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

/// Appends a flatten layer when the current shape is an image.
fn flatten_image(layers: &mut Vec<RawLayer>, cur: &mut Vec<usize>, li: &mut usize) {
    if cur.len() == 3 {
        layers.push(RawLayer {
            name: format!("f{li}"),
            kind: RawKind::Flatten,
            asn: AsnOverride::default(),
            quant: QuantOverride::default(),
        });
        *li += 1;
        *cur = vec![cur.iter().product()];
    }
}

/// Builds the random case for `seed`.
pub fn random_case(seed: u64, cfg: &RandomConfig) -> Result<RandomCase, IrError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
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
    let mut layers = Vec::new();
    let mut cur = shape.clone();
    let n_hidden = rng.random_range(1..=cfg.max_hidden.max(1));
    let mut li = 0;
    for h in 0..n_hidden {
        let name = format!("l{li}");
        li += 1;
        // Keep activations O(1): weights ~ 1.5/sqrt(fan_in) with a positive drift.
        if cur.len() == 3 && h < 2 {
            let (c, hh, ww) = (cur[0], cur[1], cur[2]);
            let k = rng.random_range(1..=3usize.min(hh).min(ww));
            let stride = rng.random_range(1..=2);
            let pad = if k > 1 { rng.random_range(0..=1) } else { 0 };
            let ch = rng.random_range(1..=3);
            let fan_in = (c * k * k) as f64;
            let s = 1.5 / fan_in.sqrt();
            layers.push(RawLayer {
                name: name.clone(),
                kind: RawKind::Conv2d {
                    channels: ch,
                    kernel: k,
                    stride,
                    padding: pad,
                    weight: tensor(
                        &mut rng,
                        &format!("{name}.w"),
                        vec![ch, c, k, k],
                        s,
                        0.3 * s,
                    ),
                    bias: Some(tensor(&mut rng, &format!("{name}.b"), vec![ch], 0.2, 0.1)),
                },
                asn: AsnOverride::default(),
                quant: QuantOverride::default(),
            });
            let oh = (hh + 2 * pad - k) / stride + 1;
            let ow = (ww + 2 * pad - k) / stride + 1;
            cur = vec![ch, oh, ow];
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
                layers.push(RawLayer {
                    name: format!("p{li}"),
                    kind,
                    asn: AsnOverride::default(),
                    quant: QuantOverride::default(),
                });
                li += 1;
                cur = vec![ch, (oh - 2) / 2 + 1, (ow - 2) / 2 + 1];
            }
        } else {
            flatten_image(&mut layers, &mut cur, &mut li);
            let units = rng.random_range(2..=12);
            let s = 1.5 / (cur[0] as f64).sqrt();
            layers.push(RawLayer {
                name: name.clone(),
                kind: RawKind::Dense {
                    units,
                    weight: tensor(
                        &mut rng,
                        &format!("{name}.w"),
                        vec![units, cur[0]],
                        s,
                        0.3 * s,
                    ),
                    bias: Some(tensor(
                        &mut rng,
                        &format!("{name}.b"),
                        vec![units],
                        0.2,
                        0.1,
                    )),
                },
                asn: AsnOverride::default(),
                quant: QuantOverride::default(),
            });
            cur = vec![units];
        }
        // Some layers get their own ASN parameters or widths.
        let last = layers
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
            last.asn.m_f = Some([0.05, 0.1, 0.125, 0.25, 0.5][rng.random_range(0..5)]);
            last.asn.tau_phi = Some(rng.random_range(1.0..5.0));
        }
        if rng.random_bool(0.3) {
            last.quant.state_bits = Some(rng.random_range(12..=28));
        }
    }
    flatten_image(&mut layers, &mut cur, &mut li);
    let classes = rng.random_range(2..=5);
    let s = 1.5 / (cur[0] as f64).sqrt();
    layers.push(RawLayer {
        name: "readout".into(),
        kind: RawKind::Readout {
            units: classes,
            weight: tensor(&mut rng, "readout.w", vec![classes, cur[0]], s, 0.0),
            bias: Some(tensor(&mut rng, "readout.b", vec![classes], 0.1, 0.0)),
        },
        asn: AsnOverride::default(),
        quant: QuantOverride::default(),
    });
    let m_f = [0.05, 0.1, 0.125, 0.25][rng.random_range(0..4)];
    let tau_eta = rng.random_range(10.0..80.0);
    let asn = AsnParams {
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
    };
    let steps = rng.random_range(10..=cfg.max_steps.max(10));
    let events = cfg.allow_events && rng.random_bool(0.3);
    let spec = NetworkSpec {
        name: format!("random-{seed}"),
        steps,
        coding,
        delay: rng.random_range(0..=1),
        input: InputSpec {
            shape: shape.clone(),
            kind: if events {
                InputKind::Events
            } else {
                InputKind::Frame
            },
            scale: 1.0 / raw_max as f64,
            raw_max,
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
    let n_in: usize = shape.iter().product();
    let inputs = (0..8)
        .map(|_| {
            if events {
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
            } else {
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
        })
        .collect();
    Ok(RandomCase {
        seed,
        network,
        inputs,
    })
}
