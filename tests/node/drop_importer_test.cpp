#include "node/drops/drop_importer.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/msgpack_json.h"
#include "node/drops/drop_template.h"
#include "node/store/outbox.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::StatusCode;
using cen::node::DropFormat;
using cen::node::DropImporter;
using cen::node::DropSettings;
using cen::node::DropSummary;
using cen::node::DropTemplate;
using cen::test::CountRows;
using cen::test::CreateNodeDb;
using cen::test::TempDir;

namespace {

constexpr const char* kHeader =
    "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n";

// A valid seizure row for kHeader.
std::string Row(const std::string& ref, const std::string& quantity = "12.5",
                const std::string& description = "Cocaine in banana boxes") {
  return "seizure," + ref + ",2026-03-14,FR,drugs," + description + "," + quantity + ",KGM\n";
}

// A node.db and a folder for drop files.
struct DropImporterFixture {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  std::string errors;  // what the last Drop() wrote to its error stream

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = tmp.File(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  DropSummary Drop(const std::string& name, const std::string& text, DropSettings settings = {}) {
    const std::string path = Write(name, text);
    std::ostringstream err;
    std::istringstream no_stdin;
    DropImporter importer(&db, settings);
    DropSummary summary = importer.ImportFile(path, no_stdin, err);
    errors = err.str();
    return summary;
  }

  int64_t Outbox() { return CountRows(db, "outbox"); }

  // The body queued for `ref`, as stored.
  std::string Body(const std::string& ref) {
    auto stmt = db.Prepare("SELECT body FROM own_records WHERE ref=? ORDER BY version DESC");
    REQUIRE(stmt.ok());
    stmt->Bind(1, ref);
    REQUIRE(*stmt->Step());
    return stmt->ColumnBlob(0);
  }

  // Drops the `kind` template and returns the record it queued, as JSON.
  nlohmann::json DropTemplateRecord(const std::string& kind) {
    std::ostringstream csv;
    REQUIRE(DropTemplate::Write(kind, csv).ok());
    DropSummary s = Drop(kind + ".csv", csv.str());
    INFO(errors);
    REQUIRE(s.status.ok());
    auto stmt = db.Prepare("SELECT body FROM own_records WHERE kind=?");
    REQUIRE(stmt.ok());
    stmt->Bind(1, kind);
    REQUIRE(*stmt->Step());
    auto record = cen::common::MsgpackJson::Decode(stmt->ColumnBlob(0));
    REQUIRE(record.ok());
    return *record;
  }
};

}  // namespace

TEST_CASE("A CSV drop queues every row once, a re-drop changes nothing", "[node][drop]") {
  DropImporterFixture f;
  const std::string text = std::string(kHeader) + Row("FR-1") + Row("FR-2") + Row("FR-3");
  DropSummary first = f.Drop("cases.csv", text);
  INFO(f.errors);
  REQUIRE(first.status.ok());
  CHECK(first.rows == 3);
  CHECK(first.added == 3);
  CHECK(first.imported);
  CHECK(f.Outbox() == 3);

  DropSummary again = f.Drop("cases.csv", text);
  REQUIRE(again.status.ok());
  CHECK(again.added == 0);
  CHECK(again.unchanged == 3);
  CHECK(f.Outbox() == 3);
  CHECK_THAT(again.Line(), Catch::Contains("3 rows: 0 new, 0 amended, 3 unchanged, 0 rejected"));
}

TEST_CASE("A changed row becomes the next version of its record", "[node][drop]") {
  DropImporterFixture f;
  REQUIRE(f.Drop("a.csv", std::string(kHeader) + Row("FR-1") + Row("FR-2")).status.ok());
  DropSummary s = f.Drop("b.csv", std::string(kHeader) + Row("FR-1", "13") + Row("FR-2"));
  REQUIRE(s.status.ok());
  CHECK(s.amended == 1);
  CHECK(s.unchanged == 1);
  CHECK(CountRows(f.db, "own_records") == 3);
  auto versions = f.db.QueryInt("SELECT count(DISTINCT uuid) FROM own_records WHERE ref='FR-1'");
  REQUIRE(versions.ok());
  CHECK(**versions == 1);
  auto latest = f.db.QueryInt("SELECT max(version) FROM own_records WHERE ref='FR-1'");
  CHECK(**latest == 2);
}

TEST_CASE("An amendment lowers a record's handling only when asked to", "[node][drop]") {
  // A user trial: a national export without the handling column amended an
  // H2 record, which took the default H0 and reached every office
  // declassified, without a word.
  DropImporterFixture f;
  const std::string h2_header =
      "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit,handling\n";
  REQUIRE(f.Drop("a.csv", h2_header + "seizure,FR-1,2026-03-14,FR,drugs,x,12,KGM,H2\n" +
                              "seizure,FR-2,2026-03-14,FR,drugs,y,5,KGM,H0\n")
              .status.ok());
  const std::string amended =
      std::string(kHeader) + Row("FR-1", "13", "x") + Row("FR-2", "6", "y");  // no handling
  DropSummary refused = f.Drop("b.csv", amended);
  CHECK(refused.status.code() == cen::common::StatusCode::kInvalidInput);
  CHECK_THAT(f.errors, Catch::Contains("b.csv:2") && Catch::Contains("handling: H0 would lower") &&
                           Catch::Contains("from H2") &&
                           // The drop folder has no such flag (a trial): the one that does.
                           Catch::Contains("cen-node drop --lower-handling"));
  CHECK(CountRows(f.db, "own_records") == 2);  // nothing of the file

  SECTION("the same handling given keeps it") {
    DropSummary kept =
        f.Drop("c.csv", h2_header + "seizure,FR-1,2026-03-14,FR,drugs,x,13,KGM,H2\n");
    INFO(f.errors);
    CHECK(kept.status.ok());
    CHECK(kept.amended == 1);
  }
  SECTION("--lower-handling lowers it on purpose") {
    DropSettings lower;
    lower.lower_handling = true;
    DropSummary lowered = f.Drop("b.csv", amended, lower);
    INFO(f.errors);
    CHECK(lowered.status.ok());
    CHECK(lowered.amended == 2);
  }
}

TEST_CASE("One invalid row and nothing of the file is imported", "[node][drop]") {
  DropImporterFixture f;
  const std::string text =
      std::string(kHeader) + Row("FR-1") + Row("FR-2", "-4") + Row("FR-3") + Row("FR-4", "2", "");
  DropSummary s = f.Drop("bad.csv", text);
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_FALSE(s.imported);
  CHECK(s.rejected == 2);
  CHECK(f.Outbox() == 0);
  CHECK(CountRows(f.db, "own_records") == 0);
  const std::string path = f.tmp.File("bad.csv");
  CHECK_THAT(f.errors, Catch::Contains(path + ":3:7: quantity: must be a number greater than 0"));
  CHECK_THAT(f.errors, Catch::Contains(path + ":5:6: description: required"));
  // Its summary adds up: the valid rows are valid, not new (a trial read
  // "4 rows: 0 new, 0 amended, 0 unchanged, 2 rejected").
  CHECK_THAT(s.Line(), Catch::Contains("bad.csv: 4 rows: 2 valid, 2 rejected") &&
                           Catch::EndsWith("; nothing imported"));
  CHECK(s.ToJson()["valid"] == 2);
}

TEST_CASE("A partial drop imports the valid rows and writes the rest to FILE.rejects.csv",
          "[node][drop]") {
  DropImporterFixture f;
  const std::string text = std::string(kHeader) + Row("FR-1") + Row("FR-2", "lots") + Row("FR-3");
  DropSettings settings;
  settings.partial = true;
  DropSummary s = f.Drop("part.csv", text, settings);
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK(s.imported);
  CHECK(s.added == 2);
  CHECK(s.rejected == 1);
  CHECK(f.Outbox() == 2);
  std::ifstream in(f.tmp.File("part.csv.rejects.csv"));
  std::stringstream rejects;
  rejects << in.rdbuf();
  CHECK(rejects.str() ==
        "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit,reason\r\n"
        "seizure,FR-2,2026-03-14,FR,drugs,Cocaine in banana boxes,lots,KGM,"
        "quantity: must be a number greater than 0\r\n");
}

TEST_CASE("A partial drop never takes the text of an overlong quoted cell for rows",
          "[node][drop]") {
  // A trial (HIGH): past the 1 MiB row limit inside quotes, a line of the
  // cell's text became a record that the hub sent to every office.
  DropImporterFixture f;
  const std::string cell = std::string(1200000, 'x') +
                           "\nseizure,PHANTOM-1,2026-03-14,FR,drugs,inside the quotes,1,KGM\nend";
  const std::string text = std::string(kHeader) + "seizure,PH-1,2026-03-14,FR,drugs,\"" + cell +
                           "\",1,KGM\n" + Row("PH-2");
  DropSettings settings;
  settings.partial = true;
  DropSummary s = f.Drop("phantom.csv", text, settings);
  INFO(f.errors);
  CHECK(s.added == 1);
  CHECK(s.rejected == 1);
  CHECK(CountRows(f.db, "own_records") == 1);
  CHECK(f.Body("PH-2").size() > 0);
  CHECK_THAT(f.errors, Catch::Contains("phantom.csv:2:") &&
                           Catch::Contains("longer than 1048576 bytes (it ends on line 4)") &&
                           !Catch::Contains("PHANTOM"));
}

TEST_CASE("Blank lines before a CSV header are skipped, as between rows", "[node][drop]") {
  // A trial: two empty lines first, and the header was said to lack every
  // column (DROPS.md: "A blank line is skipped").
  DropImporterFixture f;
  DropSummary s = f.Drop("blank.csv", "\n\r\n  \n" + std::string(kHeader) + Row("BL-1"));
  INFO(f.errors);
  CHECK(s.status.ok());
  CHECK(s.added == 1);
  DropSummary empty = f.Drop("blanks.csv", "\n\n\n");
  CHECK(empty.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(empty.status.message(), Catch::Contains("the file is empty"));
}

TEST_CASE("A directory or a pipe given as the file is named for what it is", "[node][drop]") {
  // A trial: both said "no such file", and sent the operator looking for a
  // file that was there.
  DropImporterFixture f;
  std::filesystem::create_directory(f.tmp.File("adir.csv"));
  REQUIRE(::mkfifo(f.tmp.File("fifo.csv").c_str(), 0600) == 0);
  std::istringstream no_stdin;
  std::ostringstream err;
  DropImporter importer(&f.db, {});
  const DropSummary dir = importer.ImportFile(f.tmp.File("adir.csv"), no_stdin, err);
  CHECK(dir.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(dir.status.message(), Catch::EndsWith("adir.csv: it is a directory"));
  const DropSummary fifo = importer.ImportFile(f.tmp.File("fifo.csv"), no_stdin, err);
  CHECK(fifo.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(fifo.status.message(),
             Catch::Contains("not a regular file") && Catch::Contains("standard input"));
  const DropSummary none = importer.ImportFile(f.tmp.File("none.csv"), no_stdin, err);
  CHECK(none.status.code() == StatusCode::kNotFound);
  CHECK_THAT(none.status.message(), Catch::EndsWith("none.csv: no such file"));
}

TEST_CASE("A CSV whose last line has no line end is imported with a warning naming it",
          "[node][drop]") {
  // A trial's export was cut short inside its last cell: 31.87 was stored
  // as 31, exit 0, and nothing said so. A cut cell reads as a whole one; a
  // last line without its line end is the one trace.
  DropImporterFixture f;
  std::string text = std::string(kHeader) + Row("FR-1") + Row("FR-2");
  text.pop_back();  // "...,KGM" without its line end
  DropSummary s = f.Drop("cut.csv", text);
  RequireOk(s.status);
  CHECK(s.added == 2);
  REQUIRE(s.warnings.size() == 1);
  CHECK_THAT(s.warnings[0],
             Catch::Contains(f.tmp.File("cut.csv") + ":3: (row): warning: the "
                                                     "file's last line has no line end"));
  CHECK_THAT(f.errors, Catch::Contains("last line has no line end"));
  CHECK(s.ToJson()["warnings"].size() == 1);
  // With its line end, nothing to say; nor of a header alone without one
  // (no value to cut).
  DropSummary whole = f.Drop("whole.csv", std::string(kHeader) + Row("FR-3"));
  RequireOk(whole.status);
  CHECK(whole.warnings.empty());
  CHECK_FALSE(whole.ToJson().contains("warnings"));
  std::string header_only = kHeader;
  header_only.pop_back();
  CHECK(f.Drop("header.csv", header_only).warnings.empty());
}

TEST_CASE("An export without a column for a field may not change it in the records it amends",
          "[node][drop]") {
  // A trial dropped an export without its hs_code column: 3,276 records
  // amended, their HS codes gone, exit 0. A file that has no column for a
  // field does not say it: such a row is refused, naming the field.
  DropImporterFixture f;
  const std::string with_hs =
      std::string(kHeader).insert(std::string(kHeader).size() - 1, ",hs_code");
  RequireOk(f.Drop("full.csv", with_hs + "seizure,FR-1,2026-03-14,FR,drugs,x,12.5,KGM,293972\n"
                                         "seizure,FR-2,2026-03-14,FR,drugs,y,3,KGM,\n")
                .status);
  REQUIRE(f.Outbox() == 2);

  // Without the column: FR-1 would lose its HS code, FR-2 has none to lose.
  DropSummary s =
      f.Drop("nohs.csv", std::string(kHeader) + Row("FR-1", "12.5", "x") + Row("FR-2", "4", "y"));
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(f.errors, Catch::Contains(f.tmp.File("nohs.csv") +
                                       ":2: hs_code: the file has no hs_code column, and FR-1 "
                                       "(version 1) has one this row would remove"));
  CHECK_THAT(f.errors, !Catch::Contains("FR-2"));
  CHECK(f.Outbox() == 2);

  // The column given, an empty cell removes the code on purpose.
  s = f.Drop("cleared.csv", with_hs + "seizure,FR-1,2026-03-14,FR,drugs,x,12.5,KGM,\n");
  RequireOk(s.status);
  CHECK(s.amended == 1);
  // A field with a default (lang en) is kept as well: a value it had is not
  // replaced by the default.
  RequireOk(
      f.Drop("lang.csv", std::string(kHeader).insert(std::string(kHeader).size() - 1, ",lang") +
                             "seizure,FR-3,2026-03-14,FR,drugs,z,1,KGM,fr\n")
          .status);
  s = f.Drop("nolang.csv", std::string(kHeader) + Row("FR-3", "2", "z"));
  CHECK_THAT(f.errors, Catch::Contains("lang: the file has no lang column, and FR-3 (version 1) "
                                       "has another value this row would replace"));
  // Every such field in one message (a trial added one column a run).
  RequireOk(f.Drop("both.csv",
                   std::string(kHeader).insert(std::string(kHeader).size() - 1, ",hs_code,lang") +
                       "seizure,FR-4,2026-03-14,FR,drugs,w,1,KGM,293972,fr\n")
                .status);
  f.Drop("neither.csv", std::string(kHeader) + Row("FR-4", "2", "w"));
  CHECK_THAT(f.errors, Catch::Contains(":2: lang: the file has no lang column") &&
                           Catch::Contains("; nor columns for hs_code, which it would change too"));
}

TEST_CASE("A partial drop whose every row is refused says nothing was imported", "[node][drop]") {
  // A trial's cron job read "imported": true and "the other rows were
  // imported" for a file of 1,219 refused rows.
  DropImporterFixture f;
  const std::string text = std::string(kHeader) + Row("FR-1", "lots") + Row("FR-2", "0");
  DropSettings settings;
  settings.partial = true;
  DropSummary s = f.Drop("none.csv", text, settings);
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_FALSE(s.imported);
  CHECK(s.ToJson()["imported"] == false);
  CHECK(s.rejected == 2);
  CHECK_THAT(s.status.message(), Catch::Contains("that is every row: nothing was imported") &&
                                     !Catch::Contains("the other rows were imported"));
  CHECK(f.Outbox() == 0);
}

TEST_CASE("Every problem of a file is reported, a ref given twice among them, dry run or not",
          "[node][drop]") {
  // After the first invalid row the rest was only validated: a ref given
  // twice with other content was said only by --partial, so an operator
  // who fixed what --dry-run listed met a new error at the next run.
  DropImporterFixture f;
  const std::string text =
      std::string(kHeader) + Row("MX-1") + Row("MX-2", "0") + Row("MX-1", "13");
  for (const bool dry_run : {true, false}) {
    DropSettings settings;
    settings.dry_run = dry_run;
    INFO((dry_run ? "--dry-run" : "a drop"));
    DropSummary s = f.Drop("mix.csv", text, settings);
    CHECK(s.status.code() == StatusCode::kInvalidInput);
    CHECK(s.rejected == 2);
    const std::string path = f.tmp.File("mix.csv");
    CHECK_THAT(f.errors, Catch::Contains(path + ":3:7: quantity:"));
    CHECK_THAT(f.errors, Catch::Contains(path + ":4:2: ref: 'MX-1' is on an earlier row"));
    CHECK(f.Outbox() == 0);
    CHECK(CountRows(f.db, "own_records") == 0);
  }
}

TEST_CASE("A drop's messages show control bytes escaped and a huge cell cut", "[node][drop]") {
  // A NUL-prefixed header cell went out raw (grep then took the agent's log
  // for a binary file), and a 32 KiB cell was printed whole.
  DropImporterFixture f;
  std::string header = kHeader;
  header.insert(header.size() - 1, std::string(",\0national_id", 13));
  DropSummary s = f.Drop("nul.csv", header + Row("N-1") + "\n");
  CHECK_FALSE(s.imported);
  // A header's first problem is the status (cen-node prints it last).
  CHECK(s.status.message().find('\0') == std::string::npos);
  CHECK_THAT(s.status.message(), Catch::Contains("\\u0000national_id"));
  DropSummary big = f.Drop("big.csv", std::string(kHeader) + "seizure,B-1,2026-03-14,FR," +
                                          std::string(40000, 'd') + ",x,1,KGM\n");
  CHECK_FALSE(big.imported);
  CHECK_THAT(f.errors, Catch::Contains("commodity:"));
  CHECK(f.errors.size() < 2000);
}

TEST_CASE("A drop whose commit fails counts nothing as new", "[node][drop]") {
  // On a full disk it said "2,000 new ...; nothing imported" (--json "new":
  // 3000): a script adding up `new` counted records that do not exist.
  DropImporterFixture f;
  std::string text = kHeader;
  for (int i = 0; i < 2000; ++i) text += Row("FULL-" + std::to_string(i));
  auto pages = f.db.QueryInt("PRAGMA page_count");
  REQUIRE(pages.ok());
  // SQLite's own "database or disk is full" once the file would grow.
  REQUIRE(f.db.Exec("PRAGMA max_page_count = " + std::to_string(**pages + 2)).ok());
  DropSummary s = f.Drop("full.csv", text);
  INFO(s.status.ToString());
  CHECK_FALSE(s.status.ok());
  CHECK_THAT(s.status.message(), Catch::Contains("full"));
  CHECK_FALSE(s.imported);
  CHECK(s.added == 0);  // of the rows read until the disk refused one
  CHECK(s.ToJson()["new"] == 0);
  CHECK_THAT(s.Line(), !Catch::Contains(" new") && Catch::Contains("nothing imported"));
  CHECK(f.Outbox() == 0);
}

TEST_CASE("A partial drop with nothing refused removes the rejects file of an earlier run",
          "[node][drop]") {
  // The rows fixed and dropped again, FILE.rejects.csv still listed the row
  // now imported.
  DropImporterFixture f;
  DropSettings settings;
  settings.partial = true;
  REQUIRE(f.Drop("fix.csv", std::string(kHeader) + Row("FR-1") + Row("FR-2", "lots"), settings)
              .imported);
  REQUIRE(std::filesystem::exists(f.tmp.File("fix.csv.rejects.csv")));
  DropSummary fixed = f.Drop("fix.csv", std::string(kHeader) + Row("FR-1") + Row("FR-2"), settings);
  REQUIRE(fixed.status.ok());
  CHECK(fixed.added == 1);
  CHECK_FALSE(std::filesystem::exists(f.tmp.File("fix.csv.rejects.csv")));
}

TEST_CASE("A dry run counts and imports nothing", "[node][drop]") {
  DropImporterFixture f;
  REQUIRE(f.Drop("a.csv", std::string(kHeader) + Row("FR-1")).status.ok());
  DropSettings settings;
  settings.dry_run = true;
  DropSummary s = f.Drop("b.csv", std::string(kHeader) + Row("FR-1", "2") + Row("FR-9"), settings);
  REQUIRE(s.status.ok());
  CHECK(s.amended == 1);
  CHECK(s.added == 1);
  CHECK_FALSE(s.imported);
  CHECK(CountRows(f.db, "own_records") == 1);
  // With a bad row it says how many are valid (a trial read "13 rows: 0
  // new, 0 amended, 0 unchanged, 11 rejected; dry run").
  DropSummary bad =
      f.Drop("c.csv", std::string(kHeader) + Row("FR-7") + Row("FR-8", "-1"), settings);
  CHECK_FALSE(bad.status.ok());
  CHECK_THAT(bad.Line(), Catch::Contains("c.csv: 2 rows: 1 valid, 1 rejected") &&
                             Catch::Contains("dry run, nothing imported"));
}

TEST_CASE("Malformed CSV is reported with its line and column", "[node][drop]") {
  DropImporterFixture f;
  struct DropImporterCase {
    const char* what;
    std::string text;
    std::string expected;  // after "PATH:"
  };
  const DropImporterCase cases[] = {
      {"bad quoting",
       std::string(kHeader) + Row("FR-1") + "seizure,FR-2,2026-03-14,FR,drugs,5\" pipe,1,KGM\n",
       "3:6: description: quote inside an unquoted field"},
      {"ragged row", std::string(kHeader) + "seizure,FR-1,2026-03-14\n",
       "2: (row): has 3 fields; the header has 8"},
      {"invalid UTF-8 (Latin-1)", std::string(kHeader) + Row("FR-1", "1", "H\xe9ro\xefne"),
       "2:6: description: not valid UTF-8"},
      {"unknown column", "kind,ref,colour\nseizure,FR-1,red\n", "1:3: colour: unknown column"},
      {"missing required column", "ref,description\nFR-1,x\n", "1: kind: required column missing"},
      {"missing column of the kind", "kind,ref,seizure_date\nseizure,FR-1,2026-03-14\n",
       "2: reporting_country: required (the file has no reporting_country column)"},
      {"empty file", "", "1: (header): the file is empty"},
      {"unterminated quote", std::string(kHeader) + "seizure,FR-1,\"2026-03-14\n",
       "2:3: seizure_date: quoted field opened on line 2 is never closed"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    DropSummary s = f.Drop("m.csv", c.text);
    CHECK(s.status.code() == StatusCode::kInvalidInput);
    // Said once: in the problems shown, or (a header's first) as the status.
    const std::string said = f.errors + "\n" + s.status.message();
    const std::string line = f.tmp.File("m.csv") + ":" + c.expected;
    CHECK_THAT(said, Catch::Contains(line));
    CHECK(said.find(line) == said.rfind(line));
    // What --json and a drop folder's FILE.errors keep: the reason, not
    // "cannot read the file" (which it could).
    CHECK_THAT(s.status.message(), !Catch::Contains("cannot read"));
    if (s.rows == 0) {
      CHECK_THAT(s.status.message(), Catch::Contains(f.tmp.File("m.csv") + ":" + c.expected) &&
                                         Catch::EndsWith("; nothing was imported"));
    }
    CHECK(f.Outbox() == 0);
  }
}

TEST_CASE("A UTF-8 byte order mark and Cyrillic text are accepted", "[node][drop]") {
  DropImporterFixture f;
  DropSummary s = f.Drop("ru.csv", "\xEF\xBB\xBF" + std::string(kHeader) +
                                       "seizure,RU-1,2026-03-14,RU,drugs,\"Героин в грузе "
                                       "бананов, тайник в полу\",5,KGM\n");
  INFO(f.errors);
  REQUIRE(s.status.ok());
  CHECK(s.added == 1);
}

TEST_CASE("Every record rule is reported on the line of the row", "[node][drop]") {
  struct DropImporterCase {
    std::string column;
    std::string value;
    std::string expected;  // "field: reason" start
  };
  // Each row puts one bad value into an otherwise valid seizure, on line 3.
  const DropImporterCase cases[] = {
      {"seizure_date", "14/03/2026", "seizure_date: must be a calendar date"},
      {"seizure_date", "2099-01-01", "seizure_date: must not be after tomorrow"},
      {"reporting_country", "fr", "reporting_country: must be upper case: FR"},
      {"commodity", "cocaine", "commodity: must be one of drugs"},
      {"unit", "KG", "unit: must be one of"},
      {"hs_code", "999999", "hs_code: 999999 is not a Harmonized System subheading"},
      {"locode", "XXABC", "locode: XX is not an ISO 3166-1 country"},
      {"lat", "95", "lat: must be a number from -90 to 90"},
      {"transport_mode", "12", "transport_mode: must be an integer from 0 to 9"},
      {"containers", "CSQU3054384", "containers[0]: wrong ISO 6346 check digit"},
      {"vessel_imo", "9074728", "vessel_imo: must be an IMO ship number"},
      {"transit", "ES;XX", "transit[1]: must be an ISO 3166-1 alpha-2 country code"},
      {"currency", "EURO", "currency: must be an ISO 4217 currency code"},
      {"offenders", "CO/M/340", "offenders[0].age: must be an integer from 0 to 120"},
      {"offenders", "CO/X/", "offenders[0].gender: must be one of M, F, U"},
      {"offenders", "CO/M/34/extra", "offenders: item 'CO/M/34/extra' must be"},
      {"handling", "H9", "handling: must be one of H0, H1, H2, H3"},
      {"info_eval", "5", "info_eval: must be an integer from 1 to 4"},
      {"lang", "english", "lang: must be an ISO 639-1 language code"},
      {"scope", "everyone", "scope: must be global"},
      {"uuid", "not-a-uuid", "uuid: must be a UUID"},
  };
  // The required fields with valid values; the column under test goes last.
  const std::vector<std::pair<std::string, std::string>> base = {
      {"kind", "seizure"},    {"seizure_date", "2026-03-14"}, {"reporting_country", "FR"},
      {"commodity", "drugs"}, {"description", "x"},           {"quantity", "1"},
      {"unit", "KGM"}};
  for (const auto& c : cases) {
    INFO(c.column << " = " << c.value);
    DropImporterFixture f;
    std::string header = "ref";
    std::string good = "FR-1";
    std::string bad = "FR-2";
    std::string good_value;  // of the column under test in the valid row
    for (const auto& [column, value] : base) {
      if (column == c.column) {
        good_value = value;
        continue;
      }
      header += "," + column;
      good += "," + value;
      bad += "," + value;
    }
    const size_t last_column =
        static_cast<size_t>(std::count(header.begin(), header.end(), ',')) + 2;
    DropSummary s = f.Drop("r.csv", header + "," + c.column + "\n" + good + "," + good_value +
                                        "\n" + bad + "," + c.value + "\n");
    CHECK(s.status.code() == StatusCode::kInvalidInput);
    CHECK(s.rejected == 1);
    CHECK_THAT(f.errors, Catch::Contains(f.tmp.File("r.csv") + ":3:" + std::to_string(last_column) +
                                         ": " + c.expected));
  }
}

TEST_CASE("CSV list, offender and indicator columns become JSON arrays", "[node][drop]") {
  DropImporterFixture f;
  const nlohmann::json record = f.DropTemplateRecord("seizure");
  CHECK(record["transit"] == nlohmann::json({"PA", "ES"}));
  CHECK(record["offenders"] ==
        nlohmann::json::parse(R"([{"nationality":"EC","gender":"M","age":34},)"
                              R"({"nationality":"FR","gender":"F"}])"));
  CHECK(record["quantity"] == 12.5);
  CHECK(record["value"] == 250000);
  CHECK(record["description"] ==
        "Cocaine in 12 packages hidden in banana boxes, \"Premium\" brand");
  CHECK_FALSE(record.contains("handling_note"));  // an empty cell leaves the field out

  const nlohmann::json alert = f.DropTemplateRecord("alert");
  const nlohmann::json& indicators = alert["indicators"];
  CHECK(indicators["routes"] == nlohmann::json::parse(R"([["EC","PA","ES","FR"]])"));
  CHECK(indicators["companies"] == nlohmann::json({"Example Fruit Export SA"}));
  // The example alert stays in force: a fixed expires_at had passed by the
  // time users dropped it, and it showed only under `alerts --all`.
  CHECK_FALSE(alert.contains("expires_at"));
}

TEST_CASE("NDJSON drops follow the same rules", "[node][drop]") {
  DropImporterFixture f;
  const std::string good =
      R"({"kind":"seizure","ref":"N-1","seizure_date":"2026-03-14","reporting_country":"FR",)"
      R"("commodity":"drugs","description":"x","quantity":1,"unit":"KGM"})";
  DropSummary s = f.Drop(
      "a.ndjson", good + "\n\n" + "{not json\n" + R"({"kind":"seizure","ref":"N-2"})" + "\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK(s.rejected == 2);
  const std::string path = f.tmp.File("a.ndjson");
  CHECK_THAT(f.errors, Catch::Contains(path + ":3: (line): not valid JSON"));
  CHECK_THAT(f.errors, Catch::Contains(path + ":4: seizure_date: required"));

  DropSummary ok = f.Drop("b.jsonl", good + "\n");
  REQUIRE(ok.status.ok());
  CHECK(ok.added == 1);
  DropSummary again = f.Drop("b.jsonl", good + "\r\n");
  CHECK(again.unchanged == 1);
}

TEST_CASE("A record's stored bytes are its JSON tree's, read from CSV or NDJSON alike",
          "[node][drop]") {
  using cen::common::MsgpackJson;
  for (const std::string kind : {"seizure", "alert"}) {
    CAPTURE(kind);
    DropImporterFixture csv;
    nlohmann::json record = csv.DropTemplateRecord(kind);
    const std::string body = csv.Body(record["ref"]);
    CHECK(MsgpackJson::Encode(record) == body);  // canonical: sorted keys, smallest integers

    // The same record as an NDJSON line, its keys in another order, gives the same bytes.
    record.erase("uuid");
    record.erase("version");
    std::string line = "{";
    for (auto it = record.rbegin(); it != record.rend(); ++it) {
      if (line.size() > 1) line += ",";
      line += nlohmann::json(it.key()).dump() + ":" + it.value().dump();
    }
    line += "}\n";
    DropImporterFixture ndjson;
    DropSummary s = ndjson.Drop("same.ndjson", line);
    INFO(ndjson.errors);
    REQUIRE(s.status.ok());
    auto stored = MsgpackJson::Decode(ndjson.Body(record["ref"]));
    REQUIRE(stored.ok());
    record["uuid"] = (*stored)["uuid"];
    record["version"] = 1;
    CHECK(ndjson.Body(record["ref"]) == MsgpackJson::Encode(record));
  }
}

TEST_CASE("A huge whole number stays a float that the hub accepts, 4.0 is no integer",
          "[node][drop]") {
  using cen::common::MsgpackJson;
  DropImporterFixture f;
  // msgpack-c packs a whole double as an integer: 1e19 became an integer
  // beyond the signed 64-bit range, whose PUBLISH frame the hub refuses whole.
  DropSummary csv = f.Drop("huge.csv", std::string(kHeader) + Row("HUGE-1", "1e19"));
  INFO(f.errors);
  REQUIRE(csv.status.ok());
  auto stored = MsgpackJson::Decode(f.Body("HUGE-1"));  // as the hub decodes it
  REQUIRE(stored.ok());
  CHECK((*stored)["quantity"] == 1e19);
  const std::string line =
      R"({"kind":"seizure","ref":"HUGE-2","seizure_date":"2026-03-14","reporting_country":"FR",)"
      R"("commodity":"drugs","description":"x","quantity":12.0,"value":2e19,"currency":"EUR",)"
      R"("unit":"KGM"})";
  DropSummary ndjson = f.Drop("huge.ndjson", line + "\n");
  INFO(f.errors);
  REQUIRE(ndjson.status.ok());
  stored = MsgpackJson::Decode(f.Body("HUGE-2"));
  REQUIRE(stored.ok());
  CHECK((*stored)["value"] == 2e19);
  CHECK((*stored)["quantity"].is_number_integer());  // 12.0 is stored as 12, as before

  // An integer field given as 4.0 is refused, as the JSON tree refused it.
  const std::string four =
      R"({"kind":"seizure","ref":"F-1","seizure_date":"2026-03-14","reporting_country":"FR",)"
      R"("commodity":"drugs","description":"x","quantity":1,"unit":"KGM","info_eval":4.0,)"
      R"("transport_mode":1.0,"offenders":[{"age":3e1}]})";
  DropSummary s = f.Drop("four.ndjson", four + "\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(f.errors, Catch::Contains(":1: info_eval: must be an integer"));
  CHECK_THAT(f.errors, Catch::Contains(":1: transport_mode: must be"));
  CHECK_THAT(f.errors, Catch::Contains(":1: offenders[0].age: must be"));
}

TEST_CASE("An NDJSON record naming a key twice is refused, naming the key", "[node][drop]") {
  // A trial: "quantity":3,"quantity":30 was stored as 30, exit 0, where a
  // CSV with two quantity columns is refused.
  DropImporterFixture f;
  const std::string line =
      R"({"kind":"seizure","ref":"DUP-1","seizure_date":"2026-03-14","reporting_country":"FR",)"
      R"("commodity":"drugs","description":"x","quantity":3,"quantity":30,"unit":"KGM"})";
  DropSummary s = f.Drop("dup.ndjson", line + "\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(f.errors,
             Catch::Contains(f.tmp.File("dup.ndjson") + ":1: quantity: given twice in one record"));
  CHECK(f.Outbox() == 0);
  CHECK(CountRows(f.db, "own_records") == 0);
}

TEST_CASE("An integer beyond the signed 64-bit range is refused, never wrapped, naming its field",
          "[node][drop]") {
  DropImporterFixture f;
  const std::string line =
      R"({"kind":"seizure","ref":"BIG-1","seizure_date":"2026-03-14","reporting_country":"FR",)"
      R"("commodity":"drugs","description":"x","quantity":9223372036854775813,"unit":"KGM"})";
  DropSummary s = f.Drop("big.ndjson", line + "\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(f.errors, Catch::Contains(f.tmp.File("big.ndjson") +
                                       ":1: quantity: an integer beyond the signed 64-bit range"));
  CHECK(f.Outbox() == 0);
  CHECK(CountRows(f.db, "own_records") == 0);

  // A CSV cell says the same, where it said "must be a number greater than 0".
  const std::string csv_header =
      "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit,value,"
      "currency,transport_mode\n";
  s = f.Drop("big.csv",
             csv_header + "seizure,BIG-2,2026-03-14,FR,drugs,x,9223372036854775808,KGM,,,\n" +
                 "seizure,BIG-3,2026-03-14,FR,drugs,x,1,KGM,99999999999999999999,EUR,\n" +
                 "seizure,BIG-4,2026-03-14,FR,drugs,x,1,KGM,,,-9223372036854775809\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  const std::string path = f.tmp.File("big.csv");
  CHECK_THAT(f.errors,
             Catch::Contains(path + ":2:7: quantity: an integer beyond the signed 64-bit range"));
  CHECK_THAT(f.errors,
             Catch::Contains(path + ":3:9: value: an integer beyond the signed 64-bit range"));
  CHECK_THAT(f.errors,
             Catch::Contains(path + ":4:11: transport_mode: an integer beyond the signed 64-bit "
                                    "range"));
  CHECK_THAT(f.errors, !Catch::Contains("must be a number"));
  CHECK(f.Outbox() == 0);

  // A trial read "must be a number greater than 0" of 1e400 and of +3.
  s = f.Drop("signs.csv", csv_header + "seizure,BIG-5,2026-03-14,FR,drugs,x,1e400,KGM,,,\n" +
                              "seizure,BIG-6,2026-03-14,FR,drugs,x,+3,KGM,,,\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  const std::string signs = f.tmp.File("signs.csv");
  CHECK_THAT(f.errors,
             Catch::Contains(signs + ":2:7: quantity: is beyond the range of a number") &&
                 Catch::Contains(signs + ":3:7: quantity: is written without a '+' sign"));
  CHECK(f.Outbox() == 0);
}

TEST_CASE("A ref keeps its uuid: a drop naming another uuid for it is refused", "[node][drop]") {
  DropImporterFixture f;
  REQUIRE(f.Drop("a.csv", std::string(kHeader) + Row("FR-1")).status.ok());
  DropSummary s = f.Drop("b.csv",
                         "kind,ref,uuid,seizure_date,reporting_country,commodity,"
                         "description,quantity,unit\n"
                         "seizure,FR-1,01890a5d-ac96-774b-bcce-b302099a8057,2026-03-14,"
                         "FR,drugs,x,2,KGM\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(f.errors, Catch::Contains(f.tmp.File("b.csv") + ":2:3: uuid: ref 'FR-1' already"));
  CHECK(CountRows(f.db, "own_records") == 1);
}

TEST_CASE("A ref twice in one file with other content is refused: a re-drop never amends itself",
          "[node][drop]") {
  // Imported, the second row amended the first, and every later drop of the
  // file amended both again: the hub got two new versions a drop.
  DropImporterFixture f;
  const std::string text = std::string(kHeader) + Row("FR-1") + Row("FR-2") + Row("FR-1", "2");
  DropSummary s = f.Drop("twice.csv", text);
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_FALSE(s.imported);
  CHECK(s.rejected == 1);
  CHECK_THAT(f.errors, Catch::Contains(f.tmp.File("twice.csv") +
                                       ":4:2: ref: 'FR-1' is on an earlier row of this file "
                                       "with other content"));
  CHECK(CountRows(f.db, "own_records") == 0);
  CHECK(f.Outbox() == 0);

  SECTION("--partial imports the first row and refuses the other") {
    DropSettings partial;
    partial.partial = true;
    DropSummary p = f.Drop("twice.csv", text, partial);
    CHECK(p.imported);
    CHECK(p.added == 2);
    CHECK(p.rejected == 1);
    DropSummary again = f.Drop("twice.csv", text, partial);
    CHECK(again.added == 0);
    CHECK(again.amended == 0);
    CHECK(again.unchanged == 2);
    CHECK(CountRows(f.db, "own_records") == 2);
  }
  SECTION("the same row twice is the same record, unchanged, and imported") {
    const std::string same = std::string(kHeader) + Row("FR-1") + Row("FR-1");
    DropSummary first = f.Drop("same.csv", same);
    INFO(f.errors);
    REQUIRE(first.status.ok());
    CHECK(first.added == 1);
    CHECK(first.unchanged == 1);
    DropSummary again = f.Drop("same.csv", same);
    REQUIRE(again.status.ok());
    CHECK(again.unchanged == 2);
    CHECK(CountRows(f.db, "own_records") == 1);
  }
  SECTION("a later file may amend it") {
    REQUIRE(f.Drop("a.csv", std::string(kHeader) + Row("FR-1")).status.ok());
    DropSummary b = f.Drop("b.csv", std::string(kHeader) + Row("FR-1", "2"));
    REQUIRE(b.status.ok());
    CHECK(b.amended == 1);
  }
}

TEST_CASE("A uuid of another node's record, held in the replica, is refused at the drop",
          "[node][drop]") {
  // The hub refused it (only the origin node amends its records), and the
  // ref stayed with that uuid.
  DropImporterFixture f;
  const std::string theirs = "01890a5d-ac96-774b-bcce-b302099a8057";
  cen::test::RequireOk(
      f.db.Exec("INSERT INTO records(gseq, uuid, version, kind, origin, ref, scope, handling, "
                "received_at) VALUES (7, '" +
                theirs +
                "', 1, 'seizure', 'RILO-WE', 'FR-2026-0102', 'global', 'H1', "
                "'2026-03-14T10:00:00.000Z')"));
  const std::string header =
      "kind,ref,uuid,seizure_date,reporting_country,commodity,description,quantity,unit\n";
  DropSummary s = f.Drop("hijack.csv",
                         header + "seizure,HIJACK-1," + theirs + ",2026-03-14,FR,drugs,x,2,KGM\n");
  CHECK(s.status.code() == StatusCode::kInvalidInput);
  CHECK_THAT(f.errors, Catch::Contains(f.tmp.File("hijack.csv") +
                                       ":2:3: uuid: belongs to a record of node RILO-WE"));
  CHECK(CountRows(f.db, "own_records") == 0);
  CHECK(f.Outbox() == 0);
}

TEST_CASE("A ref whose every version the hub refused starts a new record when given again",
          "[node][drop]") {
  DropImporterFixture f;
  REQUIRE(f.Drop("a.csv", std::string(kHeader) + Row("FR-1") + Row("FR-2")).status.ok());
  auto uuid_of = [&](const std::string& ref) {
    auto stmt = f.db.Prepare("SELECT uuid FROM own_records WHERE ref=? ORDER BY rowid DESC");
    REQUIRE(stmt.ok());
    stmt->Bind(1, ref);
    REQUIRE(*stmt->Step());
    return stmt->ColumnText(0);
  };
  const std::string refused = uuid_of("FR-1");
  cen::node::Outbox outbox(&f.db);
  cen::test::RequireOk(
      outbox.Acknowledge({{refused, 1, false, 0, "uuid: belongs to a record of node RILO-WE"},
                          {uuid_of("FR-2"), 1, true, 42, ""}}));

  // The same content again: unchanged, nothing sent again.
  DropSummary same = f.Drop("a.csv", std::string(kHeader) + Row("FR-1") + Row("FR-2"));
  REQUIRE(same.status.ok());
  CHECK(same.unchanged == 2);
  CHECK(f.Outbox() == 0);

  // Corrected: a new record with a new uuid (the hub never journaled the
  // refused one), not version 2 of the refused uuid, which the hub would
  // refuse again; FR-2, accepted, is amended as before.
  DropSummary fixed = f.Drop("b.csv", std::string(kHeader) + Row("FR-1", "3") + Row("FR-2", "4"));
  INFO(f.errors);
  REQUIRE(fixed.status.ok());
  CHECK(fixed.added == 1);
  CHECK(fixed.amended == 1);
  const std::string renewed = uuid_of("FR-1");
  CHECK(renewed != refused);
  auto version = f.db.QueryInt("SELECT version FROM outbox WHERE uuid='" + renewed + "'");
  REQUIRE(version.ok());
  CHECK(version->value_or(0) == 1);

  // And dropped again, the corrected file changes nothing.
  DropSummary again = f.Drop("b.csv", std::string(kHeader) + Row("FR-1", "3") + Row("FR-2", "4"));
  REQUIRE(again.status.ok());
  CHECK(again.unchanged == 2);
  CHECK(f.Outbox() == 2);
}

TEST_CASE("The format comes from the extension, or is refused", "[node][drop]") {
  CHECK(*DropImporter::FormatOf("x.csv") == DropFormat::kCsv);
  CHECK(*DropImporter::FormatOf("x.ndjson") == DropFormat::kNdjson);
  CHECK(*DropImporter::FormatOf("x.jsonl") == DropFormat::kNdjson);
  CHECK(DropImporter::FormatOf("x.xlsx").status().code() == StatusCode::kUsage);
  // In any letter case (a trial: .CSV read, .Csv, .NDJSON and .JSON refused).
  CHECK(*DropImporter::FormatOf("x.Csv") == DropFormat::kCsv);
  CHECK(*DropImporter::FormatOf("x.NDJSON") == DropFormat::kNdjson);
  CHECK(*DropImporter::FormatOf("x.JSON") == DropFormat::kNdjson);
}

TEST_CASE("A file of many batches keeps its rows in order, refusals included", "[node][drop]") {
  DropImporterFixture f;
  std::string text = kHeader;
  for (int i = 0; i < 6000; ++i) {
    text += Row("FR-" + std::to_string(i), i % 2500 == 1234 ? "0" : "1");
  }
  text += "seizure,FR-7,2026-03-14,FR,drugs,x,1,KGM\n";  // line 9's ref, other content
  DropSettings settings;
  settings.partial = true;
  DropSummary s = f.Drop("many.csv", text, settings);
  CHECK(s.rows == 6001);
  CHECK(s.added == 5998);
  CHECK(s.amended == 0);
  CHECK(s.rejected == 3);
  CHECK(f.Outbox() == 5998);
  const std::string path = f.tmp.File("many.csv");
  CHECK_THAT(f.errors, Catch::Contains(path + ":1236:7: quantity") &&
                           Catch::Contains(path + ":3736:7: quantity") &&
                           Catch::Contains(path + ":6002:2: ref: 'FR-7'"));
  std::ifstream in(path + ".rejects.csv");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 4);
  CHECK_THAT(lines[1], Catch::StartsWith("seizure,FR-1234,"));
  CHECK_THAT(lines[2], Catch::StartsWith("seizure,FR-3734,"));
  CHECK_THAT(lines[3], Catch::StartsWith("seizure,FR-7,"));

  DropSettings ndjson;
  ndjson.partial = true;
  const std::string uuid = "01890a5d-ac96-774b-bcce-b302099a8057";
  DropSummary n = f.Drop("u.ndjson",
                         R"({"kind":"seizure","ref":"FR-1","uuid":")" + uuid +
                             R"(","seizure_date":"2026-03-14","reporting_country":"FR",)"
                             R"("commodity":"drugs","description":"x","quantity":1,"unit":"KGM"})"
                             "\n",
                         ndjson);
  CHECK(n.rejected == 1);
  std::ifstream u(f.tmp.File("u.ndjson.rejects.csv"));
  std::getline(u, line);
  CHECK(line == "line,record,reason\r");
  std::getline(u, line);
  CHECK_THAT(line, Catch::StartsWith("1,\"{\"\"kind\"\"") &&
                       Catch::Contains(",uuid: ref 'FR-1' already belongs to record"));
}

// Imports `path` on a thread while another writer (an alert's) holds its
// urgent claim; `while_given_way` runs once the file has given way (the claim
// still held), then the claim goes and the import finishes. Returns how many
// times the file gave way.
static int ImportAgainstClaim(DropImporterFixture& f, const std::string& path,
                              DropSettings settings, DropSummary& summary, std::ostringstream& err,
                              const std::function<void()>& while_given_way = {}) {
  cen::node::UrgentClaim alert(f.tmp.path());  // `submit` or the agent, with an alert
  alert.Hold();
  cen::node::UrgentClaim look(f.tmp.path());
  settings.give_way = &look;
  DropImporter importer(&f.db, settings);
  std::thread drop([&] {
    std::istringstream no_stdin;
    summary = importer.ImportFile(path, no_stdin, err);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (importer.gave_way() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  if (importer.gave_way() == 1 && while_given_way) while_given_way();
  alert.Release();
  drop.join();
  return importer.gave_way();
}

TEST_CASE("A drop file gives way to an alert's claim of node.db and imports every row once",
          "[drop]") {
  DropImporterFixture f;
  std::string csv = kHeader;
  constexpr int kRows = 3000;  // several batches of validated rows
  for (int i = 0; i < kRows; ++i) csv += i == 3 ? Row("R-3", "0") : Row("R-" + std::to_string(i));
  const std::string path = f.Write("big.csv", csv);

  DropSettings settings;
  settings.partial = true;
  std::ostringstream err;
  DropSummary summary;
  const int gave_way = ImportAgainstClaim(f, path, settings, summary, err, [&] {
    // The file rolled back and waits: the alert's writer gets the lock now,
    // and finds none of the file's rows.
    auto other = Database::Open(f.tmp.File("node.db"), Database::Mode::kReadWrite, 0);
    REQUIRE(other.ok());
    REQUIRE(other->Exec("BEGIN IMMEDIATE").ok());
    CHECK(CountRows(*other, "own_records") == 0);
    REQUIRE(other->Exec("COMMIT").ok());
  });
  REQUIRE(gave_way == 1);
  INFO(err.str());
  REQUIRE(summary.status.code() == StatusCode::kInvalidInput);  // one row refused (--partial)
  CHECK(summary.imported);
  CHECK(summary.added == kRows - 1);
  CHECK(summary.rejected == 1);
  CHECK(f.Outbox() == kRows - 1);
  CHECK(CountRows(f.db, "own_records") == kRows - 1);
  // The refused row is told once, and the reading again is said.
  const std::string text = err.str();
  CHECK(text.find("big.csv:5:7: quantity") != std::string::npos);
  CHECK(text.find("big.csv:5:7: quantity") == text.rfind("big.csv:5:7: quantity"));
  CHECK_THAT(text, Catch::Contains("gave way at row 512"));
}

TEST_CASE("A dry run gives way to an alert's claim too (it holds the write lock as well)",
          "[drop]") {
  DropImporterFixture f;
  std::string csv = kHeader;
  for (int i = 0; i < 2000; ++i) csv += Row("D-" + std::to_string(i));
  const std::string path = f.Write("dry.csv", csv);
  DropSettings settings;
  settings.dry_run = true;
  std::ostringstream err;
  DropSummary summary;
  CHECK(ImportAgainstClaim(f, path, settings, summary, err) == 1);
  REQUIRE(summary.status.ok());
  CHECK(summary.added == 2000);  // what it would add, counted once
  CHECK(f.Outbox() == 0);
}

TEST_CASE("An NDJSON line beyond 16 MiB is refused as such, the lines after it read",
          "[node][drop]") {
  DropImporterFixture f;
  const std::string good = R"({"kind":"seizure","ref":"NL-1","seizure_date":"2026-03-14",)"
                           R"("reporting_country":"FR","commodity":"drugs","description":"x",)"
                           R"("quantity":1,"unit":"KGM"})";
  const std::string huge =
      "{\"kind\":\"seizure\",\"description\":\"" + std::string(20u << 20, 'x') + "\"}";
  DropSettings settings;
  settings.partial = true;
  DropSummary s = f.Drop("long.ndjson", huge + "\n" + good + "\n", settings);
  INFO(f.errors);
  CHECK(s.added == 1);
  CHECK(s.rejected == 1);
  CHECK_THAT(f.errors, Catch::Contains("long.ndjson:1: (line): line longer than 16777216 bytes"));
}
