#include "node/query/alert_book.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "common/messages.h"
#include "common/node_id.h"
#include "common/record_validator.h"
#include "common/wire_frame.h"

namespace cen::node {

using common::Messages;

using nlohmann::json;

namespace {

// Keeps the most restrictive handling of `doc` (an alert message) in `a`.
void NoteHandling(AlertBook::Alert& a, const json& doc) {
  const std::string handling = common::WireFrame::StringOr(doc, "handling", "H0");
  if (handling > a.handling && handling.size() == 2 && handling[0] == 'H') a.handling = handling;
  const std::string note = common::WireFrame::StringOr(doc, "handling_note", "");
  if (!note.empty()) a.handling_note = note;
}

// What an update may change.
constexpr const char* kUpdatable[] = {"title",       "body",       "priority", "expires_at",
                                      "commodity",   "indicators", "handling", "handling_note",
                                      "source_eval", "info_eval"};

// The version of alert `a` update `doc` says it was written against, when
// older than the one in force (`alert_versions`); nullopt otherwise (an
// update that does not say counts in gseq order).
std::optional<int64_t> WrittenAgainst(const json& doc, const AlertBook::Alert& a) {
  const auto versions = doc.find("alert_versions");
  if (versions == doc.end() || !versions->is_object()) return std::nullopt;
  const auto against = versions->find(a.uuid);
  const auto in_force = a.current.find("version");
  if (against == versions->end() || !against->is_number_integer() || in_force == a.current.end() ||
      !in_force->is_number_integer())
    return std::nullopt;
  if (against->get<int64_t>() >= in_force->get<int64_t>()) return std::nullopt;
  return against->get<int64_t>();
}

struct Message {
  std::string uuid, origin, received_at, first_received_at;
  int64_t gseq;
  json doc;
};

}  // namespace

int AlertBook::Alert::rank() const {
  const std::string priority = Text("priority");
  if (priority == "urgent") return 0;
  if (priority == "high") return 1;
  return 2;
}

std::string AlertBook::Alert::Text(const char* field) const {
  return common::WireFrame::StringOr(current, field, "");
}

const char* AlertBook::Name(State state) {
  switch (state) {
    case State::kActive:
      return "active";
    case State::kCancelled:
      return "cancelled";
    case State::kExpired:
      return "expired";
  }
  return "active";
}

common::Result<AlertBook> AlertBook::Load(common::Database& db, int64_t now_millis) {
  auto stmt = db.Prepare(
      "SELECT r.uuid, r.origin, r.gseq, r.received_at, d.doc, coalesce((SELECT "
      "min(h.received_at) FROM version_history h WHERE h.uuid = r.uuid), r.received_at) FROM "
      "records r "
      "JOIN documents d ON d.gseq = r.gseq WHERE r.kind = 'alert' AND r.validation IS NULL "
      "ORDER BY r.gseq");
  if (!stmt.ok()) return stmt.status();
  std::vector<Message> originals;
  std::vector<Message> changes;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Message m{stmt->ColumnText(0), stmt->ColumnText(1),
              stmt->ColumnText(3), stmt->ColumnText(5),
              stmt->ColumnInt(2),  json::parse(stmt->ColumnText(4), nullptr, false)};
    if (!m.doc.is_object()) continue;
    const std::string type = common::WireFrame::StringOr(m.doc, "msg_type", "");
    (type == "update" || type == "cancel" ? changes : originals).push_back(std::move(m));
  }

