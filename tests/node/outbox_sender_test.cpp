#include "node/agent/outbox_sender.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/wire_frame.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::WireFrame;
using cen::node::Outbox;
using cen::node::OutboxSender;
using cen::test::CreateNodeDb;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json Queued(json record) {
  record["scope"] = "global";
  record["handling"] = "H0";
  return record;
}

std::vector<json> OutboxSenderSeizures(int first, int count) {
  std::vector<json> out;
  for (int i = first; i < first + count; ++i)
    out.push_back(Queued(cen::test::SampleSeizure("S-" + std::to_string(i))));
  return out;
}

// The PUBLISH frames a Pump() sent, as the refs of their records.
struct Wire {
  std::vector<std::vector<std::string>> frames;
  std::vector<std::string> lanes;  // what each frame declares (WireFrame::DeclaredLane)
  bool open = true;
  OutboxSender::SendFn Fn() {
    return [this](const std::string& bytes) {
      if (!open) return false;
      lanes.emplace_back(WireFrame::DeclaredLane(bytes));
      auto f = WireFrame::Decode(bytes);
      REQUIRE(f.ok());
      REQUIRE(WireFrame::Type(*f) == cen::common::frame::kPublish);
      std::vector<std::string> refs;
      for (const auto& r : (*f)["records"]) refs.push_back(r["ref"]);
      frames.push_back(refs);
      return true;
    };
  }
  size_t records() const {
    size_t n = 0;
    for (const auto& f : frames) n += f.size();
    return n;
  }
};

// ACKs (NEW) for what the outbox holds, as the hub would send them.
std::vector<Outbox::Ack> AckAll(Outbox& outbox) {
  auto pending = outbox.Pending(0, 100000);
  REQUIRE(pending.ok());
  std::vector<Outbox::Ack> acks;
  int64_t gseq = 1;
  for (const auto& e : *pending) acks.push_back({e.uuid, e.version, true, gseq++, ""});
  return acks;
}

}  // namespace

TEST_CASE("OutboxSender keeps at most a window in flight, in frames of a batch", "[node][sender]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(0, 25)).status());
  OutboxSender sender(&outbox, /*window=*/10, /*batch=*/4);
  Wire wire;
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(wire.records() == 10);
  CHECK(wire.frames.size() == 3);  // 4 + 4 + 2
  CHECK(wire.frames[0] == std::vector<std::string>{"S-0", "S-1", "S-2", "S-3"});
  CHECK(sender.in_flight() == 10);

  // Nothing more until ACKs free the window.
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(wire.records() == 10);
  auto pending = outbox.Pending(0, 4);
  REQUIRE(pending.ok());
  std::vector<Outbox::Ack> acks;
  for (const auto& e : *pending) acks.push_back({e.uuid, e.version, true, 1, ""});
  RequireOk(sender.OnAcks(acks));
  CHECK(sender.in_flight() == 6);
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(wire.records() == 14);
  CHECK(wire.frames.back().front() == "S-10");  // in outbox order, none twice
}

TEST_CASE("OutboxSender sends urgent alerts before queued bulk, outside the window",
          "[node][sender]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(0, 20)).status());
  OutboxSender sender(&outbox, /*window=*/8, /*batch=*/8);
  Wire wire;
  RequireOk(sender.Pump(wire.Fn()));  // the window is full of bulk
  CHECK(sender.in_flight() == 8);

  RequireOk(outbox
                .Enqueue({Queued(cen::test::SampleAlert("A-high", "high")),
                          Queued(cen::test::SampleAlert("A-urgent", "urgent"))})
                .status());
  sender.MarkDirty();
  RequireOk(sender.Pump(wire.Fn()));
  REQUIRE(wire.frames.size() == 2);
  CHECK(wire.frames[1] == std::vector<std::string>{"A-urgent", "A-high"});
  CHECK(sender.in_flight() == 10);

  // Once the window opens the bulk goes on without the alerts again.
  RequireOk(sender.OnAcks(AckAll(outbox)));
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(100, 1)).status());
  sender.MarkDirty();
  RequireOk(sender.Pump(wire.Fn()));
  size_t alerts = 0;
  for (const auto& f : wire.frames)
    for (const auto& ref : f) alerts += ref.rfind("A-", 0) == 0 ? 1 : 0;
  CHECK(alerts == 2);
}

