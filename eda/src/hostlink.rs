//! The host side of the board's UART link (docs/host-link.md): a session over any
//! byte stream (a serial port, or the pseudo-terminal of the simulated board). The
//! framing itself is `asnn_wire::uart`; `asnn run` and the board co-simulation use
//! exactly this code.

use anyhow::{bail, Context, Result};
use asnn_numerics::RawInput;
use asnn_wire::uart::{
    done_len, encode_sample, parse_done, parse_info, Done, Info, CMD_INFO, INFO_LEN, REC_DONE,
    REC_INFO,
};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

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
        Ok(parse_info(&b)?)
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
        Ok(parse_done(
            &b,
            usize::from(info.classes),
            usize::from(info.score_bytes),
        )?)
    }
}
