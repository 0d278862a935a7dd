//! The board's UART host link, version 1 (docs/host-link.md): records the host sends
//! (start, events, end of step, info request), records the board answers (info, done),
//! and their byte layout. The board top (`rtl-templates/board/board.v`) is rendered
//! with these constants; `asnn run` and the board co-simulation parse with these
//! functions.

use asnn_numerics::RawInput;

/// A record that does not have the layout of its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError(pub String);

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FrameError {}

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
/// Done record bytes before the scores: kind, exit step (2), flags, prediction,
/// cycles (4).
pub const DONE_HEADER_LEN: usize = 9;
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
    DONE_HEADER_LEN + classes * score_bytes
}

pub fn parse_info(b: &[u8]) -> Result<Info, FrameError> {
    if b.len() != INFO_LEN || b[0] != REC_INFO {
        return Err(FrameError(format!("not an info record: {b:02x?}")));
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

pub fn parse_done(b: &[u8], classes: usize, score_bytes: usize) -> Result<Done, FrameError> {
    if b.len() != done_len(classes, score_bytes) || b[0] != REC_DONE {
        return Err(FrameError(format!("not a done record: {b:02x?}")));
    }
    let scores = (0..classes)
        .map(|c| {
            let s = &b[DONE_HEADER_LEN + c * score_bytes..DONE_HEADER_LEN + (c + 1) * score_bytes];
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
