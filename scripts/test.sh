#!/usr/bin/env bash
# scripts/test.sh: the whole test suite from a fresh checkout: installs missing dependencies, configures and
# builds everything in build/, then runs every test with ctest. Extra arguments go to ctest (e.g. -R npy).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -G Ninja
# The tool and the tests only (benchmarks and examples are built by the README's first command).
cmake --build build -j"${JOBS:-2}" --target tinyopt_tests
ctest --test-dir build --output-on-failure "$@"
