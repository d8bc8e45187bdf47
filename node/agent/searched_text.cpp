#include "node/agent/searched_text.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/record_fields.h"

namespace cen::node {

class SearchedText::Parser {
 public:
  simdjson::dom::parser dom;
  std::string padded;  // the document, copied with simdjson's padding after it
};

SearchedText::SearchedText()
    : parser_(std::make_unique<Parser>()), fields_(common::RecordFields::Searched().size()) {}

SearchedText::~SearchedText() = default;

common::Result<const SearchedText::Fields*> SearchedText::Read(std::string_view doc) {
  const auto searched = common::RecordFields::Searched();
  std::fill(fields_.begin(), fields_.end(), std::nullopt);
  std::string& padded = parser_->padded;
  padded.resize(doc.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), doc.data(), doc.size());
  // The whole text is checked (one JSON value, nothing after it); strings are
  // decoded into the parser's buffer, which the views point into.
  simdjson::dom::element parsed;
  if (parser_->dom.parse(padded.data(), doc.size(), /*realloc_if_needed=*/false).get(parsed) !=
      simdjson::SUCCESS) {
    return common::Corruption("a document is not JSON");
  }
  simdjson::dom::object object;
  if (parsed.get_object().get(object) != simdjson::SUCCESS)
    return common::Corruption("a document is not a JSON object");
  uint32_t seen = 0;  // bit i: searched[i] met (RecordFields has fewer than 32)
  for (const auto [key, value] : object) {
    for (size_t i = 0; i < searched.size(); ++i) {
      if (key != searched[i]) continue;
      if ((seen & (1u << i)) == 0) {
        seen |= 1u << i;
        std::string_view text;
        if (value.get_string().get(text) == simdjson::SUCCESS) fields_[i] = text;
      }
      break;
    }
  }
  return &fields_;
}

}  // namespace cen::node
