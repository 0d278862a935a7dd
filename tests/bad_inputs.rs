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
