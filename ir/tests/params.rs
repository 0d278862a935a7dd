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

/// docs/numerics.md section 11: the defaults' realised constants, as the spec lists them.
#[test]
fn shift_arithmetic_realises_the_defaults_as_the_spec_lists() {
    use asnn_ir::{shift_decay, shift_m_f, tau_of_decay};
    let cases = [
        (2.5, (1u32 << 15) + (1 << 13) + (1 << 11), 2.37),
        (15.0, (1 << 16) - (1 << 12) - (1 << 7), 15.01),
        (50.0, (1 << 16) - (1 << 10) - (1 << 8), 50.7),
        (20.0, (1 << 16) - (1 << 11) - (1 << 10), 20.83),
    ];
    for (tau, d, realised) in cases {
        assert_eq!(shift_decay(tau), d, "tau {tau}");
        assert!(
            (tau_of_decay(d) - realised).abs() < 0.01,
            "tau {tau}: {}",
            tau_of_decay(d)
        );
    }
    assert_eq!(shift_m_f(0.1), 0.125);
    assert_eq!(shift_m_f(1.0), 1.0);
    assert_eq!(shift_m_f(0.7), 0.5);
    assert_eq!(shift_m_f(0.75), 1.0);
    assert_eq!(shift_m_f(4.0), 4.0);
}

/// Every realised constant is buildable (at most three signed digits), the realised τ
/// quantizes back to exactly that constant, and realising is idempotent — so a
/// calibrated file that records realised values loads to the same integers.
#[test]
fn shift_arithmetic_constants_are_buildable_and_stable() {
    use asnn_ir::{shift_decay, tau_of_decay};
    use asnn_numerics::fixed::{signed_digits, SHIFT_DIGITS};
    use asnn_numerics::Arithmetic;
    let mut tau = 0.2;
    while tau < 10_000.0 {
        let d = shift_decay(tau);
        assert!(
            signed_digits(u64::from(d)) <= SHIFT_DIGITS,
            "tau {tau}: D {d}"
        );
        let t2 = tau_of_decay(d);
        assert_eq!(decay_const(t2), d, "tau {tau}");
        assert_eq!(shift_decay(t2), d, "tau {tau}");
        // The grid is fine where networks live: within 10% from τ = 1 to 1,000.
        if (1.0..1000.0).contains(&tau) {
            assert!((t2 / tau - 1.0).abs() < 0.1, "tau {tau} realised as {t2}");
        }
        tau *= 1.07;
    }
    let p = AsnParams {
        arithmetic: Arithmetic::Shift,
        tau_phi: 3.3,
        m_f: 0.3,
        ..Default::default()
    };
    let r = p.realised();
    assert_eq!(r.realised(), r);
    assert_eq!(r.m_f, 0.25);
    assert_ne!(r.tau_phi, 3.3);
    let m = AsnParams::default();
    assert_eq!(m.realised(), m, "multiply arithmetic changes nothing");
}
