// formats/dataset/image.cc: decoding images, JPEG with libjpeg-turbo (jpeg_decoder.h) and every other format
// with Debian's stb_image (libstb-dev, built here without its JPEG decoder), and resizing them bilinearly (pixel
// centres aligned, as align_corners=false resizers do) to a model input's size; the dataset part that decodes
// one image file on every load.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <span>
#include <string_view>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#define STBI_NO_PSD  // PSD and PIC: formats the loader does not promise (image.h)
#define STBI_NO_PIC
#define STBI_NO_JPEG  // stb_image 2.27's JPEG decoder has undefined behaviour on corrupt scans: libjpeg decodes JPEG
#define STBI_NO_LINEAR
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include "formats/atomic_file.h"
#include "formats/dataset/image.h"
#include "formats/dataset/jpeg_decoder.h"
#include "formats/stb_image_guards.h"

namespace tinyopt {
namespace {

// Decoded images larger than this are refused before decoding (a 16k x 16k RGBA image).
constexpr uint64_t kMaxImageBytes = uint64_t{1} << 30;
constexpr int64_t kMaxImagePixels = int64_t{1} << 25;  // 32 M pixels: 8192 x 4096
constexpr uint64_t kMaxImageFileBytes = uint64_t{1} << 30;  // stb_image takes an int length

class ImagePart : public SamplePart {
 public:
  ImagePart(DatasetPart info, int height, int width, int channels, double scale, double offset)
      : SamplePart(std::move(info)), height_(height), width_(width), channels_(channels), scale_(scale), offset_(offset) {}
  Expected<std::shared_ptr<const NpyArray>> load() const override {
    Expected<std::vector<float>> v = load_image(info().file, height_, width_, channels_, scale_, offset_);
    if (!v) return v.take_error();
    return std::make_shared<const NpyArray>(make_npy<float>({1, height_, width_, channels_}, *v));
  }

