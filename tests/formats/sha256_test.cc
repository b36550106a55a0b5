// tests/formats/sha256_test.cc: SHA-256 against the FIPS 180-4 example vectors and sha256sum.
#include "formats/sha256.h"

#include <fstream>
#include <string>

#include <doctest/doctest.h>

namespace tinyopt {
namespace {

std::string digest(const std::string& s) {
  return sha256_hex({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

TEST_CASE("sha256: the FIPS 180-4 examples") {
  CHECK(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(digest(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: a file, in chunks, equals the digest of its bytes; a missing file is an error") {
  const std::string path = "sha256_test.bin";
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>(i * 7 + 3);
  std::ofstream(path, std::ios::binary) << bytes;
  Expected<std::string> h = sha256_file(path);
  REQUIRE(h);
  CHECK(*h == digest(bytes));
  CHECK_FALSE(sha256_file("no_such_file.bin"));
}

}  // namespace
}  // namespace tinyopt
