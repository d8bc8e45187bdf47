#include "node/drops/drop_folder.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "tests/test_support/databases.h"
#include "tests/test_support/files.h"
#include "tests/test_support/log_capture.h"
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

// A node.db and its drop folder, made.
struct DropFolderNode {
  explicit DropFolderNode(std::chrono::milliseconds settle = std::chrono::milliseconds(0))
      : folder(dir.string(), &db, settle) {
    REQUIRE(folder.Prepare().ok());
  }
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  fs::path dir = tmp.File("drops");
  DropFolder folder;
};

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
    // In any letter case (a trial's .PART file failed as of an unknown
    // format, and the writer's rename found nothing), and editors' and
    // browsers' leftovers.
    WriteFile(dir / "other.csv.PART", kGood);
    WriteFile(dir / "other.csv.Tmp", kGood);
    WriteFile(dir / "other.csv~", kGood);
    WriteFile(dir / "other.csv.crdownload", kGood);
    auto handled = folder.PollOnce();
    REQUIRE(handled.ok());
    CHECK_FALSE(*handled);
    CHECK(CountRows(db, "outbox") == 0);
    CHECK(fs::exists(dir / "export.csv.part"));
    CHECK(fs::exists(dir / "other.csv.PART"));
    CHECK(fs::is_empty(dir / "failed"));
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
      // The second as a.TIME.csv: a name without colons, to drop again as it
      // is (a trial's a.csv.TIME was no CSV by its name).
      const std::string name = entry.path().filename().string();
      if (name == "a.csv") ++copies;
      if (name.starts_with("a.2") && name.ends_with("Z.csv") && name.find(':') == std::string::npos)
        ++copies;
    }
    CHECK(copies == 2);
  }

  SECTION("an invalid file goes to failed/ with FILE.errors naming line and field") {
    WriteFile(dir / "bad.csv", std::string(kGood) + "seizure,FR-3,2026-03-14,FR,drugs,z,0,KGM\n");
    REQUIRE(*folder.PollOnce());
    CHECK(fs::exists(dir / "failed" / "bad.csv"));
    CHECK_FALSE(fs::exists(dir / "bad.csv"));
    const std::string errors = cen::test::ReadFile(dir / "failed" / "bad.csv.errors");
    // Named where it is now (a trial read the folder's old path there).
    const std::string now = (dir / "failed" / "bad.csv").string();
    CHECK_THAT(errors, Catch::Contains(now + ":4:7: quantity: must be a number greater than 0"));
    CHECK_THAT(errors, !Catch::Contains((dir / "bad.csv").string() + ":"));
    CHECK_THAT(errors, Catch::Contains("nothing was imported"));
    CHECK(CountRows(db, "outbox") == 0);
  }

  SECTION("a file of unknown format goes to failed/") {
    WriteFile(dir / "notes.txt", "hello\n");
    REQUIRE(*folder.PollOnce());
    const std::string errors = cen::test::ReadFile(dir / "failed" / "notes.txt.errors");
    CHECK_THAT(errors, Catch::Contains("rename it to .csv or .ndjson and drop it again"));
    CHECK_THAT(errors, !Catch::Contains("--format"));  // the folder has no such option
  }
}

TEST_CASE("The drop folder waits for a file still open for writing, however long it pauses",
          "[node][drop_folder]") {
  // A user trial: a writer copying straight into the folder paused 2.5 s
  // between rows; the file looked still and complete, its first half was
  // imported and moved to done/, and the rest went on into done/ unread.
  DropFolderNode node;  // settle 0: only the open writer holds it back
  std::ofstream writer(node.dir / "slow.csv", std::ios::binary);
  writer << kGood << std::flush;
  auto handled = node.folder.PollOnce();
  REQUIRE(handled.ok());
  CHECK_FALSE(*handled);
  CHECK(fs::exists(node.dir / "slow.csv"));
  CHECK(CountRows(node.db, "outbox") == 0);

  writer << "seizure,FR-3,2026-03-14,FR,drugs,z,3,KGM\n";
  writer.close();
  handled = node.folder.PollOnce();
  REQUIRE(handled.ok());
  CHECK(*handled);
  CHECK(fs::exists(node.dir / "done" / "slow.csv"));
  CHECK(CountRows(node.db, "outbox") == 3);
}

