// formats/tflite/op_codes.cc: listing a model's operator codes (op_codes.h).
#include "formats/tflite/op_codes.h"

#include <algorithm>

#include "formats/tflite/op_mapping.h"

namespace tinyopt {

Expected<std::vector<UsedOpCode>> read_used_op_codes(std::span<const uint8_t> bytes, const std::string& source) {
  // The flatbuffers verifier checks alignment relative to the buffer start: verify an 8-byte aligned copy.
  std::vector<uint64_t> aligned((bytes.size() + 7) / 8);
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<uint8_t*>(aligned.data()));
  const auto* data = reinterpret_cast<const uint8_t*>(aligned.data());
  if (bytes.size() < 8 || !flatbuffers::BufferHasIdentifier(data, tflite::ModelIdentifier()))
    return fail(Errc::BadInput, {.file = source}, "not a TFLite model (no 'TFL3' file identifier)");
  flatbuffers::Verifier verifier(data, std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1));
  if (!tflite::VerifyModelBuffer(verifier))
    return fail(Errc::BadInput, {.file = source}, "corrupt or truncated flatbuffer (the flatbuffers verifier rejected it)");
  const tflite::Model& m = *tflite::GetModel(data);
  if (!m.subgraphs() || m.subgraphs()->size() == 0) return fail(Errc::BadInput, {.file = source}, "model has no subgraphs");
  const uint32_t n_codes = m.operator_codes() ? m.operator_codes()->size() : 0;
  std::vector<UsedOpCode> used;
  std::vector<bool> seen(n_codes, false);
  const tflite::SubGraph& sg = *m.subgraphs()->Get(0);
  if (!sg.operators()) return used;
  for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
    const uint32_t index = sg.operators()->Get(i)->opcode_index();
    if (index >= n_codes)
      return fail(Errc::BadInput, {.file = source, .op = static_cast<int>(i)},
                  "opcode index {} is out of range (model has {} operator codes)", index, n_codes);
    if (seen[index]) continue;
    seen[index] = true;
    const tflite::OperatorCode& c = *m.operator_codes()->Get(index);
    // Old writers set only deprecated_builtin_code (codes < 127); the larger of the two is the code.
    const int32_t code = std::max(static_cast<int32_t>(c.builtin_code()), static_cast<int32_t>(c.deprecated_builtin_code()));
    UsedOpCode u;
    u.builtin = code;
    u.custom = code == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM);
    u.name = u.custom ? (c.custom_code() ? c.custom_code()->str() : "") : tflite_format::builtin_name(code);
    if (u.custom && u.name.empty()) return fail(Errc::BadInput, {.file = source, .op = static_cast<int>(i)}, "custom op without a name");
    // Two operator codes may name one op (e.g. two versions): the resolver registers it once.
    if (std::none_of(used.begin(), used.end(), [&](const UsedOpCode& x) { return x.name == u.name && x.custom == u.custom; }))
      used.push_back(std::move(u));
  }
  return used;
}

}  // namespace tinyopt
