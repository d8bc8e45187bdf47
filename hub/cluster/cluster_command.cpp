#include "hub/cluster/cluster_command.h"

#include <msgpack.hpp>
#include <optional>
#include <utility>

#include "common/msgpack_map.h"

namespace cen::hub {
namespace {

constexpr std::string_view kJournalKind = "journal";
constexpr std::string_view kAdminKind = "admin";

void PackText(msgpack::packer<msgpack::sbuffer>& pk, std::string_view text) {
  pk.pack_str(static_cast<uint32_t>(text.size()));
  pk.pack_str_body(text.data(), static_cast<uint32_t>(text.size()));
}

// A command's map of six fields, its first three: format, kind, time.
void PackHead(msgpack::packer<msgpack::sbuffer>& pk, std::string_view kind, std::string_view at) {
  pk.pack_map(6);
  PackText(pk, "v");
  pk.pack_int64(ClusterCommand::kFormat);
  PackText(pk, "t");
  PackText(pk, kind);
  PackText(pk, "at");
  PackText(pk, at);
}

common::Status Bad(std::string_view what) {
  return common::Corruption("cluster command: " + std::string(what));
}

}  // namespace

std::string ClusterCommand::EncodeJournal(const std::string& received_at,
                                          const std::vector<Journal::Candidate>& candidates,
                                          const std::map<std::string, int64_t>& rejected,
                                          const std::vector<AuditNote>& audit) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  PackHead(pk, kJournalKind, received_at);
  PackText(pk, "records");
  pk.pack_array(static_cast<uint32_t>(candidates.size()));
  for (const Journal::Candidate& c : candidates) {
    pk.pack_map(2);
    PackText(pk, "origin");
    PackText(pk, c.origin);
    PackText(pk, "record");
    // The record as the journal would store it, less what the journal adds:
    // the edits applied, keys sorted (RecordEdits::Pack).
    const std::string packed = c.edits.Pack(c.record.object());
    buffer.write(packed.data(), packed.size());
  }
  PackText(pk, "rejected");
  pk.pack_map(static_cast<uint32_t>(rejected.size()));
  for (const auto& [node, count] : rejected) {
    PackText(pk, node);
    pk.pack_int64(count);
  }
  PackText(pk, "audit");
  pk.pack_array(static_cast<uint32_t>(audit.size()));
  for (const AuditNote& note : audit) {
    pk.pack_array(4);
    PackText(pk, note.at);
    PackText(pk, note.event);
    PackText(pk, note.node);
    PackText(pk, note.detail);
  }
  return std::string(buffer.data(), buffer.size());
}

std::string ClusterCommand::EncodeAdmin(const std::string& at, int64_t member, int64_t request,
                                        const AdminChange& change) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  PackHead(pk, kAdminKind, at);
  PackText(pk, "member");
  pk.pack_int64(member);
  PackText(pk, "request");
  pk.pack_int64(request);
  PackText(pk, "change");
  PackText(pk, change.ToJson().dump());
  return std::string(buffer.data(), buffer.size());
}

common::Result<ClusterCommand> ClusterCommand::Decode(std::string_view entry) {
  // A command nests a record three levels down; a burst holds many records.
  common::DecodeLimits limits;
  limits.max_depth = 24;
  limits.max_array = 1 << 20;
  limits.max_str = 64 << 20;
  auto map = common::MsgpackMap::Decode(entry, limits);
  if (!map.ok()) return Bad(map.status().message());
  const std::optional<int64_t> format = map->Int("v");
  if (format != kFormat) {
    return Bad("format " + (format ? std::to_string(*format) : std::string("missing")) +
               " (this build applies format " + std::to_string(kFormat) + ")");
  }
  const std::string_view kind = map->TextOr("t", "");
  if (kind != kJournalKind && kind != kAdminKind)
    return Bad("unknown kind \"" + std::string(kind) + "\"");
  ClusterCommand command;
  const std::optional<std::string_view> at = map->Text("at");
  if (!at || at->empty()) return Bad("\"at\" must be a timestamp");
  command.received_at = std::string(*at);
  if (kind == kAdminKind) {
    command.kind = Kind::kAdmin;
    const std::optional<int64_t> member = map->Int("member");
    const std::optional<int64_t> request = map->Int("request");
    if (!member || !request) return Bad("\"member\" and \"request\" must be integers");
    command.admin_member = *member;
    command.admin_request = *request;
    auto change = AdminChange::FromJson(nlohmann::json::parse(map->TextOr("change", ""), nullptr,
                                                              /*allow_exceptions=*/false));
    if (!change.ok()) return Bad(change.status().message());
    command.admin = std::move(*change);
    return command;
  }

  const msgpack::object* records = map->Find("records");
  if (records == nullptr || records->type != msgpack::type::ARRAY)
    return Bad("\"records\" must be an array");
  for (uint32_t i = 0; i < records->via.array.size; ++i) {
    const std::string where = "records[" + std::to_string(i) + "]";
    std::optional<common::MsgpackMap> item = map->Share(records->via.array.ptr[i]);
    if (!item) return Bad(where + " must be a map");
    const std::string origin(item->TextOr("origin", ""));
    std::optional<common::MsgpackMap> record = item->Map("record");
    if (origin.empty() || !record) return Bad(where + " needs an \"origin\" and a \"record\" map");
    command.candidates.emplace_back(origin, std::move(*record));
  }

  const msgpack::object* rejected = map->Find("rejected");
  if (rejected == nullptr || rejected->type != msgpack::type::MAP)
    return Bad("\"rejected\" must be a map");
  for (const auto& [node, count] : common::MsgpackMap::Members(*rejected)) {
    if (count->type != msgpack::type::POSITIVE_INTEGER || count->via.u64 > INT64_MAX)
      return Bad("\"rejected\" counts must be integers");
    command.rejected[std::string(node)] = static_cast<int64_t>(count->via.u64);
  }

  const msgpack::object* audit = map->Find("audit");
  if (audit == nullptr || audit->type != msgpack::type::ARRAY)
    return Bad("\"audit\" must be an array");
  for (uint32_t i = 0; i < audit->via.array.size; ++i) {
    const msgpack::object& note = audit->via.array.ptr[i];
    bool ok = note.type == msgpack::type::ARRAY && note.via.array.size == 4;
    for (uint32_t k = 0; ok && k < 4; ++k) ok = note.via.array.ptr[k].type == msgpack::type::STR;
    if (!ok) return Bad("audit[" + std::to_string(i) + "] must be four strings");
    auto text = [&](uint32_t k) {
      const msgpack::object& o = note.via.array.ptr[k];
      return std::string(o.via.str.ptr, o.via.str.size);
    };
    command.audit.push_back({text(0), text(1), text(2), text(3)});
  }
  return command;
}

}  // namespace cen::hub
