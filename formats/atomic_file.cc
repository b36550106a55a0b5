// formats/atomic_file.cc
#include "formats/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <unistd.h>

namespace tinyopt {

Expected<void> write_file_atomically(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(Errc::BadInput, {.file = path.string()}, "cannot open for writing: {}", std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return fail(Errc::BadInput, {.file = path.string()}, "write failed: {}", std::strerror(errno));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return fail(Errc::BadInput, {.file = path.string()}, "cannot move the finished file into place: {}", ec.message());
  }
  return {};
}

Expected<void> write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  return write_file_atomically(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Expected<std::vector<uint8_t>> read_file(const std::filesystem::path& path, uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return fail(Errc::BadInput, {.file = path.string()}, "no such file (or not a regular file)");
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return fail(Errc::BadInput, {.file = path.string()}, "cannot read size: {}", ec.message());
  if (size > max_bytes) return fail(Errc::BadInput, {.file = path.string()}, "file has {} bytes, more than the {} accepted", size, max_bytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::BadInput, {.file = path.string()}, "cannot open: {}", std::strerror(errno));
  std::vector<uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) return fail(Errc::BadInput, {.file = path.string()}, "short read");
  return bytes;
}

}  // namespace tinyopt
