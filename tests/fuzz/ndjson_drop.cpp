// Fuzz target: the NDJSON drop parser (NdjsonRecordReader over an in-memory
// buffer, also what `cen-node submit` reads) and the validation of each line;
// each line read with no JSON tree (RecordCodec) must agree with its tree,
// and simdjson's reading with the SAX parser's.
#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>

#include "common/msgpack_json.h"
#include "common/record_codec.h"
#include "node/drops/ndjson_record_reader.h"
#include "tests/fuzz/drop_reader.h"

using cen::common::MsgpackJson;
using cen::common::RecordCodec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  cen::node::NdjsonRecordReader reader(in);
  FuzzDropReader(reader);

  // Each line read with no JSON tree agrees with its JSON tree: a record
  // means an object with the same bytes, and invalid JSON is refused.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (size_t from = 0; from <= text.size();) {
    const size_t end = std::min(text.find('\n', from), text.size());
    const std::string_view line = text.substr(from, end - from);
    from = end + 1;
    const auto typed = RecordCodec::FromJsonText(line);
    // simdjson, falling back to the SAX parser, answers as the SAX parser
    // alone: the same record, or the same refusal in the same words.
    const auto by_sax = RecordCodec::FromJsonTextBySax(line);
    if (typed.index() != by_sax.index()) __builtin_trap();
    if (const auto* record = std::get_if<cen::common::Record>(&typed)) {
      if (!(*record == std::get<cen::common::Record>(by_sax))) __builtin_trap();
    } else {
      const auto& a = std::get<RecordCodec::JsonError>(typed);
      const auto& b = std::get<RecordCodec::JsonError>(by_sax);
      if (a.problem != b.problem || a.field != b.field || a.detail != b.detail) __builtin_trap();
    }
    const nlohmann::json tree = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (const auto* record = std::get_if<cen::common::Record>(&typed)) {
      if (!tree.is_object() || RecordCodec::Encode(*record) != MsgpackJson::Encode(tree))
        __builtin_trap();
    } else if (std::get<RecordCodec::JsonError>(typed).problem ==
               RecordCodec::JsonProblem::kNotJson) {
      if (!tree.is_discarded()) __builtin_trap();
    }
  }
  return 0;
}
