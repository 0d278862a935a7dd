//! Snapshot tests of the emitted RTL for two tiny hand-built networks (dense and conv):
//! any change to the generated text shows up in review as a snapshot diff.
//! Update deliberately with `INSTA_UPDATE=always cargo test --test snapshots_rtl`.

use asnn_generator::{generate, HwSpec};
use asnn_numerics::{Coding, Conn, ConvGeom, Pool, PoolKind, QLayer, QNetwork, QParams};

fn q(b: u32, shift: i32, theta0: i64) -> QParams {
    QParams {
        weight_bits: 4,
        weight_frac: 3,
        state_bits: b,
        state_frac: 8,
        shift,
        d_beta: 64_000,
        d_phi: 43_000,
        d_eta: 64_000,
        d_gamma: 60_000,
        m: 6_554,
        theta0,
        arithmetic: asnn_numerics::Arithmetic::Multiply,
    }
}

fn dense_net() -> QNetwork {
    QNetwork {
        name: "tiny dense".into(),
        steps: 8,
        delay: 0,
        coding: Coding::Graded,
        input_len: 4,
        raw_max: 15,
        layers: vec![
            QLayer {
                name: "h".into(),
                readout: false,
                conn: Conn::Dense { n_in: 4, n_out: 3 },
                weights: vec![1, -2, 3, 4, -5, 6, -7, 7, 0, 2, 2, -1],
                bias: vec![10, -3, 0],
                q: q(12, 0, 300),
            },
            QLayer {
                name: "out".into(),
                readout: true,
                conn: Conn::Dense { n_in: 3, n_out: 2 },
                weights: vec![3, -3, -1, 2, 5, 0],
                bias: vec![0, 1],
                q: q(14, 7, 1),
            },
        ],
    }
}

fn conv_net() -> QNetwork {
    let g = ConvGeom {
        in_c: 1,
        in_h: 4,
        in_w: 4,
        out_c: 2,
        kernel: 3,
        stride: 1,
        padding: 1,
        pool: Some(Pool {
            kind: PoolKind::Avg,
            kernel: 2,
            stride: 2,
        }),
    };
    QNetwork {
        name: "tiny conv".into(),
        steps: 6,
        delay: 1,
        coding: Coding::Binary,
        input_len: 16,
        raw_max: 3,
        layers: vec![
            QLayer {
                name: "c".into(),
                readout: false,
                conn: Conn::Conv(g),
                weights: (0..18).map(|k| (k % 7) - 3).collect(),
                bias: vec![2, -2],
                q: q(10, -1, 40),
            },
            QLayer {
                name: "out".into(),
                readout: true,
                conn: Conn::Dense { n_in: 8, n_out: 2 },
                weights: (0..16).map(|k| (k % 5) - 2).collect(),
                bias: vec![0, 0],
                q: q(12, 2, 1),
            },
        ],
    }
}

fn snap(net: &QNetwork, lanes: u32, frame: bool, tag: &str) {
    let hw = HwSpec {
        lanes,
        ..HwSpec::default()
    };
    let d = generate(net, &hw, frame).expect("generates");
    for f in d.files.iter().filter(|f| {
        !f.name.starts_with("asnn_ram")
            && !f.name.starts_with("asnn_fifo")
            && !f.name.starts_with("asnn_rr")
            && !f.name.starts_with("asnn_neuron")
            && !f.name.starts_with("asnn_readout")
            && !f.name.starts_with("asnn_fixed")
            && !f.name.starts_with("asnn_accum")
    }) {
        insta::assert_snapshot!(format!("{tag}__{}", f.name), f.contents);
    }
}

#[test]
fn tiny_dense_design_lanes2() {
    snap(&dense_net(), 2, true, "dense_lanes2");
}

#[test]
fn tiny_conv_design_events_lanes1() {
    snap(&conv_net(), 1, false, "conv_lanes1");
}
