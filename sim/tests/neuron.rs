//! Single-neuron behaviour of the float and integer models under constant S.

use asnn_ir::{
    quantize, AsnOverride, AsnParams, CalibConfig, InputKind, InputSpec, Network, NetworkSpec,
    QuantOverride, QuantParams, RawKind, RawLayer, Tensor, Theta0,
};
use asnn_numerics::{Coding, Golden, RawInput, RunOptions};
use asnn_sim::{FloatAsnn, SimOptions};

/// One neuron with S = bias held constant (weight 0), theta0 and m_f as given.
fn neuron(s: f64, theta0: f64, m_f: f64, state_frac: i32) -> Network {
    let t = |name: &str, dims: Vec<usize>, data: Vec<f64>| Tensor {
        name: name.into(),
        dims,
        data,
    };
    Network::build(NetworkSpec {
        name: "neuron".into(),
        steps: 300,
        coding: Coding::Graded,
        delay: 0,
        input: InputSpec {
            shape: vec![1],
            kind: InputKind::Frame,
            scale: 1.0,
            raw_max: 1,
        },
        asn: AsnParams {
            m_f,
            theta0: Theta0::Value(theta0),
            ..Default::default()
        },
        readout_tau_phi: 50.0,
        quant: QuantParams {
            weight_bits: 8,
            state_bits: 24,
            weight_frac: None,
            state_frac: Some(state_frac),
        },
        calibration: CalibConfig::default(),
        layers: vec![
            RawLayer {
                name: "n".into(),
                kind: RawKind::Dense {
                    units: 1,
                    weight: t("w", vec![1, 1], vec![0.0]),
                    bias: Some(t("b", vec![1], vec![s])),
                },
                asn: AsnOverride::default(),
                quant: QuantOverride::default(),
            },
            RawLayer {
                name: "r".into(),
                kind: RawKind::Readout {
                    units: 1,
                    weight: t("wr", vec![1, 1], vec![1.0]),
                    bias: None,
                },
                asn: AsnOverride::default(),
                quant: QuantOverride::default(),
            },
        ],
    })
    .expect("valid")
}

fn mean_sh(net: &Network) -> f64 {
    let fa = FloatAsnn::new(net).expect("resolved");
    let tr = fa.run(
        &RawInput::Frame(vec![0]),
        None,
        SimOptions {
            probe: Some((0, 0)),
            ..Default::default()
        },
    );
    tr.probe[100..300].iter().map(|p| p.sh).sum::<f64>() / 200.0
}

#[test]
fn float_s_hat_decodes_constant_s_within_one_percent() {
    let mut worst = 0.0f64;
    for k in 0..=38 {
        let s = 0.5 + 0.25 * f64::from(k);
        let err = (mean_sh(&neuron(s, 0.1, 0.1, 18)) / s - 1.0).abs();
        worst = worst.max(err);
        assert!(err < 0.01, "S = {s}: mean S-hat off by {:.3}%", 100.0 * err);
    }
    println!(
        "float: worst |mean S-hat / S - 1| over S in [0.5, 10]: {:.3}%",
        100.0 * worst
    );
}

#[test]
fn below_half_theta0_the_neuron_is_silent() {
    let fa_net = neuron(0.049, 0.1, 0.1, 18);
    let fa = FloatAsnn::new(&fa_net).expect("resolved");
    let tr = fa.run(&RawInput::Frame(vec![0]), None, SimOptions::default());
    assert_eq!(tr.total_spikes(), 0);
    let fa_net = neuron(0.051, 0.1, 0.1, 18);
    let tr = FloatAsnn::new(&fa_net).expect("resolved").run(
        &RawInput::Frame(vec![0]),
        None,
        SimOptions::default(),
    );
    assert!(tr.total_spikes() > 0);
}

#[test]
fn integer_neuron_tracks_float_neuron() {
    // The integer model at 24 bits / 18 fractional bits: spike counts within 1% of float
    // and mean S-hat within 1% of S, for S in [0.5, 10].
    for k in 0..=19 {
        let s = 0.5 + 0.5 * f64::from(k);
        let net = neuron(s, 0.1, 0.1, 18);
        let (q, _) = quantize(&net, None).expect("quantizes");
        let g = Golden::new(&q).expect("valid");
        let t = g
            .run(
                &RawInput::Frame(vec![0]),
                None,
                RunOptions {
                    record_spikes: true,
                    ..Default::default()
                },
            )
            .expect("runs");
        let f = FloatAsnn::new(&net).expect("ok").run(
            &RawInput::Frame(vec![0]),
            None,
            SimOptions::default(),
        );
        let (ni, nf) = (t.spikes.len() as f64, f.total_spikes() as f64);
        assert!(
            (ni - nf).abs() <= 0.01 * nf + 1.0,
            "S = {s}: {ni} integer vs {nf} float spikes"
        );
        // Reconstruct S-hat from the integer spikes (payload θ, decay by tau_eta).
        let d = (-1.0f64 / 50.0).exp();
        let mut sh = 0.0;
        let mut acc = 0.0;
        let mut it = t.spikes.iter().peekable();
        for step in 0..300u32 {
            sh *= d;
            while let Some(sp) = it.next_if(|sp| sp.step == step) {
                sh += sp.payload as f64 / f64::from(1u32 << 18);
            }
            if step >= 100 {
                acc += sh;
            }
        }
        let err = (acc / 200.0 / s - 1.0).abs();
        assert!(
            err < 0.01,
            "S = {s}: integer mean S-hat off by {:.3}%",
            100.0 * err
        );
    }
}
