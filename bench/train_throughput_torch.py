#!/usr/bin/python3
"""bench/train_throughput_torch.py: the PyTorch peer of bench/train_throughput.cc.

Same architecture as examples/fashion_mnist/architecture.h (NCHW here; depthwise = groups=C; PyTorch "same"
padding of stride-2 3x3 convs written as padding=1, which on 28x28 / 14x14 gives the same 14x14 / 7x7 maps),
same batch (64), AdamW, random data, forward + backward + update per step, on CPU with 2 threads.

    /usr/bin/python3 bench/train_throughput_torch.py [--steps N] [--threads N] [--batch N]
"""
import argparse
import time

import torch
import torch.nn as nn


def dw_separable(cin, cout, stride):
    return [nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin), nn.ReLU(),
            nn.Conv2d(cin, cout, 1), nn.ReLU()]


def build():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        *dw_separable(16, 32, 2), *dw_separable(32, 32, 1),
        *dw_separable(32, 64, 2), *dw_separable(64, 64, 1),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = build()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()  # log-softmax + NLL: the fused softmax + cross-entropy tinyopt uses
    x = torch.rand(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = time.perf_counter() - t0
    print(f"pytorch {torch.__version__} train: {params} parameters, batch {a.batch}, {a.threads} threads, "
          f"{a.steps} steps: {a.steps * a.batch / s:.1f} samples/s ({1e3 * s / a.steps:.2f} ms/step)")


if __name__ == "__main__":
    main()
