//! The FPGA flow and the board top, with the real tools: the digits bitstream for the
//! iCEBreaker (fits, meets its clock, primitives as planned), the whole board top
//! co-simulated behind its pins (UART over a pseudo-terminal, SPI-flash weight loader
//! with a flash model), `asnn run` against the simulated board, the loader refusing a
//! damaged image, the post-synthesis netlist co-simulated against the golden model, and
//! the refusal of a design too big for the board.
//!
//! Tool-backed tests skip with a notice when a tool is missing, except under `CI`,
//! where a missing tool is a failure (`bash scripts/test.sh` installs them).

mod common;

use common::{asnn, have, ok, read_json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const CALIB: &str = "--calib=idx:examples/digits:calib";

fn tmp(name: &str) -> common::TestDir {
    common::TestDir::new("asnn-board-test", name)
}

fn ice40_tools() -> bool {
    have("yosys") && have("nextpnr-ice40") && have("icepack") && have("verilator")
}

#[test]
fn digits_bitstream_for_the_icebreaker_fits_meets_its_clock_and_maps_as_planned() {
    if !ice40_tools() {
        return;
    }
    let out = tmp("build");
    let o = out.display().to_string();
    let text = ok(&[
        "build",
        "examples/digits",
        CALIB,
        "--board",
        "icebreaker",
        "--cosim-samples",
        "10",
        "--cycle-samples",
        "100",
        "-o",
        &o,
    ]);
    let r = read_json(&out.join("report.json"));
    assert_eq!(r["ok"], true, "{text}");
    for k in ["block_ram", "spram", "multipliers", "fits", "timing"] {
        assert_eq!(r["checks"][k]["ok"], true, "check {k}: {}", r["checks"][k]);
    }
    // Requested 24 MHz from the 12 MHz oscillator through the PLL, met without
    // --timing-allow-fail (the flow never passes it).
    assert_eq!(r["clock_mhz"], 24.0);
    assert_eq!(r["pll"]["divf"], 63);
    let fmax = r["fmax_mhz"].as_f64().expect("fmax");
    assert!(fmax >= 24.0, "Fmax {fmax}");
    let lcs = &r["utilization"]["lcs"];
    assert_eq!(lcs["available"], 5280);
    assert!(lcs["used"].as_u64().unwrap() <= 5280);
    assert!(r["utilization"]["dsp"]["used"].as_u64().unwrap() >= 6);
    assert!(r["utilization"]["bram"]["used"].as_u64().unwrap() >= 5);
    // The latency protocol: the cycle model's mean over the 100 samples asked for, with
    // the 10 co-simulated ones proving the model exact on them.
    assert_eq!(r["cycles_source"], "cycle model");
    assert_eq!(r["model_samples"], 100);
    assert_eq!(r["cosim"]["samples"], 10);
    assert_eq!(r["cosim"]["mismatches"], 0);
    assert_eq!(r["cosim"]["model_cycle_error_pct"].as_f64().unwrap(), 0.0);
    let cyc = r["cycles_per_inference"].as_f64().unwrap();
    assert_eq!(cyc, r["model_cycles_per_inference"].as_f64().unwrap());
    assert!(r["model_max_cycles"].as_f64().unwrap() >= cyc);
    assert!((r["latency_us"].as_f64().unwrap() - cyc / 24.0).abs() < 1e-6);
    assert!(r["tools"]["yosys"].as_str().unwrap().contains("Yosys"));
    assert!(r["critical_path"]["delay_ns"].as_f64().unwrap() > 0.0);
    // An UP5K bitstream is 104,090 bytes.
    let bin = out.join(r["bitstream"].as_str().expect("bitstream named"));
    assert_eq!(std::fs::metadata(&bin).expect("bitstream").len(), 104_090);
    let pcf = std::fs::read_to_string(out.join("rtl/icebreaker.pcf")).unwrap();
    assert!(pcf.contains("set_io clk_pin_i 35") && pcf.contains("set_io uart_rx_i 6"));
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("PASS timing") && summary.contains("Host link"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn board_top_cosimulates_bit_exactly_through_its_uart() {
    if !have("verilator") {
        return;
    }
    let dir = tmp("uart");
    let json = dir.join("c.json");
    ok(&[
        "cosim",
        "examples/digits",
        CALIB,
        "--board",
        "icebreaker",
        "--dir",
        &dir.join("w").display().to_string(),
        "--json",
        &json.display().to_string(),
    ]);
    let r = read_json(&json);
    assert_eq!(r["mode"], "board");
    assert_eq!(r["samples"], 200);
    assert_eq!(r["mismatches"], 0);
    assert_eq!(r["accuracy"], 95.5);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A hw.toml in `dir` that puts the weights in SPRAM (loaded from flash on the board).
fn spram_hw(dir: &Path) -> PathBuf {
    let hw = dir.join("hw.toml");
    std::fs::write(&hw, "[hardware]\ndevice = \"up5k\"\nweights = \"spram\"\n").unwrap();
    hw
}

#[test]
fn spram_weights_come_from_flash_through_the_cosimulated_loader() {
    if !have("verilator") {
        return;
    }
    let dir = tmp("loader");
    let hw = spram_hw(&dir);
    let json = dir.join("c.json");
    ok(&[
        "cosim",
        "examples/digits",
        CALIB,
        "--board",
        "icebreaker",
        "--hw",
        &hw.display().to_string(),
        "--samples",
        "60",
        "--dir",
        &dir.join("w").display().to_string(),
        "--json",
        &json.display().to_string(),
    ]);
    let r = read_json(&json);
    assert_eq!(
        (r["samples"].as_u64(), r["mismatches"].as_u64()),
        (Some(60), Some(0))
    );
    // The image: magic, design id, the weight words, the byte sum.
    let img = std::fs::read(dir.join("w/weights.bin")).unwrap();
    assert_eq!(&img[..4], b"ASNW");
    let sum = img[8..img.len() - 2]
        .iter()
        .fold(0u16, |s, &b| s.wrapping_add(u16::from(b)));
    assert_eq!(sum.to_le_bytes(), img[img.len() - 2..]);
    // The weights are not in the bitstream: no $readmemh for the SPRAM layers.
    let l0 = std::fs::read_to_string(dir.join("w/asnn_digits_mlp_l0.v")).unwrap();
    assert!(l0.contains(".INIT_FILE(\"\")) u_weights"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A simulated board serving a pseudo-terminal (`asnn board-sim`).
struct SimBoard {
    child: Child,
    pty: String,
}

impl SimBoard {
    fn start(extra: &[&str], dir: &Path) -> SimBoard {
        let mut args = vec![
            "board-sim".to_string(),
            "examples/digits".into(),
            CALIB.into(),
            "--board".into(),
            "icebreaker".into(),
            "--dir".into(),
            dir.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_asnn"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("board-sim starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("pty path");
        assert!(line.starts_with("/dev/"), "board-sim printed {line:?}");
        SimBoard {
            child,
            pty: line.trim().to_string(),
        }
    }
}

impl Drop for SimBoard {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// `asnn run` of two digits samples with `hw` on `pty`, which must fail: its stderr.
fn run_refused(hw: &Path, pty: &str) -> String {
    let o = asnn(&[
        "run",
        "examples/digits",
        CALIB,
        "--board",
        "icebreaker",
        "--hw",
        &hw.display().to_string(),
        "--port",
        pty,
        "--samples",
        "2",
    ]);
    assert!(!o.status.success(), "asnn run should have been refused");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn asnn_run_over_a_pseudo_terminal_reports_the_golden_accuracy() {
    if !have("verilator") {
        return;
    }
    let dir = tmp("run");
    let board = SimBoard::start(&[], &dir.join("w"));
    let json = dir.join("run.json");
    ok(&[
        "run",
        "examples/digits",
        CALIB,
        "--board",
        "icebreaker",
        "--port",
        &board.pty,
        "--json",
        &json.display().to_string(),
    ]);
    let r = read_json(&json);
    assert_eq!(r["samples"], 200);
    assert_eq!(r["mismatches"], 0);
    // The golden model's accuracy on the bundled slice (asnn eval: 95.50%).
    assert_eq!(r["accuracy"], 95.5);
    assert!(r["bytes_out"].as_u64().unwrap() > 200 * 100);
    // A board running another design is refused by its id.
    let hw = dir.join("hw2.toml");
    std::fs::write(&hw, "[hardware]\nlanes = 2\n").unwrap();
    let err = run_refused(&hw, &board.pty);
    assert!(err.contains("the board runs design"), "{err}");
    drop(board);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_loader_refuses_a_damaged_flash_image() {
    if !have("verilator") {
        return;
    }
    let dir = tmp("badflash");
    let hw = spram_hw(&dir);
    // The design's own image with one weight byte changed.
    let good = {
        let b = SimBoard::start(&["--hw", &hw.display().to_string()], &dir.join("w1"));
        drop(b);
        std::fs::read_to_string(dir.join("w1/weights.hex")).unwrap()
    };
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    lines[20] = if lines[20] == "5a" {
        "5b".into()
    } else {
        "5a".into()
    };
    let bad = dir.join("bad.hex");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let board = SimBoard::start(
        &[
            "--hw",
            &hw.display().to_string(),
            "--flash",
            &bad.display().to_string(),
        ],
        &dir.join("w2"),
    );
    let err = run_refused(&hw, &board.pty);
    assert!(err.contains("flash image checksum wrong"), "{err}");
    drop(board);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `asnn cosim --netlist` used to call `yosys` by name (and take the cell models from
/// /usr/share/yosys), so it failed on a machine with only YoWASP. It now finds yosys as
/// `asnn build` does: here through `ASNN_TOOL_YOSYS`, a logging wrapper that must be
/// the one that synthesises the netlist.
#[test]
fn netlist_cosim_finds_yosys_the_way_build_does_and_is_bit_exact() {
    if !have("yosys") || !have("verilator") {
        return;
    }
    let dir = tmp("netlist");
    let json = dir.join("c.json");
    let calls = dir.join("yosys-calls.txt");
    let wrapper = dir.join("logging-yosys");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}\nexec yosys \"$@\"\n",
            calls.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_asnn"))
        .args([
            "cosim",
            "examples/digits",
            CALIB,
            "--netlist",
            "--dir",
            &dir.join("w").display().to_string(),
            "--json",
            &json.display().to_string(),
        ])
        .env("ASNN_TOOL_YOSYS", &wrapper)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let logged = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(
        logged.contains("netlist.ys"),
        "the netlist was not synthesised by the yosys the flow finds: {logged:?}"
    );
    let r = read_json(&json);
    assert_eq!(r["mode"], "netlist");
    assert_eq!(
        (r["samples"].as_u64(), r["mismatches"].as_u64()),
        (Some(200), Some(0))
    );
    // Only yosys's cells are left: the netlist defines the top and nothing of ours.
    let net = std::fs::read_to_string(dir.join("w/netlist.v")).unwrap();
    let modules: Vec<&str> = net.lines().filter(|l| l.starts_with("module ")).collect();
    assert_eq!(modules.len(), 1, "{modules:?}");
    assert!(net.contains("SB_LUT4") && net.contains("SB_RAM40_4K") && net.contains("SB_MAC16"));
    assert!(!net.contains("asnn_neuron ") && !net.contains("asnn_ram "));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_network_too_big_for_the_board_is_refused_before_synthesis() {
    let out = tmp("toobig");
    let o = asnn(&[
        "build",
        "examples/mnist-cnn-graded/calibrated.toml",
        "--board",
        "icebreaker",
        "-o",
        &out.display().to_string(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("block RAMs") && err.contains("device up5k has 30"),
        "{err}"
    );
    assert!(err.contains("lane count"), "{err}");
    assert!(!out.join("yosys.log").exists(), "synthesis must not start");
    // Unknown boards and clocks no PLL makes are named.
    let o = asnn(&[
        "build",
        "examples/digits",
        CALIB,
        "--board",
        "nope",
        "-o",
        "/tmp/x",
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("known boards: icebreaker"));
    let o = asnn(&[
        "run",
        "examples/digits",
        CALIB,
        "--board",
        "ulx3s",
        "--freq",
        "1000",
        "--port",
        "/dev/null",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "no ECP5 PLL setting makes 1000 MHz from 25 MHz within 2% (the closest is 400"
        ),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
