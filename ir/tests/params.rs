//! ASN parameter maths against the figures in ../shared/docs/asn-model.md.

use asnn_ir::quantize::decay_const;
use asnn_ir::{AsnParams, Theta0};

fn p(m_f: f64, theta0: f64) -> AsnParams {
    AsnParams {
        m_f,
        theta0: Theta0::Value(theta0),
        ..Default::default()
    }
}

#[test]
fn spike_height_matches_reference_values() {
    // asn-model.md: h ≈ 0.1244 for m_f = 0.1, 0.1540 for 0.125 (theta0 = m_f).
    let h1 = p(0.1, 0.1).spike_height().unwrap();
    let h2 = p(0.125, 0.125).spike_height().unwrap();
    assert!((h1 - 0.1244).abs() < 5e-4, "h(0.1) = {h1}");
    assert!((h2 - 0.1540).abs() < 5e-4, "h(0.125) = {h2}");
}

#[test]
fn transfer_function_is_compressive_as_documented() {
    let a = p(0.1, 0.1);
    let h = a.spike_height().unwrap();
    let f = |x| a.transfer(x, h).unwrap();
    assert!((f(1.0) - 1.0).abs() < 1e-12);
    assert!((f(2.0) - 1.63).abs() < 0.01, "f(2) = {}", f(2.0));
    assert!((f(4.0) - 2.37).abs() < 0.01, "f(4) = {}", f(4.0));
    assert_eq!(f(-1.0), 0.0);
    assert_eq!(f(0.0), 0.0);
}

#[test]
fn decay_constants_match_documented_decays() {
    // d_phi(2.5) = 0.670320, d_gamma(15) = 0.935507, d_eta(50) = 0.980199.
    for (tau, d) in [(2.5, 0.670320), (15.0, 0.935507), (50.0, 0.980199)] {
        let q = decay_const(tau);
        assert!(
            (f64::from(q) / 65536.0 - d).abs() < 1.0 / 65536.0,
            "tau {tau}: {q}"
        );
    }
    assert_eq!(decay_const(10_000.0), 65529);
    assert!(decay_const(1e-3) == 0);
}
