//! Raw input samples: what a network consumes, before any scaling.

use serde::{Deserialize, Serialize};

/// One input change: from `step` on, input `index` holds raw value `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputEvent {
    pub step: u32,
    pub index: u32,
    pub value: u32,
}

/// A sample's input: a frame held for the whole window, or value-change events
/// (inputs start at 0 and hold their last value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawInput {
    Frame(Vec<u32>),
    Events(Vec<InputEvent>),
}

impl RawInput {
    /// Checks the input against the network: length, value range, event order.
    pub fn validate(&self, input_len: usize, raw_max: u32, steps: u32) -> Result<(), String> {
        match self {
            RawInput::Frame(v) => {
                if v.len() != input_len {
                    return Err(format!(
                        "frame has {} values, the network expects {input_len}",
                        v.len()
                    ));
                }
                if let Some((i, x)) = v.iter().enumerate().find(|(_, &x)| x > raw_max) {
                    return Err(format!("input {i} = {x} exceeds raw_max = {raw_max}"));
                }
            }
            RawInput::Events(ev) => {
                let mut last = 0;
                for e in ev {
                    if e.step < last {
                        return Err(format!(
                            "events must be sorted by step: step {} after {last}",
                            e.step
                        ));
                    }
                    last = e.step;
                    if e.step >= steps {
                        return Err(format!(
                            "event at step {} but the window is {steps} steps",
                            e.step
                        ));
                    }
                    if e.index as usize >= input_len {
                        return Err(format!(
                            "event index {} out of range (inputs: {input_len})",
                            e.index
                        ));
                    }
                    if e.value > raw_max {
                        return Err(format!(
                            "event value {} exceeds raw_max = {raw_max}",
                            e.value
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The changes that take effect at `step`, as (index, value); `cursor` walks the events.
    pub fn changes_at<'a>(
        &'a self,
        step: u32,
        cursor: &mut usize,
    ) -> Box<dyn Iterator<Item = (usize, u32)> + 'a> {
        match self {
            RawInput::Frame(v) => {
                if step == 0 {
                    Box::new(
                        v.iter()
                            .enumerate()
                            .filter(|(_, &x)| x != 0)
                            .map(|(i, &x)| (i, x)),
                    )
                } else {
                    Box::new(std::iter::empty())
                }
            }
            RawInput::Events(ev) => {
                let start = *cursor;
                let mut end = start;
                while end < ev.len() && ev[end].step == step {
                    end += 1;
                }
                *cursor = end;
                Box::new(ev[start..end].iter().map(|e| (e.index as usize, e.value)))
            }
        }
    }
}
