#!/usr/bin/python3
"""scripts/check_armnn_onnx.py: the outside check of `tinyopt convert` on the ONNX fixtures of tests/data/onnx:
each .onnx is converted to a .tflite by tinyopt, run in Arm NN (CpuRef backend) on the fixture's input (NCHW,
transposed to the NHWC the converted model takes), and compared with PyTorch's saved output (1e-4 relative to
the output's largest magnitude, as tests/formats/onnx_reader_test.cc does for our runtime). Exit 1 on a mismatch.

Needs Debian's python3-pyarmnn, libarmnn-cpuref-backend22, libarmnntfliteparser-dev, python3-numpy.

    /usr/bin/python3 scripts/check_armnn_onnx.py --tinyopt build/tinyopt
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyarmnn as ann


def run_armnn(model, samples):
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    in_binding = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])
    out_binding = parser.GetNetworkOutputBindingInfo(0, parser.GetSubgraphOutputTensorNames(0)[0])
    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(optimized)
    outs = []
    for x in samples:
        inputs = ann.make_input_tensors([in_binding], [np.ascontiguousarray(x[None], dtype=np.float32)])
        outputs = ann.make_output_tensors([out_binding])
        runtime.EnqueueWorkload(net_id, inputs, outputs)
        outs.append(ann.workload_tensors_to_ndarray(outputs)[0].reshape(-1))
    return np.stack(outs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinyopt", default="build/tinyopt")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "onnx"))
    a = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for onnx_path in sorted(glob.glob(os.path.join(a.fixtures, "*.onnx"))):
            stem = os.path.basename(onnx_path)[:-5]
            tfl = os.path.join(tmp, stem + ".tflite")
            subprocess.run([a.tinyopt, "convert", onnx_path, "-o", tfl], check=True, stdout=subprocess.DEVNULL)
            x = np.load(os.path.join(a.fixtures, stem + ".input.npy"))
            want = np.load(os.path.join(a.fixtures, stem + ".output.npy")).reshape(len(x), -1)
            if x.ndim == 4:
                x = x.transpose(0, 2, 3, 1)
            try:
                got = run_armnn(tfl, x)
            except RuntimeError as e:  # a parser limitation, not a wrong result: reported, and it fails the check
                print(f"{stem}: Arm NN {ann.ARMNN_VERSION} cannot load the converted model: {str(e).splitlines()[0]}")
                failed += 1
                continue
            err = float(np.abs(got - want).max())
            scale = float(np.abs(want).max())
            ok = err <= 1e-4 * max(scale, 1e-6)
            failed += not ok
            print(f"{stem}: Arm NN {ann.ARMNN_VERSION} CpuRef vs PyTorch: max abs error {err:.3g} "
                  f"(output scale {scale:.3g}) {'ok' if ok else 'MISMATCH'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
