#!/usr/bin/env bash
# scripts/install_deps.sh: installs, with apt-get, the Debian packages tinyopt needs to build and test that are
# not installed yet. Idempotent and silent when everything is present; uses sudo only when not run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config          # toolchain
  libflatbuffers-dev flatbuffers-compiler                # TFLite flatbuffers + flatc
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev doctest-dev libstb-dev
  zlib1g-dev                                             # gzipped IDX datasets, deflated .npz members
  libjpeg62-turbo-dev                                    # JPEG images (libjpeg-turbo)
  libonnx-dev libprotobuf-dev                            # ONNX protobuf classes (formats/onnx/)
  clang libclang-rt-14-dev                               # libFuzzer + sanitizer runtimes for CI
  dataset-fashion-mnist                                  # labeled images: training, calibration, accuracy tests
  python3-numpy                                          # example-input script and cross-checks
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
