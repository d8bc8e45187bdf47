#!/usr/bin/env python3
"""Generate the C++ code-list tables behind cen::common::CodeLists.

Reads Debian's iso-codes JSON (ISO 3166-1, ISO 4217, ISO 639-2) and the
Harmonized System CSV, and writes one C++ file that defines sorted constexpr
tables plus the CodeLists accessors declared in common/code_lists.h:

  CodeLists::Countries()      ISO 3166-1 alpha-2 code, short name and UN M49
                              region, sub-region and intermediate region
                              (from common/data/m49-regions.csv)
  CodeLists::Currencies()     ISO 4217 alpha-3
  CodeLists::Languages()      ISO 639-1 (the 639-2 entries that have alpha_2)
  CodeLists::HsSubheadings()  HS rows at level 6 (six digits), without UN Comtrade's
                              999999 "not specified according to kind" (section
                              TOTAL): chapter 99 is not part of the WCO nomenclature

Usage (CMake runs it at build time):
  gen_code_lists.py --iso-codes /usr/share/iso-codes/json \
                    --hs common/data/harmonized-system.csv \
                    --regions common/data/m49-regions.csv --out code_lists_data.cpp

Exit code 0 on success; 2 with a message naming the file and entry at fault when
an input is missing or not what is expected. Python 3 standard library only.
"""

import argparse
import csv
import json
import os
import re
import sys
import tempfile

ALPHA2_UPPER = re.compile(r"[A-Z]{2}")
ALPHA2_LOWER = re.compile(r"[a-z]{2}")
ALPHA3_UPPER = re.compile(r"[A-Z]{3}")
HS6 = re.compile(r"[0-9]{6}")


class InputError(Exception):
    """An input file is missing or malformed; the message names it."""


def load_iso_json(path, key):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: {e}") from e
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f'{path}: no "{key}" list of objects at the top level')
    return entries


def check_code(path, where, value, pattern, what):
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InputError(f"{path}: {where}: {what} {value!r} is not well formed")
    return value


def unique_sorted(path, codes, what):
    seen = set()
    for code in codes:
        if code in seen:
            raise InputError(f"{path}: duplicate {what} {code}")
        seen.add(code)
    # Python sorts str by code point; for ASCII codes that is the byte order
    # std::string_view's operator< uses, so std::lower_bound agrees.
    return sorted(codes)


def read_countries(iso_dir):
    path = os.path.join(iso_dir, "iso_3166-1.json")
    countries = {}
    for i, e in enumerate(load_iso_json(path, "3166-1")):
        code = check_code(path, f"entry {i}", e.get("alpha_2"), ALPHA2_UPPER, "alpha_2")
        name = e.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"{path}: entry {i} ({code}): no name")
        if code in countries:
            raise InputError(f"{path}: duplicate alpha_2 {code}")
        countries[code] = name
    return sorted(countries.items())


