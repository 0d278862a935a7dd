//! The ANN: the same weights with ReLU (graded coding) or the ASN transfer function
//! (binary coding), float. The reference the spiking models are judged against.

use asnn_ir::Network;
use asnn_numerics::synapse::{max_window, FanOut};
use asnn_numerics::{Coding, Conn, PoolKind, RawInput};

/// The frame an input presents at the end of the window (events applied in order).
pub fn final_frame(input: &RawInput, len: usize) -> Vec<u32> {
    match input {
        RawInput::Frame(v) => v.clone(),
        RawInput::Events(ev) => {
            let mut f = vec![0; len];
            for e in ev {
                if (e.index as usize) < len {
                    f[e.index as usize] = e.value;
                }
            }
            f
        }
    }
}

/// A network prepared for repeated forward passes.
pub struct Ann<'a> {
    net: &'a Network,
    w: Vec<Vec<f64>>,
    fan: Vec<FanOut>,
}

impl<'a> Ann<'a> {
    pub fn new(net: &'a Network) -> Self {
        // The ANN sees raw ANN weights: input scale and avg-pool 1/n folded, never h.
        let w = (0..net.layers.len())
            .map(|l| net.folded_weights(l, true, false))
            .collect();
        let fan = net.layers.iter().map(|l| FanOut::new(&l.conn)).collect();
        Ann { net, w, fan }
    }

    /// Forward pass; returns every layer's output (hidden activations, then logits).
    pub fn forward(&self, input: &RawInput) -> Vec<Vec<f64>> {
        let net = self.net;
        let mut x: Vec<f64> = final_frame(input, net.input.len())
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let mut outs = Vec::with_capacity(net.layers.len());
        for (l, layer) in net.layers.iter().enumerate() {
            let nt = layer.conn.n_targets();
            let mut acc = vec![0.0; nt];
            for (i, &xi) in x.iter().enumerate() {
                if xi != 0.0 {
                    self.fan[l].for_each(i, |t, w| acc[t] += self.w[l][w] * xi);
                }
            }
            let n_out = layer.conn.n_out();
            let mut y: Vec<f64> = (0..n_out)
                .map(|n| {
                    let pre = match layer.conn {
                        Conn::Conv(g) if matches!(g.pool, Some(p) if p.kind == PoolKind::Max) => {
                            let mut m = f64::NEG_INFINITY;
                            max_window(&g, n, |u| m = m.max(acc[u]));
                            m
                        }
                        _ => acc[n],
                    };
                    pre + layer.bias[layer.conn.channel_of(n)]
                })
                .collect();
            if !layer.readout {
                match net.coding {
                    Coding::Graded => y.iter_mut().for_each(|v| *v = v.max(0.0)),
                    Coding::Binary => {
                        let h = layer.asn.spike_height().unwrap_or(1.0);
                        y.iter_mut()
                            .for_each(|v| *v = layer.asn.transfer(*v, h).unwrap_or(0.0));
                    }
                }
            }
            outs.push(y.clone());
            x = y;
        }
        outs
    }

    pub fn predict(&self, input: &RawInput) -> u16 {
        crate::trace::argmax_f64(self.forward(input).last().map_or(&[][..], |v| v))
    }
}
