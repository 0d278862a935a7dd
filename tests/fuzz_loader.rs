//! Nothing the loader is given may panic: random bytes into every parser, and random
//! structured TOML (plausible shapes, hostile values) through parse -> build ->
//! quantize -> one golden-model run. Counts are printed (run with --nocapture).

use asnn_import::weights::TensorStore;
use asnn_import::{build_network, parse_events_csv, parse_idx_u8, parse_network_toml};
use asnn_ir::Tensor;
use asnn_numerics::{Golden, RawInput, RunOptions};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static BYTES: AtomicUsize = AtomicUsize::new(0);
static TOMLS: AtomicUsize = AtomicUsize::new(0);
static BUILT: AtomicUsize = AtomicUsize::new(0);
static RAN: AtomicUsize = AtomicUsize::new(0);

/// Tensors named `t<rows>x<cols>` / `c<o>x<i>x<k>` / `b<n>` / `nan<n>`, made on demand.
struct AnyStore;

impl TensorStore for AnyStore {
    fn get(&self, name: &str) -> Result<Tensor, String> {
        let dims: Vec<usize> = name
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .split('x')
            .map(|d| {
                d.parse::<usize>()
                    .map_err(|_| format!("no tensor '{name}'"))
            })
            .collect::<Result<_, _>>()?;
        let n: usize = dims.iter().product();
        if n > 100_000 {
            return Err("too big".into());
        }
        let mut data: Vec<f64> = (0..n)
            .map(|i| ((i * 7919 % 201) as f64 - 100.0) / 150.0)
            .collect();
        if name.starts_with("nan") && n > 0 {
            data[n / 2] = f64::NAN;
        }
        Ok(Tensor {
            name: name.into(),
            dims,
            data,
        })
    }
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

fn num() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..6).prop_map(|v| v.to_string()),
        (-3i64..40).prop_map(|v| v.to_string()),
        Just("1e300".to_string()),
        Just("-1".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("9223372036854775807".to_string()),
        (0.0f64..3.0).prop_map(|v| format!("{v:.3}")),
        Just("\"auto\"".to_string()),
    ]
}

fn layer() -> impl Strategy<Value = String> {
    let dims = (1usize..6, 1usize..6);
    prop_oneof![
        (dims.clone(), num()).prop_map(|((u, i), th)| format!(
            "[[layer]]\nkind = \"dense\"\nunits = {u}\nweight = \"t{u}x{i}\"\nbias = \"b{u}\"\nasn = {{ theta0 = {th} }}\n"
        )),
        (1usize..4, 1usize..4, 1usize..4, 0usize..3, 1usize..3).prop_map(|(o, i, k, p, s)| format!(
            "[[layer]]\nkind = \"conv2d\"\nchannels = {o}\nkernel = {k}\nstride = {s}\npadding = {p}\nweight = \"c{o}x{i}x{k}x{k}\"\n"
        )),
        (1usize..4).prop_map(|k| format!("[[layer]]\nkind = \"avgpool\"\nkernel = {k}\n")),
        (1usize..4).prop_map(|k| format!("[[layer]]\nkind = \"maxpool\"\nkernel = {k}\nstride = 1\n")),
        Just("[[layer]]\nkind = \"flatten\"\n".to_string()),
        (1usize..6, num()).prop_map(|(u, b)| format!(
            "[[layer]]\nkind = \"dense\"\nunits = {u}\nweight = \"nan{u}x{u}\"\nquantization = {{ state_bits = {b} }}\n"
        )),
        (1usize..6, 1usize..40).prop_map(|(u, i)| format!(
            "[[layer]]\nkind = \"readout\"\nunits = {u}\nweight = \"t{u}x{i}\"\n"
        )),
    ]
}

fn network_toml() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("[4]".to_string()), Just("[1, 5, 5]".to_string()), Just("[2, 4, 3]".to_string()), Just("[0]".to_string())],
        num(),
        num(),
        num(),
        num(),
        prop::collection::vec(layer(), 0..5),
        (1usize..5, 1usize..80),
        prop_oneof![Just("graded"), Just("binary"), Just("other")],
    )
        .prop_map(|(shape, steps, theta0, sbits, sfrac, layers, (ru, ri), coding)| {
            let mut t = format!(
                "[network]\nname = \"f\"\nweights = \"mem\"\nsteps = {steps}\ncoding = \"{coding}\"\n\n[input]\nshape = {shape}\nscale = 0.1\nraw_max = 3\n\n[asn]\ntheta0 = {theta0}\n\n[quantization]\nstate_bits = {sbits}\nstate_frac = {sfrac}\n\n"
            );
            for l in layers {
                t.push_str(&l);
                t.push('\n');
            }
            t.push_str(&format!("[[layer]]\nkind = \"readout\"\nunits = {ru}\nweight = \"t{ru}x{ri}\"\n"));
            t
        })
}

/// A value that is usually valid and sometimes hostile.
fn mostly(valid: std::ops::Range<i64>) -> impl Strategy<Value = String> {
    prop_oneof![8 => valid.prop_map(|v| v.to_string()), 1 => num()]
}

