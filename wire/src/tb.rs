//! The core testbench's wire format (`rtl-templates/tb.sv`, docs/hardware-plan.md).
//!
//! Stimulus: one line `kind addr value` per beat: [`STIM_START`] starts a sample,
//! [`STIM_EVENT`] is an input event, [`STIM_END_STEP`] ends a step, [`STIM_WAIT_DONE`]
//! waits for the sample to finish.
//!
//! Log: `spike step layer neuron payload` per hidden spike, `step t pred cycles
//! scores...` per step, `done last_step early cycles` per sample, and `x-event` when
//! an AER event carried X bits.

use asnn_numerics::{RawInput, Spike};
use std::fmt::Write as _;

/// Stimulus beat kinds.
pub const STIM_START: u32 = 0;
pub const STIM_EVENT: u32 = 1;
pub const STIM_END_STEP: u32 = 2;
pub const STIM_WAIT_DONE: u32 = 3;

/// Log line keywords.
pub const LOG_SPIKE: &str = "spike";
pub const LOG_STEP: &str = "step";
pub const LOG_DONE: &str = "done";
pub const LOG_X_EVENT: &str = "x-event";

/// Stimulus lines for one sample: start, the input as AER beats (frame: the nonzero
/// values, then one end-of-step beat; events: each step's changes and an end-of-step
/// beat), then wait for done.
pub fn stimulus(x: &RawInput, steps: u32, out: &mut String) {
    let _ = writeln!(out, "{STIM_START} 0 0");
    match x {
        RawInput::Frame(v) => {
            for (i, &val) in v.iter().enumerate() {
                if val != 0 {
                    let _ = writeln!(out, "{STIM_EVENT} {i} {val}");
                }
            }
            let _ = writeln!(out, "{STIM_END_STEP} 0 0");
        }
        RawInput::Events(ev) => {
            let mut k = 0;
            for t in 0..steps {
                while k < ev.len() && ev[k].step == t {
                    let _ = writeln!(out, "{STIM_EVENT} {} {}", ev[k].index, ev[k].value);
                    k += 1;
                }
                let _ = writeln!(out, "{STIM_END_STEP} 0 0");
            }
        }
    }
    let _ = writeln!(out, "{STIM_WAIT_DONE} 0 0");
}

/// Finished samples in a piece of log text (for progress while the simulator runs):
/// the count of `done ` marks.
pub fn count_done(bytes: &[u8]) -> usize {
    let mark = format!("{LOG_DONE} ");
    bytes
        .windows(mark.len())
        .filter(|w| *w == mark.as_bytes())
        .count()
}

/// What the hardware did for one sample.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HwTrace {
    pub spikes: Vec<Spike>,
    /// (prediction, scores) after each step.
    pub steps: Vec<(u16, Vec<i64>)>,
    /// Clocks since start at the end of each step.
    pub step_cycles: Vec<u64>,
    pub last_step: u32,
    pub early: bool,
    pub cycles: u64,
}

/// A log line that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogError {
    pub line_no: usize,
    pub message: String,
}

impl std::fmt::Display for LogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "testbench log line {}: {}", self.line_no, self.message)
    }
}

impl std::error::Error for LogError {}

/// Reads the testbench log line by line into per-sample traces.
#[derive(Default)]
pub struct LogParser {
    cur: HwTrace,
    line_no: usize,
}

impl LogParser {
    /// Feeds one line; returns a finished sample at its `done` line.
    pub fn line(&mut self, line: &str) -> Result<Option<HwTrace>, LogError> {
        self.line_no += 1;
        let line_no = self.line_no;
        let err = |message: String| LogError { line_no, message };
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |k: usize| -> Result<i64, LogError> {
            f.get(k)
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| err(format!("'{line}'")))
        };
        match f.first().copied() {
            Some(LOG_SPIKE) => self.cur.spikes.push(Spike {
                step: num(1)? as u32,
                layer: num(2)? as u16,
                neuron: num(3)? as u32,
                payload: num(4)?,
            }),
            Some(LOG_STEP) => {
                let scores = (4..f.len()).map(num).collect::<Result<Vec<_>, _>>()?;
                self.cur.steps.push((num(2)? as u16, scores));
                self.cur.step_cycles.push(num(3)? as u64);
            }
            Some(LOG_DONE) => {
                self.cur.last_step = num(1)? as u32;
                self.cur.early = num(2)? != 0;
                self.cur.cycles = num(3)? as u64;
                return Ok(Some(std::mem::take(&mut self.cur)));
            }
            Some(LOG_X_EVENT) => return Err(err("an AER event carried X bits".into())),
            None => {}
            _ => return Err(err(format!("unexpected '{line}'"))),
        }
        Ok(None)
    }
}

/// Parses a whole testbench log into one trace per sample.
pub fn parse_log(text: &str) -> Result<Vec<HwTrace>, LogError> {
    let mut p = LogParser::default();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(t) = p.line(line)? {
            out.push(t);
        }
    }
    Ok(out)
}

/// Streams a testbench log, a few samples at a time.
pub struct LogReader<R: std::io::BufRead> {
    lines: std::io::Lines<R>,
    parser: LogParser,
}

/// Why a streamed log could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Log(LogError),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "reading the testbench log: {e}"),
            ReadError::Log(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {}

impl<R: std::io::BufRead> LogReader<R> {
    pub fn new(reader: R) -> Self {
        LogReader {
            lines: reader.lines(),
            parser: LogParser::default(),
        }
    }

    /// Up to `n` finished samples (empty at the end of the log).
    pub fn next_samples(&mut self, n: usize) -> Result<Vec<HwTrace>, ReadError> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.lines.next() {
                Some(line) => {
                    let line = line.map_err(ReadError::Io)?;
                    if let Some(t) = self.parser.line(&line).map_err(ReadError::Log)? {
                        out.push(t);
                    }
                }
                None => break,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_start_nonzero_events_end_of_step_and_wait() {
        let mut s = String::new();
        stimulus(&RawInput::Frame(vec![0, 7, 0, 2]), 5, &mut s);
        assert_eq!(s, "0 0 0\n1 1 7\n1 3 2\n2 0 0\n3 0 0\n");
    }

    #[test]
    fn log_lines_make_one_trace_per_sample() {
        let log = "spike 0 0 3 1\nstep 0 2 17 5 -1\ndone 0 0 17\nstep 0 1 9 0 4\ndone 0 1 9\n";
        let t = parse_log(log).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].spikes[0].neuron, 3);
        assert_eq!(t[0].steps[0], (2, vec![5, -1]));
        assert_eq!((t[1].early, t[1].cycles), (true, 9));
        assert_eq!(count_done(log.as_bytes()), 2);
        let e = parse_log("step 0 x\n").unwrap_err();
        assert_eq!(e.line_no, 1);
        assert!(parse_log("x-event\n")
            .unwrap_err()
            .to_string()
            .contains("X bits"));
    }
}
