#!/usr/bin/python3
"""bench/throughput_vs_torch.py: tinyopt's bundled runtime and PyTorch side by side, 1 thread each, on the shared
Fashion-MNIST CNN (../shared/models/fmnist_cnn_float.tflite) and its int8 twin from `tinyopt quantize`.

- batch throughput: N test images (default 2,000). tinyopt: `tinyopt run --threads 1 --json` (its timing.seconds:
  the evaluation, without process start and model read; the whole process's wall time is printed too), with the
  given --samples-per-invoke (blocks of B samples per invoke) and with 1 (run's default); a ratio for each. PyTorch: the same layers (NCHW, random
  weights: speed does not depend on them), batches of --batch under torch.inference_mode(); int8 through
  torch.ao eager-mode post-training quantization (fused conv+relu, per-channel weights) on the `onednn` engine
  (`fbgemm` is absent from Debian's build), calibrated on the same 256 training images tinyopt quantizes with.
- batch 1: tinyopt `run --bench` (repeated single-sample invokes); PyTorch a loop of single-image calls.

    /usr/bin/python3 bench/throughput_vs_torch.py [--tinyopt build/tinyopt] [--samples 2000] [--batch 256]
        [--samples-per-invoke 64] [--seconds 2] [--shared ../shared]
TINYOPT_ISA (portable|avx2|avx512vnni) is passed through to tinyopt.
"""
import argparse
import gzip
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
FMNIST = "/usr/share/datasets/fashion-mnist"


def idx_images(path, n):
    with gzip.open(path, "rb") as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    x = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols)[:n]
    return (x.astype(np.float32) / 255.0)[..., None]  # NHWC, pixels in [0, 1]


class FmnistCnn(nn.Module):
    """../shared/models/README-fmnist.md: conv 3x3 1->16 +relu, maxpool 2, conv 3x3 16->32 +relu, maxpool 2,
    FC 1568->64 +relu, FC 64->10, softmax."""

    def __init__(self, quantized=False):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub() if quantized else nn.Identity()
        self.conv1, self.relu1 = nn.Conv2d(1, 16, 3, padding=1), nn.ReLU()
        self.conv2, self.relu2 = nn.Conv2d(16, 32, 3, padding=1), nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc1, self.relu3 = nn.Linear(1568, 64), nn.ReLU()
        self.fc2 = nn.Linear(64, 10)
        self.dequant = torch.ao.quantization.DeQuantStub() if quantized else nn.Identity()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool(self.relu1(self.conv1(x)))
        x = self.pool(self.relu2(self.conv2(x)))
        x = self.fc2(self.relu3(self.fc1(torch.flatten(x, 1))))
        return torch.softmax(self.dequant(x), dim=1)


def torch_int8(calib):
    torch.backends.quantized.engine = "onednn"
    m = FmnistCnn(quantized=True).eval()
    m = torch.ao.quantization.fuse_modules(m, [["conv1", "relu1"], ["conv2", "relu2"], ["fc1", "relu3"]])
    m.qconfig = torch.ao.quantization.get_default_qconfig("onednn")
    torch.ao.quantization.prepare(m, inplace=True)
    with torch.inference_mode():
        m(calib)
    return torch.ao.quantization.convert(m)


def torch_batch(model, x, batch):
    with torch.inference_mode():
        model(x[:batch])  # warm-up
        t0 = time.perf_counter()
        for i in range(0, len(x), batch):
            model(x[i:i + batch])
        return len(x) / (time.perf_counter() - t0)


def torch_single_ms(model, x, seconds):
    with torch.inference_mode():
        one = x[:1]
        model(one)
        runs, t0 = 0, time.perf_counter()
        while runs < 10 or time.perf_counter() - t0 < seconds:
            model(one)
            runs += 1
        return 1000.0 * (time.perf_counter() - t0) / runs


def tinyopt_json(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(r.stdout), time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinyopt", default=os.path.join(HERE, "..", "build", "tinyopt"))
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--samples-per-invoke", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--shared", default=SHARED, help="folder with models/ (default: ../shared of the checkout)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    tmp = tempfile.mkdtemp(prefix="tinyopt_vs_torch_")
    x = idx_images(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"), a.samples)
    calib = idx_images(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"), 256)
    np.save(os.path.join(tmp, "samples.npy"), x)
    np.save(os.path.join(tmp, "one.npy"), x[:1])
    np.save(os.path.join(tmp, "calib.npy"), calib)
    float_model = os.path.join(a.shared, "models", "fmnist_cnn_float.tflite")
    int8_model = os.path.join(tmp, "fmnist_cnn_int8.tflite")
    subprocess.run([a.tinyopt, "-q", "quantize", float_model, "--calib", os.path.join(tmp, "calib.npy"), "-o", int8_model],
                   check=True)
    version = subprocess.run([a.tinyopt, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    print(f"{version}; torch {torch.__version__} (int8 engine onednn); {a.samples} samples; 1 thread each")

    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    ct = torch.from_numpy(np.ascontiguousarray(calib.transpose(0, 3, 1, 2)))
    torch_models = {"float": FmnistCnn().eval(), "int8": torch_int8(ct)}
    rows = []
    for kind, model in (("float", float_model), ("int8", int8_model)):
        base = [a.tinyopt, "run", model, "--threads", "1", "--json"]
        blocked, blocked_wall = tinyopt_json(base + ["-i", os.path.join(tmp, "samples.npy"),
                                                    "--samples-per-invoke", str(a.samples_per_invoke)])
        single, _ = tinyopt_json(base + ["-i", os.path.join(tmp, "samples.npy"), "--samples-per-invoke", "1"])
        bench, _ = tinyopt_json(base + ["-i", os.path.join(tmp, "one.npy"), "--bench", "--bench-seconds", str(a.seconds)])
        t_block = a.samples / blocked["timing"]["seconds"]
        t_single = a.samples / single["timing"]["seconds"]
        t_ms = bench["bench"]["ms_per_inference"]
        p_batch = torch_batch(torch_models[kind], xt, a.batch)
        p_ms = torch_single_ms(torch_models[kind], xt, a.seconds)
        rows.append((kind, blocked["isa"], t_block, a.samples / blocked_wall, t_single, p_batch, t_ms, p_ms))
    print(f"\n| model | ISA | tinyopt samples/s (B={a.samples_per_invoke}) | whole process | tinyopt samples/s (B=1) "
          f"| PyTorch samples/s (batch {a.batch}) | ratio (B={a.samples_per_invoke}) | ratio (B=1) "
          f"| tinyopt ms (batch 1) | PyTorch ms (batch 1) | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, isa, tb, tw, ts, pb, tm, pm in rows:
        print(f"| fmnist_cnn {kind} | {isa} | {tb:,.0f} | {tw:,.0f} | {ts:,.0f} | {pb:,.0f} | {tb / pb:.2f}x "
              f"| {ts / pb:.2f}x | {tm:.4f} | {pm:.4f} | {pm / tm:.1f}x |")


if __name__ == "__main__":
    main()
