//! Datasets: IDX image/label files (gzip or plain) and input-event CSV files.

use asnn_numerics::{InputEvent, RawInput};
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Labelled (or unlabelled) samples.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub inputs: Vec<RawInput>,
    pub labels: Option<Vec<u16>>,
    /// Where it came from, for reports.
    pub source: String,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.inputs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }
    /// Keeps the first `n` samples.
    /// Keeps `n` samples spread evenly over the whole set (indices `⌊k·len/n⌋`), so a
    /// subset of a class-sorted file (e.g. MNIST `train5k`) still covers every class.
    /// Deterministic; keeps everything when `n >= len`.
    pub fn spread(&mut self, n: usize) {
        // Offset 0 always exists.
        let _ = self.spread_offset(n, 0);
    }

    /// As [`Dataset::spread`], shifted by `offset` (indices `⌊k·len/n⌋ + offset`):
    /// offsets 0, 1, ... below `len / n` give disjoint subsets of `n` samples.
    pub fn spread_offset(&mut self, n: usize, offset: usize) -> Result<(), String> {
        let len = self.len();
        if n >= len {
            if offset > 0 {
                return Err(format!(
                    "{}: offset {offset} needs more than {n} samples, the set has {len}",
                    self.source
                ));
            }
            return Ok(());
        }
        if offset >= len / n {
            return Err(format!(
                "{}: offset {offset} must be below {} ({len} samples / {n}) for disjoint subsets",
                self.source,
                len / n
            ));
        }
        let keep: Vec<usize> = (0..n).map(|k| k * len / n + offset).collect();
        self.inputs = keep.iter().map(|&i| self.inputs[i].clone()).collect();
        if let Some(l) = &mut self.labels {
            *l = keep.iter().map(|&i| l[i]).collect();
        }
        Ok(())
    }

    pub fn truncate(&mut self, n: usize) {
        self.inputs.truncate(n);
        if let Some(l) = &mut self.labels {
            l.truncate(n);
        }
    }
}

fn gunzip_if_needed(raw: Vec<u8>, label: &str) -> Result<Vec<u8>, String> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("{label}: bad gzip data: {e}"))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// A parsed IDX array of unsigned bytes: (dims, data).
pub type IdxArray = (Vec<usize>, Vec<u8>);

/// An IDX file of unsigned bytes.
pub fn read_idx_u8(path: &Path) -> Result<IdxArray, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse_idx_u8(raw, &path.display().to_string())
}

