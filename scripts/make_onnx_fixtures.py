#!/usr/bin/python3
"""scripts/make_onnx_fixtures.py: writes the ONNX fixtures of tests/data/onnx/ with PyTorch's exporter.

For each small architecture (a CNN with BatchNorm, a depthwise-separable CNN, a residual block with the rarer
ops, an MLP written with MatMul + Add) it writes <name>.onnx, a fixed input <name>.input.npy (NCHW, as PyTorch
takes it) and PyTorch's output on it, <name>.output.npy. With --fmnist it also trains a small CNN on
Fashion-MNIST for one epoch (pixels scaled to [0, 1]) and writes fmnist_cnn.onnx with its float test accuracy
in fmnist_cnn.accuracy.txt. Everything is seeded, so a rerun gives the same weights on the same torch build.

The tests read these files only; they need no Python. Needs Debian's python3-torch, python3-onnx, python3-numpy:
run it with /usr/bin/python3.

Usage: /usr/bin/python3 scripts/make_onnx_fixtures.py [--out tests/data/onnx] [--fmnist] [--data DIR]
"""
import argparse
import gzip
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F


def randomize_bn(model, gen):
    """Non-trivial BatchNorm statistics, so that folding them is actually tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.2)


class CnnBn(nn.Module):
    """Conv + BatchNorm + ReLU, MaxPool, Conv + BN + ReLU6 (Clip 0..6), AveragePool with count_include_pad
    (PyTorch's default) and padding, Flatten, Linear (Gemm), Softmax."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 12, 3, padding=0, bias=False), nn.BatchNorm2d(12)
        self.fc = nn.Linear(12 * 3 * 3, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)            # 16 -> 8
        x = F.relu6(self.b2(self.c2(x)))                             # 8 -> 6
        x = F.avg_pool2d(x, 3, stride=2, padding=1)                  # 6 -> 3, pads counted
        return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class DsCnn(nn.Module):
    """Strided conv, depthwise conv (group = channels, multiplier 2) + BN + ReLU6, pointwise conv + BN +
    HardSwish, asymmetric explicit padding, GlobalAveragePool, Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        self.c0, self.b0 = nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8)
        self.dw, self.bdw = nn.Conv2d(8, 16, 3, padding=1, groups=8), nn.BatchNorm2d(16)
        self.pw, self.bpw = nn.Conv2d(16, 16, 1), nn.BatchNorm2d(16)
        self.c3 = nn.Conv2d(16, 16, 3, stride=2)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = F.relu(self.b0(self.c0(x)))
        x = F.relu6(self.bdw(self.dw(x)))
        x = F.hardswish(self.bpw(self.pw(x)))
        x = self.c3(F.pad(x, (0, 1, 1, 0)))                          # left 0, right 1, top 1, bottom 0
        x = F.adaptive_avg_pool2d(x, 1)                              # GlobalAveragePool
        return self.fc(torch.flatten(x, 1))


class Residual(nn.Module):
    """A residual block (Add of two branches), Concat on channels, a BatchNorm after it, LeakyReLU, Sigmoid, Tanh, HardSigmoid, Mul,
    Sub, AveragePool without counting pads, x.view(x.size(0), -1) (a Shape/Gather/Unsqueeze/Concat chain that
    folds to a constant), Dropout, Linear."""

    def __init__(self):
        super().__init__()
        self.stem, self.bs = nn.Conv2d(2, 6, 3, padding=1), nn.BatchNorm2d(6)
        self.r1, self.br1 = nn.Conv2d(6, 6, 3, padding=1), nn.BatchNorm2d(6)
        self.r2, self.br2 = nn.Conv2d(6, 6, 3, padding=1), nn.BatchNorm2d(6)
        self.side = nn.Conv2d(6, 4, 1)
        self.bcat = nn.BatchNorm2d(10)                               # not after a conv: MUL + ADD
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(10 * 4 * 4, 7)

    def forward(self, x):
        s = F.relu(self.bs(self.stem(x)))
        r = self.br2(self.r2(F.relu(self.br1(self.r1(s)))))
        x = F.relu(s + r)
        y = self.bcat(torch.cat([x, F.leaky_relu(self.side(x), 0.1)], dim=1))   # 10 channels
        y = y * torch.sigmoid(y) - 0.25 * torch.tanh(y) + F.hardsigmoid(y)
        y = F.avg_pool2d(y, 3, stride=2, padding=1, count_include_pad=False)   # 8 -> 4
        y = self.drop(y.view(y.size(0), -1))
        return self.fc(y)


class Mlp(nn.Module):
    """MatMul + Add (not Gemm), Tanh, HardTanh (Clip -1..1), clamp (Clip with other bounds), Unsqueeze /
    Squeeze, Transpose, Div by a constant."""

    def __init__(self, gen):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(20, 32, generator=gen) * 0.3)
        self.b1 = nn.Parameter(torch.randn(32, generator=gen) * 0.1)
        self.w2 = nn.Parameter(torch.randn(32, 16, generator=gen) * 0.3)
        self.b2 = nn.Parameter(torch.randn(16, generator=gen) * 0.1)
        self.w3 = nn.Parameter(torch.randn(16, 6, generator=gen) * 0.3)

    def forward(self, x):
        h = torch.tanh(torch.matmul(x, self.w1) + self.b1)
        h = F.hardtanh(torch.matmul(h, self.w2) + self.b2)
        h = torch.clamp(h.unsqueeze(1).squeeze(1) * 3.0, min=-0.5, max=2.0)
        h = torch.transpose(h.unsqueeze(2), 1, 2).squeeze(1)
        return torch.matmul(h, self.w3) / 2.0


def export(model, x, path, opset):
    model.eval()
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, (x,), path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=False,
                      # PRESERVE keeps BatchNormalization nodes (EVAL folds them into the convs already).
                      training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load(path))
    return y.numpy()


def write_fixture(out, name, model, shape, opset, gen):
    x = torch.randn(*shape, generator=gen)
    y = export(model, x, os.path.join(out, name + ".onnx"), opset)
    np.save(os.path.join(out, name + ".input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, name + ".output.npy"), y.astype(np.float32))
    print(f"{name}: input {list(x.shape)}, output {list(y.shape)}, opset {opset}")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class FmnistCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def make_fmnist(out, data_dir):
    xtr = torch.from_numpy(read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    ytr = torch.from_numpy(read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xte = torch.from_numpy(read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    yte = torch.from_numpy(read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    xtr, xte = xtr.unsqueeze(1), xte.unsqueeze(1)
    model = FmnistCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(7)
    model.train()
    perm = torch.randperm(len(xtr), generator=gen)
    for i in range(0, len(xtr), 128):                                # one epoch
        idx = perm[i:i + 128]
        opt.zero_grad()
        F.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(xte).argmax(1) == yte).float().mean())
    x = xte[:4]
    y = export(model, x, os.path.join(out, "fmnist_cnn.onnx"), 13)
    np.save(os.path.join(out, "fmnist_cnn.input.npy"), x.numpy())
    np.save(os.path.join(out, "fmnist_cnn.output.npy"), y.astype(np.float32))
    with open(os.path.join(out, "fmnist_cnn.accuracy.txt"), "w") as f:
        f.write(f"{acc:.4f}\n")
    print(f"fmnist_cnn: float test accuracy {acc:.4f} (PyTorch, 10000 images)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "onnx"))
    ap.add_argument("--fmnist", action="store_true")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1234)
    for name, model, shape, opset in [("cnn_bn", CnnBn(), (2, 1, 16, 16), 11),
                                      ("dscnn", DsCnn(), (1, 3, 12, 12), 13),
                                      ("residual", Residual(), (1, 2, 8, 8), 17),
                                      ("mlp", Mlp(gen), (3, 20), 15)]:
        randomize_bn(model, gen)
        write_fixture(a.out, name, model, shape, opset, gen)
    if a.fmnist:
        make_fmnist(a.out, a.data)


if __name__ == "__main__":
    main()
