//! Job arrays of single-point commands (`--emit-jobs`) and merging what they wrote
//! (`--collect`).

use super::table::{write_outputs, Written};
use super::{count, ExploreArgs, Meta, MetaTools, Point, Row};
use crate::inputs::write_file;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// A path made absolute against the current folder (for commands run elsewhere).
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A dataset spec with its path made absolute.
fn absolute_spec(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("idx:") {
        let (dir, prefix) = match rest.rsplit_once(':') {
            Some((d, p)) if !p.contains('/') => (d, Some(p)),
            _ => (rest, None),
        };
        let d = absolute(Path::new(dir)).display().to_string();
        prefix.map_or(format!("idx:{d}"), |p| format!("idx:{d}:{p}"))
    } else if let Some(f) = s.strip_prefix("events:") {
        format!("events:{}", absolute(Path::new(f)).display())
    } else {
        absolute(Path::new(s)).display().to_string()
    }
}

fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The command that runs one point as a job of the array.
fn point_command(a: &ExploreArgs, exe: &Path, p: &Point) -> String {
    let mut v: Vec<String> = vec![
        exe.display().to_string(),
        "explore".into(),
        absolute(a.net).display().to_string(),
        "--board".into(),
        a.board.board.into(),
        "--lanes".into(),
        p.lanes.to_string(),
        "--cores".into(),
        p.cores.to_string(),
    ];
    if let Some(s) = p.synapse_lanes {
        v.extend(["--synapse-lanes".into(), s.to_string()]);
    }
    if let Some(w) = p.weight_bits {
        v.extend(["--weight-bits".into(), w.to_string()]);
    }
    if let Some(ar) = p.arithmetic {
        v.extend(["--arithmetic".into(), ar.key().to_string()]);
    }
    if let Some(h) = a.board.hw {
        v.extend(["--hw".into(), absolute(h).display().to_string()]);
    }
    if let Some(f) = a.board.freq {
        v.extend(["--freq".into(), f.to_string()]);
    }
    v.extend(["--baud".into(), a.board.baud.to_string()]);
    if let Some(c) = a.board.calib {
        v.extend(["--calib".into(), absolute_spec(c)]);
    }
    v.extend(["--calib-samples".into(), a.board.calib_samples.to_string()]);
    if let Some(d) = a.dataset {
        v.extend(["--dataset".into(), absolute_spec(d)]);
    }
    v.extend([
        "--cosim-samples".into(),
        a.cosim_samples.to_string(),
        "--accuracy-samples".into(),
        a.accuracy_samples.to_string(),
        "--seed".into(),
        a.seed.to_string(),
        "--jobs".into(),
        "1".into(),
        "--no-summary".into(),
        "-o".into(),
        absolute(a.out).display().to_string(),
    ]);
    v.iter().map(|s| sh_quote(s)).collect::<Vec<_>>().join(" ")
}

/// Writes `OUT/jobs/`: one single-point command per line, a Slurm array over them and a
/// plain shell script; returns what to tell the user.
pub fn emit_jobs(a: &ExploreArgs, pts: &[Point]) -> Result<String> {
    let exe = std::env::current_exe().context("the asnn executable's path")?;
    let jobs = a.out.join("jobs");
    let list: String = pts
        .iter()
        .map(|p| point_command(a, &exe, p) + "\n")
        .collect();
    let list_path = absolute(&jobs.join("points.txt"));
    let out = absolute(a.out);
    write_file(&list_path, &list)?;
    let collect = format!(
        "{} explore --collect {}",
        sh_quote(&exe.display().to_string()),
        sh_quote(&out.display().to_string())
    );
    let sbatch = format!(
        "#!/bin/bash\n\
         # asnn explore: {n} points of {net} on {board}, one array task each.\n\
         # Submit: sbatch {sb}\n\
         # Then, when all tasks are done: {collect}\n\
         #SBATCH --job-name=asnn-explore\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task=2\n\
         #SBATCH --mem=8G\n\
         #SBATCH --time=04:00:00\n\
         #SBATCH --output={logs}/%A_%a.out\n\
         set -euo pipefail\n\
         cmd=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" {list})\n\
         echo \"$cmd\"\n\
         eval \"$cmd\"\n",
        n = pts.len(),
        net = a.net.display(),
        board = a.board.board,
        sb = sh_quote(&absolute(&jobs.join("sweep.sbatch")).display().to_string()),
        last = pts.len().saturating_sub(1),
        logs = sh_quote(&absolute(&jobs.join("logs")).display().to_string()),
        list = sh_quote(&list_path.display().to_string()),
    );
    write_file(&jobs.join("sweep.sbatch"), &sbatch)?;
    let run_all = format!(
        "#!/bin/sh\n\
         # asnn explore: every point of the sweep, one after another (N at a time: xargs -d '\\n' -P N -n 1 sh -c < points.txt), then the table.\n\
         set -e\n\
         while IFS= read -r cmd; do sh -c \"$cmd\"; done < {list}\n\
         {collect}\n",
        list = sh_quote(&list_path.display().to_string()),
    );
    write_file(&jobs.join("run-all.sh"), &run_all)?;
    std::fs::create_dir_all(jobs.join("logs"))
        .with_context(|| format!("cannot create {}", jobs.join("logs").display()))?;
    Ok(format!(
        "{} written to {} (one command per line)\nSlurm: sbatch {}\nplain shell: sh {}\nthen: {collect}",
        count(pts.len(), "point"),
        list_path.display(),
        jobs.join("sweep.sbatch").display(),
        jobs.join("run-all.sh").display()
    ))
}

/// `asnn explore --collect DIR`: the table and plots from every point result in
/// `DIR/points` (the newest result per point label).
pub fn collect(dir: &Path) -> Result<Written> {
    let pdir = dir.join("points");
    let entries = std::fs::read_dir(&pdir).with_context(|| {
        format!(
            "{}: no point results (run asnn explore or its jobs with -o {})",
            pdir.display(),
            dir.display()
        )
    })?;
    let mut paths: Vec<std::path::PathBuf> = entries
        .map(|e| e.map(|e| e.path().join("result.json")))
        .collect::<Result<_, _>>()?;
    paths.sort();
    let mut rows: Vec<Row> = Vec::new();
    for f in paths {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut r: Row = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a point result", f.display()))?;
        r.cached = true;
        if let Some(i) = rows.iter().position(|o| o.label == r.label) {
            if r.finished_unix >= rows[i].finished_unix {
                rows[i] = r;
            }
        } else {
            rows.push(r);
        }
    }
    if rows.is_empty() {
        bail!("{}: no point results (result.json) found", pdir.display());
    }
    let first = &rows[0];
    let meta = Meta {
        network: first.network.clone(),
        board: Some(first.board.clone()),
        device: first.device.clone(),
        tools: first.tools.clone().map(MetaTools::Build),
        collected_from: Some(pdir.display().to_string()),
        ..Meta::default()
    };
    write_outputs(dir, meta, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_specs_become_absolute() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            absolute_spec("idx:data/mnist:t10k"),
            format!("idx:{}:t10k", cwd.join("data/mnist").display())
        );
        assert_eq!(absolute_spec("idx:/d"), "idx:/d");
        assert_eq!(
            absolute_spec("events:e.csv"),
            format!("events:{}", cwd.join("e.csv").display())
        );
        assert_eq!(sh_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(sh_quote("idx:/x/y:t10k"), "idx:/x/y:t10k");
    }
}