TEST_CASE("The drop folder makes done/ and failed/ again when they were removed",
          "[node][drop_folder]") {
  // With done/ removed (an operator's clean-up) the agent imported the file
  // again and again ("cannot move ...: No such file or directory", twice a
  // second) and its records never left: the sender waits for a file handled.
  DropFolderNode node;
  auto& [tmp, db, dir, folder] = node;
  fs::remove_all(dir / "done");
  fs::remove_all(dir / "failed");
  WriteFile(dir / "a.csv", kGood);
  WriteFile(dir / "b.csv", "kind,ref\nseizure\n");
  auto first = folder.PollOnce();
  REQUIRE(first.ok());
  CHECK(*first);
  CHECK(fs::exists(dir / "done" / "a.csv"));
  CHECK(CountRows(db, "outbox") == 2);
  auto second = folder.PollOnce();
  REQUIRE(second.ok());
  CHECK(*second);
  CHECK(fs::exists(dir / "failed" / "b.csv.errors"));
  CHECK(folder.problem().empty());
  // A file named like one of them is no drop.
  WriteFile(dir / "done.csv", kGood);
  fs::remove_all(dir / "done");
  WriteFile(dir / "done", kGood);
  auto blocked = folder.PollOnce();
  REQUIRE(blocked.ok());
  CHECK_FALSE(*blocked);
  CHECK_THAT(folder.problem(), Catch::Contains("done"));
  CHECK(fs::exists(dir / "done.csv"));  // left where it was, nothing lost
  // The operator takes the file away: nothing is held back any more.
  fs::remove(dir / "done");
  fs::remove(dir / "done.csv");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the back-off
  CHECK_FALSE(*folder.PollOnce());
  CHECK(folder.problem().empty());
}

TEST_CASE("The drop folder passes over symbolic links and files written a moment ago",
          "[node][drop_folder]") {
  // A link was followed: its target could still be being written. A file
  // written straight into the folder was imported from its first flush, the
  // rest of it lost.
  DropFolderNode node(std::chrono::milliseconds(800));
  auto& [tmp, db, dir, folder] = node;
  WriteFile(tmp.File("elsewhere.csv"), kGood);
  fs::create_symlink(tmp.File("elsewhere.csv"), dir / "link.csv");
  WriteFile(dir / "fresh.csv", kGood);
  auto polled = folder.PollOnce();
  REQUIRE(polled.ok());
  CHECK_FALSE(*polled);
  CHECK(CountRows(db, "outbox") == 0);
  // Once it has been still long enough it is taken; the link never is.
  fs::last_write_time(dir / "fresh.csv",
                      fs::file_time_type::clock::now() - std::chrono::seconds(2));
  polled = folder.PollOnce();
  REQUIRE(polled.ok());
  CHECK(*polled);
  CHECK(fs::exists(dir / "done" / "fresh.csv"));
  CHECK_FALSE(*folder.PollOnce());
  CHECK(fs::is_symlink(dir / "link.csv"));

  // A later name waits behind an earlier one still written to (it may
  // amend what that one holds).
  const auto old = fs::file_time_type::clock::now() - std::chrono::seconds(5);
  WriteFile(dir / "b.csv", kGood);
  fs::last_write_time(dir / "b.csv", old);
  WriteFile(dir / "a.csv", kGood);
  CHECK_FALSE(*folder.PollOnce());
  CHECK(fs::exists(dir / "b.csv"));
  fs::last_write_time(dir / "a.csv", old);
  CHECK(*folder.PollOnce());
  CHECK(fs::exists(dir / "done" / "a.csv"));
  CHECK(*folder.PollOnce());
  CHECK(fs::exists(dir / "done" / "b.csv"));

  // A time stamp in the future (a clock ahead of this one): taken once it
  // has stayed the same for the settling time, not never.
  WriteFile(dir / "c.csv", kGood);
  fs::last_write_time(dir / "c.csv", fs::file_time_type::clock::now() + std::chrono::hours(1));
  CHECK_FALSE(*folder.PollOnce());
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  CHECK(*folder.PollOnce());
  CHECK(fs::exists(dir / "done" / "c.csv"));
}

