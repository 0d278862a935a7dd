//! The bad-input corpus (tests/bad_inputs/<case>/): every case must be refused with a
//! message naming the file and containing each line of its expect.txt; `ok_*` cases must
//! load and quantize. Loading covers parsing, tensors and validation; quantizing covers
//! values that overflow the chosen widths.

use std::path::Path;

fn outcome(dir: &Path) -> Result<(), String> {
    let path = dir.join("network.toml");
    let loaded = asnn_import::load_network(&path).map_err(|e| e.to_string())?;
    asnn_ir::quantize(&loaded.network, None)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[test]
fn every_bad_input_is_refused_with_its_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("corpus exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("network.toml").is_file())
        .collect();
    cases.sort();
    let mut bad = 0;
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expect = std::fs::read_to_string(dir.join("expect.txt")).expect("expect.txt");
        let expect: Vec<&str> = expect.lines().filter(|l| !l.is_empty()).collect();
        match outcome(dir) {
            Ok(()) => assert_eq!(
                expect,
                ["OK"],
                "{name}: loaded although it should fail with {expect:?}"
            ),
            Err(msg) => {
                assert_ne!(expect, ["OK"], "{name}: should load, failed with: {msg}");
                assert!(
                    msg.contains("network.toml"),
                    "{name}: message does not name the file: {msg}"
                );
                for e in &expect {
                    assert!(msg.contains(e), "{name}: message lacks '{e}':\n{msg}");
                }
                println!("{name}: {msg}");
                bad += 1;
            }
        }
    }
    assert!(bad >= 15, "corpus has only {bad} bad inputs");
    println!(
        "{bad} bad inputs refused with the expected messages, {} good ones loaded",
        cases.len() - bad
    );
}

/// docs/numerics.md section 11 on a network mixing both arithmetics: the shift layer's
/// constants are realised (m_f 0.3 -> 0.25, every decay at most three signed digits),
/// the multiply layer's are the plain rounding; and the golden model's validation
/// refuses a shift layer whose constant cannot be built from shifts, naming it.
#[test]
fn shift_arithmetic_constants_are_realised_per_layer_and_validated() {
    use asnn_numerics::fixed::{signed_digits, SHIFT_DIGITS};
    use asnn_numerics::Arithmetic;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs/ok_shift_arithmetic");
    let loaded = asnn_import::load_network(&root.join("network.toml")).unwrap();
    let (q, _) = asnn_ir::quantize(&loaded.network, None).unwrap();
    let (fc, out) = (&q.layers[0].q, &q.layers[1].q);
    assert_eq!(fc.arithmetic, Arithmetic::Shift);
    assert_eq!(fc.m, 1 << 14, "m_f 0.3 realised as 0.25");
    for d in [fc.d_beta, fc.d_phi, fc.d_eta, fc.d_gamma] {
        assert!(signed_digits(u64::from(d)) <= SHIFT_DIGITS, "D {d}");
    }
    assert_eq!(out.arithmetic, Arithmetic::Multiply);
    assert_eq!(out.d_phi, asnn_ir::quantize::decay_const(7.0));
    q.validate().unwrap();
    let mut bad = q.clone();
    bad.layers[0].q.d_eta = 0b1010_1010_1010_1011;
    let e = bad.validate().unwrap_err().to_string();
    assert!(
        e.contains("layer 'fc'") && e.contains("d_eta = 43691") && e.contains("signed digits"),
        "{e}"
    );
    let mut bad = q.clone();
    bad.layers[0].q.m = 6554;
    let e = bad.validate().unwrap_err().to_string();
    assert!(e.contains("m = 6554 must be a power of two"), "{e}");
}
