#!/usr/bin/python3
"""scripts/check_armnn_quantized.py: loads an int8 Fashion-MNIST model written by `tinyopt quantize` in Arm NN
(CpuRef backend) and compares its int8 outputs on test images with tinyopt's own int8 runtime (`tinyopt run`):
an outside check that the models we write are valid and that our kernels agree with another implementation.
The acceptance bar (issue 5) is every output within 1 LSB.

Needs Debian's python3-pyarmnn, libarmnn-cpuref-backend22, libarmnntfliteparser-dev and dataset-fashion-mnist.

    build/tinyopt quantize ../shared/models/fmnist_cnn_float.tflite \\
        --calib /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --num-calib 500 -o /tmp/q.tflite
    /usr/bin/python3 scripts/check_armnn_quantized.py /tmp/q.tflite --tinyopt build/tinyopt [--limit N]

With --logits both runtimes run the model cut at the input of its last SOFTMAX (`tinyopt optimize --pipeline
cut{outputs=[...]}`), so the logits are compared: a SOFTMAX turns a 1-LSB logit difference into several LSB of
probability where the top class is near 1.

Exit status 0 when every output is within --tolerance LSB (default 1), 1 otherwise.
"""
import json
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


_RUNTIME = None


def armnn_run(model, feeds):
    """Runs `model` in Arm NN CpuRef on each sample of `feeds` (input tensor name -> array [N, ...]): the outputs,
    name -> array [N, elements], in the model's output order. One runtime for the process (Arm NN allows one)."""
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = ann.IRuntime(ann.CreationOptions())
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    in_names = parser.GetSubgraphInputTensorNames(0)
    out_names = parser.GetSubgraphOutputTensorNames(0)
    in_bindings = [parser.GetNetworkInputBindingInfo(0, n) for n in in_names]
    out_bindings = [parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]
    optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], _RUNTIME.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = _RUNTIME.LoadNetwork(optimized)
    count = len(next(iter(feeds.values())))
    results = {n: [] for n in out_names}
    for i in range(count):
        values = [feeds[n][i].reshape(1, -1) for n in in_names]  # make_input_tensors reads the bytes in order
        inputs = ann.make_input_tensors(in_bindings, values)
        outputs = ann.make_output_tensors(out_bindings)
        _RUNTIME.EnqueueWorkload(net_id, inputs, outputs)
        for n, arr in zip(out_names, ann.workload_tensors_to_ndarray(outputs)):
            results[n].append(arr.reshape(-1))
    _RUNTIME.UnloadNetwork(net_id)
    return {n: np.stack(v) for n, v in results.items()}


def tinyopt_run(tinyopt, model, inputs, n_outputs, tmp):
    """tinyopt's runtime on `inputs` (arrays, one per model input): its outputs, each [N, elements]."""
    ins = [os.path.join(tmp, f"in{i}.npy") for i in range(len(inputs))]
    outs = [os.path.join(tmp, f"out{i}.npy") for i in range(n_outputs)]
    for path, x in zip(ins, inputs):
        np.save(path, x)
    args = [tinyopt, "-q", "run", model]
    for path in ins:
        args += ["-i", path]
    for path in outs:
        args += ["-o", path]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return [np.load(p).reshape(len(inputs[0]), -1) for p in outs]


def inspect(tinyopt, model):
    return json.loads(subprocess.run([tinyopt, "inspect", model, "--json"], check=True, capture_output=True,
                                     text=True).stdout)


def cut(tinyopt, model, outputs, inputs, path):
    spec = "cut{outputs=[" + ",".join(outputs) + "]" + (",inputs=[" + ",".join(inputs) + "]" if inputs else "") + "}"
    subprocess.run([tinyopt, "-q", "optimize", model, "--pipeline", spec, "-o", path], check=True,
                   stdout=subprocess.DEVNULL)


def compare(ours, theirs):
    """(identical, off by 1, off by more, max |diff|) of two int arrays."""
    d = np.abs(ours.astype(np.int32) - theirs.astype(np.int32))
    return int(np.sum(d == 0)), int(np.sum(d == 1)), int(np.sum(d > 1)), int(d.max())


