#!/usr/bin/env python3
"""scripts/ptq_torch_fmnist.py: the PyTorch peer for tinyopt's quantizer on Fashion-MNIST.

Loads the float weights of ../shared/models/fmnist_cnn_float.tflite (a small flatbuffer reader below: no
TensorFlow needed), rebuilds the network in PyTorch, checks its float accuracy on the 10,000 test images, then
runs PyTorch eager-mode post-training static quantization (fbgemm/x86/onednn, whichever this torch has, per-channel symmetric int8 weights,
min/max or histogram activation observers) with 100, 500 and 1000 training images for calibration and prints
the int8 test accuracy of each. Needs python3-torch and python3-numpy (Debian).

Usage: scripts/ptq_torch_fmnist.py [--model PATH] [--data /usr/share/datasets/fashion-mnist]
"""
import argparse
import gzip
import struct

import numpy as np
import torch
import torch.ao.quantization as tq


# --- a minimal TFLite flatbuffer reader: subgraph 0 tensors with their constant data -------------------------
def _u32(b, o): return struct.unpack_from("<I", b, o)[0]
def _i32(b, o): return struct.unpack_from("<i", b, o)[0]


def _field(b, table, index):
    """Absolute position of field `index` of the table at `table`, or None when absent."""
    vt = table - _i32(b, table)
    vsize = struct.unpack_from("<H", b, vt)[0]
    if 4 + 2 * index >= vsize:
        return None
    off = struct.unpack_from("<H", b, vt + 4 + 2 * index)[0]
    return table + off if off else None


def _vector(b, pos):
    start = pos + _u32(b, pos)
    return start + 4, _u32(b, start)


def _tables(b, table, index):
    p = _field(b, table, index)
    if p is None:
        return []
    start, n = _vector(b, p)
    return [start + 4 * i + _u32(b, start + 4 * i) for i in range(n)]


def read_tflite_tensors(path):
    b = open(path, "rb").read()
    model = _u32(b, 0)
    buffers = []
    for t in _tables(b, model, 4):
        p = _field(b, t, 0)
        if p is None:
            buffers.append(b"")
        else:
            s, n = _vector(b, p)
            buffers.append(b[s:s + n])
    sub = _tables(b, model, 2)[0]
    out = []
    for t in _tables(b, sub, 0):
        sp = _field(b, t, 0)
        shape = []
        if sp is not None:
            s, n = _vector(b, sp)
            shape = list(struct.unpack_from("<%di" % n, b, s))
        bp = _field(b, t, 2)
        buf = _u32(b, bp) if bp is not None else 0
        data = buffers[buf] if buf < len(buffers) else b""
        out.append((shape, np.frombuffer(data, dtype=np.float32).reshape(shape) if data else None))
    return out


# --- the network -----------------------------------------------------------------------------------------------
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = torch.nn.Conv2d(1, 16, 3, padding=1)
        self.relu1 = torch.nn.ReLU()
        self.pool1 = torch.nn.MaxPool2d(2)
        self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
        self.relu2 = torch.nn.ReLU()
        self.pool2 = torch.nn.MaxPool2d(2)
        self.fc1 = torch.nn.Linear(1568, 64)
        self.relu3 = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(64, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):  # x: N,1,28,28
        x = self.quant(x)
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # TFLite flattens NHWC
        x = self.fc2(self.relu3(self.fc1(x)))
        return self.dequant(x)  # logits; softmax does not change the argmax


def load_weights(net, path):
    consts = {tuple(s): d for s, d in read_tflite_tensors(path) if d is not None}
    with torch.no_grad():
        net.conv1.weight.copy_(torch.from_numpy(consts[(16, 3, 3, 1)].transpose(0, 3, 1, 2).copy()))
        net.conv1.bias.copy_(torch.from_numpy(consts[(16,)]))
        net.conv2.weight.copy_(torch.from_numpy(consts[(32, 3, 3, 16)].transpose(0, 3, 1, 2).copy()))
        net.conv2.bias.copy_(torch.from_numpy(consts[(32,)]))
        net.fc1.weight.copy_(torch.from_numpy(consts[(64, 1568)]))
        net.fc1.bias.copy_(torch.from_numpy(consts[(64,)]))
        net.fc2.weight.copy_(torch.from_numpy(consts[(10, 64)]))
        net.fc2.bias.copy_(torch.from_numpy(consts[(10,)]))


def read_idx(path):
    b = gzip.open(path, "rb").read()
    rank = b[3]
    dims = struct.unpack(">%dI" % rank, b[4:4 + 4 * rank])
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def accuracy(net, x, y):
    with torch.no_grad():
        pred = torch.cat([net(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return 100.0 * (pred == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="../shared/models/fmnist_cnn_float.tflite")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.manual_seed(0)
    engines = torch.backends.quantized.supported_engines
    torch.backends.quantized.engine = next(e for e in ("fbgemm", "x86", "onednn", "qnnpack") if e in engines)
    print("quantized engine:", torch.backends.quantized.engine)
    xtr = torch.from_numpy(read_idx(a.data + "/train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)[:, None]
    xte = torch.from_numpy(read_idx(a.data + "/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0)[:, None]
    yte = torch.from_numpy(read_idx(a.data + "/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    net = Net().eval()
    load_weights(net, a.model)
    print("| method | calibration images | float % | int8 % |")
    print("|---|---|---|---|")
    fp = accuracy(net, xte, yte)
    weight = tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    for name, act in [("minmax", tq.MinMaxObserver.with_args(dtype=torch.quint8, reduce_range=True)),
                      ("histogram", tq.HistogramObserver.with_args(dtype=torch.quint8, reduce_range=True))]:
        for n in (100, 500, 1000):
            q = Net().eval()
            load_weights(q, a.model)
            q = tq.fuse_modules(q, [["conv1", "relu1"], ["conv2", "relu2"], ["fc1", "relu3"]])
            q.qconfig = tq.QConfig(activation=act, weight=weight)
            tq.prepare(q, inplace=True)
            with torch.no_grad():
                for i in range(0, n, 100):
                    q(xtr[i:min(n, i + 100)])
            tq.convert(q, inplace=True)
            print("| PyTorch eager PTQ, per-channel, %s | %d | %.2f | %.2f |" % (name, n, fp, accuracy(q, xte, yte)))


if __name__ == "__main__":
    main()
