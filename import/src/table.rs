//! TOML files whose schema another crate owns (e.g. `hw.toml`, whose `[hardware]`
//! table is the RTL generator's `HwFile`): read here, parsed into the caller's type.

use crate::ImportError;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses TOML text into `T`; unknown keys are errors when `T` denies them.
pub fn parse_toml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
}

/// Reads and parses a TOML file into `T`; errors name the file.
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::new(path, format!("cannot read: {e}")))?;
    parse_toml(&text).map_err(|m| ImportError::new(path, m))
}
