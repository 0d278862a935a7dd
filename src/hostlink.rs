//! The host side of the board's UART link (docs/host-link.md): framing of samples
//! into bytes, parsing of the board's records, and a session over any byte stream (a
//! serial port, or the pseudo-terminal of the simulated board). `asnn run` and the
//! board co-simulation use exactly this code.

use anyhow::{bail, Context, Result};
use asnn_numerics::RawInput;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// Host-to-board record kinds.
pub const CMD_START: u8 = b'S';
pub const CMD_EVENT: u8 = b'E';
pub const CMD_END_STEP: u8 = b'T';
pub const CMD_INFO: u8 = b'?';
/// Board-to-host record kinds.
pub const REC_DONE: u8 = b'D';
pub const REC_INFO: u8 = b'I';
/// Info record length, and the protocol version it carries.
pub const INFO_LEN: usize = 11;
pub const PROTOCOL_VERSION: u8 = 1;

/// The bytes that run one sample: start, the input as events (frame: the nonzero
/// values at step 0; events: each step's changes), an end-of-step after each step's
/// input. The same beats the core testbench sends (`cosim::stimulus`).
pub fn encode_sample(x: &RawInput, steps: u32) -> Vec<u8> {
    let mut out = vec![CMD_START];
    let ev = |out: &mut Vec<u8>, addr: u32, val: u32| {
        out.push(CMD_EVENT);
        out.extend_from_slice(&(addr as u16).to_le_bytes());
        out.extend_from_slice(&(val as u16).to_le_bytes());
    };
    match x {
        RawInput::Frame(v) => {
            for (i, &val) in v.iter().enumerate() {
                if val != 0 {
                    ev(&mut out, i as u32, val);
                }
            }
            out.push(CMD_END_STEP);
        }
        RawInput::Events(list) => {
            let mut k = 0;
            for t in 0..steps {
                while k < list.len() && list[k].step == t {
                    ev(&mut out, list[k].index, list[k].value);
                    k += 1;
                }
                out.push(CMD_END_STEP);
            }
        }
    }
    out
}

/// The board's answer to '?'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    pub design_id: u32,
    /// 0 loading, 1 ready, 2 bad flash image header, 3 bad flash image checksum.
    pub status: u8,
    pub inputs: u16,
    pub classes: u8,
    pub score_bytes: u8,
    pub version: u8,
}

impl Info {
    pub fn status_text(&self) -> &'static str {
        match self.status {
            0 => "loading weights",
            1 => "ready",
            2 => {
                "flash image header wrong (no image at the offset, or one made for another design)"
            }
            3 => "flash image checksum wrong (a damaged image)",
            _ => "unknown status",
        }
    }
}

/// A finished sample as the board reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub exit_step: u16,
    pub early: bool,
    pub overrun: bool,
    pub framing_error: bool,
    pub protocol_error: bool,
    pub pred: u8,
    pub cycles: u32,
    pub scores: Vec<i64>,
}

/// Length of the done record for `classes` scores of `score_bytes` bytes.
pub fn done_len(classes: usize, score_bytes: usize) -> usize {
    9 + classes * score_bytes
}

pub fn parse_info(b: &[u8]) -> Result<Info> {
    if b.len() != INFO_LEN || b[0] != REC_INFO {
        bail!("not an info record: {b:02x?}");
    }
    Ok(Info {
        design_id: u32::from_le_bytes([b[1], b[2], b[3], b[4]]),
        status: b[5],
        inputs: u16::from_le_bytes([b[6], b[7]]),
        classes: b[8],
        score_bytes: b[9],
        version: b[10],
    })
}

pub fn parse_done(b: &[u8], classes: usize, score_bytes: usize) -> Result<Done> {
    if b.len() != done_len(classes, score_bytes) || b[0] != REC_DONE {
        bail!("not a done record: {b:02x?}");
    }
    let scores = (0..classes)
        .map(|c| {
            let s = &b[9 + c * score_bytes..9 + (c + 1) * score_bytes];
            let mut v: i64 = 0;
            for (k, &x) in s.iter().enumerate() {
                v |= i64::from(x) << (8 * k);
            }
            let bits = 8 * score_bytes as u32;
            if bits < 64 && v >> (bits - 1) & 1 == 1 {
                v -= 1i64 << bits;
            }
            v
        })
        .collect();
    Ok(Done {
        exit_step: u16::from_le_bytes([b[1], b[2]]),
        early: b[3] & 1 != 0,
        overrun: b[3] & 2 != 0,
        framing_error: b[3] & 4 != 0,
        protocol_error: b[3] & 8 != 0,
        pred: b[4],
        cycles: u32::from_le_bytes([b[5], b[6], b[7], b[8]]),
        scores,
    })
}