def read_regions(path):
    """alpha-2 -> (region, sub-region, intermediate region); "" where M49 has none."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            wanted = {"alpha2", "region", "subregion", "intermediate_region"}
            missing = wanted - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            regions = {}
            for row in reader:
                where = f"line {reader.line_num}"
                code = check_code(path, where, row["alpha2"], ALPHA2_UPPER, "alpha2")
                if code in regions:
                    raise InputError(f"{path}: {where}: duplicate alpha2 {code}")
                regions[code] = (row["region"], row["subregion"], row["intermediate_region"])
    except OSError as e:
        raise InputError(f"{path}: {e}") from e
    return regions


def read_currencies(iso_dir):
    path = os.path.join(iso_dir, "iso_4217.json")
    codes = [check_code(path, f"entry {i}", e.get("alpha_3"), ALPHA3_UPPER, "alpha_3")
             for i, e in enumerate(load_iso_json(path, "4217"))]
    return unique_sorted(path, codes, "alpha_3")


def read_languages(iso_dir):
    path = os.path.join(iso_dir, "iso_639-2.json")
    codes = [check_code(path, f"entry {i}", e["alpha_2"], ALPHA2_LOWER, "alpha_2")
             for i, e in enumerate(load_iso_json(path, "639-2")) if "alpha_2" in e]
    return unique_sorted(path, codes, "alpha_2")


def read_hs_subheadings(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = {"section", "hscode", "level"} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            codes = []
            for row in reader:
                # Section TOTAL holds Comtrade's reporting aggregates (TOTAL, 99,
                # 9999, 999999), which no declaration may carry.
                if row["level"] != "6" or row["section"] == "TOTAL":
                    continue
                where = f"line {reader.line_num}"
                codes.append(check_code(path, where, row["hscode"], HS6, "hscode"))
    except OSError as e:
        raise InputError(f"{path}: {e}") from e
    if not codes:
        raise InputError(f"{path}: no rows at level 6")
    return unique_sorted(path, codes, "hscode")


def cpp_string(text):
    """A C++ string literal in plain ASCII: UTF-8 bytes beyond ASCII become
    three-digit octal escapes, which (unlike \\x) never swallow a following
    character."""
    out = ['"']
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    out.append('"')
    return "".join(out)


def string_table(name, codes, per_line):
    lines = [f"constexpr std::string_view {name}[] = {{"]
    for start in range(0, len(codes), per_line):
        chunk = codes[start:start + per_line]
        lines.append("    " + ", ".join(cpp_string(c) for c in chunk) + ",")
    lines.append("};")
    lines.append(f"static_assert(std::is_sorted(std::begin({name}), std::end({name})));")
    return "\n".join(lines)


def render(countries, regions, currencies, languages, hs):
    def country_row(code, name):
        region = regions.get(code, ("", "", ""))
        fields = ", ".join(cpp_string(v) for v in (code, name) + region)
        return f"    {{{fields}}},"
    country_rows = "\n".join(country_row(c, n) for c, n in countries)
    return f"""\
// Generated by scripts/gen_code_lists.py from Debian iso-codes (ISO 3166-1,
// ISO 4217, ISO 639-2) and common/data/harmonized-system.csv. Do not edit:
// change the script or its inputs and rebuild.
#include <algorithm>
#include <iterator>
#include <span>
#include <string_view>

#include "common/code_lists.h"

namespace cen::common {{
namespace {{

// ISO 3166-1: {len(countries)} countries, sorted by alpha-2 code.
constexpr Country kCountries[] = {{
{country_rows}
}};
constexpr bool ByAlpha2(const Country& a, const Country& b) {{ return a.alpha2 < b.alpha2; }}
static_assert(std::is_sorted(std::begin(kCountries), std::end(kCountries), ByAlpha2));

// ISO 4217: {len(currencies)} currencies.
{string_table("kCurrencies", currencies, 10)}

// ISO 639-1: {len(languages)} languages.
{string_table("kLanguages", languages, 12)}

// Harmonized System: {len(hs)} six-digit subheadings.
{string_table("kHsSubheadings", hs, 8)}

}}  // namespace

std::span<const Country> CodeLists::Countries() {{ return kCountries; }}
std::span<const std::string_view> CodeLists::Currencies() {{ return kCurrencies; }}
std::span<const std::string_view> CodeLists::Languages() {{ return kLanguages; }}
std::span<const std::string_view> CodeLists::HsSubheadings() {{ return kHsSubheadings; }}

}}  // namespace cen::common
"""


def write_atomically(path, text):
    """A build interrupted half-way never leaves a truncated file behind."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".code_lists.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes it 0600
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iso-codes", required=True, metavar="DIR",
                        help="folder with iso_3166-1.json, iso_4217.json, iso_639-2.json")
    parser.add_argument("--hs", required=True, metavar="CSV", help="harmonized-system.csv")
    parser.add_argument("--regions", required=True, metavar="CSV", help="m49-regions.csv")
    parser.add_argument("--out", required=True, metavar="FILE", help="C++ file to write")
    args = parser.parse_args(argv)
    try:
        text = render(read_countries(args.iso_codes), read_regions(args.regions),
                      read_currencies(args.iso_codes),
                      read_languages(args.iso_codes), read_hs_subheadings(args.hs))
        write_atomically(args.out, text)
    except InputError as e:
        print(f"gen_code_lists.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"gen_code_lists.py: {args.out}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
