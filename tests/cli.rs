//! The `asnn` binary end to end: demo figures, checks, errors, calibration round trip.

mod common;

use common::{asnn, ok, read_json as json};

/// `asnn calibrate` of the bundled digits example on its calibration slice into `out`.
fn calibrate_digits(out: &std::path::Path) {
    ok(&[
        "calibrate",
        "examples/digits",
        "--calib",
        "idx:examples/digits:calib",
        "-o",
        out.to_str().unwrap(),
    ]);
}

#[test]
fn demo_meets_the_acceptance_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.json");
    let text = ok(&["demo", "--json", out.to_str().unwrap()]);
    for model in ["ann", "asnn_float", "asnn_int", "if_baseline"] {
        assert!(text.contains(model), "demo table lacks {model}:\n{text}");
    }
    let v = json(&out);
    let acc = |m: &str| v["models"][m]["accuracy"].as_f64().unwrap();
    let spikes = |m: &str| v["models"][m]["spikes_per_inference"].as_f64().unwrap();
    for m in ["ann", "asnn_float", "asnn_int", "if_baseline"] {
        for k in ["accuracy", "spikes_per_inference", "mean_decision_step"] {
            assert!(v["models"][m][k].is_number(), "{m}.{k} missing");
        }
    }
    // Integer ASNN within 1 percentage point of the ANN on the bundled test slice.
    assert!(
        (acc("asnn_int") - acc("ann")).abs() <= 0.01,
        "int {} vs ann {}",
        acc("asnn_int"),
        acc("ann")
    );
    assert!(acc("ann") > 0.9);
    // Integer and float ASNN agree on at least 99% of predictions.
    let same = v["int_vs_float_same_prediction"].as_f64().unwrap();
    assert!(same / v["samples"].as_f64().unwrap() >= 0.99);
    // The ASNN spikes, and less than the rate-coded baseline.
    assert!(spikes("asnn_int") > 0.0 && spikes("asnn_int") < spikes("if_baseline"));
}

#[test]
fn check_summarises_the_example() {
    let text = ok(&["check", "examples/digits"]);
    assert!(text.contains("OK — network 'digits-mlp'"), "{text}");
    assert!(
        text.contains("32 spiking neurons, 10 readout units, 2368 synapses"),
        "{text}"
    );
    assert!(text.contains("needs calibration data"), "{text}");
}