TEST_CASE("A drop-folder file node.db cannot take is tried again with back-off, said once",
          "[node][drop_folder]") {
  // On a full disk the file was validated again and logged twice every half
  // second, without end, and cen-node status said nothing.
  DropFolderNode node;
  auto& [tmp, db, dir, folder] = node;
  std::string big = "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n";
  for (int i = 0; i < 2000; ++i)
    big += "seizure,FULL-" + std::to_string(i) + ",2026-03-14,FR,drugs,x,1,KGM\n";
  WriteFile(dir / "big.csv", big);
  auto pages = db.QueryInt("PRAGMA page_count");
  REQUIRE(pages.ok());
  REQUIRE(db.Exec("PRAGMA max_page_count = " + std::to_string(**pages + 2)).ok());
  auto failed = folder.PollOnce();
  REQUIRE(failed.ok());  // the agent goes on
  CHECK_FALSE(*failed);
  CHECK_THAT(folder.problem(), Catch::Contains("big.csv") && Catch::Contains("full"));
  CHECK(fs::exists(dir / "big.csv"));
  // Backing off: not tried again at once.
  REQUIRE(db.Exec("PRAGMA max_page_count = 1073741823").ok());
  CHECK_FALSE(*folder.PollOnce());
  CHECK(CountRows(db, "outbox") == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto again = folder.PollOnce();
  REQUIRE(again.ok());
  CHECK(*again);
  CHECK(CountRows(db, "outbox") == 2000);
  CHECK(folder.problem().empty());
}

TEST_CASE("A file named done in the drop folder is named as the subfolder it stands for",
          "[node][drop_folder]") {
  // A trial: "cannot create the drop folder …/drops/done: Not a directory".
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  const fs::path dir = tmp.File("drops");
  fs::create_directories(dir);
  WriteFile(dir / "done", "not a folder");
  DropFolder folder(dir.string(), &db);
  const cen::common::Status made = folder.Prepare();
  REQUIRE_FALSE(made.ok());
  CHECK_THAT(made.message(), Catch::Contains("the drop folder's subfolder") &&
                                 Catch::Contains("a file has that name"));
}

TEST_CASE("A link or a folder in the drop folder is said once, and left alone",
          "[node][drop_folder]") {
  // A trial: a link and a folder named like exports stayed for the whole run
  // without a log line.
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  const fs::path dir = tmp.File("drops");
  DropFolder folder(dir.string(), &db);
  REQUIRE(folder.Prepare().ok());
  WriteFile(tmp.File("elsewhere.csv"), kGood);
  fs::create_symlink(tmp.File("elsewhere.csv"), dir / "link.csv");
  fs::create_directory(dir / "sub.csv");
  cen::test::LogCapture log;
  for (int i = 0; i < 3; ++i) {
    auto handled = folder.PollOnce();
    REQUIRE(handled.ok());
    CHECK_FALSE(*handled);
  }
  CHECK(log.Count("link.csv is a symbolic link: left alone") == 1);
  CHECK(log.Count("sub.csv is not a regular file: left alone") == 1);
  CHECK(fs::is_symlink(dir / "link.csv"));
  CHECK(CountRows(db, "outbox") == 0);
}