TEST_CASE("OutboxSender says \"bulk\" on a PUBLISH only when no urgent or high alert is in it",
          "[node][sender]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(0, 4)).status());
  RequireOk(outbox.Enqueue({Queued(cen::test::SampleAlert("A-urgent", "urgent"))}).status());
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(10, 4)).status());
  OutboxSender sender(&outbox, /*window=*/64, /*batch=*/4);
  Wire wire;
  RequireOk(sender.Pump(wire.Fn()));
  // The alert alone first; the bulk after it in batches (the one holding the
  // alert's place skips it: it is in flight).
  REQUIRE(wire.frames.size() == 4);
  CHECK(wire.frames[0] == std::vector<std::string>{"A-urgent"});
  CHECK(wire.frames[2] == std::vector<std::string>{"S-10", "S-11", "S-12"});
  CHECK(wire.lanes == std::vector<std::string>{"", "bulk", "bulk", "bulk"});

  // The priority frame could not go (the socket would block): the alert
  // goes with the bulk, in a frame that does not say "bulk".
  TempDir tmp2;
  Database db2 = CreateNodeDb(tmp2);
  Outbox outbox2(&db2);
  RequireOk(outbox2.Enqueue(OutboxSenderSeizures(0, 2)).status());
  RequireOk(outbox2.Enqueue({Queued(cen::test::SampleAlert("A-high", "high"))}).status());
  OutboxSender sender2(&outbox2, /*window=*/64, /*batch=*/8);
  Wire wire2;
  bool refused_first = false;
  RequireOk(sender2.Pump([&](const std::string& bytes) {
    if (!refused_first) {
      refused_first = true;
      return false;
    }
    return wire2.Fn()(bytes);
  }));
  REQUIRE(wire2.frames.size() == 1);
  CHECK(wire2.frames[0] == std::vector<std::string>{"S-0", "S-1", "A-high"});
  CHECK(wire2.lanes == std::vector<std::string>{""});
}

TEST_CASE("OutboxSender offers everything unsettled again after Forget", "[node][sender]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(0, 5)).status());
  OutboxSender sender(&outbox, 100, 100);
  Wire wire;
  wire.open = false;  // would block: nothing counts as sent
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(sender.in_flight() == 0);
  wire.open = true;
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(wire.records() == 5);
  CHECK_FALSE(sender.AckOverdue(OutboxSender::Clock::now(), 15s));
  CHECK(sender.AckOverdue(OutboxSender::Clock::now() + 16s, 15s));

  sender.Forget();  // a reconnect, or the ACK timeout
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(wire.records() == 10);
  RequireOk(sender.OnAcks(AckAll(outbox)));
  auto size = outbox.Size();
  REQUIRE(size.ok());
  CHECK(*size == 0);
  CHECK(sender.in_flight() == 0);
}

