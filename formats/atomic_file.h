// formats/atomic_file.h: writing output files so that a failed run never leaves a half-written file.
// The bytes go to "<path>.tmp-<pid>" in the same folder, which is then renamed over <path> (rename is atomic
// within one file system).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "ir/diagnostic.h"

namespace tinyopt {

Expected<void> write_file_atomically(const std::filesystem::path& path, std::span<const uint8_t> bytes);
Expected<void> write_file_atomically(const std::filesystem::path& path, std::string_view text);

// Reads a whole file; `max_bytes` guards against reading something absurd (a device, a huge file by mistake).
Expected<std::vector<uint8_t>> read_file(const std::filesystem::path& path, uint64_t max_bytes = uint64_t{1} << 32);

}  // namespace tinyopt
