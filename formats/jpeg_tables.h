// formats/jpeg_tables.h: a check of a JPEG file's Huffman tables, made before stb_image decodes it.
//
// stb_image 2.27 (Debian 12's libstb-dev) builds each Huffman table from the 16 code counts of a DHT segment
// without checking that they total at most 256 (the JPEG standard's limit, ITU T.81 B.2.4.2): more overruns its
// fixed-size arrays (found by tests/fuzz/image_loader_fuzzer.cc). This walks the file's marker segments as
// stb_image does and rejects such a table with an error naming the file. Anything that is not a JPEG, and
// every other property of a JPEG, is left to the decoder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "ir/diagnostic.h"

namespace tinyopt {

// BadInput "corrupt JPEG: a Huffman table declares N codes (at most 256)" when a DHT segment of `bytes` does.
Expected<void> check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::string& name);
// The same for a file; a file that cannot be read passes (the decoder reports that).
Expected<void> check_jpeg_huffman_tables(const std::filesystem::path& path);

}  // namespace tinyopt
