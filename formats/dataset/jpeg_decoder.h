// formats/dataset/jpeg_decoder.h: JPEG files through Debian's libjpeg-turbo (libjpeg62-turbo-dev), for the image
// loader (image.cc); stb_image decodes the other formats. libjpeg's fatal errors and its corrupt-data warnings both
// become one-line BadInput errors naming the file: a JPEG that libjpeg can only decode by guessing part of its
// pixels (a truncated scan, a bogus progression) is refused rather than fed to a model. Bounded: the pixel count
// is checked from the header before libjpeg allocates the image, libjpeg's own memory is capped
// (kMaxJpegDecoderBytes) and a progressive file may have at most kMaxJpegScans scans.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "ir/diagnostic.h"

namespace tinyopt {

inline constexpr int kMaxJpegScans = 1000;                    // a full progressive script has a few dozen
inline constexpr int64_t kMaxJpegDecoderBytes = int64_t{1} << 30;  // libjpeg's own buffers (progressive coefficients)

// Whether the file starts with a JPEG start-of-image marker (FF D8): such files go to libjpeg, which then is the
// judge of the rest. A file that cannot be read is not a JPEG (the other decoder reports why).
bool is_jpeg_file(const std::filesystem::path& path);

struct JpegHeader {
  int width = 0, height = 0;
  int components = 0;  // 1 gray, 3 YCbCr or RGB, 4 CMYK or YCCK
};

// The frame header (size, components) without decoding the scans.
Expected<JpegHeader> read_jpeg_header(const std::filesystem::path& path);

// Decoded pixels, row-major, `channels` interleaved bytes a pixel.
struct JpegPixels {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> bytes;
};

// Decodes the whole image into `channels` 1 (gray) or 3 (RGB), refusing one of over `max_pixels` pixels before
// decoding. Gray, YCbCr and RGB files are converted by libjpeg (gray from YCbCr is the Y plane). CMYK and YCCK
// files (4 components) are decoded to CMYK and converted as Adobe writes them, inverted: R = C*K/255,
// G = M*K/255, B = Y*K/255; their gray is the luma (77 R + 150 G + 29 B) / 256 of that RGB.
Expected<JpegPixels> decode_jpeg(const std::filesystem::path& path, int channels, int64_t max_pixels);

}  // namespace tinyopt
