//! The RTL generator and its core library, with the real tools: lint (Verilator -Wall,
//! yosys check + generic synth, iverilog), byte-stable output, the plan's refusals,
//! library benches (FIFO, arbiter, neuron pipeline against the golden model) and
//! co-simulation of the digits example and of random networks against the golden model.
//!
//! Tool-backed tests skip with a notice when a tool is missing, except under `CI`,
//! where a missing tool is a failure (`bash scripts/test.sh` installs them).

mod common;

use common::have;

use asnn_eda::lint;
use asnn_generator::plan::SPIKE_PUSH_OFFSET;
use asnn_generator::{generate, HwSpec};
use asnn_numerics::golden::{neuron_update, NeuronState};
use asnn_numerics::{QNetwork, QParams};
use rand::{RngExt, SeedableRng};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tmp(name: &str) -> common::TestDir {
    common::TestDir::new("asnn-rtl-test", name)
}

/// The digits example, calibrated on its bundled calibration slice.
fn digits() -> QNetwork {
    let loaded = asnn_import::load_network(&Path::new(ROOT).join("examples/digits/network.toml"))
        .expect("digits loads");
    let calib = asnn_import::load_dataset(&format!("idx:{ROOT}/examples/digits:calib"))
        .expect("calib slice");
    asnn_sim::calibrate(&loaded.network, &calib.inputs)
        .expect("calibrates")
        .qnet
}

