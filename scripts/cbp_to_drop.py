#!/usr/bin/env python3
"""Convert US CBP nationwide drug seizure statistics into a cenhub seizure drop.

Input: the CBP "Drug Seizure Statistics" nationwide CSV (monthly totals per
office and drug), header
  FY,Month (abbv),Component,Region,Land Filter,Area of Responsibility,Drug Type,
  Count of Event,Sum Qty (lbs)
Output: a CSV drop for `cen-node drop` (docs/DROPS.md), one seizure record per
input row:

  seizure_date       first day of the month; the US federal fiscal year starts
                     on 1 October, so OCT-DEC of FY 2026 are in calendar 2025
  reporting_country  US
  commodity          drugs (every CBP drug type is a narcotic or psychotropic
                     substance; see DRUG_COMMODITY)
  quantity, unit     Sum Qty (lbs) in pounds, UN/ECE Rec 20 LBR, as reported
  location           the Area of Responsibility (field office or sector)
  location_type      land_border for the "Land Only" filter
  ref                CBP- + year-month + a hash of the row's key columns, so
                     converting the same file again yields the same refs and a
                     re-drop changes nothing
  description        English text naming the component, office, drug, events

Rows whose quantity is 0 lb (below CBP's rounding) cannot be seizure records
(the quantity must be greater than 0): they are skipped and counted on stderr.
Python 3 standard library only.

  scripts/cbp_to_drop.py nationwide-drugs-fy23-fy26-dec.csv -o drop.csv
"""

import argparse
import csv
import hashlib
import sys

MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}

# CBP "Drug Type" -> cenhub commodity (common/code_lists.cpp, kCommodities).
DRUG_COMMODITY = {
    "Cocaine": "drugs",
    "Ecstasy": "drugs",
    "Fentanyl": "drugs",
    "Heroin": "drugs",
    "Ketamine": "drugs",
    "Khat (Catha Edulis)": "drugs",
    "Lsd": "drugs",
    "Marijuana": "drugs",
    "Methamphetamine": "drugs",
    "Other Drugs**": "drugs",
}

KEY_COLUMNS = ["FY", "Month (abbv)", "Component", "Region", "Land Filter",
               "Area of Responsibility", "Drug Type"]

OUT_COLUMNS = ["kind", "ref", "seizure_date", "reporting_country", "commodity", "description",
               "quantity", "unit", "location", "location_type", "source_eval", "info_eval",
               "lang"]


class BadRow(Exception):
    pass


def seizure_date(fy_text, month_text):
    try:
        fiscal_year = int(fy_text.split()[0])  # "2026 (FYTD)" -> 2026
    except (ValueError, IndexError):
        raise BadRow("FY: not a year: %r" % fy_text)
    month = MONTHS.get(month_text.strip().upper())
    if month is None:
        raise BadRow("Month (abbv): not a month: %r" % month_text)
    year = fiscal_year - 1 if month >= 10 else fiscal_year
    return "%04d-%02d-01" % (year, month)


def convert_row(row):
    date = seizure_date(row["FY"], row["Month (abbv)"])
    drug = row["Drug Type"].strip()
    commodity = DRUG_COMMODITY.get(drug)
    if commodity is None:
        raise BadRow("Drug Type: unknown drug type %r (add it to DRUG_COMMODITY)" % drug)
    try:
        pounds = float(row["Sum Qty (lbs)"])
        events = int(row["Count of Event"])
    except ValueError:
        raise BadRow("Sum Qty (lbs) / Count of Event: not a number")
    if pounds <= 0:
        return None
    key = "|".join(row[c].strip() for c in KEY_COLUMNS)
    ref = "CBP-%s-%s" % (date[:7], hashlib.sha256(key.encode("utf-8")).hexdigest()[:12])
    office = row["Area of Responsibility"].strip()
    drug_name = drug.rstrip("*")
    description = ("US CBP %s, %s (%s, %s): %s, %d seizure event%s, %s lb in the month "
                   "(monthly total from CBP drug seizure statistics)" % (
                       row["Component"].strip(), office, row["Region"].strip(),
                       row["Land Filter"].strip(), drug_name, events,
                       "" if events == 1 else "s", format_number(pounds)))
    return {
        "kind": "seizure",
        "ref": ref,
        "seizure_date": date,
        "reporting_country": "US",
        "commodity": commodity,
        "description": description,
        "quantity": format_number(pounds),
        "unit": "LBR",
        "location": office,
        "location_type": "land_border" if row["Land Filter"].strip() == "Land Only" else "",
        "source_eval": "A",
        "info_eval": "1",
        "lang": "en",
    }


def format_number(value):
    """Pounds with at most 6 decimals; a tiny amount keeps 3 significant digits."""
    text = ("%.6f" % value).rstrip("0").rstrip(".")
    return text if text not in ("", "0") else "%.3g" % value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", help="CBP nationwide drug seizures CSV")
    parser.add_argument("-o", "--output", default="-", help="drop CSV to write (default stdout)")
    args = parser.parse_args()

    with open(args.input, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in KEY_COLUMNS + ["Count of Event", "Sum Qty (lbs)"]
                   if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit("%s:1: missing column(s): %s" % (args.input, ", ".join(missing)))
        out_file = sys.stdout if args.output == "-" else open(args.output, "w", newline="",
                                                             encoding="utf-8")
        writer = csv.DictWriter(out_file, fieldnames=OUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        converted = skipped = 0
        errors = []
        for row in reader:
            try:
                record = convert_row(row)
            except BadRow as e:
                errors.append("%s:%d: %s" % (args.input, reader.line_num, e))
                continue
            if record is None:
                skipped += 1
                continue
            writer.writerow(record)
            converted += 1
        if out_file is not sys.stdout:
            out_file.close()
    for e in errors:
        print(e, file=sys.stderr)
    print("%s: %d rows converted, %d skipped (0 lb), %d refused" % (
        args.input, converted, skipped, len(errors)), file=sys.stderr)
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