/// A session with a board over a byte stream.
pub struct Session<S: Read + Write> {
    pub stream: S,
    pub timeout: Duration,
    pub bytes_out: u64,
    pub bytes_in: u64,
}

impl<S: Read + Write> Session<S> {
    pub fn new(stream: S, timeout: Duration) -> Self {
        Session {
            stream,
            timeout,
            bytes_out: 0,
            bytes_in: 0,
        }
    }

    fn send(&mut self, b: &[u8]) -> Result<()> {
        self.stream.write_all(b).context("writing to the board")?;
        self.stream.flush().ok();
        self.bytes_out += b.len() as u64;
        Ok(())
    }

    /// Reads one record of kind `kind` and length `len`, skipping stray bytes before
    /// its first byte.
    fn record(&mut self, kind: u8, len: usize, what: &str) -> Result<Vec<u8>> {
        let t0 = Instant::now();
        let mut buf = Vec::with_capacity(len);
        let mut byte = [0u8; 1];
        while buf.len() < len {
            if t0.elapsed() > self.timeout {
                bail!(
                    "no {what} from the board within {:.0} s (got {} of {len} bytes)",
                    self.timeout.as_secs_f64(),
                    buf.len()
                );
            }
            match self.stream.read(&mut byte) {
                Ok(1) => {
                    self.bytes_in += 1;
                    if buf.is_empty() && byte[0] != kind {
                        continue;
                    }
                    buf.push(byte[0]);
                }
                Ok(_) => std::thread::sleep(Duration::from_millis(1)),
                Err(e)
                    if e.kind() == std::io::ErrorKind::TimedOut
                        || e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("reading from the board"),
            }
        }
        Ok(buf)
    }

    /// Asks the board who it is.
    pub fn info(&mut self) -> Result<Info> {
        self.send(&[CMD_INFO])?;
        let b = self.record(REC_INFO, INFO_LEN, "info record")?;
        parse_info(&b)
    }

    /// Waits until the board reports ready (its loader done), up to `wait`.
    pub fn wait_ready(&mut self, wait: Duration) -> Result<Info> {
        let t0 = Instant::now();
        loop {
            let i = self.info()?;
            if i.status != 0 || t0.elapsed() > wait {
                return Ok(i);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs one sample and returns the board's done record.
    pub fn run(&mut self, x: &RawInput, steps: u32, info: &Info) -> Result<Done> {
        self.send(&encode_sample(x, steps))?;
        let len = done_len(usize::from(info.classes), usize::from(info.score_bytes));
        let b = self.record(REC_DONE, len, "done record")?;
        parse_done(&b, usize::from(info.classes), usize::from(info.score_bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use asnn_numerics::InputEvent;

    #[test]
    fn frames_send_their_nonzero_values_then_one_end_of_step() {
        let b = encode_sample(&RawInput::Frame(vec![0, 5, 0, 300]), 10);
        assert_eq!(b, vec![b'S', b'E', 1, 0, 5, 0, b'E', 3, 0, 44, 1, b'T']);
    }

    #[test]
    fn events_end_every_step() {
        let ev = vec![
            InputEvent {
                step: 0,
                index: 2,
                value: 1,
            },
            InputEvent {
                step: 2,
                index: 0,
                value: 7,
            },
        ];
        let b = encode_sample(&RawInput::Events(ev), 3);
        assert_eq!(
            b,
            vec![b'S', b'E', 2, 0, 1, 0, b'T', b'T', b'E', 0, 0, 7, 0, b'T']
        );
    }

    #[test]
    fn done_records_decode_signed_scores() {
        let mut b = vec![b'D', 0x2a, 0x01, 0b0101, 7, 0x10, 0x27, 0, 0];
        b.extend_from_slice(&[0xff, 0xff, 0x05, 0x00]);
        let d = parse_done(&b, 2, 2).unwrap();
        assert_eq!(d.exit_step, 298);
        assert!(d.early && d.framing_error && !d.overrun && !d.protocol_error);
        assert_eq!((d.pred, d.cycles), (7, 10_000));
        assert_eq!(d.scores, vec![-1, 5]);
        assert!(parse_done(&b[..8], 2, 2).is_err());
    }

    #[test]
    fn info_records_decode() {
        let b = [b'I', 0x78, 0x56, 0x34, 0x12, 1, 64, 0, 10, 2, 1];
        let i = parse_info(&b).unwrap();
        assert_eq!(i.design_id, 0x1234_5678);
        assert_eq!(
            (i.status, i.inputs, i.classes, i.score_bytes),
            (1, 64, 10, 2)
        );
        assert_eq!(i.status_text(), "ready");
    }
}
