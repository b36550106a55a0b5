// formats/dataset/shard_spec.cc: parsing "i/n" (see shard_spec.h).
#include "formats/dataset/shard_spec.h"

#include <charconv>
#include <string>

namespace tinyopt {

Expected<ShardSpec> parse_shard_spec(std::string_view text, std::string_view option) {
  const Location at{.option = std::string(option)};
  const size_t slash = text.find('/');
  auto number = [](std::string_view s, size_t& v) {
    if (s.empty() || s.size() > 9) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  ShardSpec spec;
  if (slash == std::string_view::npos || !number(text.substr(0, slash), spec.index) ||
      !number(text.substr(slash + 1), spec.count))
    return fail(Errc::BadInput, at, "'{}' is not a shard: expected i/n, e.g. 0/4 (shard i of n, 0 <= i < n)", text);
  if (spec.count == 0) return fail(Errc::BadInput, at, "'{}': the shard count must be at least 1", text);
  if (spec.index >= spec.count)
    return fail(Errc::BadInput, at, "'{}': shard index {} is not below the shard count {} (shards are 0..{})", text,
                spec.index, spec.count, spec.count - 1);
  return spec;
}

}  // namespace tinyopt
