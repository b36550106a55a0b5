// formats/sha256.h: SHA-256 (FIPS 180-4) of bytes or of a file, as lowercase hex: provenance records the digest
// of the input model and data files, and tests compare written models by digest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "ir/diagnostic.h"

namespace tinyopt {

// Incremental hashing: update() any number of times, then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  std::string hex_digest();  // finishes the hash; the object is spent afterwards

 private:
  void compress(const uint8_t* block);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::span<const uint8_t> bytes);
Expected<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace tinyopt
