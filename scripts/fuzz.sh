#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer targets (build-fuzz/, or FUZZ_BUILD_DIR: a clang
# build configured with -DTINYOPT_FUZZ=ON, as .ci/run's build-san/; ASan + UBSan, any
# sanitizer report fatal) and runs each TARGET for SECONDS (default 600), one after the other, on its seeds:
#   tflite_reader    ../shared/models/**/*.tflite up to 512 KB, the example model
#   onnx_reader      tests/data/onnx/*.onnx (the PyTorch fixtures of scripts/make_onnx_fixtures.py)
#   npy              examples/fashion_mnist/*.npy, ../shared/golden/**/*.npy up to 16 KB
#   npz              tests/fuzz/corpus/npz/ (committed: np.savez / np.savez_compressed of Fashion-MNIST images)
#   idx              small IDX files cut from Fashion-MNIST's test set, plain and gzip, and a truncated gzip stream
#   image_loader     tests/fuzz/corpus/image_loader/ (committed)
#   target_file      targets/*.json
#   pipeline_parser  tests/fuzz/corpus/pipeline_parser/ (committed)
#   decode_ancillary tests/fuzz/corpus/decode_ancillary/ (committed: LUT/prune encodings and malformed headers)
# Default: every target. New inputs libFuzzer finds go to build-fuzz/corpus/<target>/ (kept between runs; delete it
# for a fresh start), findings to build-fuzz/findings/<target>/. A finding fails the script: commit the input to
# tests/fuzz/regressions/<target>/ once the bug is fixed (tests_fuzz replays that folder). The last lines print
# one summary row per target: seconds, runs, cov, ft, result.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
[ $# -gt 0 ] && shift
all_targets=(tflite_reader onnx_reader npy npz idx image_loader target_file pipeline_parser decode_ancillary)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
jobs="${JOBS:-2}"
out="${FUZZ_BUILD_DIR:-build-fuzz}"

if [ ! -f "$out/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$out" -G Ninja -DTINYOPT_FUZZ=ON -DTINYOPT_EXTRAS=OFF -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_UNITY_BUILD=ON
fi
cmake --build "$out" -j"$jobs" --target "${targets[@]/%/_fuzzer}"

# Copies the files given to a seeds folder, skipping those over `max` bytes (big inputs slow every run down).
copy_seeds() {
  local dir="$1" max="$2"
  shift 2
  for f in "$@"; do
    # ../shared/models/x.tflite -> shared_models_x.tflite (no leading dot: a hidden file is easy to overlook)
    if [ -f "$f" ] && [ "$(stat -c %s "$f")" -le "$max" ]; then
      install -m 644 "$f" "$dir/$(echo "$f" | sed 's|^\(\.\./\)*||; s|/|_|g')"
    fi
  done
}

# IDX seeds: the first two Fashion-MNIST test images and labels with their counts set to 2, gzip-compressed
# copies, and the first kilobyte of a real .gz (a truncated stream).
make_idx_seeds() {
  local dir="$1" src=/usr/share/datasets/fashion-mnist
  [ -d "$src" ] || { echo "note: $src not found: no IDX seeds"; return 0; }
  python3 - "$src" "$dir" <<'PY'
import gzip, struct, sys
src, dst = sys.argv[1], sys.argv[2]
images = gzip.open(src + "/t10k-images-idx3-ubyte.gz").read(16 + 2 * 784)
labels = gzip.open(src + "/t10k-labels-idx1-ubyte.gz").read(8 + 2)
for name, data in (("images2-idx3-ubyte", images[:4] + struct.pack(">I", 2) + images[8:]),
                   ("labels2-idx1-ubyte", labels[:4] + struct.pack(">I", 2) + labels[8:])):
    open(f"{dst}/{name}", "wb").write(data)
    open(f"{dst}/{name}.gz", "wb").write(gzip.compress(data, mtime=0))
open(f"{dst}/truncated-labels-idx1-ubyte.gz", "wb").write(open(src + "/t10k-labels-idx1-ubyte.gz", "rb").read(1024))
PY
}

make_seeds() {
  local target="$1" dir="$2"
  rm -rf "$dir" && mkdir -p "$dir"
  case "$target" in
    tflite_reader) copy_seeds "$dir" 524288 ../shared/models/*.tflite ../shared/models/*/*.tflite examples/*/*.tflite ;;
    onnx_reader) copy_seeds "$dir" 524288 tests/data/onnx/*.onnx ;;
    npy) copy_seeds "$dir" 32768 examples/*/*.npy $(find ../shared/golden -name '*.npy' -size -16k 2>/dev/null | sort | head -40) ;;
    idx) make_idx_seeds "$dir" ;;
    target_file) copy_seeds "$dir" 65536 targets/*.json ;;
  esac
  if [ -d "tests/fuzz/corpus/$target" ]; then install -m 644 tests/fuzz/corpus/"$target"/* "$dir"/; fi
}

status=0
summary=()
for t in "${targets[@]}"; do
  seeds="$out/seeds/$t" corpus="$out/corpus/$t" findings="$out/findings/$t"
  make_seeds "$t" "$seeds"
  mkdir -p "$corpus" "$findings"
  log="$out/fuzz-$t.log"
  echo "=== fuzzing $t for ${seconds}s ($(ls "$seeds" | wc -l) seeds) ==="
  start=$(date +%s)
  rc=0
  "$out/${t}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings/" "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  if [ "$rc" -eq 0 ]; then result="no finding"; else result="FINDING (exit $rc, see $log and $findings/)"; status=1; fi
  if [ "$rc" -ne 0 ]; then tail -40 "$log"; fi
  summary+=("$(printf '%-16s %5ss %12s runs  cov: %-6s ft: %-7s %s' "$t" "$elapsed" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$result")")
done
echo "=== fuzz summary ==="
printf '%s\n' "${summary[@]}"
exit "$status"
