// formats/stb_image_guards.h: checks made on an image file before stb_image decodes it, one per bug of stb_image
// 2.27 (Debian 12's libstb-dev) that tests/fuzz/image_loader_fuzzer.cc found in the file formats themselves:
//   - JPEG: a DHT segment's 16 code counts may total over 256 (the standard's limit, ITU T.81 B.2.4.2); stb_image
//     builds the Huffman table without checking, overrunning its fixed-size arrays. The check walks the marker
//     segments as stb_image does.
//   - PNM (P5/P6): stb_image reads the width, height and maximum value into an int without an overflow check
//     (undefined behaviour). The check reads the header's numbers as stb_image does.
// Each gives a one-line BadInput error naming the file; a file of any other format passes, and every other property
// of a file is left to the decoder. Bugs in stb_image's own processing (channel conversion, allocation sizes) are
// worked around in formats/dataset/image.cc.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "ir/diagnostic.h"

namespace tinyopt {

// "corrupt JPEG: a Huffman table declares N codes (at most 256)" when a DHT segment of `bytes` does.
Expected<void> check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::string& name);
// "corrupt PNM header: a number does not fit in 32 bits" when the width, height or maximum value of a P5/P6 does.
Expected<void> check_pnm_header(std::span<const uint8_t> bytes, const std::string& name);

// Both, on a file; a file that cannot be read passes (the decoder reports that).
Expected<void> check_image_for_stb(const std::filesystem::path& path);

}  // namespace tinyopt