/// Networks whose shapes chain correctly (computed here), so that building, quantizing
/// and running are reached; values are mostly valid, sometimes hostile.
fn consistent_toml() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        (1usize..3, 3usize..8, 3usize..8),
        (1usize..4, 1usize..4, 0usize..2, 1usize..3, 0usize..3),
        prop::collection::vec(1usize..6, 0..3),
        (1usize..5, mostly(1..30), mostly(8..33), mostly(0..22), mostly(2..17)),
        (prop_oneof![Just("0.3"), Just("\"auto\""), Just("0.000001"), Just("-2")], 0u32..2, any::<bool>()),
    )
        .prop_map(|(conv, (c, h, w), (o, k, p, st, pool), dense, (ru, steps, sbits, sfrac, wbits), (theta0, delay, binary))| {
            let mut t = format!(
                "[network]\nname = \"f\"\nweights = \"mem\"\nsteps = {steps}\ndelay = {delay}\ncoding = \"{}\"\n\n",
                if binary { "binary" } else { "graded" }
            );
            let mut n;
            if conv {
                t += &format!("[input]\nshape = [{c}, {h}, {w}]\nscale = 0.1\nraw_max = 3\n\n");
                let k = k.min(h + 2 * p).min(w + 2 * p);
                let (oh, ow) = ((h + 2 * p - k) / st + 1, (w + 2 * p - k) / st + 1);
                t += &format!("[asn]\ntheta0 = {theta0}\n\n[quantization]\nstate_bits = {sbits}\nstate_frac = {sfrac}\nweight_bits = {wbits}\n\n");
                t += &format!("[[layer]]\nkind = \"conv2d\"\nchannels = {o}\nkernel = {k}\nstride = {st}\npadding = {p}\nweight = \"c{o}x{c}x{k}x{k}\"\nbias = \"b{o}\"\n\n");
                let (mut ph, mut pw) = (oh, ow);
                if pool > 0 && oh >= 2 && ow >= 2 {
                    t += &format!("[[layer]]\nkind = \"{}\"\nkernel = 2\n\n", if pool == 1 { "avgpool" } else { "maxpool" });
                    ph = (oh - 2) / 2 + 1;
                    pw = (ow - 2) / 2 + 1;
                }
                t += "[[layer]]\nkind = \"flatten\"\n\n";
                n = o * ph * pw;
            } else {
                t += &format!("[input]\nshape = [{h}]\nscale = 0.1\nraw_max = 3\n\n");
                t += &format!("[asn]\ntheta0 = {theta0}\n\n[quantization]\nstate_bits = {sbits}\nstate_frac = {sfrac}\nweight_bits = {wbits}\n\n");
                n = h;
            }
            for u in dense {
                t += &format!("[[layer]]\nkind = \"dense\"\nunits = {u}\nweight = \"t{u}x{n}\"\nbias = \"b{u}\"\n\n");
                n = u;
            }
            t += &format!("[[layer]]\nkind = \"readout\"\nunits = {ru}\nweight = \"t{ru}x{n}\"\n");
            t
        })
}

/// Cases per property: 3000 by default (CI), `ASNN_FUZZ_CASES` for long runs.
fn cases() -> u32 {
    std::env::var("ASNN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        BYTES.fetch_add(1, Ordering::Relaxed);
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_network_toml(&text);
        let _ = parse_events_csv(&text);
        let _ = parse_idx_u8(bytes.clone(), "fuzz");
        let _ = asnn_import::weights::safetensors_store(&bytes, "fuzz");
        // A valid IDX header in front of random data.
        let mut idx = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3];
        idx.extend_from_slice(&bytes);
        let _ = parse_idx_u8(idx, "fuzz");
    }

    #[test]
    fn random_networks_never_panic(text in prop_oneof![network_toml(), consistent_toml()], frame in prop::collection::vec(0u32..5, 0..60)) {
        TOMLS.fetch_add(1, Ordering::Relaxed);
        let Ok(file) = parse_network_toml(&text) else { return Ok(()); };
        let Ok(net) = build_network(&file, &AnyStore) else { return Ok(()); };
        BUILT.fetch_add(1, Ordering::Relaxed);
        let Ok((q, _)) = asnn_ir::quantize(&net, None) else { return Ok(()); };
        let g = Golden::new(&q).expect("quantize output always validates");
        let mut f: Vec<u32> = frame.iter().map(|&v| v.min(q.raw_max)).collect();
        f.resize(q.input_len, 1);
        // Invalid inputs are refused, valid ones run.
        let _ = g.run(&RawInput::Frame(frame), Some(3), RunOptions::default());
        prop_assert!(g.run(&RawInput::Frame(f), Some(3), RunOptions::default()).is_ok());
        RAN.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn zz_report_counts() {
    // Runs after the property tests when the harness is single-threaded; informative only.
    println!(
        "fuzz: {} random byte strings, {} random TOML networks ({} built, {} quantized and ran)",
        BYTES.load(Ordering::Relaxed),
        TOMLS.load(Ordering::Relaxed),
        BUILT.load(Ordering::Relaxed),
        RAN.load(Ordering::Relaxed)
    );
}
