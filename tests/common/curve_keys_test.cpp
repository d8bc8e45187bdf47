#include "common/curve_keys.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Status;
using cen::common::StatusCode;
using cen::test::NewKeys;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("CurveKeys::Generate makes distinct Z85 key pairs", "[common][curve]") {
  const CurveKeys a = NewKeys();
  const CurveKeys b = NewKeys();
  CHECK(CurveKeys::IsZ85Key(a.public_key()));
  CHECK(CurveKeys::IsZ85Key(a.secret_key()));
  CHECK(a.public_key() != a.secret_key());
  CHECK(a.public_key() != b.public_key());
}

TEST_CASE("CurveKeys Save then Load gives the same keys", "[common][curve]") {
  TempDir tmp;
  const CurveKeys keys = NewKeys();
  RequireOk(keys.Save(tmp.path()));

  CHECK(ModeOf(tmp.File("curve.sec")) == 0600);
  auto loaded = CurveKeys::Load(tmp.path());
  INFO((loaded.ok() ? std::string() : loaded.status().ToString()));
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == keys.public_key());
  CHECK(loaded->secret_key() == keys.secret_key());

  SECTION("Save refuses to overwrite a key pair") {
    const Status again = NewKeys().Save(tmp.path());
    CHECK(again.code() == StatusCode::kAlreadyExists);
    auto still = CurveKeys::Load(tmp.path());
    REQUIRE(still.ok());
    CHECK(still->secret_key() == keys.secret_key());
  }
}

TEST_CASE("CurveKeys::Load refuses a secret key others can read", "[common][curve]") {
  TempDir tmp;
  RequireOk(NewKeys().Save(tmp.path()));
  const std::string sec = tmp.File("curve.sec");

  for (const unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    INFO("mode " << std::oct << mode);
    REQUIRE(::chmod(sec.c_str(), mode) == 0);
    auto loaded = CurveKeys::Load(tmp.path());
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == StatusCode::kPermission);
    CHECK_THAT(loaded.status().message(), Catch::Contains("chmod 600"));
    CHECK_THAT(loaded.status().message(), Catch::Contains(sec));
  }
  SECTION("after chmod 600 it loads") {
    REQUIRE(::chmod(sec.c_str(), 0600) == 0);
    CHECK(CurveKeys::Load(tmp.path()).ok());
  }
}

TEST_CASE("CurveKeys::Load reports missing or damaged key files", "[common][curve]") {
  TempDir tmp;
  SECTION("no keys at all") {
    auto loaded = CurveKeys::Load(tmp.path());
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == StatusCode::kNotFound);
  }
  SECTION("a secret file that is not a key") {
    RequireOk(NewKeys().Save(tmp.path()));
    std::filesystem::resize_file(tmp.File("curve.sec"), 10);
    auto loaded = CurveKeys::Load(tmp.path());
    REQUIRE_FALSE(loaded.ok());
    CHECK_THAT(loaded.status().message(), Catch::Contains("curve.sec"));
  }
  SECTION("no public key beside the secret one") {
    RequireOk(NewKeys().Save(tmp.path()));
    std::filesystem::remove(tmp.File("curve.pub"));
    auto loaded = CurveKeys::Load(tmp.path());
    REQUIRE_FALSE(loaded.ok());
    CHECK_THAT(loaded.status().message(), Catch::Contains("curve.pub"));
  }
}