#[test]
fn bad_input_exits_with_a_message_not_a_panic() {
    let o = asnn(&["check", "tests/bad_inputs/nan_weight"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nan_weight/network.toml") && err.contains("non-finite value NaN"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    let o = asnn(&["check", "does/not/exist.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read"));
}

#[test]
fn sim_without_calibration_data_says_how_to_get_it() {
    let o = asnn(&[
        "sim",
        "examples/digits",
        "--input",
        "idx:examples/digits:test",
        "--samples",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("needs calibration data") && err.contains("--calib"),
        "{err}"
    );
}

#[test]
fn calibrated_network_runs_alone_and_identically() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("digits-calibrated.toml");
    calibrate_digits(&net);
    let text = std::fs::read_to_string(&net).unwrap();
    assert!(
        text.contains("state_frac") && text.contains("theta0"),
        "{text}"
    );
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    ok(&[
        "sim",
        "examples/digits",
        "--input",
        "idx:examples/digits:test",
        "--calib",
        "idx:examples/digits:calib",
        "--samples",
        "20",
        "--spikes",
        "--json",
        a.to_str().unwrap(),
    ]);
    ok(&[
        "sim",
        net.to_str().unwrap(),
        "--input",
        "idx:examples/digits:test",
        "--samples",
        "20",
        "--spikes",
        "--json",
        b.to_str().unwrap(),
    ]);
    let (a, b) = (json(&a), json(&b));
    assert_eq!(
        a["samples"], b["samples"],
        "calibrated file must reproduce the on-the-fly calibration exactly"
    );
    assert_eq!(
        a["samples"][0]["readout_trace"].as_array().unwrap().len(),
        300
    );
    // Calibrating twice gives the same bytes.
    let net2 = dir.path().join("again.toml");
    calibrate_digits(&net2);
    assert_eq!(text, std::fs::read_to_string(&net2).unwrap());
}

#[test]
fn sim_refuses_inputs_that_do_not_fit() {
    // The digits net expects 64 values with raw_max 16: MNIST-sized or 8-bit data is refused.
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("x-images-idx3-ubyte");
    let mut b = vec![0u8, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 8];
    b.extend(std::iter::repeat_n(200u8, 64));
    std::fs::write(&idx, b).unwrap();
    let o = asnn(&[
        "sim",
        "examples/digits",
        "--input",
        idx.to_str().unwrap(),
        "--model",
        "ann",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sample 0: input 0 = 200 exceeds raw_max = 16"),
        "{err}"
    );
}

#[test]
fn events_input_runs_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ev.csv");
    let mut s = String::from("sample,step,index,value,label\n");
    for (i, v) in [(10, 16), (18, 16), (26, 12), (34, 16)] {
        s += &format!("0,0,{i},{v},1\n");
    }
    s += "0,50,10,0,1\n1,0,20,16,7\n";
    std::fs::write(&csv, s).unwrap();
    let out = dir.path().join("o.json");
    let spec = format!("events:{}", csv.display());
    ok(&[
        "sim",
        "examples/digits",
        "--input",
        &spec,
        "--calib",
        "idx:examples/digits:calib",
        "--json",
        out.to_str().unwrap(),
    ]);
    let v = json(&out);
    assert_eq!(v["samples"].as_array().unwrap().len(), 2);
    assert_eq!(v["samples"][1]["label"], 7);
}

#[test]
fn if_baselines_refuse_to_run_unnormalised() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("cal.toml");
    calibrate_digits(&net);
    let o = asnn(&[
        "sim",
        net.to_str().unwrap(),
        "--input",
        "idx:examples/digits:test",
        "--model",
        "if-baseline",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pass --calib"));
}

/// The digits network with `target = "accuracy"`, the given `max_accuracy_drop` and
/// `dynamics = true`, written to `dir/name` with its weights' absolute path.
fn digits_accuracy_net(dir: &std::path::Path, name: &str, bound: f64) -> std::path::PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string("examples/digits/network.toml")
        .unwrap()
        .replace(
            "weights = \"weights.safetensors\"",
            &format!("weights = \"{root}/examples/digits/weights.safetensors\""),
        )
        .replace(
            "headroom_bits = 1\n",
            &format!("headroom_bits = 1\ntarget = \"accuracy\"\nmax_accuracy_drop = {bound}\ndynamics = true\n"),
        );
    let src = dir.join(name);
    std::fs::write(&src, text).unwrap();
    src
}

/// The accuracy rule end to end on digits: the search is reported, the chosen dynamics
/// are written into the calibrated file, and that file alone reproduces the
/// calibration (the writer dropping m_f or the readout's tau_phi would break it).
#[test]
fn the_accuracy_rule_writes_its_choices_into_the_calibrated_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = digits_accuracy_net(dir.path(), "network.toml", 0.01);
    let cal = dir.path().join("calibrated.toml");
    let js = dir.path().join("cal.json");
    let out = ok(&[
        "calibrate",
        src.to_str().unwrap(),
        "--calib",
        "idx:examples/digits:calib",
        "-o",
        cal.to_str().unwrap(),
        "--json",
        js.to_str().unwrap(),
    ]);
    assert!(
        out.contains("target = \"accuracy\"") && out.contains("if_baseline_tuned"),
        "{out}"
    );
    let v = json(&js);
    assert_eq!(v["target"], "accuracy");
    let tried = v["theta0_search"].as_array().unwrap();
    let chosen = &tried[v["chosen_trial"].as_u64().unwrap() as usize];
    assert!(
        tried.iter().any(|t| t["layer"] == "m_f"),
        "m_f was searched: {v}"
    );
    assert!(tried.iter().any(|t| t["layer"] == "readout tau_phi"));
    assert!(v["if_baseline_tuned"]["percentile"].as_f64().is_some());
    let written = std::fs::read_to_string(&cal).unwrap();
    let m_f = chosen["m_f"].as_f64().unwrap();
    let tau = chosen["readout_tau_phi"].as_f64().unwrap();
    if m_f != 0.1 {
        assert!(written.contains(&format!("m_f = {m_f:?}")), "{written}");
    }
    if tau != 50.0 {
        assert!(written.contains(&format!("tau_phi = {tau:?}")), "{written}");
    }
    // Its choices are final: calibrating the written file searches nothing again.
    assert!(written.contains("dynamics = false"), "{written}");
    let js2 = dir.path().join("cal2.json");
    ok(&[
        "calibrate",
        cal.to_str().unwrap(),
        "--calib",
        "idx:examples/digits:calib",
        "-o",
        dir.path().join("again.toml").to_str().unwrap(),
        "--json",
        js2.to_str().unwrap(),
    ]);
    assert_eq!(
        json(&js2)["theta0_search"].as_array().map(Vec::len),
        Some(0)
    );
    // The file alone gives what the calibration measured on its images.
    let a = dir.path().join("a.json");
    ok(&[
        "eval",
        cal.to_str().unwrap(),
        "--dataset",
        "idx:examples/digits:calib",
        "--calib",
        "idx:examples/digits:calib",
        "--json",
        a.to_str().unwrap(),
    ]);
    let e = json(&a);
    let acc = e["models"]["asnn_int"]["accuracy"].as_f64().unwrap();
    assert!(
        (acc - chosen["accuracy"].as_f64().unwrap()).abs() < 1e-12,
        "{acc} vs {chosen}"
    );
    let s = e["models"]["asnn_int"]["spikes_per_inference"]
        .as_f64()
        .unwrap();
    assert!(
        (s - chosen["spikes"].as_f64().unwrap()).abs() < 1e-9,
        "{s} vs {chosen}"
    );
    // The bound's two sides as the calibration reported them: the ANN's accuracy on
    // its images, and the settled accuracy (mean over the window's second half).
    let ann = e["models"]["ann"]["accuracy"].as_f64().unwrap();
    assert!(
        (ann - v["ann_accuracy"].as_f64().unwrap()).abs() < 1e-12,
        "{v}"
    );
    assert!(
        out.contains(&format!("of the ANN's ({:.2}%)", 100.0 * ann)),
        "{out}"
    );
    let by_step: Vec<f64> = e["models"]["asnn_int"]["accuracy_by_step"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let late = &by_step[by_step.len() / 2..];
    let settled = late.iter().sum::<f64>() / late.len() as f64;
    assert!(
        (settled - chosen["settled_accuracy"].as_f64().unwrap()).abs() < 1e-9,
        "{settled} vs {chosen}"
    );
    // And the frontier is reported for every spiking model.
    for m in ["asnn_int", "if_baseline", "if_baseline_tuned"] {
        assert_eq!(
            e["models"][m]["frontier"].as_array().unwrap().len(),
            3,
            "{m}"
        );
    }
    // Against a lower reference accuracy every level is reached no later.
    let b = dir.path().join("b.json");
    ok(&[
        "eval",
        cal.to_str().unwrap(),
        "--dataset",
        "idx:examples/digits:calib",
        "--calib",
        "idx:examples/digits:calib",
        "--reference-accuracy",
        "0.5",
        "--json",
        b.to_str().unwrap(),
    ]);
    let f = json(&b);
    assert_eq!(f["reference_accuracy"], 0.5);
    let steps = |v: &serde_json::Value| -> Vec<u64> {
        v["models"]["asnn_int"]["frontier"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["steps"].as_u64().unwrap_or(u64::MAX))
            .collect()
    };
    assert!(steps(&f).iter().zip(steps(&e)).all(|(a, b)| *a <= b));
    assert!(
        steps(&f) != steps(&e),
        "a reference of 0.5 must move the frontier"
    );
}

#[test]
fn the_resolution_note_follows_the_chosen_candidates_standard_error() {
    // The note appears exactly when the chosen candidate's standard error is at least
    // half the bound (both cases: src/common.rs's unit test).
    let dir = tempfile::tempdir().unwrap();
    for (k, bound) in [0.002, 0.01].into_iter().enumerate() {
        let src = digits_accuracy_net(dir.path(), &format!("n{k}.toml"), bound);
        let js = dir.path().join(format!("n{k}.json"));
        let out = ok(&[
            "calibrate",
            src.to_str().unwrap(),
            "--calib",
            "idx:examples/digits:calib",
            "-o",
            dir.path().join(format!("c{k}.toml")).to_str().unwrap(),
            "--json",
            js.to_str().unwrap(),
        ]);
        let v = json(&js);
        let chosen = &v["theta0_search"][v["chosen_trial"].as_u64().unwrap() as usize];
        let se = chosen["drop_se"].as_f64().unwrap();
        let coarse = se >= 0.5 * bound;
        let note = format!("standard error of {:.2} points", 100.0 * se);
        assert_eq!(
            out.contains(&note),
            coarse,
            "bound {bound}, s.e. {se}: {out}"
        );
    }
}

/// The CNNs on the UP5K: the block-RAM shortage puts no memory over the iCE40 logic bar
/// (256 bits) into logic once room can be made — the small CNN's readout state and
/// accumulator (900 bits, ~1,500 logic cells in flip-flops) go to block RAM and its
/// readout weights to the fourth SPRAM (plan.rs `fallbacks_to_bram`) — and the
/// one-convolution CNN's plan, the one built for the iCEBreaker, keeps its memories in
/// the device (conv0's state on the two SPRAMs its hw-up5k.toml asks for).
#[test]
fn the_up5k_cnn_plans_keep_no_large_memory_in_logic() {
    for (d, want_spram) in [
        ("examples/mnist-cnn-small-graded", None),
        ("examples/mnist-cnn1-up5k", Some(3)),
    ] {
        let dir = std::env::temp_dir().join(format!(
            "asnn-cli-up5k-cnn-{}-{}",
            std::process::id(),
            d.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        ok(&[
            "generate",
            &format!("{d}/calibrated-shift.toml"),
            "--hw",
            &format!("{d}/hw-up5k.toml"),
            "-o",
            dir.to_str().unwrap(),
        ]);
        let plan = json(&dir.join("plan.json"));
        let (mut bram, mut spram) = (0, 0);
        for l in plan["layers"].as_array().unwrap() {
            for m in l["memories"].as_array().unwrap() {
                let (kind, bits) = (m["kind"].as_str().unwrap(), m["bits"].as_u64().unwrap());
                let blocks = m["blocks"].as_u64().unwrap();
                assert!(
                    kind != "regs" || bits <= 256 || m["name"] == "bias",
                    "{d}: {} {} ({bits} bits) in logic",
                    l["name"],
                    m["name"]
                );
                match kind {
                    "bram" => bram += blocks,
                    "spram" => spram += blocks,
                    _ => {}
                }
            }
        }
        assert!(
            bram <= 30 && spram <= 4,
            "{d}: {bram} block RAMs, {spram} SPRAMs"
        );
        if let Some(want) = want_spram {
            assert_eq!(spram, want, "{d}: SPRAMs");
            assert_eq!(
                plan["layers"][0]["state_sprams"], 2,
                "{d}: conv0 state SPRAMs"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
