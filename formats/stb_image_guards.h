// formats/stb_image_guards.h: checks made on an image file before stb_image decodes it, one per bug of stb_image
// 2.27 (Debian 12's libstb-dev) that tests/fuzz/image_loader_fuzzer.cc found in the file formats themselves (JPEG
// files, where it found two, go to libjpeg-turbo instead: formats/dataset/jpeg_decoder.h):
//   - PNG: an empty IDAT chunk before the image data (see drop_empty_png_idat_chunks).
//   - PNM (P5/P6): stb_image reads the width, height and maximum value into an int without an overflow check
//     (undefined behaviour). The check reads the header's numbers as stb_image does.
// Each gives a one-line BadInput error naming the file; a file of any other format passes, and every other property
// of a file is left to the decoder. Bugs in stb_image's own processing (channel conversion, allocation sizes) are
// worked around in formats/dataset/image.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/diagnostic.h"

namespace tinyopt {

// "corrupt PNM header: a number does not fit in 32 bits" when the width, height or maximum value of a P5/P6 does.
Expected<void> check_pnm_header(std::span<const uint8_t> bytes, const std::string& name);

// Removes the zero-length IDAT chunks of a PNG file's bytes (any other file is left as it is). They hold no image
// data, and stb_image 2.27 copies an empty first one to its still-null buffer (memcpy(NULL, p, 0): undefined
// behaviour). The walk stops at IEND or at a chunk that runs past the end.
void drop_empty_png_idat_chunks(std::vector<uint8_t>& bytes);

// PNG: every chunk's declared length must fit in the file (stb allocates what an IDAT claims before reading it).
Expected<void> check_png_chunk_lengths(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace tinyopt
