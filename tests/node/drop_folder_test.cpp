#include "node/drops/drop_folder.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/test_support/databases.h"
#include "tests/test_support/files.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::node::DropFolder;
using cen::test::CountRows;
using cen::test::CreateNodeDb;
using cen::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kGood =
    "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n"
    "seizure,FR-1,2026-03-14,FR,drugs,x,1,KGM\n"
    "seizure,FR-2,2026-03-14,FR,drugs,y,2,KGM\n";

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("The drop folder imports complete files and files them away", "[node][drop_folder]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  const fs::path dir = tmp.File("drops");
  DropFolder folder(dir.string(), &db);
  REQUIRE(folder.Prepare().ok());
  REQUIRE(fs::is_directory(dir / "done"));
  REQUIRE(fs::is_directory(dir / "failed"));

  SECTION("files still being written are left alone") {
    WriteFile(dir / ".hidden.csv", kGood);
    WriteFile(dir / "export.csv.tmp", kGood);
    WriteFile(dir / "export.csv.part", kGood);
    auto handled = folder.PollOnce();
    REQUIRE(handled.ok());
    CHECK_FALSE(*handled);
    CHECK(CountRows(db, "outbox") == 0);
    CHECK(fs::exists(dir / "export.csv.part"));
  }

  SECTION("a renamed-in file is imported and moved to done/, one file per poll") {
    WriteFile(dir / ".a.csv", kGood);
    fs::rename(dir / ".a.csv", dir / "a.csv");
    WriteFile(dir / "b.csv", kGood);  // the same records again: unchanged
    auto first = folder.PollOnce();
    REQUIRE(first.ok());
    CHECK(*first);
    CHECK(fs::exists(dir / "done" / "a.csv"));
    CHECK(fs::exists(dir / "b.csv"));
    CHECK(CountRows(db, "outbox") == 2);
    REQUIRE(*folder.PollOnce());
    CHECK(fs::exists(dir / "done" / "b.csv"));
    CHECK(CountRows(db, "outbox") == 2);
    CHECK_FALSE(*folder.PollOnce());

    WriteFile(dir / "a.csv", kGood);  // the same name again keeps both copies
    REQUIRE(*folder.PollOnce());
    int copies = 0;
    for (const auto& entry : fs::directory_iterator(dir / "done")) {
      copies += entry.path().filename().string().starts_with("a.csv") ? 1 : 0;
    }
    CHECK(copies == 2);
  }

  SECTION("an invalid file goes to failed/ with FILE.errors naming line and field") {
    WriteFile(dir / "bad.csv", std::string(kGood) + "seizure,FR-3,2026-03-14,FR,drugs,z,0,KGM\n");
    REQUIRE(*folder.PollOnce());
    CHECK(fs::exists(dir / "failed" / "bad.csv"));
    CHECK_FALSE(fs::exists(dir / "bad.csv"));
    const std::string errors = cen::test::ReadFile(dir / "failed" / "bad.csv.errors");
    CHECK_THAT(errors, Catch::Contains("bad.csv:4:7: quantity: must be a number greater than 0"));
    CHECK_THAT(errors, Catch::Contains("nothing was imported"));
    CHECK(CountRows(db, "outbox") == 0);
  }

  SECTION("a file of unknown format goes to failed/") {
    WriteFile(dir / "notes.txt", "hello\n");
    REQUIRE(*folder.PollOnce());
    CHECK_THAT(cen::test::ReadFile(dir / "failed" / "notes.txt.errors"),
               Catch::Contains("name it .csv"));
  }
}
