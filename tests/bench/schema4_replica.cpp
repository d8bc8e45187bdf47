#include "tests/bench/schema4_replica.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/wire_frame.h"

namespace cen::bench {

using nlohmann::json;

const char* const Schema4Replica::kSchemaSql = R"sql(
CREATE TABLE records(
  id                INTEGER PRIMARY KEY,
  uuid              TEXT    NOT NULL UNIQUE,
  version           INTEGER NOT NULL,
  gseq              INTEGER NOT NULL,
  kind              TEXT    NOT NULL,
  origin            TEXT    NOT NULL,
  ref               TEXT    NOT NULL,
  scope             TEXT    NOT NULL,
  handling          TEXT    NOT NULL,
  received_at       TEXT    NOT NULL,
  event_date        TEXT,
  commodity         TEXT,
  reporting_country TEXT,
  departure         TEXT,
  destination       TEXT,
  transit           TEXT,
  hs_code           TEXT,
  transport_mode    INTEGER,
  quantity          REAL,
  unit              TEXT,
  priority          TEXT
);
CREATE INDEX records_gseq ON records(gseq);
CREATE INDEX records_alerts ON records(gseq) WHERE kind = 'alert';
CREATE INDEX records_commodity_date ON records(commodity, event_date);
CREATE INDEX records_date ON records(event_date);
CREATE INDEX records_origin ON records(origin);
CREATE TABLE record_countries(
  record_id  INTEGER NOT NULL,
  role       TEXT    NOT NULL,
  country    TEXT    NOT NULL,
  commodity  TEXT    NOT NULL,
  event_date TEXT    NOT NULL
);
CREATE INDEX record_countries_lookup
  ON record_countries(country, commodity, event_date, role, record_id);
CREATE INDEX record_countries_record ON record_countries(record_id);
CREATE VIRTUAL TABLE records_fts USING fts5(
  description, location, concealment, title, body,
  tokenize = "unicode61 remove_diacritics 2", prefix = '2 3'
);
CREATE TABLE record_versions(
  gseq        INTEGER PRIMARY KEY,
  uuid        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  origin      TEXT    NOT NULL,
  received_at TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  UNIQUE(uuid, version)
);
CREATE TABLE alert_links(
  uuid     TEXT    NOT NULL,
  target   TEXT    NOT NULL,
  msg_type TEXT    NOT NULL,
  gseq     INTEGER NOT NULL,
  PRIMARY KEY (uuid, target)
) WITHOUT ROWID;
CREATE INDEX alert_links_target ON alert_links(target, msg_type);
CREATE TABLE receipts(
  uuid      TEXT    PRIMARY KEY,
  version   INTEGER NOT NULL,
  gseq      INTEGER NOT NULL,
  alert     TEXT    NOT NULL,
  office    TEXT    NOT NULL,
  action    TEXT    NOT NULL,
  at        TEXT    NOT NULL,
  by        TEXT,
  note      TEXT,
  hit_record    TEXT,
  hit_indicator TEXT,
  hit_value     TEXT
);
CREATE INDEX receipts_alert ON receipts(alert, office);
CREATE TABLE cursor(
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  epoch TEXT    NOT NULL DEFAULT '',
  gseq  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO cursor(id) VALUES (1);
)sql";

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

// Transit countries in route order: the valid strings of the "transit" array.
std::vector<std::string> TransitCountries(const json& rec) {
  std::vector<std::string> out;
  auto it = rec.find("transit");
  if (it == rec.end() || !it->is_array()) return out;
  for (const json& c : *it) {
    if (c.is_string()) out.push_back(c.get<std::string>());
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

// The date analysts filter on: a seizure's seizure_date, or the calendar date
// an alert was issued (the date part of issued_at, as the issuer wrote it).
std::optional<std::string> EventDate(const json& rec, const std::string& kind) {
  auto date = Text(rec, kind == "seizure" ? "seizure_date" : "issued_at");
  if (date && date->size() >= 10) return date->substr(0, 10);
  return std::nullopt;
}

}  // namespace

// The statements Apply runs for each record, prepared once per batch.
struct Schema4Replica::Statements {
  common::Statement insert_version;
  common::Statement upsert;
  common::Statement find_id;
  common::Statement delete_countries;
  common::Statement insert_country;
  common::Statement delete_text;
  common::Statement insert_text;
  common::Statement cursor;
  common::Statement upsert_receipt;
  common::Statement upsert_link;

  static common::Result<Statements> Prepare(common::Database& db) {
    const char* sql[] = {
        "INSERT OR IGNORE INTO record_versions(gseq, uuid, version, origin, received_at, doc) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "INSERT INTO records(uuid, version, gseq, kind, origin, ref, scope, handling, "
        "received_at, event_date, commodity, reporting_country, departure, destination, transit, "
        "hs_code, transport_mode, quantity, unit, priority) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(uuid) DO UPDATE SET version=excluded.version, gseq=excluded.gseq, "
        "kind=excluded.kind, ref=excluded.ref, scope=excluded.scope, handling=excluded.handling, "
        "received_at=excluded.received_at, event_date=excluded.event_date, "
        "commodity=excluded.commodity, reporting_country=excluded.reporting_country, "
        "departure=excluded.departure, destination=excluded.destination, "
        "transit=excluded.transit, hs_code=excluded.hs_code, "
        "transport_mode=excluded.transport_mode, quantity=excluded.quantity, "
        "unit=excluded.unit, priority=excluded.priority "
        "WHERE excluded.version > records.version",
        "SELECT id FROM records WHERE uuid = ?",
        "DELETE FROM record_countries WHERE record_id = ?",
        "INSERT INTO record_countries(record_id, role, country, commodity, event_date) "
        "VALUES (?, ?, ?, ?, ?)",
        "DELETE FROM records_fts WHERE rowid = ?",
        "INSERT INTO records_fts(rowid, description, location, concealment, title, body) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "UPDATE cursor SET gseq=? WHERE id=1",
        "INSERT INTO receipts(uuid, version, gseq, alert, office, action, at, by, note, "
        "hit_record, hit_indicator, hit_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(uuid) DO UPDATE SET version=excluded.version, gseq=excluded.gseq, "
        "action=excluded.action, at=excluded.at, by=excluded.by, note=excluded.note, "
        "hit_record=excluded.hit_record, hit_indicator=excluded.hit_indicator, "
        "hit_value=excluded.hit_value WHERE excluded.version > receipts.version",
        "INSERT INTO alert_links(uuid, target, msg_type, gseq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(uuid, target) DO UPDATE SET msg_type=excluded.msg_type, gseq=excluded.gseq "
        "WHERE excluded.gseq > alert_links.gseq",
    };
    std::vector<common::Statement> prepared;
    for (const char* text : sql) {
      auto stmt = db.Prepare(text);
      if (!stmt.ok()) return stmt.status();
      prepared.push_back(std::move(*stmt));
    }
    return Statements{std::move(prepared[0]), std::move(prepared[1]), std::move(prepared[2]),
                      std::move(prepared[3]), std::move(prepared[4]), std::move(prepared[5]),
                      std::move(prepared[6]), std::move(prepared[7]), std::move(prepared[8]),
                      std::move(prepared[9])};
  }
};

common::Status Schema4Replica::Create(common::Database& db) { return db.Exec(kSchemaSql); }

common::Status Schema4Replica::Apply(const std::vector<json>& records, int64_t new_cursor) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  auto st = Statements::Prepare(*db_);
  if (!st.ok()) return st.status();
  int64_t last = cursor_;
  for (const json& rec : records) {
    const int64_t gseq = common::WireFrame::IntOr(rec, "gseq", 0);
    if (gseq <= cursor_) continue;
    CEN_RETURN_IF_ERROR(ApplyOne(*st, rec, gseq));
    last = std::max(last, gseq);
  }
  const int64_t target = std::max(last, new_cursor);
  CEN_RETURN_IF_ERROR(st->cursor.Bind(1, target).Run());
  CEN_RETURN_IF_ERROR(tx->Commit());
  cursor_ = target;
  return common::Status::Ok();
}

common::Status Schema4Replica::ApplyOne(Statements& st, const json& rec, int64_t gseq) {
  const std::string uuid = common::WireFrame::StringOr(rec, "uuid", "");
  const int64_t version = common::WireFrame::IntOr(rec, "version", 0);
  const std::string doc = rec.dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string origin = common::WireFrame::StringOr(rec, "origin", "");
  const std::string received_at = common::WireFrame::StringOr(rec, "received_at", "");
  st.insert_version.Bind(1, gseq).Bind(2, uuid).Bind(3, version).Bind(4, origin);
  st.insert_version.Bind(5, received_at).Bind(6, doc);
  CEN_RETURN_IF_ERROR(st.insert_version.Run());
  if (db_->Changes() != 1) return common::Status::Ok();  // (uuid, version) already held
  const std::string kind = common::WireFrame::StringOr(rec, "kind", "");
  if (kind == "receipt") return KeepReceipt(st, rec, uuid, version, gseq, origin);
  CEN_RETURN_IF_ERROR(Index(st, rec, uuid, version, gseq, origin, received_at));
  if (kind == "alert") CEN_RETURN_IF_ERROR(LinkAlert(st, rec, uuid, gseq));
  return common::Status::Ok();
}

common::Status Schema4Replica::KeepReceipt(Statements& st, const json& rec, const std::string& uuid,
                                           int64_t version, int64_t gseq,
                                           const std::string& origin) {
  common::Statement& up = st.upsert_receipt;
  up.Bind(1, uuid).Bind(2, version).Bind(3, gseq);
  up.Bind(4, common::WireFrame::StringOr(rec, "alert", "")).Bind(5, origin);
  up.Bind(6, common::WireFrame::StringOr(rec, "action", ""))
      .Bind(7, common::WireFrame::StringOr(rec, "at", ""));
  BindOptional(up, 8, Text(rec, "by"));
  BindOptional(up, 9, Text(rec, "note"));
  const auto hit = rec.find("hit");
  const bool has_hit = hit != rec.end() && hit->is_object();
  BindOptional(up, 10, has_hit ? Text(*hit, "record") : std::nullopt);
  BindOptional(up, 11, has_hit ? Text(*hit, "indicator") : std::nullopt);
  BindOptional(up, 12, has_hit ? Text(*hit, "value") : std::nullopt);
  return up.Run();
}

common::Status Schema4Replica::LinkAlert(Statements& st, const json& rec, const std::string& uuid,
                                         int64_t gseq) {
  const std::string msg_type = common::WireFrame::StringOr(rec, "msg_type", "alert");
  if (msg_type != "update" && msg_type != "cancel") return common::Status::Ok();
  const auto references = rec.find("references");
  if (references == rec.end() || !references->is_array()) return common::Status::Ok();
  for (const json& target : *references) {
    if (!target.is_string()) continue;
    st.upsert_link.Bind(1, uuid).Bind(2, target.get<std::string>()).Bind(3, msg_type);
    CEN_RETURN_IF_ERROR(st.upsert_link.Bind(4, gseq).Run());
  }
  return common::Status::Ok();
}

common::Status Schema4Replica::Index(Statements& st, const json& rec, const std::string& uuid,
                                     int64_t version, int64_t gseq, const std::string& origin,
                                     const std::string& received_at) {
  const std::string kind = common::WireFrame::StringOr(rec, "kind", "");
  const std::optional<std::string> date = EventDate(rec, kind);
  const std::optional<std::string> commodity = Text(rec, "commodity");
  const std::optional<std::string> reporting = Text(rec, "reporting_country");
  const std::optional<std::string> departure = Text(rec, "departure");
  const std::optional<std::string> destination = Text(rec, "destination");
  const std::vector<std::string> transit = TransitCountries(rec);

  common::Statement& up = st.upsert;
  up.Bind(1, uuid).Bind(2, version).Bind(3, gseq).Bind(4, kind).Bind(5, origin);
  up.Bind(6, common::WireFrame::StringOr(rec, "ref", ""))
      .Bind(7, common::WireFrame::StringOr(rec, "scope", "global"));
  up.Bind(8, common::WireFrame::StringOr(rec, "handling", "H0")).Bind(9, received_at);
  BindOptional(up, 10, date);
  BindOptional(up, 11, commodity);
  BindOptional(up, 12, reporting);
  BindOptional(up, 13, departure);
  BindOptional(up, 14, destination);
  BindOptional(up, 15, transit.empty() ? std::nullopt : std::optional(Join(transit, ';')));
  BindOptional(up, 16, Text(rec, "hs_code"));
  if (auto m = rec.find("transport_mode"); m != rec.end() && m->is_number_integer()) {
    up.Bind(17, m->get<int64_t>());
  } else {
    up.BindNull(17);
  }
  if (auto q = rec.find("quantity"); q != rec.end() && q->is_number()) {
    up.Bind(18, q->get<double>());
  } else {
    up.BindNull(18);
  }
  BindOptional(up, 19, Text(rec, "unit"));
  BindOptional(up, 20, Text(rec, "priority"));
  CEN_RETURN_IF_ERROR(up.Run());
  // No change: an older version than the one held, nothing to re-index.
  if (db_->Changes() == 0) return common::Status::Ok();
  auto found = st.find_id.Bind(1, uuid).Step();
  const int64_t id = found.ok() && *found ? st.find_id.ColumnInt(0) : -1;
  st.find_id.Reset();
  if (!found.ok()) return found.status();
  if (id < 0) return common::Corruption(db_->path() + ": record " + uuid + " vanished");

  CEN_RETURN_IF_ERROR(st.delete_countries.Bind(1, id).Run());
  auto add_country = [&](const char* role, const std::string& country) {
    return st.insert_country.Bind(1, id)
        .Bind(2, role)
        .Bind(3, country)
        .Bind(4, commodity.value_or(""))
        .Bind(5, date.value_or(""))
        .Run();
  };
  if (reporting) CEN_RETURN_IF_ERROR(add_country("reporting", *reporting));
  if (departure) CEN_RETURN_IF_ERROR(add_country("departure", *departure));
  for (const std::string& country : transit) CEN_RETURN_IF_ERROR(add_country("transit", country));
  if (destination) CEN_RETURN_IF_ERROR(add_country("destination", *destination));

  CEN_RETURN_IF_ERROR(st.delete_text.Bind(1, id).Run());
  st.insert_text.Bind(1, id);
  int column = 2;
  for (const char* field : {"description", "location", "concealment", "title", "body"}) {
    BindOptional(st.insert_text, column++, Text(rec, field));
  }
  return st.insert_text.Run();
}

}  // namespace cen::bench
