use std::fmt;

/// A validation or quantization error, naming the layer and key it concerns.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct IrError {
    /// Layer name and position, when the error is about one layer.
    pub layer: Option<(String, usize)>,
    /// The key (or tensor) at fault.
    pub key: Option<String>,
    pub msg: String,
}

impl IrError {
    pub fn net(msg: impl Into<String>) -> Self {
        IrError {
            layer: None,
            key: None,
            msg: msg.into(),
        }
    }
    pub fn key(key: impl Into<String>, msg: impl Into<String>) -> Self {
        IrError {
            layer: None,
            key: Some(key.into()),
            msg: msg.into(),
        }
    }
    pub fn layer(name: &str, idx: usize, key: Option<&str>, msg: impl Into<String>) -> Self {
        IrError {
            layer: Some((name.to_string(), idx)),
            key: key.map(str::to_string),
            msg: msg.into(),
        }
    }
}

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((name, idx)) = &self.layer {
            write!(f, "layer '{name}' (#{idx})")?;
            if let Some(k) = &self.key {
                write!(f, ", key '{k}'")?;
            }
            write!(f, ": ")?;
        } else if let Some(k) = &self.key {
            write!(f, "key '{k}': ")?;
        }
        f.write_str(&self.msg)
    }
}
