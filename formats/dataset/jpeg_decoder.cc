// formats/dataset/jpeg_decoder.cc: libjpeg-turbo's decompressor (libjpeg.txt, "Decompression details") with its
// errors turned into ours.
//
// libjpeg reports an error by calling error_exit, which must not return; the libjpeg way out is a longjmp back to
// a setjmp before the call (libjpeg.txt, "Error handling"). C++ allows a longjmp only where a throw would run no
// non-trivial destructor ([csetjmp.syn]): so the two functions that call setjmp (read_header_into, decode_into)
// declare no such object, and everything needing cleanup (libjpeg's memory, the FILE, a row buffer) lives in a
// Decoder owned by their caller, whose destructor releases it however the run ended.
#include "formats/dataset/jpeg_decoder.h"

#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>  // after <cstdio>: it uses FILE and size_t without including them

namespace tinyopt {
namespace {

struct Decoder {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr err{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};  // why libjpeg (or a callback) stopped
  std::FILE* file = nullptr;
  std::vector<uint8_t> cmyk_row;  // one scanline of a CMYK / YCCK file, converted into the output

  Decoder() = default;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  ~Decoder() {
    jpeg_destroy_decompress(&cinfo);  // frees libjpeg's pools; a no-op when jpeg_create_decompress never ran
    if (file) std::fclose(file);
  }
};

Decoder& decoder_of(j_common_ptr cinfo) { return *static_cast<Decoder*>(cinfo->client_data); }

[[noreturn]] void on_error_exit(j_common_ptr cinfo) {
  Decoder& d = decoder_of(cinfo);
  (*cinfo->err->format_message)(cinfo, d.message);
  std::longjmp(d.jump, 1);
}

// libjpeg calls this with level -1 for a corrupt-data warning (it would then carry on with made-up data) and
// 0..3 for trace messages; the default prints to stderr.
void on_emit_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error_exit(cinfo);
}

// Called between passes and scans. A progressive file may hold thousands of tiny scans, each one a pass over the
// whole coefficient buffer: the classic way to make a small JPEG take minutes (djpeg's -maxscans guards the same).
void on_progress(j_common_ptr cinfo) {
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number <= kMaxJpegScans) return;
  Decoder& d = decoder_of(cinfo);
  std::snprintf(d.message, sizeof d.message, "more than %d scans", kMaxJpegScans);
  std::longjmp(d.jump, 1);
}

// x * y / 255 rounded to nearest, exactly for bytes (Blinn's division-free form).
uint8_t times_over_255(int x, int y) {
  const int t = x * y + 128;
  return static_cast<uint8_t>((t + (t >> 8)) >> 8);
}

// One CMYK scanline (Adobe's inverted values: 255 is no ink) to RGB or to its luma.
void convert_cmyk_row(const uint8_t* cmyk, uint8_t* out, int width, int channels) {
  for (int x = 0; x < width; ++x, cmyk += 4, out += channels) {
    const uint8_t r = times_over_255(cmyk[0], cmyk[3]), g = times_over_255(cmyk[1], cmyk[3]),
                  b = times_over_255(cmyk[2], cmyk[3]);
    if (channels == 3) {
      out[0] = r, out[1] = g, out[2] = b;
    } else {
      out[0] = static_cast<uint8_t>((r * 77 + g * 150 + b * 29) >> 8);
    }
  }
}

// Opens libjpeg on d.file and reads the headers up to the first scan. False when libjpeg stopped (d.message).
bool read_header_into(Decoder& d) {
  if (setjmp(d.jump)) return false;
  d.cinfo.err = jpeg_std_error(&d.err);
  d.err.error_exit = on_error_exit;
  d.err.emit_message = on_emit_message;
  d.cinfo.client_data = &d;  // kept by jpeg_create_decompress, as err is
  jpeg_create_decompress(&d.cinfo);
  // libjpeg's memory manager (jmemnobs.c) honours this cap for its big buffers: over it, an error, not a swap file.
  d.cinfo.mem->max_memory_to_use = kMaxJpegDecoderBytes;
  d.progress.progress_monitor = on_progress;
  d.cinfo.progress = &d.progress;
  jpeg_stdio_src(&d.cinfo, d.file);
  jpeg_read_header(&d.cinfo, TRUE);
  return true;
}

