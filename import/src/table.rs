//! `hw.toml`: the `[hardware]` section the RTL generator reads (docs/hardware-plan.md).

use crate::ImportError;
use asnn_generator::{HwFile, HwSpec};
use std::path::Path;

/// Parses `hw.toml` text; unknown keys are errors.
pub fn parse_hw_toml(text: &str) -> Result<HwSpec, String> {
    let f: HwFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    Ok(f.hardware)
}

/// Reads and parses a `hw.toml` file.
pub fn load_hw(path: &Path) -> Result<HwSpec, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::new(path, format!("cannot read: {e}")))?;
    parse_hw_toml(&text).map_err(|m| ImportError::new(path, m))
}