 private:
  int height_, width_, channels_;
  double scale_, offset_;
};

// One decoded image, from either decoder: `stride` bytes a pixel, which for stb_image may differ from the
// channels asked for (16-bit files are decoded with their own channels; load_image converts).
struct DecodedImage {
  int width = 0, height = 0, stride = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> stb_pixels{nullptr, stbi_image_free};
  std::vector<uint8_t> jpeg_pixels;
  const unsigned char* pixels() const { return stb_pixels ? stb_pixels.get() : jpeg_pixels.data(); }
};

Expected<DecodedImage> decode_with_libjpeg(const std::filesystem::path& path, int channels) {
  Expected<JpegPixels> jpeg = decode_jpeg(path, channels, kMaxImagePixels);
  if (!jpeg) return jpeg.take_error();
  DecodedImage image;
  image.width = jpeg->width, image.height = jpeg->height, image.stride = jpeg->channels;
  image.jpeg_pixels = std::move(jpeg->bytes);
  return image;
}

// The most pixels a file of these bytes can describe. PNG: deflate expands at most 1032:1 and a 1-bit image
// packs 8 pixels a byte. GIF: an LZW code (3 bits at least) stands for at most 4096 pixels. BMP, TGA, PNM: at
// least a bit a pixel, TGA's run-length packets (the densest) 128 pixels in 2 bytes at 1 byte a pixel.
int64_t max_pixels_in(std::span<const uint8_t> file) {
  const auto starts = [&](std::string_view magic) {
    return file.size() >= magic.size() &&
           std::equal(magic.begin(), magic.end(), file.begin(), [](char m, uint8_t b) { return static_cast<uint8_t>(m) == b; });
  };
  const int64_t per_byte = starts("\x89PNG") ? 1032 * 8 : starts("GIF8") ? 4096 * 8 / 3 : 64;
  return static_cast<int64_t>(file.size()) * per_byte;
}

Expected<DecodedImage> decode_with_stb(const std::filesystem::path& path, int channels) {
  // Decoded from memory: reading a FILE past its end, stb_image calls fread once per missing byte, so a 328-byte
  // RLE TGA claiming 4112x4112 pixels took over 10 s (a fuzz finding, tests/fuzz/regressions/image_loader/).
  Expected<std::vector<uint8_t>> file = read_file(path, kMaxImageFileBytes);
  if (!file) return file.take_error();
  drop_empty_png_idat_chunks(*file);  // (formats/stb_image_guards.h)
  const stbi_uc* bytes = file->data();
  const int size = static_cast<int>(file->size());
  // Bugs of stb_image 2.27 in PNM headers (formats/stb_image_guards.h).
  if (Expected<void> ok = check_pnm_header(*file, path.string()); !ok) return ok.take_error();
  if (Expected<void> ok = check_png_chunk_lengths(*file, path.string()); !ok) return ok.take_error();
  int w = 0, h = 0, n = 0;
  // stb_image allocates the whole image before decoding it: a 37-byte GIF can claim 15851x32769 pixels. The
  // header gives the size first; images are resized to the model input anyway.
  // A BMP stores a top-down image as a negative height, which stb_image's header reader passes on as it is.
  const bool has_header = stbi_info_from_memory(bytes, size, &w, &h, &n);
  const int64_t claimed_pixels = std::abs(int64_t{w}) * std::abs(int64_t{h});
  if (has_header && claimed_pixels > kMaxImagePixels)
    return fail(Errc::BadInput, {.file = path.string()}, "image of {}x{} pixels is over the {} pixels read", w, std::abs(h),
                kMaxImagePixels);
  // Nor can a file hold more pixels than its format packs into its bytes. stb_image decodes the claimed size
  // whatever the data (bytes past the end read as 0): the 328-byte TGA above still took 6 s instrumented.
  if (claimed_pixels > max_pixels_in(*file))
    return fail(Errc::BadInput, {.file = path.string()}, "image of {}x{} pixels cannot be held by a {}-byte file", w,
                std::abs(h), file->size());
  // stb_image 2.27 converts a 16-bit PNM file to another channel count with its 8-bit routine and then reads
  // past the buffer: 16-bit files are decoded with their own channels and converted by load_image.
  const int request = stbi_is_16_bit_from_memory(bytes, size) ? 0 : channels;
  DecodedImage image;
  image.stb_pixels.reset(stbi_load_from_memory(bytes, size, &w, &h, &n, request));
  if (!image.stb_pixels) return fail(Errc::BadInput, {.file = path.string()}, "cannot decode image: {}", stbi_failure_reason());
  if (w <= 0 || h <= 0)  // stb_image 2.27 decodes a PNM header without dimensions as a 0x0 image
    return fail(Errc::BadInput, {.file = path.string()}, "cannot decode image: it has no pixels ({}x{})", w, h);
  image.width = w, image.height = h, image.stride = request ? channels : n;
  return image;
}

}  // namespace

Expected<ImageInfo> read_image_info(const std::filesystem::path& path) {
  int w = 0, h = 0, n = 0;
  if (is_jpeg_file(path)) {
    Expected<JpegHeader> header = read_jpeg_header(path);
    if (!header) return header.take_error();
    w = header->width, h = header->height, n = header->components;
  } else if (!stbi_info(path.c_str(), &w, &h, &n)) {
    return fail(Errc::BadInput, {.file = path.string()}, "cannot decode image: {}", stbi_failure_reason());
  } else {
    h = std::abs(h);  // a top-down BMP's height is negative in its header
  }
  if (w <= 0 || h <= 0 || static_cast<uint64_t>(w) * static_cast<uint64_t>(h) * 4 > kMaxImageBytes)
    return fail(Errc::BadInput, {.file = path.string()}, "image of {}x{} pixels is over the {}-byte limit", w, h, kMaxImageBytes);
  return ImageInfo{w, h, n};
}

Expected<std::shared_ptr<const SamplePart>> make_image_part(const std::filesystem::path& path, int height, int width,
                                                            int channels, double scale, double offset) {
  if (channels != 1 && channels != 3)
    return fail(Errc::BadInput, {.file = path.string()}, "images need a model input with 1 or 3 channels, not {}", channels);
  Expected<ImageInfo> info = read_image_info(path);
  if (!info) return info.take_error();
  DatasetPart part{path.string(), "", Shape{info->height, info->width, info->channels}, 1};
  return std::shared_ptr<const SamplePart>(std::make_shared<ImagePart>(std::move(part), height, width, channels, scale, offset));
}

Expected<std::vector<float>> load_image(const std::filesystem::path& path, int height, int width, int channels,
                                        double scale, double offset) {
  if (channels != 1 && channels != 3)
    return fail(Errc::BadInput, {.file = path.string()}, "images need a model input with 1 or 3 channels, not {}", channels);
  Expected<DecodedImage> image = is_jpeg_file(path) ? decode_with_libjpeg(path, channels) : decode_with_stb(path, channels);
  if (!image) return image.take_error();
  const int w = image->width, h = image->height, stride = image->stride;
  const unsigned char* pixels = image->pixels();
  std::vector<float> out(static_cast<size_t>(height) * width * channels);
  const double sy = static_cast<double>(h) / height, sx = static_cast<double>(w) / width;
  for (int y = 0; y < height; ++y) {
    double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, h - 1.0);
    int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, h - 1);
    double wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, w - 1.0);
      int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, w - 1);
      double wx = fx - x0;
      for (int c = 0; c < channels; ++c) {
        // Channel c of a pixel; a 16-bit file's converted as stb_image converts 8-bit ones: gray copied to RGB,
        // alpha dropped, RGB to gray by its luma (77 R + 150 G + 29 B) / 256.
        auto px = [&](int yy, int xx) {
          const unsigned char* p = pixels + (static_cast<size_t>(yy) * w + xx) * stride;
          if (stride == channels || (channels == 3 && stride == 4)) return static_cast<double>(p[c]);
          if (stride < 3) return static_cast<double>(p[0]);
          return static_cast<double>((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
        };
        double v = (1 - wy) * ((1 - wx) * px(y0, x0) + wx * px(y0, x1)) + wy * ((1 - wx) * px(y1, x0) + wx * px(y1, x1));
        out[(static_cast<size_t>(y) * width + x) * channels + c] = static_cast<float>(v * scale + offset);
      }
    }
  }
  return out;
}

}  // namespace tinyopt
