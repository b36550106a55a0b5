#!/usr/bin/env bash
# scripts/test.sh: the whole test suite from a fresh checkout: installs missing dependencies, configures and
# builds everything in build/, then runs every test with ctest. Extra arguments go to ctest (e.g. -R npy).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
# A unity build (CMake batches of 8 sources per compiler run): a fresh build takes about half the CPU time, as
# the heavy headers (nlohmann/json, CLI11, fmt) are parsed and instantiated once per batch instead of per file.
cmake -S . -B build -G Ninja -DCMAKE_UNITY_BUILD=ON
# The tool and the tests only (benchmarks and examples are built by the README's first command).
cmake --build build -j"${JOBS:-2}" --target tinyopt_tests
# Test executables run two at a time (each writes its scratch files under its own name).
ctest --test-dir build --output-on-failure -j"${JOBS:-2}" "$@"
