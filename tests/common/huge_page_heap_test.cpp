#include "common/huge_page_heap.h"

#include <catch2/catch.hpp>
#include <string>

namespace cen::common {
namespace {

const std::string kOurs =
    "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:"
    "glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864";

TEST_CASE("HugePageHeap adds its tunables to what the operator gave", "[huge_pages]") {
  CHECK(HugePageHeap::TunablesFor(std::nullopt) == kOurs);
  CHECK(HugePageHeap::TunablesFor(std::string()) == kOurs);
  CHECK(HugePageHeap::TunablesFor(std::string("glibc.malloc.arena_max=2")) ==
        "glibc.malloc.arena_max=2:" + kOurs);
  // A tunable whose name only begins like one of ours is another one.
  CHECK(HugePageHeap::TunablesFor(std::string("glibc.malloc.hugetlbx=0")) ==
        "glibc.malloc.hugetlbx=0:" + kOurs);
}

TEST_CASE("HugePageHeap leaves every tunable the operator named as it is", "[huge_pages]") {
  // Huge pages chosen (or refused) by the operator: nothing added at all.
  CHECK_FALSE(HugePageHeap::TunablesFor(std::string("glibc.malloc.hugetlb=0")).has_value());
  CHECK_FALSE(
      HugePageHeap::TunablesFor(std::string("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"))
          .has_value());
  // One of the others named: that one keeps the operator's value.
  CHECK(HugePageHeap::TunablesFor(std::string("glibc.malloc.trim_threshold=1000")) ==
        "glibc.malloc.trim_threshold=1000:glibc.malloc.hugetlb=1:"
        "glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864");
}

TEST_CASE("HugePageHeap's marker gives back what GLIBC_TUNABLES was, to its own process only",
          "[huge_pages]") {
  for (const std::optional<std::string>& given :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>("glibc.malloc.arena_max=2:glibc.mem.tagging=1")}) {
    INFO((given ? "\"" + *given + "\"" : std::string("unset")));
    const std::string marker = HugePageHeap::Marker(4242, given);
    const auto back = HugePageHeap::Given(marker, 4242);
    REQUIRE(back.has_value());
    CHECK(*back == given);
    // Another process's marker (an environment copied from it) is no
    // answer: 42 is a prefix of 4242, 424 is not its whole pid.
    CHECK_FALSE(HugePageHeap::Given(marker, 42).has_value());
    CHECK_FALSE(HugePageHeap::Given(marker, 424).has_value());
  }
  CHECK_FALSE(HugePageHeap::Given("", 4242).has_value());
  CHECK_FALSE(HugePageHeap::Given("4242", 4242).has_value());
}

}  // namespace
}  // namespace cen::common
