#!/usr/bin/python3
"""scripts/check_armnn_accuracy.py: runs a float Fashion-MNIST .tflite in Arm NN (CpuRef backend) over the
10,000 test images and prints its accuracy: an outside check of models tinyopt writes.

Needs Debian's python3-pyarmnn, libarmnn-cpuref-backend22, libarmnntfliteparser-dev and dataset-fashion-mnist.

    /usr/bin/python3 scripts/check_armnn_accuracy.py examples/fashion_mnist/model_float.tflite [--limit N]
"""
import argparse
import gzip
import sys

import numpy as np
import pyarmnn as ann

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--limit", type=int, default=0, help="only the first N test images")
    a = ap.parse_args()
    images = read_idx(f"{a.data}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(f"{a.data}/t10k-labels-idx1-ubyte.gz")
    if a.limit:
        images, labels = images[:a.limit], labels[:a.limit]

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(a.model)
    graph = 0
    input_name = parser.GetSubgraphInputTensorNames(graph)[0]
    output_name = parser.GetSubgraphOutputTensorNames(graph)[0]
    in_binding = parser.GetNetworkInputBindingInfo(graph, input_name)
    out_binding = parser.GetNetworkOutputBindingInfo(graph, output_name)
    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, messages = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(),
                                       ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(optimized)
    correct = 0
    for i, (img, label) in enumerate(zip(images, labels)):
        x = img.reshape(1, 28, 28, 1)
        inputs = ann.make_input_tensors([in_binding], [x])
        outputs = ann.make_output_tensors([out_binding])
        runtime.EnqueueWorkload(net_id, inputs, outputs)
        probs = ann.workload_tensors_to_ndarray(outputs)[0]
        correct += int(np.argmax(probs) == label)
    n = len(labels)
    print(f"Arm NN {ann.ARMNN_VERSION} CpuRef: {a.model}: test accuracy {correct / n:.4f} ({correct}/{n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
