//! Synaptic fan-out: for one presynaptic unit, the (target, weight index) pairs it feeds.
//! Shared by every simulator so that all of them walk the same connectivity.

use crate::qnet::{Conn, ConvGeom, PoolKind};

/// Fan-out of every input unit of a layer. Dense layers need no table (the canonical
/// `[in][out]` layout makes a row contiguous); conv layers get a CSR table built once.
#[derive(Clone, Debug)]
pub enum FanOut {
    Dense {
        n_out: usize,
    },
    /// CSR: the synapses of unit `src` are `syn[offsets[src]..offsets[src + 1]]`, each
    /// (target, weight index), interleaved so that a walk reads one stream.
    Table {
        offsets: Vec<u32>,
        syn: Vec<(u32, u32)>,
    },
}

impl FanOut {
    pub fn new(conn: &Conn) -> FanOut {
        match conn {
            Conn::Dense { n_out, .. } => FanOut::Dense { n_out: *n_out },
            Conn::Conv(g) => conv_table(g),
        }
    }

    /// Calls `f(target, weight_index)` for every synapse of input unit `src`.
    #[inline]
    pub fn for_each(&self, src: usize, mut f: impl FnMut(usize, usize)) {
        match self {
            FanOut::Dense { n_out } => {
                let base = src * n_out;
                for j in 0..*n_out {
                    f(j, base + j);
                }
            }
            FanOut::Table { offsets, syn } => {
                let (a, b) = (offsets[src] as usize, offsets[src + 1] as usize);
                for &(t, w) in &syn[a..b] {
                    f(t as usize, w as usize);
                }
            }
        }
    }

    /// Number of synapses of input unit `src` (its synaptic operations per event).
    pub fn len(&self, src: usize) -> usize {
        match self {
            FanOut::Dense { n_out } => *n_out,
            FanOut::Table { offsets, .. } => (offsets[src + 1] - offsets[src]) as usize,
        }
    }

    pub fn is_empty(&self, src: usize) -> bool {
        self.len(src) == 0
    }
}

fn conv_table(g: &ConvGeom) -> FanOut {
    let (ch, cw) = g.conv_hw();
    let (oh, ow) = g.out_hw();
    let avg = matches!(g.pool, Some(p) if p.kind == PoolKind::Avg);
    let k = g.kernel;
    let mut offsets = Vec::with_capacity(g.n_in() + 1);
    let mut syn = Vec::new();
    offsets.push(0u32);
    // Output coordinates o with o*s - p + kk == y, 0 <= o < n.
    let hits = |y: usize, kk: usize, n: usize| -> Option<usize> {
        let num = (y + g.padding).checked_sub(kk)?;
        if num % g.stride != 0 {
            return None;
        }
        let o = num / g.stride;
        (o < n).then_some(o)
    };
    for ci in 0..g.in_c {
        for y in 0..g.in_h {
            for x in 0..g.in_w {
                for co in 0..g.out_c {
                    for ky in 0..k {
                        let Some(oy) = hits(y, ky, ch) else { continue };
                        for kx in 0..k {
                            let Some(ox) = hits(x, kx, cw) else { continue };
                            let w = ((co * g.in_c + ci) * k + ky) * k + kx;
                            if avg {
                                let p = g.pool.expect("avg pool present");
                                // Every pooled window containing (oy, ox).
                                for py in 0..oh {
                                    if !(py * p.stride <= oy && oy < py * p.stride + p.kernel) {
                                        continue;
                                    }
                                    for px in 0..ow {
                                        if px * p.stride <= ox && ox < px * p.stride + p.kernel {
                                            syn.push((((co * oh + py) * ow + px) as u32, w as u32));
                                        }
                                    }
                                }
                            } else {
                                syn.push((((co * ch + oy) * cw + ox) as u32, w as u32));
                            }
                        }
                    }
                }
                offsets.push(syn.len() as u32);
            }
        }
    }
    FanOut::Table { offsets, syn }
}

/// For a max pool: the pre-pool target indices of pooled unit `out`.
pub fn max_window(g: &ConvGeom, out: usize, mut f: impl FnMut(usize)) {
    let p = g.pool.expect("max_window needs a pool");
    let (ch, cw) = g.conv_hw();
    let (oh, ow) = g.out_hw();
    let co = out / (oh * ow);
    let py = (out / ow) % oh;
    let px = out % ow;
    for dy in 0..p.kernel {
        for dx in 0..p.kernel {
            let (y, x) = (py * p.stride + dy, px * p.stride + dx);
            if y < ch && x < cw {
                f((co * ch + y) * cw + x);
            }
        }
    }
}
