#include "common/utf8.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>

namespace cen::common {
namespace {

struct Range {
  uint32_t first;
  uint32_t last;
};

// Combining marks and format characters that take no column of their own.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902},
    {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},
    {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E},
    {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
};

// East Asian Wide (W) and Fullwidth (F) blocks.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x16FE0, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

bool InRanges(const Range* begin, const Range* end, uint32_t cp) {
  const Range* it =
      std::upper_bound(begin, end, cp, [](uint32_t v, const Range& r) { return v < r.first; });
  return it != begin && cp <= std::prev(it)->last;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

}  // namespace

size_t Utf8::Decode(std::string_view text, size_t pos, uint32_t* code_point) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = 1;
  uint32_t cp = lead;
  if (lead < 0x80) {
    // ASCII
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07u;
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[pos + k]);
    if ((next & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (next & 0x3Fu);
  }
  if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  *code_point = cp;
  return length;
}

std::string Utf8::Printable(std::string_view text) {
  const bool printable = IsValid(text) && std::none_of(text.begin(), text.end(), [](char c) {
                           const auto byte = static_cast<unsigned char>(c);
                           return byte < 0x20 || byte == 0x7F;
                         });
  if (printable) return std::string(text);
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

std::optional<size_t> Utf8::CountCodePoints(std::string_view text) {
  constexpr uint64_t kHighBits = 0x8080808080808080u;
  size_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    // ASCII eight bytes at a time: most of what a record says (every
    // document the replica writes and every field the validator measures
    // comes through here).
    uint64_t word;
    while (text.size() - i >= sizeof word) {
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & kHighBits) != 0) break;
      i += sizeof word;
      count += sizeof word;
    }
    if (i == text.size()) break;
    uint32_t cp = 0;
    const size_t length = Decode(text, i, &cp);
    if (length == 0) return std::nullopt;
    i += length;
    ++count;
  }
  return count;
}

int Utf8::CodePointWidth(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
  if (InRanges(std::begin(kZeroWidth), std::end(kZeroWidth), cp)) return 0;
  if (InRanges(std::begin(kWide), std::end(kWide), cp)) return 2;
  return 1;
}

size_t Utf8::DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0xFFFD;
    const size_t length = Decode(text, i, &cp);
    // As FitWidth shows them: a control character as one space.
    const bool control = length != 0 && (cp < 0x20 || (cp >= 0x7F && cp < 0xA0));
    width += control ? 1 : static_cast<size_t>(CodePointWidth(length == 0 ? 0xFFFD : cp));
    i += length == 0 ? 1 : length;
  }
  return width;
}

std::string Utf8::FitWidth(std::string_view text, size_t width) {
  // One pass producing the cleaned text; cut at the last point where the text
  // plus an ellipsis still fits.
  std::string out;
  size_t used = 0;
  size_t cut_bytes = 0;  // length of `out` where "…" would go
  bool cut_found = false;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t length = Decode(text, i, &cp);
    std::string_view piece = text.substr(i, length);
    if (length == 0) {
      piece = kReplacement;
      cp = 0xFFFD;
      length = 1;
    } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
      piece = " ";
      cp = ' ';
    }
    const auto w = static_cast<size_t>(CodePointWidth(cp));
    if (!cut_found && used + w + 1 > width) {
      cut_bytes = out.size();
      cut_found = true;
    }
    if (used + w > width) {
      out.resize(cut_bytes);
      if (width > 0) out += kEllipsis;
      return out;
    }
    out += piece;
    used += w;
    i += length;
  }
  return out;
}

}  // namespace cen::common
