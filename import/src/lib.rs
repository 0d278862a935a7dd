//! # asnn-import
//!
//! The only crate that knows file formats: `network.toml` (docs/network-format.md),
//! safetensors and `.npy` weights, IDX datasets and input-event CSV files.

pub mod dataset;
pub mod format;
pub mod network;
pub mod table;
pub mod weights;

pub use dataset::{
    idx_dataset, load_dataset, load_idx, parse_events_csv, parse_idx_u8, read_idx_u8, Dataset,
};
pub use network::{
    build_network, calibrated_toml, load_network, load_network_from_memory, parse_network_toml,
    LoadedNetwork,
};
pub use table::{load_toml, parse_toml};

use std::path::{Path, PathBuf};

/// An import error: the file, then what is wrong in it (layer, key, expected vs found).
#[derive(Debug, thiserror::Error)]
#[error("{}: {msg}", path.display())]
pub struct ImportError {
    pub path: PathBuf,
    pub msg: String,
}

impl ImportError {
    pub fn new(path: &Path, msg: impl Into<String>) -> Self {
        ImportError {
            path: path.to_path_buf(),
            msg: msg.into(),
        }
    }
}
