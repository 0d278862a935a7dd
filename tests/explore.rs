//! `asnn explore` with the real tools: a two-point sweep of the digits network on the
//! iCEBreaker (one lane builds, two lanes do not fit the UP5K's DSPs and stay in the
//! table with the reason), the table and plots, a rerun that runs no synthesis or place
//! and route at all (checked by wrappers around the tools that log every call), the
//! emitted job array reproducing the same points, and `--collect`.
//!
//! Tool-backed: skips with a notice when a tool is missing, except under `CI`, where a
//! missing tool is a failure (`bash scripts/test.sh` installs them).

mod common;

use common::{asnn, have, read_json};
use std::path::Path;
use std::process::{Command, Output};

fn tmp(name: &str) -> common::TestDir {
    common::TestDir::new("asnn-explore-test", name)
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn explore(out: &Path, extra: &[&str], path_env: Option<&str>) -> Output {
    let o = out.display().to_string();
    let mut args = vec![
        "explore",
        "examples/digits",
        "--calib=idx:examples/digits:calib",
        "--board",
        "icebreaker",
        "--lanes",
        "1,2",
        "--cosim-samples",
        "1",
        "--accuracy-samples",
        "50",
        "--jobs",
        "2",
        "-o",
        &o,
    ];
    args.extend_from_slice(extra);
    let mut c = Command::new(env!("CARGO_BIN_EXE_asnn"));
    c.args(&args).current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    c.output().expect("asnn runs")
}

/// CSV rows as maps from column to field (no quoted commas in the fields read here).
fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let t = std::fs::read_to_string(path).expect("csv written");
    let mut lines = t.lines();
    let head: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            head.iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

/// A folder of wrappers that log each call of `tools` and run the real one.
fn logging_wrappers(dir: &Path, log: &Path, tools: &[&str]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    for t in tools {
        let real = String::from_utf8(
            Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let w = dir.join(t);
        std::fs::write(
            &w,
            format!(
                "#!/bin/sh\necho \"{t} $*\" >> '{}'\nexec '{}' \"$@\"\n",
                log.display(),
                real.trim()
            ),
        )
        .unwrap();
        Command::new("chmod").arg("+x").arg(&w).status().unwrap();
    }
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn sweep_tables_plots_cache_and_jobs_for_digits_on_the_icebreaker() {
    if !(have("yosys") && have("nextpnr-ice40") && have("icepack") && have("verilator")) {
        return;
    }
    let out = tmp("sweep");
    let o = explore(&out, &[], None);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("0 from the cache, 2 built, 0 refused before synthesis; yosys ran 2 times, nextpnr 2 times"),
        "{t}"
    );

    // The table: the columns first, one row per point.
    let head = std::fs::read_to_string(out.join("explore.csv")).unwrap();
    assert!(
        head.starts_with(
            "lanes,cores,luts,ffs,bram,spram,dsp,fmax_mhz,cycles_per_inference,latency_us,accuracy"
        ),
        "{head}"
    );
    let rows = csv_rows(&out.join("explore.csv"));
    assert_eq!(rows.len(), 2, "{head}");
    let one = &rows[0];
    assert_eq!(one["lanes"], "1");
    assert_eq!(one["status"], "ok", "{head}");
    assert_eq!(one["pareto"], "true");
    assert_eq!(one["dsp"], "8");
    let num = |r: &std::collections::BTreeMap<String, String>, k: &str| -> f64 {
        r[k].parse().unwrap_or_else(|_| panic!("{k} = {:?}", r[k]))
    };
    assert!(num(one, "luts") > 1000.0 && num(one, "lcs") <= 5280.0);
    assert!(num(one, "fmax_mhz") >= 24.0);
    // Co-simulated cycles, and the cycle model exact beside them.
    assert!(one["cycles_source"].starts_with("co-simulation"));
    assert_eq!(one["mismatches"], "0");
    assert_eq!(
        num(one, "cycles_per_inference"),
        num(one, "model_cycles_per_inference")
    );
    assert!((num(one, "latency_us") - num(one, "cycles_per_inference") / 24.0).abs() < 0.01);
    // The bundled digits network: 95.5% on its 200-image slice; on the first 50 here.
    let acc = num(one, "accuracy");
    assert!((90.0..=100.0).contains(&acc), "accuracy {acc}");
    // Two lanes need 16 DSPs: placed and refused, kept with the reason.
    let two = &rows[1];
    assert_eq!(two["lanes"], "2");
    assert_eq!(two["status"], "does not fit");
    assert_eq!(two["pareto"], "false");
    let r = read_json(&out.join("explore.json"));
    let reason = r["points"][1]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("ICESTORM_DSP 16 of 8"), "{reason}");
    let md = std::fs::read_to_string(out.join("explore.md")).unwrap();
    // point, lanes, synapse lanes (the walk: the lanes), cores, weight bits, arithmetic
    assert!(
        md.contains("| l1-c1-wnet * | 1 | 1 | 1 | 8 | multiply |"),
        "{md}"
    );
    assert!(md.contains("l2-c1-wnet: place and route failed: over the device"));
    for (svg, must) in [
        ("lcs_vs_latency.svg", "logic cells used"),
        ("fmax_vs_lanes.svg", "Fmax after place and route"),
        ("throughput_per_lc.svg", "inferences/s per 1000 logic cells"),
    ] {
        let s = std::fs::read_to_string(out.join(svg)).unwrap();
        assert!(s.contains(must), "{svg} lacks its axis label");
        assert!(
            s.contains("L1 C1 W8") || s.contains("L1"),
            "{svg} lacks point labels"
        );
    }
    let s = std::fs::read_to_string(out.join("lcs_vs_latency.svg")).unwrap();
    assert!(s.contains("Pareto front") && s.contains("L2 C1 W8 (does not fit)"));

    // A rerun builds nothing: the wrappers see only version queries (for the key).
    let log = out.join("tool-calls.txt");
    let path = logging_wrappers(
        &out.join("wrappers"),
        &log,
        &["yosys", "nextpnr-ice40", "icepack", "verilator"],
    );
    let o = explore(&out, &[], Some(&path));
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("2 from the cache, 0 built, 0 refused before synthesis; yosys ran 0 times, nextpnr 0 times"),
        "{t}"
    );
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    for line in calls.lines() {
        assert!(
            line.ends_with(" -V") || line.ends_with(" --version"),
            "a cached rerun ran a tool: {line}"
        );
    }
    assert!(
        calls.contains("yosys -V"),
        "the wrappers were not used: {calls}"
    );
    let again = csv_rows(&out.join("explore.csv"));
    assert_eq!(again.len(), 2);
    for (a, b) in rows.iter().zip(&again) {
        assert_eq!(b["cached"], "true");
        for k in [
            "lanes",
            "luts",
            "fmax_mhz",
            "cycles_per_inference",
            "accuracy",
            "status",
        ] {
            assert_eq!(a[k], b[k], "{k} differs after the cached rerun");
        }
    }

    // The job array: one command per point; running one is a cache hit of the same
    // point (same key), and --collect merges the results.
    let o = explore(&out, &["--emit-jobs"], None);
    assert!(o.status.success(), "{}", text(&o));
    let list = std::fs::read_to_string(out.join("jobs/points.txt")).unwrap();
    let cmds: Vec<&str> = list.lines().collect();
    assert_eq!(cmds.len(), 2, "{list}");
    assert!(cmds[0].contains(" --lanes 1 ") && cmds[1].contains(" --lanes 2 "));
    assert!(cmds.iter().all(|c| c.contains("--no-summary")));
    let sb = std::fs::read_to_string(out.join("jobs/sweep.sbatch")).unwrap();
    assert!(sb.contains("#SBATCH --array=0-1"), "{sb}");
    assert!(sb.contains("SLURM_ARRAY_TASK_ID"));
    let o = Command::new("sh")
        .args(["-c", cmds[0]])
        .env("PATH", &path)
        .current_dir("/")
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("1 from the cache, 0 built"), "{t}");
    std::fs::remove_file(out.join("explore.csv")).unwrap();
    let o = asnn(&["explore", "--collect", &out.display().to_string()]);
    assert!(o.status.success(), "{}", text(&o));
    let merged = csv_rows(&out.join("explore.csv"));
    assert_eq!(merged.len(), 2);
    assert_eq!(merged[0]["luts"], rows[0]["luts"]);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn explore_refuses_bad_axes_and_empty_collections_with_clear_errors() {
    let out = tmp("bad");
    let o = out.display().to_string();
    for (args, want) in [
        (
            vec![
                "explore",
                "examples/digits",
                "--board",
                "icebreaker",
                "--lanes",
                "0",
                "-o",
                &o,
            ],
            "--lanes 0: must be in 1..=64",
        ),
        (
            vec![
                "explore",
                "examples/digits",
                "--board",
                "icebreaker",
                "--weight-bits",
                "1",
                "-o",
                &o,
            ],
            "--weight-bits 1: must be in 2..=16",
        ),
        (
            vec![
                "explore",
                "examples/digits",
                "--board",
                "nosuchboard",
                "-o",
                &o,
            ],
            "nosuchboard",
        ),
        (vec!["explore", "--collect", &o], "no point results"),
    ] {
        let r = asnn(&args);
        let t = text(&r);
        assert!(!r.status.success(), "{args:?} succeeded");
        assert!(t.contains(want), "{args:?}: expected {want:?} in\n{t}");
        assert!(!t.contains("panicked"), "{t}");
    }
    let _ = std::fs::remove_dir_all(&out);
}
