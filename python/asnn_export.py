"""Export a PyTorch ``nn.Sequential`` to the asnn network format (docs/network-format.md).

Supported modules: Linear, Conv2d (square kernel, equal stride/padding, no dilation or
groups), ReLU, AvgPool2d / MaxPool2d (square, no padding), Flatten, BatchNorm1d/2d
(folded into the preceding Linear/Conv2d), Dropout and Identity (skipped), and
``AsnTransfer`` (the ASN transfer activation, for binary coding). The last Linear becomes
the readout. Anything else is refused with the module's position and type.

Weights are written as one ``.safetensors`` file. Debian bookworm has no
python3-safetensors, so the (simple, documented) format is written here directly:
8-byte little-endian header length, a JSON header, then the raw little-endian tensors.
asnn reads it with the maintained Rust ``safetensors`` crate, so the parity test checks
this writer too.
"""

import json
import math
import os
import struct

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - the exporter needs torch; the IDX helpers do not
    torch = None
    nn = None


class ExportError(ValueError):
    pass


def write_safetensors(path, tensors):
    """Write ``{name: np.ndarray}`` as float32 safetensors (names sorted, stable bytes)."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_idx(path):
    """An IDX file (the MNIST format) as a numpy array; `path` or `path.gz`, gzip or plain."""
    import gzip
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            raw = open(p, "rb").read()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            nd = raw[3]
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)
    raise FileNotFoundError(path)


def write_idx_u8(path, array):
    """Write a uint8 array as an IDX file (the MNIST format)."""
    a = np.ascontiguousarray(np.asarray(array, dtype=np.uint8))
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, a.ndim]))
        for d in a.shape:
            f.write(struct.pack(">I", d))
        f.write(a.tobytes())


def _fold_bn(weight, bias, bn):
    g = bn.weight.detach().double().numpy() if bn.affine else np.ones(bn.num_features)
    b = bn.bias.detach().double().numpy() if bn.affine else np.zeros(bn.num_features)
    mean = bn.running_mean.detach().double().numpy()
    var = bn.running_var.detach().double().numpy()
    s = g / np.sqrt(var + bn.eps)
    shape = (-1,) + (1,) * (weight.ndim - 1)
    return weight * s.reshape(shape), (bias - mean) * s + b


def _fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, float):
        r = repr(v)
        return r if ("." in r or "e" in r or "inf" in r or "nan" in r) else r + ".0"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _table(name, d):
    items = [f"{k} = {_fmt(v)}" for k, v in d.items() if v is not None]
    return f"{name} = {{ " + ", ".join(items) + " }"


def export(model, out_dir, name, input_shape, input_scale, raw_max=255, steps=300, coding="graded",
           delay=0, asn=None, quantization=None, calibration=None, layer_asn=None,
           allow_relu_before_avgpool=False):
    """Export ``model`` (an ``nn.Sequential``) to ``out_dir/network.toml`` + ``weights.safetensors``.

    ``input_shape`` is ``[n]`` or ``[C, H, W]``; the first layer sees ``raw * input_scale``.
    ``asn``/``quantization``/``calibration`` are dicts for the global sections;
    ``layer_asn`` maps a layer name to its ``asn`` overrides.

    A pool is fused into the conv layer before it and pools S_dyn *before* the spike
    test, so the converted layer computes ``relu(pool(conv))``. For max pooling that
    equals ``pool(relu(conv))``; for average pooling it does not, so
    ``Conv2d -> ReLU -> AvgPool2d`` is refused unless ``allow_relu_before_avgpool``
    (then the asnn ANN, and the ASNN, differ from the PyTorch model). Train with
    ``Conv2d -> AvgPool2d -> ReLU`` for an exact conversion.
    """
    if torch is None:
        raise ExportError("PyTorch is not importable: use /usr/bin/python3 with python3-torch")
    if not isinstance(model, nn.Sequential):
        raise ExportError(f"expected nn.Sequential, got {type(model).__name__}")
    mods = [m for m in model if not isinstance(m, (nn.Dropout, nn.Identity))]
    tensors = {}
    layers = []
    linear_idx = [i for i, m in enumerate(mods) if isinstance(m, (nn.Linear, nn.Conv2d))]
    if not linear_idx or not isinstance(mods[linear_idx[-1]], nn.Linear):
        raise ExportError("the last weight layer must be nn.Linear (it becomes the readout)")
    i = 0
    n = 0
    relu_since_conv = False
    while i < len(mods):
        m = mods[i]
        pos = f"module #{i} ({type(m).__name__})"
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            w = m.weight.detach().double().numpy()
            b = m.bias.detach().double().numpy() if m.bias is not None else np.zeros(w.shape[0])
            if i + 1 < len(mods) and isinstance(mods[i + 1], (nn.BatchNorm1d, nn.BatchNorm2d)):
                w, b = _fold_bn(w, b, mods[i + 1])
                i += 1
            readout = i >= linear_idx[-1] and isinstance(m, nn.Linear) and m is mods[linear_idx[-1]]
            lname = "readout" if readout else f"{'fc' if isinstance(m, nn.Linear) else 'conv'}{n}"
            n += 1
            tensors[f"{lname}.weight"] = w
            tensors[f"{lname}.bias"] = b
            entry = {"name": lname, "weight": f"{lname}.weight", "bias": f"{lname}.bias"}
            if isinstance(m, nn.Linear):
                entry = {"kind": "readout" if readout else "dense", **entry, "units": int(w.shape[0])}
            else:
                ks, st, pd = m.kernel_size, m.stride, m.padding
                if ks[0] != ks[1] or st[0] != st[1] or isinstance(pd, str) or pd[0] != pd[1]:
                    raise ExportError(f"{pos}: only square kernels with equal stride/padding are supported")
                if m.dilation != (1, 1) or m.groups != 1 or m.padding_mode != "zeros":
                    raise ExportError(f"{pos}: dilation, groups and non-zero padding modes are not supported")
                entry = {"kind": "conv2d", **entry, "channels": int(w.shape[0]), "kernel": ks[0],
                         "stride": st[0], "padding": pd[0]}
            if layer_asn and lname in layer_asn:
                entry["asn"] = layer_asn[lname]
            layers.append(entry)
            relu_since_conv = False
        elif isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            s = m.stride if isinstance(m.stride, int) else (m.stride or (k,))[0]
            p = m.padding if isinstance(m.padding, int) else m.padding[0]
            if p != 0 or getattr(m, "ceil_mode", False):
                raise ExportError(f"{pos}: pooling with padding or ceil_mode is not supported")
            if isinstance(m, nn.AvgPool2d) and relu_since_conv and not allow_relu_before_avgpool:
                raise ExportError(
                    f"{pos}: ReLU before AvgPool2d: the fused ASNN layer pools before the spike test "
                    "(relu(avgpool(conv))), which differs from avgpool(relu(conv)); train with "
                    "Conv2d -> AvgPool2d -> ReLU, or pass allow_relu_before_avgpool=True to accept the difference")
            layers.append({"kind": "avgpool" if isinstance(m, nn.AvgPool2d) else "maxpool",
                           "name": f"pool{len(layers)}", "kernel": k, "stride": s})
        elif isinstance(m, nn.Flatten):
            layers.append({"kind": "flatten", "name": f"flatten{len(layers)}"})
        elif isinstance(m, nn.ReLU) or type(m).__name__ == "AsnTransfer":
            relu_since_conv = True
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            raise ExportError(f"{pos}: batch-norm must directly follow a Linear or Conv2d layer")
        else:
            raise ExportError(f"{pos}: unsupported module")
        i += 1
    for k, v in tensors.items():
        if not np.all(np.isfinite(v)):
            raise ExportError(f"tensor {k} has NaN or Inf values")
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "weights.safetensors"), tensors)
    out = [f"# Exported by python/asnn_export.py. Format: docs/network-format.md", "",
           "[network]", f"name = {_fmt(name)}", 'weights = "weights.safetensors"', f"steps = {steps}",
           f"coding = {_fmt(coding)}", f"delay = {delay}", "",
           "[input]", f"shape = {_fmt(list(input_shape))}", 'kind = "frame"',
           f"scale = {_fmt(float(input_scale))}", f"raw_max = {raw_max}"]
    for sec, d in (("asn", asn), ("quantization", quantization), ("calibration", calibration)):
        if d:
            out += ["", f"[{sec}]"] + [f"{k} = {_fmt(v)}" for k, v in d.items()]
    for e in layers:
        out += ["", "[[layer]]"]
        for k, v in e.items():
            out.append(_table(k, v) if isinstance(v, dict) else f"{k} = {_fmt(v)}")
    with open(os.path.join(out_dir, "network.toml"), "w") as f:
        f.write("\n".join(out) + "\n")
    return os.path.join(out_dir, "network.toml")


def asn_spike_height(m_f=0.1, theta0=0.1, tau_gamma=15.0, tau_eta=50.0):
    """h with f(1) = 1 for the ASN transfer function (asn-model.md)."""
    c1, c2 = 2 * m_f * tau_gamma ** 2, 2 * theta0 * tau_eta * tau_gamma
    c3 = tau_gamma * (m_f * tau_gamma + 2 * (m_f + 1) * tau_eta)
    c4 = theta0 * tau_eta * (tau_gamma + tau_eta)
    g = lambda r: 1.0 / (math.exp((c1 * r + c2) / (c3 * r + c4)) - 1.0)
    return 1.0 / (g(1.0) - g(theta0 / 2) + 0.5)
