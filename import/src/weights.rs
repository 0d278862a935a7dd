//! Tensor stores: one `.safetensors` file, or a directory of `<name>.npy` files.

use asnn_ir::Tensor;
use ndarray::ArrayD;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a network's tensors come from.
pub trait TensorStore {
    fn get(&self, name: &str) -> Result<Tensor, String>;
    fn names(&self) -> Vec<String>;
}

/// Formats a "not found" message with the closest available names.
fn missing(name: &str, what: &str, names: &[String]) -> String {
    let mut close: Vec<&String> = names
        .iter()
        .filter(|n| {
            let (a, b) = (n.to_lowercase(), name.to_lowercase());
            a.contains(&b) || b.contains(&a) || a.split('.').next() == b.split('.').next()
        })
        .take(5)
        .collect();
    if close.is_empty() {
        close = names.iter().take(8).collect();
    }
    let list = close
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "tensor '{name}' not found in {what} ({} tensors; e.g. {list})",
        names.len()
    )
}

struct SafetensorsStore {
    path: PathBuf,
    tensors: BTreeMap<String, Tensor>,
}

impl TensorStore for SafetensorsStore {
    fn get(&self, name: &str) -> Result<Tensor, String> {
        self.tensors
            .get(name)
            .cloned()
            .ok_or_else(|| missing(name, &self.path.display().to_string(), &self.names()))
    }
    fn names(&self) -> Vec<String> {
        self.tensors.keys().cloned().collect()
    }
}

fn read_safetensors(path: &Path) -> Result<SafetensorsStore, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    safetensors_from_bytes(&bytes, path)
}

/// A tensor store over safetensors bytes already in memory (`label` names it in messages).
pub fn safetensors_store(bytes: &[u8], label: &str) -> Result<Box<dyn TensorStore>, String> {
    Ok(Box::new(safetensors_from_bytes(bytes, Path::new(label))?))
}

fn safetensors_from_bytes(bytes: &[u8], path: &Path) -> Result<SafetensorsStore, String> {
    use safetensors::{Dtype, SafeTensors};
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| format!("{} is not a valid safetensors file: {e}", path.display()))?;
    let mut tensors = BTreeMap::new();
    for (name, view) in st.tensors() {
        let data: Vec<f64> = match view.dtype() {
            Dtype::F32 => view
                .data()
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            Dtype::F64 => view
                .data()
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8-byte chunk")))
                .collect(),
            other => {
                return Err(format!(
                    "tensor '{name}' in {} has dtype {other:?}; asnn reads F32 and F64",
                    path.display()
                ))
            }
        };
        tensors.insert(
            name.clone(),
            Tensor {
                name,
                dims: view.shape().to_vec(),
                data,
            },
        );
    }
    Ok(SafetensorsStore {
        path: path.to_path_buf(),
        tensors,
    })
}

struct NpyDir {
    dir: PathBuf,
}

impl TensorStore for NpyDir {
    fn get(&self, name: &str) -> Result<Tensor, String> {
        if name.contains('/') || name.contains("..") || name.is_empty() {
            return Err(format!("tensor name '{name}' cannot name a .npy file"));
        }
        let p = self.dir.join(format!("{name}.npy"));
        if !p.is_file() {
            return Err(missing(
                name,
                &format!("directory {}", self.dir.display()),
                &self.names(),
            ));
        }
        let a: ArrayD<f64> = match ndarray_npy::read_npy::<_, ArrayD<f64>>(&p) {
            Ok(a) => a,
            Err(_) => ndarray_npy::read_npy::<_, ArrayD<f32>>(&p)
                .map(|a| a.mapv(f64::from))
                .map_err(|e| format!("{}: cannot read as f32 or f64 array: {e}", p.display()))?,
        };
        let dims = a.shape().to_vec();
        // Iterating in logical order handles Fortran-ordered files too.
        let data = a.iter().copied().collect();
        Ok(Tensor {
            name: name.to_string(),
            dims,
            data,
        })
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()
                            .and_then(|n| n.strip_suffix(".npy"))
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// Opens a `.safetensors` file or a directory of `.npy` files.
pub fn open_store(path: &Path) -> Result<Box<dyn TensorStore>, String> {
    if !path.exists() {
        Err(format!("{} does not exist", path.display()))
    } else if path.is_dir() {
        Ok(Box::new(NpyDir {
            dir: path.to_path_buf(),
        }))
    } else if path.extension().and_then(|e| e.to_str()) == Some("safetensors") {
        Ok(Box::new(read_safetensors(path)?))
    } else {
        Err(format!(
            "{} is neither a .safetensors file nor a directory of .npy files",
            path.display()
        ))
    }
}
