#!/usr/bin/python3
"""scripts/check_armnn_quantized.py: loads an int8 Fashion-MNIST model written by `tinyopt quantize` in Arm NN
(CpuRef backend) and compares its int8 outputs on test images with tinyopt's own int8 runtime (`tinyopt run`):
an outside check that the models we write are valid and that our kernels agree with another implementation.
The acceptance bar (issue 5) is every output within 1 LSB.

Needs Debian's python3-pyarmnn, libarmnn-cpuref-backend22, libarmnntfliteparser-dev and dataset-fashion-mnist.

    build/tinyopt quantize ../shared/models/fmnist_cnn_float.tflite \\
        --calib /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --num-calib 500 -o /tmp/q.tflite
    /usr/bin/python3 scripts/check_armnn_quantized.py /tmp/q.tflite --tinyopt build/tinyopt [--limit N]

Exit status 0 when every output is within --tolerance LSB (default 1), 1 otherwise.
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyarmnn as ann

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def armnn_outputs(model, x_int8):
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    in_binding = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])
    out_binding = parser.GetNetworkOutputBindingInfo(0, parser.GetSubgraphOutputTensorNames(0)[0])
    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(optimized)
    outs = []
    for x in x_int8:
        inputs = ann.make_input_tensors([in_binding], [x.reshape(1, 28, 28, 1)])
        outputs = ann.make_output_tensors([out_binding])
        runtime.EnqueueWorkload(net_id, inputs, outputs)
        outs.append(ann.workload_tensors_to_ndarray(outputs)[0].reshape(-1))
    info = in_binding[1]
    return np.stack(outs), (info.GetQuantizationScale(), info.GetQuantizationOffset())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="int8 .tflite written by tinyopt quantize (int8 input and output)")
    ap.add_argument("--tinyopt", default="build/tinyopt")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--limit", type=int, default=1000, help="the first N test images (default 1000)")
    ap.add_argument("--tolerance", type=int, default=1, help="allowed difference in LSB (default 1)")
    a = ap.parse_args()

    images = read_idx(f"{a.data}/t10k-images-idx3-ubyte.gz")[:a.limit].astype(np.float32) / 255.0
    # The input parameters come from the model itself (Arm NN's view of it); tinyopt's input is fmnist's [0,1].
    parser = ann.ITfLiteParser()
    parser.CreateNetworkFromBinaryFile(a.model)
    info = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])[1]
    scale, zp = info.GetQuantizationScale(), info.GetQuantizationOffset()
    x = np.clip(np.round(images / scale) + zp, -128, 127).astype(np.int8).reshape(-1, 28, 28, 1)

    ours_out = None
    with tempfile.TemporaryDirectory() as tmp:
        xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(xin, x)
        subprocess.run([a.tinyopt, "-q", "run", a.model, "-i", xin, "-o", yout], check=True, stdout=subprocess.DEVNULL)
        ours_out = np.load(yout).reshape(len(x), -1).astype(np.int32)
    theirs, _ = armnn_outputs(a.model, x)
    theirs = theirs.astype(np.int32)

    diff = np.abs(ours_out - theirs)
    n_el = diff.size
    top1 = float(np.mean(np.argmax(ours_out, 1) == np.argmax(theirs, 1))) * 100
    print(f"Arm NN {ann.ARMNN_VERSION} CpuRef vs tinyopt run: {a.model}, {len(x)} test images, {n_el} int8 outputs")
    print(f"  identical: {np.sum(diff == 0)} ({100.0 * np.sum(diff == 0) / n_el:.2f}%), "
          f"off by 1 LSB: {np.sum(diff == 1)}, off by more: {np.sum(diff > 1)}, max |diff| {diff.max()} LSB")
    print(f"  top-1 agreement: {top1:.2f}%")
    ok = diff.max() <= a.tolerance
    print("PASS" if ok else f"FAIL: outputs differ by more than {a.tolerance} LSB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