// Decodes every scanline into `out` (its size set here). False when libjpeg stopped (d.message).
bool decode_into(Decoder& d, int channels, JpegPixels& out) {
  if (setjmp(d.jump)) return false;
  const bool cmyk = d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK;
  d.cinfo.out_color_space = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&d.cinfo);
  out.width = static_cast<int>(d.cinfo.output_width);
  out.height = static_cast<int>(d.cinfo.output_height);
  out.channels = channels;
  const size_t row_bytes = static_cast<size_t>(out.width) * channels;
  out.bytes.resize(row_bytes * out.height);
  if (cmyk) d.cmyk_row.resize(static_cast<size_t>(out.width) * 4);
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    const size_t y = d.cinfo.output_scanline;
    JSAMPROW row = cmyk ? d.cmyk_row.data() : out.bytes.data() + y * row_bytes;
    // A file source never suspends (at its end libjpeg warns, which is fatal here); 0 rows would loop forever.
    if (jpeg_read_scanlines(&d.cinfo, &row, 1) != 1) {
      std::snprintf(d.message, sizeof d.message, "decoding stopped at row %zu", y);
      return false;
    }
    if (cmyk) convert_cmyk_row(d.cmyk_row.data(), out.bytes.data() + y * row_bytes, out.width, channels);
  }
  jpeg_finish_decompress(&d.cinfo);
  return true;
}

// Opens the file and reads its headers into `d`.
Expected<void> open_jpeg(Decoder& d, const std::filesystem::path& path) {
  d.file = std::fopen(path.c_str(), "rb");
  if (!d.file) return fail(Errc::BadInput, {.file = path.string()}, "cannot open the file");
  if (!read_header_into(d)) return fail(Errc::BadInput, {.file = path.string()}, "cannot decode JPEG: {}", d.message);
  return {};
}

}  // namespace

bool is_jpeg_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char magic[2] = {0, 0};
  const size_t n = std::fread(magic, 1, 2, f);
  std::fclose(f);
  return n == 2 && magic[0] == 0xFF && magic[1] == 0xD8;
}

Expected<JpegHeader> read_jpeg_header(const std::filesystem::path& path) {
  Decoder d;
  if (Expected<void> ok = open_jpeg(d, path); !ok) return ok.take_error();
  return JpegHeader{static_cast<int>(d.cinfo.image_width), static_cast<int>(d.cinfo.image_height),
                    d.cinfo.num_components};
}

Expected<JpegPixels> decode_jpeg(const std::filesystem::path& path, int channels, int64_t max_pixels) {
  if (channels != 1 && channels != 3)
    return fail(Errc::Internal, {.file = path.string()}, "decode_jpeg: {} channels asked (1 or 3)", channels);
  Decoder d;
  if (Expected<void> ok = open_jpeg(d, path); !ok) return ok.take_error();
  const int64_t w = d.cinfo.image_width, h = d.cinfo.image_height;
  if (w * h > max_pixels)
    return fail(Errc::BadInput, {.file = path.string()}, "image of {}x{} pixels is over the {} pixels read", w, h,
                max_pixels);
  switch (d.cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: case JCS_YCbCr: case JCS_RGB: case JCS_CMYK: case JCS_YCCK: break;
    default:  // libjpeg's guess for 2 or over 4 components: it converts them to nothing
      return fail(Errc::BadInput, {.file = path.string()},
                  "cannot decode JPEG: {} components in no colour space (gray, YCbCr, RGB, CMYK or YCCK)",
                  d.cinfo.num_components);
  }
  JpegPixels out;
  if (!decode_into(d, channels, out)) return fail(Errc::BadInput, {.file = path.string()}, "cannot decode JPEG: {}", d.message);
  return out;
}

}  // namespace tinyopt
