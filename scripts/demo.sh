#!/usr/bin/env bash
# scripts/demo.sh [BUILD_DIR]: the README's first command after the build: the bundled Fashion-MNIST example from
# its float model to a firmware-ready int8 model, with the Debian dataset-fashion-mnist files as data:
#   1. optimize: channel pruning to half the MACs, 4-bit weight clustering, a short distillation against the float
#      model (with labels), int8 quantization, TFLM_DECODE compression, with a report for one board;
#   2. report: flash, arena and cycles on three boards;
#   3. verify: the int8 model against the float model on the 10,000 test images (exit 1 past the thresholds);
#   4. export: the model as a C array with its MicroMutableOpResolver set-up.
# Outputs go to $DEMO_OUT (default /tmp/tinyopt_demo). About two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
tinyopt="$build/tinyopt"
out="${DEMO_OUT:-/tmp/tinyopt_demo}"
data=/usr/share/datasets/fashion-mnist
model=examples/fashion_mnist/model_float.tflite
mkdir -p "$out"

echo "== optimize: prune channels, cluster, distill, quantize, compress"
"$tinyopt" optimize "$model" \
  -p "fold-batchnorm,prune{granularity=channel,macs=0.5},cluster{bits=4},distill{steps=1500,batch=64,lr=0.002},quantize{num-calib=500},compress" \
  --train "$data/train-images-idx3-ubyte.gz" --labels "$data/train-labels-idx1-ubyte.gz" \
  --calib "$data/train-images-idx3-ubyte.gz" --seed 1 \
  -o "$out/model_int8.tflite" --target stm32f746 --report "$out/report_stm32f746.json"

echo "== report: three boards"
"$tinyopt" report "$out/model_int8.tflite" --target stm32f746,nrf52840,esp32s3

echo "== verify: int8 against float on the test set"
"$tinyopt" verify "$model" "$out/model_int8.tflite" --data "$data/t10k-images-idx3-ubyte.gz" \
  --labels "$data/t10k-labels-idx1-ubyte.gz" --max-top1-drop 4 --min-agreement 88 --md "$out/verify.md"

echo "== export: C array for the firmware"
"$tinyopt" export "$out/model_int8.tflite" --c-array fmnist_model -o "$out/firmware" --target stm32f746