TEST_CASE("OutboxSender settles an ACK frame verdict by verdict", "[node][sender]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  auto queued = outbox.Enqueue(OutboxSenderSeizures(0, 4));
  RequireOk(queued.status());
  OutboxSender sender(&outbox, /*window=*/10, /*batch=*/10);
  Wire wire;
  RequireOk(sender.Pump(wire.Fn()));
  REQUIRE(sender.in_flight() == 4);
  const auto& q = *queued;
  json ack = {{"t", "ACK"},
              {"acks",
               {{{"uuid", q[0].uuid},
                 {"version", 1},
                 {"status", "NEW"},
                 {"gseq", 7},
                 {"audience", {"AF", "AS", 5}}},
                {{"uuid", q[1].uuid}, {"version", 1}, {"status", "DUP"}, {"gseq", 3}},
                {{"uuid", q[2].uuid},
                 {"version", 1},
                 {"status", "REJECTED"},
                 {"reason", "unit: must be one of KGM"}},
                "not an object"}}};
  auto ack_frame = cen::common::MsgpackMap::FromJson(ack);
  REQUIRE(ack_frame.ok());
  RequireOk(sender.OnAckFrame(*ack_frame));
  CHECK(sender.in_flight() == 1);  // S-3 is still waiting for its verdict
  auto size = outbox.Size();
  RequireOk(size.status());
  CHECK(*size == 1);
  auto stmt = db.Prepare(
      "SELECT ref, status, coalesce(gseq, -1), coalesce(reason, '') FROM own_status "
      "ORDER BY ref");
  RequireOk(stmt.status());
  std::vector<std::string> rows;
  while (*stmt->Step()) {
    rows.push_back(stmt->ColumnText(0) + " " + stmt->ColumnText(1) + " " +
                   std::to_string(stmt->ColumnInt(2)) + " " + stmt->ColumnText(3));
  }
  CHECK(rows == std::vector<std::string>{"S-0 accepted 7 ", "S-1 accepted 3 ",
                                         "S-2 rejected -1 unit: must be one of KGM",
                                         "S-3 queued -1 "});
  // The offices an accepted record goes to (strings only) are kept.
  auto offices = db.Prepare(
      "SELECT group_concat(office, ' ') FROM alert_audience WHERE alert = ? AND office != ''");
  RequireOk(offices.status());
  offices->Bind(1, q[0].uuid);
  REQUIRE(*offices->Step());
  CHECK(offices->ColumnText(0) == "AF AS");

  // No "acks" array: nothing settled, nothing fails, and it is no answer
  // (the ACK timeout still runs).
  const auto overdue_at = std::chrono::steady_clock::now() + std::chrono::hours(1);
  REQUIRE(sender.AckOverdue(overdue_at, std::chrono::minutes(30)));
  for (const json& empty : {json{{"t", "ACK"}}, json{{"t", "ACK"}, {"acks", "none"}}}) {
    auto empty_frame = cen::common::MsgpackMap::FromJson(empty);
    REQUIRE(empty_frame.ok());
    RequireOk(sender.OnAckFrame(*empty_frame));
    CHECK(sender.in_flight() == 1);
    CHECK(sender.AckOverdue(overdue_at, std::chrono::minutes(30)));
  }
}

TEST_CASE("OutboxSender reads the priority lane again only when it may hold something new",
          "[node][sender]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  RequireOk(outbox.Enqueue(OutboxSenderSeizures(0, 20)).status());
  RequireOk(outbox.Enqueue({Queued(cen::test::SampleAlert("A-high", "high"))}).status());
  OutboxSender sender(&outbox, /*window=*/8, /*batch=*/4);
  Wire wire;
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(sender.in_flight() == 8);  // the window counts the alert too

  // ACKs of bulk free the window: the bulk is read, the priority lane (its
  // one alert still in flight) is not. It was read on every ACK frame: 6 %
  // of an agent's CPU in cen_pipeline_bench.
  auto pending = outbox.Pending(0, 4);
  REQUIRE(pending.ok());
  std::vector<Outbox::Ack> acks;
  for (const auto& e : *pending) acks.push_back({e.uuid, e.version, true, 1, ""});
  RequireOk(sender.OnAcks(acks));
  const int64_t before = db.StatementRuns();
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(db.StatementRuns() - before == 1);  // Pending: the next bulk
  CHECK(sender.in_flight() == 8);           // the window counts the alert too

  // Queued records (the doorbell, a receipt) and settled priority records
  // make it read the lane again.
  RequireOk(outbox.Enqueue({Queued(cen::test::SampleAlert("A-urgent", "urgent"))}).status());
  sender.MarkDirty();
  RequireOk(sender.Pump(wire.Fn()));
  CHECK(wire.frames.back() == std::vector<std::string>{"A-urgent"});
}
