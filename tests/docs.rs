//! The documentation's examples are real: they parse and the README's commands exist.

#[test]
fn network_format_example_parses() {
    let doc = include_str!("../docs/network-format.md");
    let start = doc.find("```toml\n").expect("a toml block") + 8;
    let end = start + doc[start..].find("```").expect("closed");
    let file = asnn_import::parse_network_toml(&doc[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.layer.len(), 5);
    assert_eq!(file.network.name, "mnist-cnn");
}

#[test]
fn readme_commands_are_the_ones_ci_runs() {
    let readme = include_str!("../README.md");
    assert!(readme.contains("cargo run --release -- demo"));
    assert!(readme.contains("bash scripts/test.sh"));
    let ci = include_str!("../.ci/run");
    assert!(ci.contains("exec bash scripts/test.sh"));
}