  AlertBook book;
  std::map<std::string, size_t> index;
  for (Message& m : originals) {
    index[m.uuid] = book.alerts_.size();
    book.roots_.emplace_back(m.uuid, m.uuid);
    Alert a;
    a.uuid = m.uuid;
    a.origin = m.origin;
    a.gseq = m.gseq;
    a.received_at = m.received_at;
    a.first_received_at = m.first_received_at;
    a.current = std::move(m.doc);
    a.base = a.current;
    NoteHandling(a, a.current);
    book.alerts_.push_back(std::move(a));
  }
  // Updates and cancels in gseq order; one from another origin than the
  // alert's is ignored (the hub refuses those; a replica does not trust it),
  // except a cancel by the hub operator.
  for (const Message& m : changes) {
    const auto refs = m.doc.find("references");
    if (refs == m.doc.end() || !refs->is_array()) continue;
    for (const json& ref : *refs) {
      if (!ref.is_string()) continue;
      const auto it = index.find(ref.get<std::string>());
      if (it == index.end()) continue;
      Alert& a = book.alerts_[it->second];
      const bool by_operator = m.origin == common::NodeId::kHubOperator &&
                               common::WireFrame::StringOr(m.doc, "msg_type", "") == "cancel";
      if (a.origin != m.origin && !by_operator) continue;
      a.chain.push_back(m.uuid);
      book.roots_.emplace_back(m.uuid, a.uuid);
      NoteHandling(a, m.doc);
      if (common::WireFrame::StringOr(m.doc, "msg_type", "") == "cancel") {
        a.state = State::kCancelled;
        a.cancelled_by = m.uuid;
        continue;
      }
      // Written against an older version of the alert than the one in
      // force: the origin amended the alert after it, and the amendment is
      // its newest word on every field it changed (gseq is not the order the
      // origin wrote them in: an urgent message overtakes a bulk one). A
      // field the amendment left as it was (an escalation to urgent, the
      // alert's text corrected since) is the update's still.
      const std::optional<int64_t> against = WrittenAgainst(m.doc, a);
      std::optional<json> older;
      if (against) {
        auto version =
            db.Cached("SELECT doc FROM record_versions WHERE uuid = ? AND version = ? LIMIT 1");
        if (!version.ok()) return version.status();
        auto row = (*version)->Bind(1, a.uuid).Bind(2, *against).Step();
        if (row.ok() && *row) older = json::parse((*version)->ColumnText(0), nullptr, false);
        (*version)->Reset();
        if (!row.ok()) return row.status();
      }
      for (const char* field : kUpdatable) {
        const auto v = m.doc.find(field);
        if (v == m.doc.end()) continue;
        if (against) {
          // Not held (never served here): the amendment's word.
          if (!older || !older->is_object()) continue;
          const auto was = older->find(field);
          const auto now = a.base.find(field);
          const bool same = (was == older->end()) == (now == a.base.end()) &&
                            (was == older->end() || *was == *now);
          if (!same) continue;
        }
        a.current[field] = *v;
      }
    }
  }
  for (Alert& a : book.alerts_) {
    if (a.state != State::kActive) continue;
    const auto expires = common::RecordValidator::TimestampMillis(a.Text("expires_at"));
    if (expires && *expires <= now_millis) a.state = State::kExpired;
  }
  // Newest by issued_at (received_at when it has none), as AGE counts: an
  // urgent alert travels ahead of others in its office's outbox, so the
  // journal's order is not the issue order. (Without the fallback an alert
  // with no issued_at ranked as issued in 1970, below older ones.)
  const auto issued = [](const Alert& a) {
    const auto at = common::RecordValidator::TimestampMillis(a.Text("issued_at"));
    return at ? *at : common::RecordValidator::TimestampMillis(a.first_received_at).value_or(0);
  };
  std::sort(book.alerts_.begin(), book.alerts_.end(), [&](const Alert& x, const Alert& y) {
    return std::make_tuple(x.state != State::kActive, x.rank(), -issued(x), -x.gseq) <
           std::make_tuple(y.state != State::kActive, y.rank(), -issued(y), -y.gseq);
  });
  std::sort(book.roots_.begin(), book.roots_.end());
  return book;
}

const AlertBook::Alert* AlertBook::Find(const std::string& uuid) const {
  for (const Alert& a : alerts_) {
    if (a.uuid == uuid) return &a;
  }
  return nullptr;
}

common::Result<const AlertBook::Alert*> AlertBook::Named(const std::string& wanted) const {
  const Alert* found = nullptr;
  // Named like RecordShow's: uuids made in one second share a long prefix,
  // and "names more than one alert" left the analyst guessing which.
  constexpr size_t kNamed = 5;
  std::vector<const Alert*> matches;
  for (const Alert& a : alerts_) {
    if (!wanted.empty() && a.uuid.rfind(wanted, 0) == 0) matches.push_back(&a);
  }
  if (matches.size() > 1) {
    std::string candidates;
    for (size_t i = 0; i < matches.size() && i <= kNamed; ++i) {
      if (i == kNamed) {
        candidates += ", ...";
        break;
      }
      candidates += (i > 0 ? ", " : "") + matches[i]->uuid + " (" + matches[i]->Text("ref") + ", " +
                    matches[i]->origin + ")";
    }
    return common::UsageError(
        Messages::Format("UUID: '{}' matches several alerts: {}; give more of it (alerts made in "
                         "the same millisecond share their first 13 characters)",
                         wanted, candidates));
  }
  if (matches.size() == 1) found = matches[0];
  // An update's or cancel's uuid, or a prefix of it as of an alert's (a
  // trial: "no alert 01a2502c-3f6a" for an update the replica holds).
  if (found == nullptr && !wanted.empty()) {
    std::optional<std::string> root;
    for (auto it = std::lower_bound(roots_.begin(), roots_.end(), std::pair{wanted, std::string()});
         it != roots_.end() && it->first.rfind(wanted, 0) == 0; ++it) {
      if (root && *root != it->second) {
        return common::UsageError(Messages::Format(
            "UUID: '{}' matches updates of several alerts; give more of it", wanted));
      }
      root = it->second;
    }
    if (root) found = Find(*root);
  }
  if (found == nullptr) {
    return common::NotFound(Messages::Format(
        "no alert {} in this node's replica (cen-query alerts --all lists them)", wanted));
  }
  return found;
}

std::optional<std::string> AlertBook::RootOf(const std::string& uuid) const {
  const auto it = std::lower_bound(roots_.begin(), roots_.end(), std::pair{uuid, std::string()});
  if (it == roots_.end() || it->first != uuid) return std::nullopt;
  return it->second;
}

}  // namespace cen::node
