//! Golden-model throughput, one core: synaptic operations per second on the MNIST
//! 784-256-10 MLP (examples/mnist-mlp256-graded/calibrated.toml), 300 steps per image.
//! Element throughput = synaptic operations (hidden-spike synops + input synops).
//!
//! Needs the MNIST test images in ../shared/data/mnist (skips with a notice otherwise):
//!     cargo bench --bench golden

use asnn_numerics::{Golden, RunOptions};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("../shared/data/mnist");
    if !data.is_dir() {
        eprintln!("golden bench: {} not found, skipping", data.display());
        return;
    }
    let mut d = asnn_import::load_idx(&data, "t10k").expect("MNIST test set");
    d.truncate(100);
    for name in ["mnist-mlp256-graded", "mnist-cnn-graded"] {
        let loaded =
            asnn_import::load_network(&root.join("examples").join(name).join("calibrated.toml"))
                .expect("example");
        let (q, _) =
            asnn_ir::quantize(&loaded.network, None).expect("calibrated file quantizes alone");
        let g = Golden::new(&q).expect("valid");
        let ops: u64 = d
            .inputs
            .iter()
            .map(|x| {
                let t = g.run(x, None, RunOptions::default()).expect("runs");
                t.synops + t.input_synops
            })
            .sum();
        let updates = q
            .layers
            .iter()
            .map(|l| l.conn.n_targets() as u64)
            .sum::<u64>()
            * u64::from(q.steps)
            * d.len() as u64;
        eprintln!(
            "{name}: {} images: {ops} synaptic operations, {updates} neuron-step updates",
            d.len()
        );
        let mut grp = c.benchmark_group(name);
        grp.sample_size(10);
        grp.throughput(Throughput::Elements(ops));
        grp.bench_function("golden_100_images_synops", |b| {
            b.iter(|| {
                for x in &d.inputs {
                    std::hint::black_box(g.run(x, None, RunOptions::default()).expect("runs"));
                }
            })
        });
        grp.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
