// Writes the seed corpora of the fuzz targets with the project's own encoders,
// one file per seed: fuzz_seeds DIR writes DIR/wire_frame/corpus/* and
// DIR/record/corpus/*.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/wire_frame.h"

namespace {

using cen::common::MsgpackJson;
using cen::common::WireFrame;
using nlohmann::json;
namespace frame = cen::common::frame;

json Seizure() {
  return {{"kind", "seizure"},
          {"ref", "FR-2026-0001"},
          {"uuid", "0192f0c1-7a2b-7c3d-8e4f-0123456789ab"},
          {"version", 1},
          {"scope", "region:EU"},
          {"handling", "H2"},
          {"seizure_date", "2026-03-14"},
          {"reporting_country", "FR"},
          {"commodity", "drugs"},
          {"description", "Cocaine in banana boxes / Кокаин"},
          {"quantity", 12.5},
          {"unit", "KGM"},
          {"hs_code", "293971"},
          {"containers", {"CSQU3054383"}},
          {"vessel_imo", "9074729"},
          {"transit", {"EC", "ES"}},
          {"offenders", {{{"nationality", "EC"}, {"gender", "M"}, {"age", 34}}}}};
}

json Alert() {
  return {{"kind", "alert"},
          {"ref", "WE-ALERT-7"},
          {"uuid", "0192f0c1-7a2b-7c3d-8e4f-0123456789ac"},
          {"version", 2},
          {"scope", "group:OP-TIDE"},
          {"title", "Route change"},
          {"body", "Containers via Algeciras"},
          {"priority", "urgent"},
          {"msg_type", "update"},
          {"references", {"0192f0c1-7a2b-7c3d-8e4f-0123456789ab"}},
          {"issued_at", "2026-03-14T10:00:00+01:00"},
          {"indicators", {{"containers", {"CSQU3054383"}}, {"routes", {"EC-ES"}}}}};
}

void Write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seeds DIR\n";
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const auto frames = root / "wire_frame" / "corpus";
  const std::string s = MsgpackJson::Encode(Seizure());
  const std::string a = MsgpackJson::Encode(Alert());
  Write(
      frames, "hello",
      WireFrame::Encode({{"t", frame::kHello}, {"proto", 1}, {"replica_gseq", 7}, {"outbox", 2}}));
  Write(frames, "welcome",
        WireFrame::Encode({{"t", frame::kWelcome},
                           {"proto", 1},
                           {"node", "RILO-WE"},
                           {"region", "EU"},
                           {"epoch", "0123456789abcdef"},
                           {"head", 12},
                           {"feed_port", 7702}}));
  Write(frames, "publish", WireFrame::EncodeRecords(frame::kPublish, {s, a}));
  Write(
      frames, "ack",
      WireFrame::Encode(
          {{"t", frame::kAck},
           {"acks",
            {{{"uuid", "u"}, {"version", 1}, {"status", "NEW"}, {"gseq", 3}},
             {{"uuid", "v"}, {"version", 1}, {"status", "REJECTED"}, {"reason", "unit: bad"}}}}}));
  Write(frames, "fetch",
        WireFrame::Encode({{"t", frame::kFetch}, {"id", 4}, {"from", 10}, {"max", 500}}));
  Write(frames, "records", WireFrame::EncodeRecords(frame::kRecords, {s}, 4));
  Write(frames, "upto",
        WireFrame::Encode({{"t", frame::kUpto},
                           {"id", 4},
                           {"from", 10},
                           {"upto", 12},
                           {"head", 12},
                           {"epoch", "0123456789abcdef"}}));
  Write(frames, "ping",
        WireFrame::Encode({{"t", frame::kPing}, {"replica_gseq", 12}, {"outbox", 0}}));
  Write(frames, "pong", WireFrame::Encode({{"t", frame::kPong}, {"head", 12}}));
  Write(
      frames, "error",
      WireFrame::Encode(
          {{"t", frame::kError}, {"code", "bad_frame"}, {"reason", "frame is not a msgpack map"}}));
  Write(frames, "batch", WireFrame::EncodeBatch("0123456789abcdef", 10, 12, {s, a}));
  Write(frames, "head",
        WireFrame::Encode({{"t", frame::kHead}, {"head", 12}, {"epoch", "0123456789abcdef"}}));
  const auto records = root / "record" / "corpus";
  Write(records, "seizure", s);
  Write(records, "alert", a);
  json minimal = Seizure();
  for (const char* key :
       {"scope", "handling", "hs_code", "containers", "vessel_imo", "transit", "offenders"})
    minimal.erase(key);
  Write(records, "seizure_minimal", MsgpackJson::Encode(minimal));
  json odd = Seizure();
  odd["x-extra"] = {{"nested", {1, 2.5, nullptr, true, "text"}}};
  Write(records, "seizure_unknown_key", MsgpackJson::Encode(odd));
  return 0;
}
