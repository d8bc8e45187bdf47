#include "node/replica.h"

#include "common/wire_frame.h"

namespace cen::node {

using nlohmann::json;

namespace {

std::optional<std::string> Text(const json& rec, const char* key) {
  auto it = rec.find(key);
  if (it == rec.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

void BindOptional(common::Statement& s, int index, const std::optional<std::string>& v) {
  if (v) {
    s.Bind(index, *v);
  } else {
    s.BindNull(index);
  }
}

}  // namespace

common::Status Replica::Load() {
  auto stmt = db_->Prepare("SELECT epoch, gseq FROM cursor WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::Corruption(db_->path() + ": no replica cursor");
  epoch_ = stmt->ColumnText(0);
  cursor_ = stmt->ColumnInt(1);
  return common::Status::Ok();
}

common::Status Replica::Apply(const std::vector<json>& records, int64_t new_cursor) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  auto ins_version = db_->Prepare(
      "INSERT OR IGNORE INTO record_versions(gseq, uuid, version, origin, received_at, doc) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  auto upsert = db_->Prepare(
      "INSERT INTO records(uuid, version, gseq, kind, origin, ref, scope, handling, received_at, "
      "event_date, commodity, reporting_country, quantity, unit, doc) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(uuid) DO UPDATE SET version=excluded.version, gseq=excluded.gseq, "
      "kind=excluded.kind, ref=excluded.ref, scope=excluded.scope, handling=excluded.handling, "
      "received_at=excluded.received_at, event_date=excluded.event_date, "
      "commodity=excluded.commodity, reporting_country=excluded.reporting_country, "
      "quantity=excluded.quantity, unit=excluded.unit, doc=excluded.doc "
      "WHERE excluded.version > records.version");
  auto cursor = db_->Prepare("UPDATE cursor SET gseq=? WHERE id=1");
  if (!ins_version.ok()) return ins_version.status();
  if (!upsert.ok()) return upsert.status();
  if (!cursor.ok()) return cursor.status();

  int64_t last = cursor_;
  for (const json& rec : records) {
    const int64_t gseq = common::WireFrame::IntOr(rec, "gseq", 0);
    if (gseq <= cursor_) continue;
    const std::string uuid = common::WireFrame::StringOr(rec, "uuid", "");
    const int64_t version = common::WireFrame::IntOr(rec, "version", 0);
    // Decoding already refuses non-UTF-8 text; replacing it here too means a
    // record can never make the replica's apply throw.
    const std::string doc = rec.dump(-1, ' ', false, json::error_handler_t::replace);
    const std::string origin = common::WireFrame::StringOr(rec, "origin", "");
    const std::string received_at = common::WireFrame::StringOr(rec, "received_at", "");
    ins_version->Bind(1, gseq).Bind(2, uuid).Bind(3, version).Bind(4, origin);
    ins_version->Bind(5, received_at).Bind(6, doc);
    CEN_RETURN_IF_ERROR(ins_version->Run());
    if (db_->Changes() == 1) {
      const std::string kind = common::WireFrame::StringOr(rec, "kind", "");
      std::optional<std::string> date = Text(rec, kind == "seizure" ? "seizure_date" : "issued_at");
      upsert->Bind(1, uuid).Bind(2, version).Bind(3, gseq).Bind(4, kind).Bind(5, origin);
      upsert->Bind(6, common::WireFrame::StringOr(rec, "ref", ""))
          .Bind(7, common::WireFrame::StringOr(rec, "scope", "global"));
      upsert->Bind(8, common::WireFrame::StringOr(rec, "handling", "H0")).Bind(9, received_at);
      BindOptional(*upsert, 10, date);
      BindOptional(*upsert, 11, Text(rec, "commodity"));
      BindOptional(*upsert, 12, Text(rec, "reporting_country"));
      if (auto q = rec.find("quantity"); q != rec.end() && q->is_number()) {
        upsert->Bind(13, q->get<double>());
      } else {
        upsert->BindNull(13);
      }
      BindOptional(*upsert, 14, Text(rec, "unit"));
      upsert->Bind(15, doc);
      CEN_RETURN_IF_ERROR(upsert->Run());
    }
    last = std::max(last, gseq);
  }
  const int64_t target = std::max(last, new_cursor);
  CEN_RETURN_IF_ERROR(cursor->Bind(1, target).Run());
  CEN_RETURN_IF_ERROR(tx->Commit());
  cursor_ = target;
  return common::Status::Ok();
}

common::Status Replica::Reset(const std::string& epoch) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(db_->Exec("DELETE FROM records; DELETE FROM record_versions;"));
  auto stmt = db_->Prepare("UPDATE cursor SET epoch=?, gseq=0 WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(stmt->Bind(1, epoch).Run());
  CEN_RETURN_IF_ERROR(tx->Commit());
  epoch_ = epoch;
  cursor_ = 0;
  return common::Status::Ok();
}

common::Status Replica::SetEpoch(const std::string& epoch) {
  auto stmt = db_->Prepare("UPDATE cursor SET epoch=? WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(stmt->Bind(1, epoch).Run());
  epoch_ = epoch;
  return common::Status::Ok();
}

common::Result<int64_t> Replica::Count() {
  auto n = db_->QueryInt("SELECT count(*) FROM records");
  if (!n.ok()) return n.status();
  return n->value_or(0);
}

}  // namespace cen::node
