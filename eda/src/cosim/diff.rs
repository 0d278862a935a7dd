//! The bit-exact comparison of one sample: the golden model's trace against what the
//! hardware logged.

use asnn_numerics::{GoldenTrace, Spike};
use asnn_wire::tb::HwTrace;

/// The first divergence between the golden model and the hardware, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub step: u32,
    pub what: String,
    /// The layer and neuron, when a spike differs.
    pub at: Option<(u16, u32)>,
}

/// Compares one sample bit-exactly: spikes (sorted within a step), readout scores and
/// prediction after every step, and the last step (early exit).
pub fn diff(
    g: &GoldenTrace,
    h: &HwTrace,
    payloads: bool,
    readout_layer: u16,
) -> Option<Divergence> {
    let steps_run = g.predictions.len() as u32;
    let key = |s: &Spike| {
        (
            s.step,
            s.layer,
            s.neuron,
            if payloads { s.payload } else { 1 },
        )
    };
    let mut gs: Vec<_> = g.spikes.iter().map(key).collect();
    let mut hs: Vec<_> = h.spikes.iter().map(key).collect();
    gs.sort_unstable();
    hs.sort_unstable();
    for t in 0..steps_run.max(h.steps.len() as u32) {
        let a: Vec<_> = gs.iter().filter(|s| s.0 == t).collect();
        let b: Vec<_> = hs.iter().filter(|s| s.0 == t).collect();
        if a != b {
            let ga: std::collections::BTreeSet<_> = a.iter().copied().collect();
            let hb: std::collections::BTreeSet<_> = b.iter().copied().collect();
            let only_g = ga.difference(&hb).next();
            let only_h = hb.difference(&ga).next();
            let (what, at) = match (only_g, only_h) {
                (Some(s), _) if only_h.is_none_or(|o| (s.1, s.2) <= (o.1, o.2)) => (
                    format!(
                        "layer {} neuron {}: golden spikes with payload {}, hardware {}",
                        s.1,
                        s.2,
                        s.3,
                        b.iter()
                            .find(|x| x.1 == s.1 && x.2 == s.2)
                            .map_or("does not spike".to_string(), |x| format!("spikes with payload {}", x.3))
                    ),
                    Some((s.1, s.2)),
                ),
                (_, Some(s)) => (
                    format!(
                        "layer {} neuron {}: hardware spikes with payload {}, golden does not (at this payload)",
                        s.1, s.2, s.3
                    ),
                    Some((s.1, s.2)),
                ),
                _ => (
                    format!("spike multiset differs ({} golden, {} hardware)", a.len(), b.len()),
                    None,
                ),
            };
            return Some(Divergence { step: t, what, at });
        }
        let gr = g.readout.get(t as usize);
        let hr = h.steps.get(t as usize);
        match (gr, hr) {
            (Some(gr), Some((hp, hsc))) => {
                if gr != hsc {
                    let k = gr.iter().zip(hsc).position(|(a, b)| a != b).unwrap_or(0);
                    return Some(Divergence {
                        step: t,
                        what: format!(
                            "readout class {k}: golden {}, hardware {}",
                            gr.get(k).copied().unwrap_or_default(),
                            hsc.get(k).copied().unwrap_or_default()
                        ),
                        at: Some((readout_layer, k as u32)),
                    });
                }
                if g.predictions[t as usize] != *hp {
                    return Some(Divergence {
                        step: t,
                        what: format!(
                            "prediction: golden {}, hardware {hp}",
                            g.predictions[t as usize]
                        ),
                        at: None,
                    });
                }
            }
            (Some(_), None) => {
                return Some(Divergence {
                    step: t,
                    what: "the hardware stopped before this step".into(),
                    at: None,
                })
            }
            (None, Some(_)) => {
                return Some(Divergence {
                    step: t,
                    what: "the hardware ran a step the golden model did not".into(),
                    at: None,
                })
            }
            (None, None) => {}
        }
    }
    let (g_last, g_early) = match g.exit_step {
        Some(t) => (t, true),
        None => (steps_run.saturating_sub(1), false),
    };
    if (g_last, g_early) != (h.last_step, h.early) {
        return Some(Divergence {
            step: h.last_step,
            what: format!(
                "last step: golden {g_last} (early exit {g_early}), hardware {} (early exit {})",
                h.last_step, h.early
            ),
            at: None,
        });
    }
    None
}
