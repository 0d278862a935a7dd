//! The bundled digits example, compiled into the binary so `asnn demo` runs anywhere.

use asnn_import::{idx_dataset, load_network_from_memory, parse_idx_u8, Dataset, LoadedNetwork};

const NETWORK: &str = include_str!("../examples/digits/network.toml");
const WEIGHTS: &[u8] = include_bytes!("../examples/digits/weights.safetensors");
const CALIB_IMAGES: &[u8] = include_bytes!("../examples/digits/calib-images-idx3-ubyte");
const CALIB_LABELS: &[u8] = include_bytes!("../examples/digits/calib-labels-idx1-ubyte");
const TEST_IMAGES: &[u8] = include_bytes!("../examples/digits/test-images-idx3-ubyte");
const TEST_LABELS: &[u8] = include_bytes!("../examples/digits/test-labels-idx1-ubyte");

pub const LABEL: &str = "examples/digits/network.toml (bundled)";

pub fn network() -> anyhow::Result<LoadedNetwork> {
    Ok(load_network_from_memory(LABEL, NETWORK, WEIGHTS)?)
}

fn split(images: &[u8], labels: &[u8], name: &str) -> anyhow::Result<Dataset> {
    let src = format!("examples/digits/{name} (bundled)");
    let im = parse_idx_u8(images.to_vec(), &src).map_err(anyhow::Error::msg)?;
    let lb = parse_idx_u8(labels.to_vec(), &src).map_err(anyhow::Error::msg)?;
    idx_dataset(im, Some((lb, src.clone())), src).map_err(anyhow::Error::msg)
}

pub fn calib() -> anyhow::Result<Dataset> {
    split(CALIB_IMAGES, CALIB_LABELS, "calib")
}

pub fn test() -> anyhow::Result<Dataset> {
    split(TEST_IMAGES, TEST_LABELS, "test")
}