TEST_CASE("CurveKeys::ParsePublicKey takes Z85 text or a key file", "[common][curve]") {
  TempDir tmp;
  const CurveKeys keys = NewKeys();
  RequireOk(keys.Save(tmp.path()));

  SECTION("Z85 text") {
    auto parsed = CurveKeys::ParsePublicKey(keys.public_key());
    REQUIRE(parsed.ok());
    CHECK(*parsed == keys.public_key());
  }
  SECTION("the path of curve.pub") {
    auto parsed = CurveKeys::ParsePublicKey(tmp.File("curve.pub"));
    REQUIRE(parsed.ok());
    CHECK(*parsed == keys.public_key());
  }
  SECTION("a key file whose path is 40 characters of the Z85 alphabet") {
    // A trial: cen-node init --hub-key /tmp/trialB/work/repro/k40/hub/curve.pub
    // wrote the path into node.toml as the key.
    const size_t name = 40 - tmp.path().size() - 1;
    if (tmp.path().size() > 30) {
      WARN("the temporary directory's path is too long for this section");
      return;
    }
    const std::string path = tmp.File(std::string(name - 4, 'k') + ".pub");
    REQUIRE(path.size() == 40);
    REQUIRE(CurveKeys::IsZ85Key(path));
    std::ofstream(path) << keys.public_key() << "\n";
    auto parsed = CurveKeys::ParsePublicKey(path);
    REQUIRE(parsed.ok());
    CHECK(*parsed == keys.public_key());
  }
  SECTION("a key file written on Windows (CRLF)") {
    std::ofstream(tmp.File("crlf.pub")) << keys.public_key() << "\r\n";
    auto parsed = CurveKeys::ParsePublicKey(tmp.File("crlf.pub"));
    REQUIRE(parsed.ok());
    CHECK(*parsed == keys.public_key());
  }
  SECTION("junk is refused") {
    const std::string junk_cases[] = {
        "",
        "not a key",
        keys.public_key().substr(0, 39),  // one short
        keys.public_key() + "x",          // one long
        std::string(40, ' '),             // not Z85 characters
        std::string(40, '~'),
        std::string(40, '#'),  // Z85 characters, value over 32 bits
        tmp.File("does-not-exist.pub"),
        tmp.path(),  // a directory
        // A path the file system refuses to look at (here: a name too long;
        // for an operator, a directory they may not read) threw, and
        // cen-node init and cen-hub allow aborted with exit 134.
        tmp.File(std::string(300, 'k')) + "/curve.pub",
    };
    for (const auto& junk : junk_cases) {
      INFO("'" << junk << "'");
      auto parsed = CurveKeys::ParsePublicKey(junk);
      CHECK_FALSE(parsed.ok());
    }
    auto parsed = CurveKeys::ParsePublicKey("not a key");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(parsed.status().message(), Catch::Contains("Z85"));
  }
  SECTION("a secret key file is refused: it would put the node's secret in hub.db") {
    auto parsed = CurveKeys::ParsePublicKey(tmp.File("curve.sec"));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(parsed.status().message(), Catch::Contains("secret key"));
  }
  SECTION("a file that holds junk is refused, naming the file") {
    std::ofstream(tmp.File("junk.pub")) << "hello world\n";
    auto parsed = CurveKeys::ParsePublicKey(tmp.File("junk.pub"));
    REQUIRE_FALSE(parsed.ok());
    CHECK_THAT(parsed.status().message(), Catch::Contains("junk.pub"));
  }
}

TEST_CASE("A second key rotation never overwrites the pair an earlier one kept", "[common][keys]") {
  // Run twice before a restart, it replaced curve.*.old (the pair still in
  // use) with the never-used pair of the first rotation.
  TempDir tmp;
  auto first = CurveKeys::Generate();
  REQUIRE(first.ok());
  RequireOk(first->Save(tmp.path()));
  auto second = CurveKeys::Rotate(tmp.path());
  REQUIRE(second.ok());
  const auto again = CurveKeys::Rotate(tmp.path());
  CHECK(again.status().code() == StatusCode::kAlreadyExists);
  CHECK_THAT(again.status().message(),
             Catch::Contains("curve.sec.old") && Catch::Contains("remove curve.sec.old"));
  // Both pairs as they were.
  auto now = CurveKeys::Load(tmp.path());
  REQUIRE(now.ok());
  CHECK(now->public_key() == second->public_key());
  std::ifstream old_pub(tmp.File("curve.pub.old"));
  std::string old_key;
  old_pub >> old_key;
  CHECK(old_key == first->public_key());
}