def per_op_check(a, x, tmp):
    """Each op alone (`cut` with its activation inputs as the model's inputs), fed the values tinyopt computed
    for those inputs on the whole model: Arm NN's result for that op against tinyopt's. This isolates each
    kernel: differences do not carry from one layer into the next."""
    info = inspect(a.tinyopt, a.model)
    input_names = [t["name"] for t in info["inputs"]]
    activations = set(input_names)
    for op in info["ops"]:
        activations.update(op["outputs"])
    produced = [t for op in info["ops"] for t in op["outputs"]]
    every = os.path.join(tmp, "every.tflite")
    cut(a.tinyopt, a.model, produced, None, every)
    ours = dict(zip(produced, tinyopt_run(a.tinyopt, every, [x], len(produced), tmp)))
    ours[input_names[0]] = x.reshape(len(x), -1)
    worst = 0
    print(f"Arm NN {ann.ARMNN_VERSION} CpuRef vs tinyopt, op by op (identical inputs): {a.model}, {len(x)} test images")
    print(f"  {'#':>3}  {'op':<18} {'identical %':>11} {'off by 1':>9} {'off by >1':>9} {'max LSB':>7}")
    for op in info["ops"]:
        op_inputs = [t for t in op["inputs"] if t in activations]
        one = os.path.join(tmp, f"op{op['index']}.tflite")
        cut(a.tinyopt, a.model, op["outputs"], op_inputs, one)
        one_info = inspect(a.tinyopt, one)
        feeds = {}
        for t in one_info["inputs"]:
            shape = [len(x)] + t["shape"][1:]
            feeds[t["name"]] = ours[t["name"]].reshape(shape).astype(np.int8 if t["dtype"] == "int8" else np.int32)
        theirs = armnn_run(one, feeds)
        for name in op["outputs"]:
            same, one_off, more, mx = compare(ours[name], theirs[name])
            worst = max(worst, mx)
            print(f"  {op['index']:>3}  {op['op']:<18} {100.0 * same / ours[name].size:>11.2f} {one_off:>9} {more:>9} {mx:>7}")
    ok = worst <= a.tolerance
    print("PASS: every op within" if ok else "FAIL: an op differs by more than", f"{a.tolerance} LSB")
    return 0 if ok else 1


def cut_before_softmax(tinyopt, model, tmp):
    """The model cut at the input of its last SOFTMAX (written to tmp), and that tensor's name."""
    softmax = [op for op in inspect(tinyopt, model)["ops"] if op["op"] == "SOFTMAX"]
    if not softmax:
        sys.exit(f"error: {model}: --logits needs a SOFTMAX, the model has none")
    logits = softmax[-1]["inputs"][0]
    path = os.path.join(tmp, "logits.tflite")
    cut(tinyopt, model, [logits], None, path)
    return path, logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="int8 .tflite written by tinyopt quantize (int8 input and output)")
    ap.add_argument("--tinyopt", default="build/tinyopt")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--limit", type=int, default=1000, help="the first N test images (default 1000)")
    ap.add_argument("--tolerance", type=int, default=1, help="allowed difference in LSB (default 1)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--logits", action="store_true", help="compare the input of the last SOFTMAX, not the output")
    mode.add_argument("--per-op", action="store_true", help="compare every op alone, given identical inputs")
    a = ap.parse_args()
    tmp_dir = tempfile.TemporaryDirectory()
    tmp = tmp_dir.name

    images = read_idx(f"{a.data}/t10k-images-idx3-ubyte.gz")[:a.limit].astype(np.float32) / 255.0
    # The input parameters come from the model itself; tinyopt's input is fmnist's [0,1] quantized with them.
    model_input = inspect(a.tinyopt, a.model)["inputs"][0]
    q = model_input["quantization"]
    x = np.clip(np.round(images / q["scale"][0]) + q["zero_point"][0], -128, 127).astype(np.int8).reshape(-1, 28, 28, 1)
    if a.per_op:
        return per_op_check(a, x, tmp)
    if a.logits:
        a.model, name = cut_before_softmax(a.tinyopt, a.model, tmp)
        print(f"comparing the logits '{name}' (the model cut before its last SOFTMAX)")

    ours = tinyopt_run(a.tinyopt, a.model, [x], 1, tmp)[0]
    theirs = next(iter(armnn_run(a.model, {model_input["name"]: x}).values()))
    same, one_off, more, mx = compare(ours, theirs)
    top1 = float(np.mean(np.argmax(ours, 1) == np.argmax(theirs, 1))) * 100
    print(f"Arm NN {ann.ARMNN_VERSION} CpuRef vs tinyopt run: {a.model}, {len(x)} test images, {ours.size} int8 outputs")
    print(f"  identical: {same} ({100.0 * same / ours.size:.2f}%), off by 1 LSB: {one_off}, off by more: {more}, "
          f"max |diff| {mx} LSB")
    print(f"  top-1 agreement: {top1:.2f}%")
    ok = mx <= a.tolerance
    print("PASS" if ok else f"FAIL: outputs differ by more than {a.tolerance} LSB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
