#!/usr/bin/python3
"""bench/distill_torch.py: the PyTorch peer of bench/distill.cc's speed scenario.

One distillation step on the example architecture (the layers of bench/train_throughput_torch.py, i.e.
examples/fashion_mnist/architecture.h): teacher forward without gradients, student forward + backward of
T^2 * KL(softmax(t/T) || softmax(s/T)) at T = 4, AdamW update; batch 64, random data, CPU, 2 threads.

    /usr/bin/python3 bench/distill_torch.py [--steps N] [--threads N] [--batch N]
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_throughput_torch import build  # noqa: E402  the same layers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    teacher, student = build().eval(), build()
    opt = torch.optim.AdamW(student.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 1, 28, 28)
    t = 4.0

    def step():
        with torch.no_grad():
            pt = F.softmax(teacher(x) / t, dim=1)
        opt.zero_grad(set_to_none=True)
        loss = F.kl_div(F.log_softmax(student(x) / t, dim=1), pt, reduction="batchmean") * t * t
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = time.perf_counter() - t0
    print(f"pytorch {torch.__version__} distill step: batch {a.batch}, {a.threads} threads, {a.steps} steps: "
          f"{a.steps * a.batch / s:.1f} samples/s ({1e3 * s / a.steps:.2f} ms/step)")


if __name__ == "__main__":
    main()