/// Small random test networks: the first dense-only one, the first conv one with an
/// average pool and the first with a max pool.
fn small_nets() -> Vec<(String, QNetwork, bool)> {
    let cfg = asnn_sim::random::RandomConfig {
        allow_events: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut found = [false; 3];
    for seed in 0..200u64 {
        let Ok(case) = asnn_sim::random::random_case(seed, &cfg) else {
            continue;
        };
        let Ok(cal) = asnn_sim::calibrate(&case.network, &case.inputs[..4]) else {
            continue;
        };
        let pool = |k: asnn_numerics::PoolKind| {
            cal.qnet.layers.iter().any(|l| {
                matches!(l.conn, asnn_numerics::Conn::Conv(g) if g.pool.is_some_and(|p| p.kind == k))
            })
        };
        let is_conv = cal
            .qnet
            .layers
            .iter()
            .any(|l| matches!(l.conn, asnn_numerics::Conn::Conv(_)));
        let kind = if pool(asnn_numerics::PoolKind::Max) {
            2
        } else if is_conv && pool(asnn_numerics::PoolKind::Avg) {
            1
        } else if !is_conv {
            0
        } else {
            continue;
        };
        if !found[kind] {
            found[kind] = true;
            let frame = case.network.input.kind == asnn_ir::InputKind::Frame;
            let name = ["dense", "conv-avgpool", "conv-maxpool"][kind];
            out.push((format!("{name}-seed{seed}"), cal.qnet, frame));
        }
        if found.iter().all(|&f| f) {
            break;
        }
    }
    assert_eq!(
        out.len(),
        3,
        "found dense, avg-pool and max-pool random networks"
    );
    out
}

fn write(dir: &Path, net: &QNetwork, hw: &HwSpec, frame: bool) -> String {
    let d = generate(net, hw, frame).expect("generates");
    for f in &d.files {
        std::fs::write(dir.join(&f.name), &f.contents).expect("write");
    }
    d.plan.top
}

/// (passed, output) of a library check; a tool that cannot run is a failure.
fn checked(r: anyhow::Result<asnn_eda::lint::Checked>) -> (bool, String) {
    match r {
        Ok(c) => (c.ok, c.output),
        Err(e) => (false, format!("{e:#}")),
    }
}

fn lanes(n: u32) -> HwSpec {
    HwSpec {
        device: "ecp5-85f".into(),
        lanes: n,
        ..HwSpec::default()
    }
}

#[test]
fn generated_designs_lint_clean_in_verilator_yosys_and_iverilog() {
    if !(have("verilator") && have("yosys") && have("iverilog")) {
        return;
    }
    let mut nets = vec![("digits".to_string(), digits(), true)];
    nets.extend(small_nets());
    let mut jobs = Vec::new();
    for (name, net, frame) in &nets {
        for p in [1u32, 2, 4, 8] {
            jobs.push((format!("{name}-lanes{p}"), net.clone(), *frame, lanes(p)));
        }
    }
    let digits_net = nets[0].1.clone();
    // Multi-core layers (core wrappers, output merge).
    let cores3 = HwSpec {
        cores: 3,
        ..lanes(2)
    };
    jobs.push((
        "digits-lanes2-cores3".into(),
        digits_net.clone(),
        true,
        cores3,
    ));
    // Output-stationary first layer (synapse lanes above the lanes); lanes 1 with 8 puts
    // products in logic on the UP5K.
    for p in [1u32, 2] {
        let hw = HwSpec {
            device: "up5k".into(),
            lanes: p,
            synapse_lanes: Some(8),
            ..HwSpec::default()
        };
        jobs.push((
            format!("digits-lanes{p}-syn8"),
            digits_net.clone(),
            true,
            hw,
        ));
    }
    // State in SPRAM behind a credit-gated FIFO, with SPRAM weights and a window and a
    // hold of 1 (compares that would be constant); a conv layer's state on 3 SPRAMs.
    let spram = asnn_generator::hw::parse_hw_toml(
        "[hardware]\ndevice = \"up5k\"\nweights = \"spram\"\nearly_exit = 1\nexit_margin = 8\n[[hardware.layer]]\nname = \"fc0\"\nstate = \"spram\"\nstate_sprams = 2\nfifo_depth = 8\n",
    )
    .unwrap();
    jobs.push((
        "digits-spram-credits".into(),
        digits_net.clone(),
        true,
        spram,
    ));
    let (conv_name, conv_net, conv_frame) = &nets[2];
    let conv_spram = asnn_generator::hw::parse_hw_toml(&format!(
        "[hardware]\ndevice = \"up5k\"\n[[hardware.layer]]\nname = \"{}\"\nstate = \"spram\"\nstate_sprams = 3\n",
        conv_net.layers[0].name
    ))
    .unwrap();
    jobs.push((
        format!("{conv_name}-spram3"),
        conv_net.clone(),
        *conv_frame,
        conv_spram,
    ));
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<_> = jobs.chunks(jobs.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for (name, net, frame, hw) in chunk {
                        let dir = tmp(&format!("lint-{name}"));
                        let top = write(&dir, net, hw, *frame);
                        let files: Vec<String> = std::fs::read_to_string(dir.join("files.f"))
                            .unwrap()
                            .lines()
                            .map(String::from)
                            .collect();
                        let (ok, out) = checked(lint::verilator_wall(&dir, &top, "files.f"));
                        if !ok || !out.trim().is_empty() {
                            bad.push(format!("{name}: verilator -Wall:\n{out}"));
                        }
                        // Yosys's coarse synthesis (memories, arithmetic, FSMs) and its
                        // structural checks; the fine-grained mapping and ABC add ten
                        // times the time (43 s against 4.7 s on digits at 8 lanes) and no
                        // check: the board tests synthesise for the real families. The
                        // iCE40 cells are read as black boxes (SPRAM primitives).
                        let script = format!(
                            "read_verilog -lib +/ice40/cells_sim.v; read_verilog -sv {}; hierarchy -check -top {top}; proc; check -assert; synth -top {top} -run :fine; check -assert",
                            files.join(" ")
                        );
                        let (ok, out) = checked(lint::yosys_script(&dir, &script));
                        if !ok {
                            bad.push(format!("{name}: yosys:\n{out}"));
                        }
                        let (ok, out) = checked(lint::icarus_wall(&dir, &top, "files.f"));
                        if !ok || !out.trim().is_empty() {
                            bad.push(format!("{name}: iverilog:\n{out}"));
                        }
                        eprintln!("{name}: lint, yosys synth and iverilog done");
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generate_is_byte_stable_across_runs_and_folders() {
    let a = tmp("stable-a");
    let b = tmp("stable-b");
    for d in [&a, &b] {
        common::ok(&[
            "generate",
            "examples/digits",
            "--calib",
            "idx:examples/digits:calib",
            "-o",
            d.to_str().unwrap(),
        ]);
    }
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{names:?}");
    for n in &names {
        let x = std::fs::read(a.join(n)).unwrap();
        let y = std::fs::read(b.join(n)).unwrap();
        assert!(x == y, "{n:?} differs between two runs");
        let text = String::from_utf8_lossy(&x);
        assert!(
            !text.contains(a.to_str().unwrap()),
            "{n:?} contains its output path"
        );
    }
}

#[test]
fn lanes_change_the_design_and_lower_the_cycle_model() {
    let net = digits();
    let one = generate(&net, &lanes(1), true).unwrap();
    let four = generate(&net, &lanes(4), true).unwrap();
    let layer = |d: &asnn_generator::Design| {
        d.files
            .iter()
            .find(|f| f.name.ends_with("_l0.v"))
            .unwrap()
            .contents
            .clone()
    };
    assert_ne!(layer(&one), layer(&four));
    assert!(layer(&four).contains("localparam integer LANES   = 4;"));
    assert!(four.plan.estimated_cycles_per_step < one.plan.estimated_cycles_per_step);
    // The same activity costs fewer cycles with more lanes.
    let ev = vec![vec![40, 5]; 1]
        .into_iter()
        .chain(std::iter::repeat_n(vec![0, 5], 299))
        .collect::<Vec<_>>();
    let zero = vec![];
    // Five spikes of hidden neurons 0..4 reach the readout each step.
    let sp: Vec<Vec<Vec<u32>>> = vec![vec![vec![], (0..5).collect()]; 300];
    assert!(four.plan.predict_cycles(&ev, &zero, &sp) < one.plan.predict_cycles(&ev, &zero, &sp));
}

#[test]
fn a_synaptic_phase_overlaps_the_sweep_before_only_where_the_model_holds() {
    let mut net = digits();
    let p = generate(&net, &lanes(2), true).unwrap().plan;
    assert!(!p.layers[0].syn_overlap && p.layers[1].syn_overlap);
    let (l0, l1) = (&p.layers[0], &p.layers[1]);
    // No spike: the sweep and the FIFO's tail; spikes the walk keeps up with cost
    // nothing more; late spikes, or more than the walk can take during the sweep, do.
    let tail = l0.fifo_latency - 1;
    assert_eq!(p.overlap_cycles(l0, l1, &[]), l0.sweep_cycles + 1 + tail);
    assert_eq!(
        p.overlap_cycles(l0, l1, &[0, 1]),
        l0.sweep_cycles + 1 + tail
    );
    let n = l0.neurons as u32;
    let late = p.overlap_cycles(l0, l1, &[n - 2, n - 1]);
    assert_eq!(
        late,
        SPIKE_PUSH_OFFSET + (n as u64 - 1) / 2 + l0.fifo_latency + 2 * l1.walk_cycles + 2
    );
    let all: Vec<u32> = (0..n).collect();
    assert!(p.overlap_cycles(l0, l1, &all) >= n as u64 * l1.walk_cycles);
    // delay = 1 runs the layers in reverse order: no overlap, and the model still
    // counts the phase after the sweep.
    net.delay = 1;
    let p1 = generate(&net, &lanes(2), true).unwrap().plan;
    assert!(p1.layers.iter().all(|l| !l.syn_overlap));
}

#[test]
fn a_bad_margin_exit_setting_is_refused_with_its_values() {
    let net = digits();
    let ro_bits = net.layers.last().unwrap().q.state_bits;
    let cases: [(Option<i64>, u32, &str); 4] = [
        (Some(-1), 1, "exit_margin = -1"),
        (Some(1i64 << ro_bits), 1, "-bit scores"),
        (Some(100), 0, "exit_hold = 0"),
        (None, 3, "exit_hold = 3 without exit_margin"),
    ];
    for (m, h, want) in cases {
        let hw = HwSpec {
            exit_margin: m,
            exit_hold: h,
            ..HwSpec::default()
        };
        let e = generate(&net, &hw, true)
            .err()
            .unwrap_or_else(|| panic!("{m:?}/{h} accepted"))
            .to_string();
        assert!(e.contains(want), "{m:?}/{h}: {e}");
    }
    // In range: accepted, and the plan carries the rule.
    let hw = HwSpec {
        exit_margin: Some(300),
        exit_hold: 2,
        ..HwSpec::default()
    };
    let d = generate(&net, &hw, true).expect("accepted");
    assert_eq!(
        d.plan.exit_margin,
        Some(asnn_numerics::ExitMargin {
            margin: 300,
            hold: 2
        })
    );
}

#[test]
fn synapse_lanes_are_refused_where_the_output_stationary_unit_is_not_built() {
    let net = digits();
    let parse = |t: &str| asnn_generator::hw::parse_hw_toml(t).unwrap();
    let cases = [
        (
            "[hardware]\nlanes = 2\nsynapse_lanes = 5\n",
            true,
            "synapse_lanes = 5 must be a multiple of its 2 lane(s)",
        ),
        (
            "[hardware]\nlanes = 4\nsynapse_lanes = 2\n",
            true,
            "synapse_lanes = 2 must be a multiple",
        ),
        (
            "[hardware]\nsynapse_lanes = 8\n",
            false,
            "needs frame input",
        ),
        (
            "[hardware]\ncores = 2\nsynapse_lanes = 8\n",
            true,
            "with cores = 2",
        ),
        (
            "[hardware]\n[[hardware.layer]]\nname = \"readout\"\nsynapse_lanes = 4\n",
            true,
            "layer 'readout': synapse_lanes = 4 != its lanes (1)",
        ),
    ];
    for (text, frame, want) in cases {
        let e = generate(&net, &parse(text), frame)
            .err()
            .unwrap_or_else(|| panic!("{text} accepted"))
            .to_string();
        assert!(e.contains(want), "{text}: {e}");
    }
    // A conv first layer has no output-stationary unit.
    let conv = small_nets()
        .into_iter()
        .find(|(_, n, f)| *f && matches!(n.layers[0].conn, asnn_numerics::Conn::Conv(_)))
        .map(|(_, n, _)| n)
        .expect("a small conv net");
    let e = generate(&conv, &parse("[hardware]\nsynapse_lanes = 4\n"), true)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("needs a dense first layer"), "{e}");
    // Accepted: the plan lays the weights out by synapse groups and says where the
    // products go (the UP5K's DSPs are taken by the neurons but for one).
    let d = generate(
        &net,
        &parse("[hardware]\ndevice = \"up5k\"\nlanes = 2\nsynapse_lanes = 8\n"),
        true,
    )
    .expect("accepted");
    let l0 = &d.plan.layers[0];
    assert!(l0.output_stationary && l0.synapse_lanes == 8);
    assert_eq!(l0.synapse_groups, l0.neurons.div_ceil(8));
    assert_eq!(l0.memories[0].width, 8 * l0.weight_bits);
    assert_eq!(l0.memories[0].depth, (l0.inputs * l0.synapse_groups) as u64);
    assert!(l0.memories.iter().any(|m| m.name == "event_buffer"));
    // The readout walk's 2 lanes multiply too.
    let spare = 8u64.saturating_sub(d.plan.neuron_multipliers() + 2);
    assert_eq!(u64::from(l0.lut_products), 8 - spare.min(8));
    // Equal to the lanes: the walk, the same design as without the key (but for the
    // headers, which name the hardware choices' hash).
    let same = generate(
        &net,
        &parse("[hardware]\nlanes = 2\nsynapse_lanes = 2\n"),
        true,
    )
    .expect("accepted");
    let plain = generate(&net, &parse("[hardware]\nlanes = 2\n"), true).expect("accepted");
    assert_eq!(same.plan, plain.plan);
    let body = |d: &asnn_generator::Design| -> Vec<String> {
        d.files
            .iter()
            .map(|f| {
                f.contents
                    .lines()
                    .filter(|l| !l.contains("Generated by"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    };
    assert!(
        body(&same) == body(&plain),
        "synapse_lanes = lanes changed the design"
    );
}

#[test]
fn a_plan_above_the_device_is_refused_with_layer_resource_and_numbers() {
    // The MNIST CNN's neuron states need more block RAM than the UP5K has, even after
    // conv0's state went to SPRAM and its FIFO to credits: conv1's is the largest left.
    let o = common::asnn(&[
        "generate",
        "examples/mnist-cnn-graded/calibrated.toml",
        "-o",
        tmp("refuse").to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        e.contains("block RAMs") && e.contains("up5k has 30") && e.contains("layer 'conv1' state"),
        "{e}"
    );
    let net = digits();
    let hw = HwSpec {
        device: "hx8k".into(),
        weights: asnn_generator::hw::MemKindChoice::Spram,
        ..HwSpec::default()
    };
    let e = generate(&net, &hw, true)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("hx8k has no SPRAM") && e.contains("layer 'fc0' weights"),
        "{e}"
    );
    let hw = HwSpec {
        device: "nosuch".into(),
        ..HwSpec::default()
    };
    let e = generate(&net, &hw, true)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("nosuch") && e.contains("up5k"), "{e}");
    let hw = asnn_generator::hw::parse_hw_toml(
        "[hardware]\n[[hardware.layer]]\nname = \"readout\"\ncores = 11\n",
    )
    .unwrap();
    let e = generate(&net, &hw, true)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("layer 'readout': cores = 11") && e.contains("its 10 channels"),
        "{e}"
    );
}

#[test]
fn malformed_hw_toml_is_an_error_naming_the_key() {
    let e = asnn_generator::hw::parse_hw_toml("[hardware]\nlanez = 4\n").unwrap_err();
    assert!(e.contains("lanez"), "{e}");
    let e = asnn_generator::hw::parse_hw_toml("[hardware]\nlanes = \"four\"\n").unwrap_err();
    assert!(e.contains("lanes"), "{e}");
    let hw = asnn_generator::hw::parse_hw_toml(
        "[hardware]\nlanes = 4\nearly_exit = 20\n[[hardware.layer]]\nname = \"fc0\"\nlanes = 2\n",
    )
    .unwrap();
    assert_eq!(
        (hw.lanes, hw.early_exit, hw.layer[0].lanes),
        (4, 20, Some(2))
    );
}

fn bench(name: &str, lib: &[&str], params: &[&str]) {
    if !have("iverilog") {
        return;
    }
    let dir = tmp(&format!("{name}{}", params.join("")));
    let mut args = vec!["-s".to_string(), name.into()];
    args.extend(params.iter().map(|p| format!("-P{name}.{p}")));
    // The library's shared include (asnn_fixed.vh) is found beside the modules.
    args.push(format!("-I{ROOT}/rtl-templates/lib"));
    args.push(format!("{ROOT}/rtl-templates/bench/{name}.sv"));
    for l in lib {
        args.push(format!("{ROOT}/rtl-templates/lib/{l}.v"));
    }
    let (ok, out) = checked(lint::icarus_bench(&dir, &args, "b.vvp"));
    assert!(ok && out.contains("PASS") && !out.contains("FAIL"), "{out}");
}

#[test]
fn fifo_bench_matches_a_behavioural_queue() {
    bench("tb_asnn_fifo", &["asnn_fifo"], &[]);
    bench("tb_asnn_fifo", &["asnn_fifo"], &["BRAM=1"]);
}

#[test]
fn spram_state_bench_reads_what_the_sweep_wrote_and_catches_an_overrun() {
    // WORDS 3 (one SPRAM, and two side by side), 1 (two), and a short write-back delay.
    bench("tb_asnn_spram_state", &["asnn_spram_state"], &[]);
    bench(
        "tb_asnn_spram_state",
        &["asnn_spram_state"],
        &["WIDTH=96", "COLS=2"],
    );
    bench(
        "tb_asnn_spram_state",
        &["asnn_spram_state"],
        &["WIDTH=32", "COLS=2"],
    );
    bench(
        "tb_asnn_spram_state",
        &["asnn_spram_state"],
        &["WIDTH=72", "COLS=2", "LAT=3"],
    );
}

#[test]
fn arbiter_bench_delivers_every_word_fairly() {
    bench("tb_asnn_rr_arbiter", &["asnn_rr_arbiter"], &[]);
}

#[test]
fn shift_add_multiplier_bench_is_exact_on_every_operand_pair() {
    bench("tb_asnn_shift_add_mul", &["asnn_shift_add_mul"], &[]);
}

#[test]
fn constant_multiplier_bench_is_exact_for_every_operand() {
    bench("tb_asnn_const_mul", &["asnn_const_mul"], &[]);
}

#[test]
fn rescale_bench_matches_round_half_up_and_clamp() {
    bench("tb_asnn_rescale", &["asnn_rescale"], &[]);
}

#[test]
fn output_stationary_synapse_bench_writes_exact_sums_in_the_planned_time() {
    bench(
        "tb_asnn_os_synapse",
        &["asnn_os_synapse", "asnn_shift_add_mul", "asnn_ram"],
        &[],
    );
    // Sums started at 2^(R-1) (R = 5), as where the neuron's rescale is a shift.
    bench(
        "tb_asnn_os_synapse",
        &["asnn_os_synapse", "asnn_shift_add_mul", "asnn_ram"],
        &["SUM_INIT=16"],
    );
}

#[test]
fn synapse_accumulator_bench_handles_back_to_back_hazards() {
    bench("tb_asnn_accum", &["asnn_accum", "asnn_ram"], &["GRADED=1"]);
    bench("tb_asnn_accum", &["asnn_accum", "asnn_ram"], &["GRADED=0"]);
    bench(
        "tb_asnn_accum",
        &["asnn_accum", "asnn_ram"],
        &["GRADED=1", "RD_REG=1"],
    );
    bench(
        "tb_asnn_accum",
        &["asnn_accum", "asnn_ram"],
        &["GRADED=0", "RD_REG=1"],
    );
}

fn hex(v: i64) -> String {
    format!("{:016x}", v as u64)
}

fn from_hex(s: &str, bits: u32) -> i64 {
    let v = u64::from_str_radix(s, 16).expect("hex");
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

#[test]
fn neuron_pipeline_matches_the_golden_single_neuron_step() {
    if !have("iverilog") {
        return;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    // Cases 5-7 build the multiplies in logic (SHIFT = 1, numerics.md section 11): 5 and
    // 6 with the shift arithmetic's constants, 7 with arbitrary ones (asnn_const_mul is
    // exact for any constant, only larger). Cases 3 and 5 feed A + 2^(R-1) (PRE = 1,
    // asnn_rescale.v: the layer holds A biased so the rescale is a shift).
    for (case, (b, shift, first, logic)) in [
        (24u32, 0i32, false, false),
        (16, 5, true, false),
        (8, -3, false, false),
        (32, 9, false, false),
        (12, -1, true, false),
        (16, 3, false, true),
        (24, -2, true, true),
        (20, 0, false, true),
    ]
    .into_iter()
    .enumerate()
    {
        let a_w = 44u32;
        let pre = shift > 0 && (case == 3 || case == 5);
        let d = |rng: &mut rand_chacha::ChaCha8Rng, lo: u32, tau: std::ops::Range<f64>| {
            if logic && case != 7 {
                asnn_ir::shift_decay(rng.random_range(tau))
            } else {
                rng.random_range(lo..65535)
            }
        };
        let q = QParams {
            weight_bits: 8,
            weight_frac: 0,
            state_bits: b,
            state_frac: 0,
            shift,
            d_beta: d(&mut rng, 40000, 2.5..200.0),
            d_phi: d(&mut rng, 10000, 0.5..200.0),
            d_eta: d(&mut rng, 40000, 2.5..200.0),
            d_gamma: d(&mut rng, 40000, 2.5..200.0),
            m: if logic && case != 7 {
                1 << rng.random_range(0..=18)
            } else {
                rng.random_range(1..=(1 << 18))
            },
            theta0: rng.random_range(1..(1i64 << (b - 2))),
            arithmetic: if logic && case != 7 {
                asnn_numerics::Arithmetic::Shift
            } else {
                asnn_numerics::Arithmetic::Multiply
            },
        };
        let (lo, hi) = asnn_numerics::fixed::range(b);
        let alim = 1i64 << (a_w - 2);
        let mut vec = String::new();
        let mut expect = Vec::new();
        for k in 0..3000 {
            // Mostly moderate values, some at the limits so that every clamp is exercised.
            let st = |rng: &mut rand_chacha::ChaCha8Rng| {
                if rng.random_bool(0.1) {
                    if rng.random_bool(0.5) {
                        hi
                    } else {
                        lo
                    }
                } else {
                    rng.random_range(lo / 4..=hi / 4)
                }
            };
            let mut s = NeuronState {
                i: st(&mut rng),
                sd: st(&mut rng),
                sh: st(&mut rng),
                td: st(&mut rng),
            };
            if k % 7 == 0 {
                s.td = rng.random_range(-(q.theta0)..=q.theta0);
            }
            let a = if rng.random_bool(0.1) {
                rng.random_range(-alim..alim)
            } else {
                rng.random_range(-(1i64 << (b + 2))..(1i64 << (b + 2)))
            };
            let bias = st(&mut rng) / 8;
            let a_in = if pre { a + (1i64 << (shift - 1)) } else { a };
            vec.push_str(&format!(
                "{} {} {} {} {} {}\n",
                hex(a_in),
                hex(s.i),
                hex(s.sd),
                hex(s.sh),
                hex(s.td),
                hex(bias)
            ));
            let spike = neuron_update(&q, first, a, bias, &mut s);
            expect.push((s, spike));
        }
        let dir = tmp(&format!("neuron-{case}"));
        std::fs::write(dir.join("vec.txt"), vec).unwrap();
        let p = |n: &str, v: String| format!("-Ptb_asnn_neuron.{n}={v}");
        let (ok, out) = checked(lint::icarus_bench(
            &dir,
            &[
                "-s".to_string(),
                "tb_asnn_neuron".into(),
                p("B", b.to_string()),
                p("A_W", a_w.to_string()),
                p("R", shift.to_string()),
                p("FIRST", u32::from(first).to_string()),
                p("D_BETA", q.d_beta.to_string()),
                p("C_PHI", (65536 - q.d_phi).to_string()),
                p("D_PHI", q.d_phi.to_string()),
                p("D_ETA", q.d_eta.to_string()),
                p("D_GAMMA", q.d_gamma.to_string()),
                p("M", q.m.to_string()),
                p("THETA0", q.theta0.to_string()),
                p("SHIFT", u32::from(logic).to_string()),
                p("PRE", u32::from(pre).to_string()),
                format!("-I{ROOT}/rtl-templates/lib"),
                format!("{ROOT}/rtl-templates/bench/tb_asnn_neuron.sv"),
                format!("{ROOT}/rtl-templates/lib/asnn_neuron.v"),
                format!("{ROOT}/rtl-templates/lib/asnn_rescale.v"),
                format!("{ROOT}/rtl-templates/lib/asnn_const_mul.v"),
            ],
            "n.vvp",
        ));
        assert!(ok, "{out}");
        let got = std::fs::read_to_string(dir.join("out.txt")).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(
            lines.len(),
            expect.len(),
            "case {case}: one result per vector"
        );
        let mut spikes = 0;
        for (k, (line, (s, spike))) in lines.iter().zip(&expect).enumerate() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let hw = NeuronState {
                i: from_hex(f[0], b),
                sd: from_hex(f[1], b),
                sh: from_hex(f[2], b),
                td: from_hex(f[3], b),
            };
            let hw_spike = (f[4] == "1").then(|| from_hex(f[5], b));
            assert_eq!(
                (hw, hw_spike),
                (*s, *spike),
                "case {case} (B={b}, R={shift}, first={first}, logic={logic}) vector {k}"
            );
            spikes += usize::from(spike.is_some());
        }
        assert!(
            spikes > 100 && spikes < 2900,
            "case {case}: {spikes} spikes: the vectors must exercise both outcomes"
        );
    }
}

#[test]
fn digits_cosim_is_bit_exact_in_verilator_with_an_exact_cycle_model() {
    if !have("verilator") {
        return;
    }
    let dir = tmp("cosim-digits-v");
    let json = dir.join("r.json");
    common::ok(&[
        "cosim",
        "examples/digits",
        "--calib",
        "idx:examples/digits:calib",
        "--sim",
        "verilator",
        "--dir",
        dir.join("w").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let r = common::read_json(&json);
    assert_eq!(r["samples"], 200);
    assert_eq!(r["mismatches"], 0);
    assert!(
        r["model_cycle_error_pct"].as_f64().unwrap().abs() < 0.5,
        "{r}"
    );
}

/// Co-simulates the digits example under the hw.toml `hw` on its first `samples` test
/// images in `sim`, in a fresh folder `name`; the verdict JSON.
fn cosim_digits(name: &str, hw: &str, samples: usize, sim: &str) -> serde_json::Value {
    let dir = tmp(name);
    let hw_path = dir.join("hw.toml");
    std::fs::write(&hw_path, hw).unwrap();
    let json = dir.join("r.json");
    common::ok(&[
        "cosim",
        "examples/digits",
        "--calib",
        "idx:examples/digits:calib",
        "--hw",
        hw_path.to_str().unwrap(),
        "--samples",
        &samples.to_string(),
        "--sim",
        sim,
        "--dir",
        dir.join("w").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    common::read_json(&json)
}

#[test]
fn digits_cosim_is_bit_exact_in_icarus_with_lanes_and_early_exit() {
    if !have("iverilog") {
        return;
    }
    let r = cosim_digits(
        "cosim-digits-i",
        "[hardware]\ndevice = \"ecp5-25f\"\nlanes = 4\nearly_exit = 20\n",
        40,
        "iverilog",
    );
    assert_eq!(r["samples"], 40);
    assert_eq!(r["mismatches"], 0);
    // Early exit after 20 stable steps: far fewer cycles than 300 steps.
    assert!(
        r["cycles_per_inference"]["mean"].as_f64().unwrap() < 6000.0,
        "{r}"
    );
}

#[test]
fn digits_cosim_is_bit_exact_in_verilator_with_the_margin_exit() {
    if !have("verilator") {
        return;
    }
    // (margin, hold): a realistic threshold (digits' margins pass 300 around step 5-15)
    // and margin 0, where every step qualifies and only the prediction's run decides.
    for (m, h, max_mean) in [(300, 2, 3000.0), (0, 3, 1500.0)] {
        let r = cosim_digits(
            &format!("cosim-digits-margin-{m}"),
            &format!("[hardware]\nlanes = 2\nexit_margin = {m}\nexit_hold = {h}\n"),
            60,
            "verilator",
        );
        assert_eq!(r["mismatches"], 0, "margin {m}, hold {h}: {r}");
        assert_eq!(r["model_cycle_error_pct"].as_f64().unwrap(), 0.0, "{r}");
        // The full 300 steps take ~20k cycles: the rule must have stopped the samples.
        assert!(
            r["cycles_per_inference"]["mean"].as_f64().unwrap() < max_mean,
            "margin {m}, hold {h}: {r}"
        );
    }
}

#[test]
fn digits_cosim_is_bit_exact_with_an_output_stationary_first_layer() {
    if !(have("verilator") && have("iverilog")) {
        return;
    }
    // Lanes 2 with 8 synapse lanes (4 words a group) in Verilator; lanes 1 with 3 (a
    // synapse-lane count that is no power of two, products in logic) in Icarus.
    for (lanes, syn, sim, n) in [(2, 8, "verilator", 40), (1, 3, "iverilog", 3)] {
        let r = cosim_digits(
            &format!("cosim-digits-os{lanes}-{syn}"),
            &format!("[hardware]\ndevice = \"up5k\"\nlanes = {lanes}\nsynapse_lanes = {syn}\nearly_exit = 20\n"),
            n,
            sim,
        );
        assert_eq!(
            r["mismatches"], 0,
            "lanes {lanes}, synapse lanes {syn}: {r}"
        );
        assert_eq!(r["model_cycle_error_pct"].as_f64().unwrap(), 0.0, "{r}");
    }
}

#[test]
fn spram_state_and_credit_gated_sweeps_cosim_bit_exact_and_the_credits_stall() {
    if !have("verilator") {
        return;
    }
    // digits' hidden layer with its state in one SPRAM (4 words a neuron: a read every
    // 8 clocks), and in four (1 word: every 2 clocks) behind an 8-word credit-gated FIFO
    // (limit 2), so that the sweep waits for the readout's walk.
    let cases = [
        ("state_sprams = 1\n", 30),
        ("state_sprams = 4\nfifo_depth = 8\n", 30),
    ];
    let hw_text = |extra: &str| {
        format!("[hardware]\ndevice = \"up5k\"\n[[hardware.layer]]\nname = \"fc0\"\nstate = \"spram\"\n{extra}")
    };
    for (i, (extra, n)) in cases.iter().enumerate() {
        let r = cosim_digits(
            &format!("cosim-digits-spram{i}"),
            &hw_text(extra),
            *n,
            "verilator",
        );
        assert_eq!(r["mismatches"], 0, "{extra}: {r}");
        assert_eq!(
            r["model_cycle_error_pct"].as_f64().unwrap(),
            0.0,
            "{extra}: {r}"
        );
    }
    // The exact model above stalled where the RTL did: without the gate it predicts
    // fewer cycles on some of those samples.
    let net = digits();
    let hw = asnn_generator::hw::parse_hw_toml(&hw_text(cases[1].0)).unwrap();
    let d = generate(&net, &hw, true).expect("generates");
    assert_eq!(
        d.plan.layers[0].credit_limit,
        Some(2),
        "{:?}",
        d.plan.layers[0]
    );
    let mut ungated = d.plan.clone();
    ungated.layers[0].credit_limit = None;
    let golden = asnn_numerics::Golden::new(&net).unwrap();
    let test = asnn_import::load_dataset(&format!("idx:{ROOT}/examples/digits:test")).unwrap();
    let mut stalled = 0;
    for x in test.inputs.iter().take(cases[1].1) {
        let g = golden
            .run(x, None, asnn_eda::cosim::golden_options(&hw, false))
            .unwrap();
        let (ev, zero, sp) = asnn_eda::cosim::golden_events(&d.plan, x, &g);
        let gated = d.plan.predict_cycles(&ev, &zero, &sp);
        let free = ungated.predict_cycles(&ev, &zero, &sp);
        assert!(gated >= free, "{gated} < {free}");
        stalled += usize::from(gated > free);
    }
    assert!(stalled > 0, "no sample stalled on its credits");
}

/// `asnn cosim-random` with `args` in a fresh folder `name`; its JSON summary.
fn cosim_random(name: &str, args: &[&str]) -> serde_json::Value {
    let dir = tmp(name);
    let json = dir.join("r.json");
    let (w, j) = (dir.join("w"), json.to_str().unwrap().to_string());
    let mut all = vec!["cosim-random", "--dir", w.to_str().unwrap(), "--json", &j];
    all.extend_from_slice(args);
    common::ok(&all);
    common::read_json(&json)
}

#[test]
fn random_networks_cosim_bit_exact() {
    if !have("iverilog") {
        return;
    }
    let r = cosim_random("cosim-random", &["--count", "20", "--sim", "iverilog"]);
    assert_eq!(r["mismatching_seeds"].as_array().unwrap().len(), 0, "{r}");
    assert!(r["networks"].as_u64().unwrap() >= 18, "{r}");
    assert!(r["saturating"].as_u64().unwrap() >= 1, "{r}");
    assert!(
        r["worst_cycle_model_error_pct"].as_f64().unwrap() < 0.01,
        "{r}"
    );
    assert!(
        r["graded"].as_u64().unwrap() >= 1 && r["binary"].as_u64().unwrap() >= 1,
        "{r}"
    );
    assert!(r["margin_exit"].as_u64().unwrap() >= 2, "{r}");
    assert!(r["output_stationary"].as_u64().unwrap() >= 2, "{r}");
    assert!(r["shift_arithmetic"].as_u64().unwrap() >= 5, "{r}");
    // Seeds 0..20: 8 with a layer's state in SPRAM, 2 of them credit-gated.
    assert!(r["spram_state"].as_u64().unwrap() >= 5, "{r}");
    assert!(r["credits"].as_u64().unwrap() >= 2, "{r}");
}

/// A random network whose first layer is a convolution fed by input events (seed 122 of
/// `asnn cosim-random`: conv2d + avgpool, shift arithmetic, 2 cores, early exit): its
/// walk interleaves held-value reads with the beats, and the cycle model must stay
/// exact there (a pipelined walk on this layer cost 0.15% that the model did not see;
/// the first 20 seeds have no such case).
#[test]
fn event_input_conv_first_layer_keeps_the_cycle_model_exact() {
    if !have("verilator") {
        return;
    }
    let r = cosim_random("cosim-random-122", &["--first", "122", "--count", "1"]);
    assert_eq!(r["mismatching_seeds"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["networks"], 1, "{r}");
    assert!(
        r["worst_cycle_model_error_pct"].as_f64().unwrap().abs() < 1e-9,
        "{r}"
    );
}

/// One-character mutants of the RTL: each must build, and cosim must report the
/// divergence at the layer the mutant lives in.
#[test]
fn cosim_catches_one_character_rtl_mutants_at_their_layer() {
    if !have("verilator") {
        return;
    }
    let cases = [
        // Threshold compare `>` to `>=` (equality is rare: it needs the long tail of some samples).
        (
            "asnn_neuron.v:(diff > half_th):(diff >= half_th)",
            "(layer 0 'fc0', neuron",
        ),
        // Off-by-one in the decay shift (the rounding shift every decay goes through, in
        // the include both neuron pipelines share): the first layer diverges first.
        (
            "asnn_fixed.vh:rnd16 = (p + HALF) >>> 16;:rnd16 = (p + HALF) >>> 17;",
            "(layer 0 'fc0', neuron",
        ),
        // The readout's filter (I * 2^16 in its Sd step): only the readout may diverge.
        (
            "asnn_readout_neuron.v:(ext(ic_q) <<< 16):(ext(ic_q) <<< 17)",
            "(layer 1 'readout', neuron",
        ),
        // Forwarding of the synapse unit's read-modify-write inverted.
        (
            "asnn_accum.v:base_w = (fwd_v_q && fwd_addr_q == acc_addr_q):base_w = (fwd_v_q && fwd_addr_q != acc_addr_q)",
            "(layer 0 'fc0', neuron",
        ),
    ];
    for (k, (m, expect)) in cases.iter().enumerate() {
        let dir = tmp(&format!("mutant-{k}"));
        let o = common::asnn(&[
            "cosim",
            "examples/digits",
            "--calib",
            "idx:examples/digits:calib",
            "--sim",
            "verilator",
            "--dir",
            dir.to_str().unwrap(),
            "--mutate",
            m,
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "mutant {m} went unnoticed:\n{out}");
        assert!(
            out.contains("verilator: 200 samples"),
            "mutant {m} did not build and run:\n{out}\n{err}"
        );
        assert!(
            err.contains(expect),
            "mutant {m}: expected the divergence at {expect}:\n{err}"
        );
        assert!(err.contains("golden state of layer"), "{err}");
        assert!(
            dir.join("failing-sample/wave.vcd").exists(),
            "mutant {m}: no VCD of the failing sample"
        );
    }
}

#[test]
fn junit_report_has_one_case_per_sample() {
    if !have("iverilog") {
        return;
    }
    let dir = tmp("junit");
    let xml = dir.join("r.xml");
    let o = common::asnn(&[
        "cosim",
        "examples/digits",
        "--calib",
        "idx:examples/digits:calib",
        "--sim",
        "iverilog",
        "--samples",
        "3",
        "--dir",
        dir.join("w").to_str().unwrap(),
        "--junit",
        xml.to_str().unwrap(),
        "--mutate",
        "asnn_accum.v:base_w = (fwd_v_q && fwd_addr_q == acc_addr_q):base_w = (fwd_v_q && fwd_addr_q != acc_addr_q)",
    ]);
    assert!(!o.status.success());
    let x = std::fs::read_to_string(&xml).unwrap();
    assert_eq!(x.matches("<testcase ").count(), 3, "{x}");
    assert!(
        x.contains("failures=\"3\"") && x.contains("<failure message=\"layer 0 neuron"),
        "{x}"
    );
}

/// A few MNIST test images through the generated MLP and CNN (needs ../shared).
#[test]
fn mnist_mlp_and_cnn_cosim_bit_exact() {
    let Some(d) = common::mnist() else { return };
    if !have("verilator") {
        return;
    }
    let dir = tmp("mnist");
    let hw = dir.join("hw.toml");
    std::fs::write(&hw, "[hardware]\ndevice = \"ecp5-85f\"\nlanes = 8\n").unwrap();
    for (net, n) in [("mlp256", "10"), ("cnn", "2")] {
        let json = dir.join(format!("{net}.json"));
        common::ok(&[
            "cosim",
            &format!("examples/mnist-{net}-graded/calibrated.toml"),
            "--hw",
            hw.to_str().unwrap(),
            "--dataset",
            &format!("idx:{d}:t10k"),
            "--samples",
            n,
            "--sim",
            "verilator",
            "--dir",
            dir.join(net).to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ]);
        let r = common::read_json(&json);
        assert_eq!(r["mismatches"], 0, "{net}: {r}");
        assert!(
            r["model_cycle_error_pct"].as_f64().unwrap().abs() < 0.01,
            "{net}: {r}"
        );
    }
}

#[test]
fn ecp5_board_tops_make_an_asked_clock_with_the_ehxplll() {
    let qnet = digits();
    let hw = HwSpec {
        device: "ecp5-85f".into(),
        ..HwSpec::default()
    };
    let design = generate(&qnet, &hw, true).expect("digits plans for the ECP5-85F");
    let board = asnn_generator::board::board("ulx3s").expect("ulx3s");
    let top = |mhz: f64| {
        let bd = asnn_generator::board::board_design(&qnet, &design, &board, mhz, 1_000_000)
            .expect("board design");
        let text = bd
            .files
            .iter()
            .find(|f| f.name.ends_with("_board.v"))
            .expect("board top")
            .contents
            .clone();
        (bd, text)
    };
    // 37.5 MHz from the 25 MHz oscillator: 25 x 3 / 2, VCO 600 MHz = 37.5 x 16.
    let (bd, text) = top(37.5);
    assert_eq!(bd.clock_mhz, 37.5);
    let p = bd.ecp5_pll.expect("an EHXPLLL");
    assert_eq!((p.clki_div, p.clkfb_div, p.clkop_div), (2, 3, 16));
    for want in [
        "EHXPLLL #(",
        ".CLKI_DIV(2)",
        ".CLKFB_DIV(3)",
        ".CLKOP_DIV(16)",
        ".FEEDBK_PATH(\"CLKOP\")",
        ".CLKFB(pll_clkop)",
        ".LOCK(pll_locked)",
        "FREQUENCY_PIN_CLKOP = \"37.5000\"",
    ] {
        assert!(text.contains(want), "board top lacks {want}");
    }
    // In simulation the PLL is bypassed, as on iCE40.
    let sim = text.find("`ifdef ASNN_SIM").expect("sim bypass");
    assert!(sim < text.find("EHXPLLL #(").unwrap());
    // At the oscillator clock: no PLL at all.
    let (bd, text) = top(25.0);
    assert!(bd.ecp5_pll.is_none() && !text.contains("EHXPLLL"));
}

/// Work folders given relative (`asnn cosim --dir work`, and `asnn build -o build/`,
/// whose cycle count co-simulates in `build/cosim`) used to fail: the simulator binary
/// and its `+stim=`/`+out=` paths were handed over relative while the simulator ran in
/// the work folder.
#[test]
fn cosim_runs_in_a_relative_work_folder() {
    if !have("verilator") {
        return;
    }
    let cwd = tmp("relative-dir");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_asnn"))
        .args([
            "cosim",
            &format!("{ROOT}/examples/digits"),
            "--calib",
            &format!("idx:{ROOT}/examples/digits:calib"),
            "--samples",
            "3",
            "--dir",
            "work",
        ])
        .current_dir(&cwd)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("3 samples, 0 mismatches"),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(cwd.join("work/out.txt").is_file());
    let _ = std::fs::remove_dir_all(&cwd);
}