/// Parses IDX bytes (gzip or plain); `label` names the source in messages.
pub fn parse_idx_u8(raw: Vec<u8>, label: &str) -> Result<IdxArray, String> {
    let b = gunzip_if_needed(raw, label)?;
    let e = |m: &str| format!("{label}: not an IDX file: {m}");
    if b.len() < 4 || b[0] != 0 || b[1] != 0 {
        return Err(e("bad magic number"));
    }
    if b[2] != 0x08 {
        return Err(e(&format!(
            "element type 0x{:02x}; asnn reads unsigned bytes (0x08)",
            b[2]
        )));
    }
    let nd = b[3] as usize;
    if nd == 0 || nd > 4 || b.len() < 4 + 4 * nd {
        return Err(e(&format!("{nd} dimensions")));
    }
    let dims: Vec<usize> = (0..nd)
        .map(|i| u32::from_be_bytes(b[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes")) as usize)
        .collect();
    let n: usize = dims
        .iter()
        .try_fold(1usize, |a, d| a.checked_mul(*d))
        .ok_or_else(|| e("size overflows"))?;
    let body = &b[4 + 4 * nd..];
    if body.len() != n {
        return Err(e(&format!(
            "dims {dims:?} need {n} bytes, file has {}",
            body.len()
        )));
    }
    Ok((dims, body.to_vec()))
}

/// Finds `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` in `dir`.
fn idx_pair(dir: &Path, prefix: &str) -> Result<(PathBuf, Option<PathBuf>), String> {
    let find = |stem: String| {
        [stem.clone(), format!("{stem}.gz")]
            .into_iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    };
    let images = find(format!("{prefix}-images-idx3-ubyte")).ok_or_else(|| {
        format!(
            "{}: no {prefix}-images-idx3-ubyte[.gz] here (dataset spec idx:DIR[:PREFIX])",
            dir.display()
        )
    })?;
    Ok((images, find(format!("{prefix}-labels-idx1-ubyte"))))
}

/// Loads IDX images (each flattened to one frame) and labels, if present.
pub fn load_idx(dir: &Path, prefix: &str) -> Result<Dataset, String> {
    let (ip, lp) = idx_pair(dir, prefix)?;
    let images = read_idx_u8(&ip)?;
    let labels = lp
        .map(|lp| read_idx_u8(&lp).map(|l| (l, lp.display().to_string())))
        .transpose()?;
    idx_dataset(images, labels, format!("idx:{}:{prefix}", dir.display()))
}

/// Builds a dataset from parsed IDX images and (optionally) labels with their source name.
pub fn idx_dataset(
    (dims, data): IdxArray,
    labels: Option<(IdxArray, String)>,
    source: String,
) -> Result<Dataset, String> {
    let n = dims[0];
    let per: usize = dims[1..].iter().product();
    let inputs = if per == 0 {
        vec![RawInput::Frame(Vec::new()); n]
    } else {
        data.chunks(per)
            .take(n)
            .map(|c| RawInput::Frame(c.iter().map(|&v| u32::from(v)).collect()))
            .collect()
    };
    let labels = match labels {
        Some(((ld, l), lsrc)) => {
            if ld[0] != n {
                return Err(format!(
                    "{lsrc}: {} labels for {n} images ({source})",
                    ld[0]
                ));
            }
            Some(l.iter().map(|&v| u16::from(v)).collect())
        }
        None => None,
    };
    Ok(Dataset {
        inputs,
        labels,
        source,
    })
}

/// Parses a dataset spec: `idx:DIR[:PREFIX]` (default prefix `t10k`), `events:FILE.csv`,
/// or the path of one IDX images file (unlabelled).
pub fn load_dataset(spec: &str) -> Result<Dataset, String> {
    if let Some(rest) = spec.strip_prefix("idx:") {
        let (dir, prefix) = match rest.rsplit_once(':') {
            Some((d, p)) if !p.contains('/') => (d, p),
            _ => (rest, "t10k"),
        };
        load_idx(Path::new(dir), prefix)
    } else if let Some(f) = spec.strip_prefix("events:") {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: cannot read: {e}"))?;
        parse_events_csv(&text).map_err(|e| format!("{f}: {e}"))
    } else if Path::new(spec).is_file() && spec.contains("idx") {
        idx_dataset(read_idx_u8(Path::new(spec))?, None, spec.to_string())
    } else {
        Err(format!(
            "unknown dataset spec '{spec}': use idx:DIR[:PREFIX], events:FILE.csv or an IDX images file"
        ))
    }
}

/// Event CSV: header `sample,step,index,value[,label]`, one input change per line.
/// Samples are numbered from 0 and must appear in order; a label, when given, is
/// repeated on every line of its sample.
pub fn parse_events_csv(text: &str) -> Result<Dataset, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let (_, header) = lines.next().ok_or("empty events file")?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let labelled = match cols.as_slice() {
        ["sample", "step", "index", "value"] => false,
        ["sample", "step", "index", "value", "label"] => true,
        _ => {
            return Err(format!(
                "line 1: header must be 'sample,step,index,value[,label]', found '{header}'"
            ))
        }
    };
    let mut inputs: Vec<Vec<InputEvent>> = Vec::new();
    let mut labels: Vec<u16> = Vec::new();
    for (ln, line) in lines {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != cols.len() {
            return Err(format!(
                "line {}: {} fields, header has {}",
                ln + 1,
                f.len(),
                cols.len()
            ));
        }
        let num = |i: usize| {
            f[i].parse::<u32>()
                .map_err(|e| format!("line {}: field '{}' = '{}': {e}", ln + 1, cols[i], f[i]))
        };
        let sample = num(0)? as usize;
        if sample + 1 < inputs.len() || sample > inputs.len() {
            return Err(format!(
                "line {}: sample {sample} out of order (samples are numbered 0, 1, ... in order)",
                ln + 1
            ));
        }
        if sample == inputs.len() {
            inputs.push(Vec::new());
            if labelled {
                labels.push(num(4)? as u16);
            }
        }
        inputs[sample].push(InputEvent {
            step: num(1)?,
            index: num(2)?,
            value: num(3)?,
        });
    }
    Ok(Dataset {
        inputs: inputs.into_iter().map(RawInput::Events).collect(),
        labels: labelled.then_some(labels),
        source: "events".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: calibration took the first 1,000 images of the class-sorted MNIST
    /// `train5k`, i.e. only digits 0 and 1, and chose θ0 from them.
    #[test]
    fn calibration_subset_of_a_class_sorted_file_covers_every_class() {
        let n = 5000;
        let mut d = Dataset {
            inputs: (0..n).map(|i| RawInput::Frame(vec![i as u32])).collect(),
            labels: Some((0..n).map(|i| (i / 500) as u16).collect()),
            source: "sorted".into(),
        };
        d.spread(1000);
        assert_eq!(d.len(), 1000);
        let labels = d.labels.as_ref().unwrap();
        for c in 0..10u16 {
            assert_eq!(labels.iter().filter(|&&l| l == c).count(), 100, "class {c}");
        }
        assert_eq!(d.inputs[1], RawInput::Frame(vec![5]));
        d.spread(2000);
        assert_eq!(d.len(), 1000, "spreading to more than the set keeps it");
    }

    #[test]
    fn offsets_give_disjoint_spread_subsets_and_bad_offsets_are_named() {
        let set = || Dataset {
            inputs: (0..5000).map(|i| RawInput::Frame(vec![i as u32])).collect(),
            labels: Some((0..5000).map(|i| (i % 10) as u16).collect()),
            source: "val".into(),
        };
        let ids = |d: &Dataset| -> Vec<u32> {
            d.inputs
                .iter()
                .map(|x| match x {
                    RawInput::Frame(v) => v[0],
                    _ => unreachable!(),
                })
                .collect()
        };
        let mut seen = std::collections::BTreeSet::new();
        for j in 0..5 {
            let mut d = set();
            d.spread_offset(1000, j).unwrap();
            assert_eq!(d.len(), 1000);
            // Labels follow their images.
            for (x, l) in ids(&d).iter().zip(d.labels.as_ref().unwrap()) {
                assert_eq!(*x % 10, u32::from(*l));
            }
            for x in ids(&d) {
                assert!(seen.insert(x), "offset {j}: image {x} is in two subsets");
            }
        }
        assert_eq!(seen.len(), 5000);
        let e = set().spread_offset(1000, 5).unwrap_err();
        assert!(
            e.contains("val") && e.contains("offset 5") && e.contains("below 5"),
            "{e}"
        );
        let e = set().spread_offset(5000, 1).unwrap_err();
        assert!(e.contains("offset 1") && e.contains("5000"), "{e}");
    }
}
