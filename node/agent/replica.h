// The node's replica: records applied in the hub's gseq order, each
// (uuid, version) once, with the cursor (hub epoch, last gseq) moved in the
// same transaction as the records it covers. The cursor means "every gseq up
// to here applied". Urgent records may be applied ahead of it (ApplyEarly);
// the in-order stream recognises them when it reaches their gseq.
//
//   Replica replica(&db);
//   CEN_RETURN_IF_ERROR(replica.Load());
//   CEN_RETURN_IF_ERROR(replica.Apply(items, new_cursor));
//   auto used = replica.ApplyUntil(items, new_cursor, deadline);  // a time slice
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "common/msgpack_map.h"
#include "common/sqlite_db.h"
#include "node/agent/sorted_runs.h"
#include "node/agent/string_pool.h"

namespace cen::node {

class Replica {
 public:
  // Runs inside the applying transaction for every alert or seizure version
  // newly applied that is now the latest (not for receipts, a version already
  // held, or an older one arriving late); its error rolls the whole
  // transaction back. `in_order`: applied by the in-order apply (Apply,
  // ApplyUntil), not ahead of the cursor (ApplyEarly, the priority lane).
  using Observer = std::function<common::Status(const common::MsgpackMap& record, bool in_order)>;
  // Runs inside every apply transaction (in order or early) just before its
  // commit, with the cursor it leaves; its error rolls it back.
  using CursorObserver = std::function<common::Status(int64_t cursor)>;
  // Runs inside the applying transaction when a withdrawal took a record
  // (`uuid`) out of the replica; its error rolls the transaction back.
  using WithdrawalObserver = std::function<common::Status(std::string_view uuid)>;
  // Runs inside the applying transaction when a version of an NCP's record
  // waiting for its RILO (validation "pending") is newly held; its error
  // rolls the transaction back.
  using PendingObserver = std::function<common::Status(std::string_view uuid, int64_t version)>;

  explicit Replica(common::Database* db) : db_(db) {}

  // Records per IndexCountries batch, and how many pending records make the
  // agent write a batch in the middle of a catch-up. Larger batches write
  // each page of record_countries fewer times per record; the batch's rows
  // are held in memory (about 40 B each, 3.2 per record, their texts
  // interned), and queries check up to this many pending records on their
  // columns. Measured with cen_replica_bench --country-batch: README.
  static constexpr int64_t kCountryBatchRecords = 200000;
  // A different batch size (benches and tests).
  void set_country_batch_records(int64_t records) {
    country_batch_records_ = std::max<int64_t>(records, 1);
  }
  void set_observer(Observer observer) { observer_ = std::move(observer); }
  void set_cursor_observer(CursorObserver observer) { cursor_observer_ = std::move(observer); }
  void set_withdrawal_observer(WithdrawalObserver observer) {
    withdrawal_observer_ = std::move(observer);
  }
  void set_pending_observer(PendingObserver observer) { pending_observer_ = std::move(observer); }

  common::Status Load();
  // Until schema 10 (2026-12-07) an NCP's amendment waiting for its RILO
  // took the place of the version in force, which went to version_history:
  // puts each such version back into `records` beside it (its countries
  // indexed with the next batch). Returns how many; run by the agent as it
  // starts (finds nothing once done).
  common::Result<int64_t> RestoreVersionsInForce();
  const std::string& epoch() const { return epoch_; }
  int64_t cursor() const { return cursor_; }

  // Applies `records` (each with gseq > cursor(), ascending) and moves the
  // cursor to `new_cursor` (>= the last gseq applied), in one transaction.
  // A record already applied is ignored.
  common::Status Apply(const std::vector<common::MsgpackMap>& records, int64_t new_cursor);
  // Apply() in one transaction that stops after the first record applied at
  // or past `deadline`, or once `interrupt` (asked every few records, may be
  // empty) says something more urgent waits: the cursor then moves to that
  // record's gseq (every gseq up to it has been applied or was not for this
  // node). Returns how many of `records` were consumed; all of them means the
  // cursor reached `new_cursor`.
  //
  // Once `interrupt` has ended the slice, `roll_back` (may be empty) is
  // asked: true rolls the transaction back instead and nothing is consumed
  // (returns 0). Committing a slice writes every page its records touched,
  // which an urgent record would wait for; a rollback frees the write lock
  // at once, and the records are applied again later.
  common::Result<size_t> ApplyUntil(const std::vector<common::MsgpackMap>& records,
                                    int64_t new_cursor,
                                    std::chrono::steady_clock::time_point deadline,
                                    const std::function<bool()>& interrupt = {},
                                    const std::function<bool()>& roll_back = {});
  // Applies records ahead of the cursor (the priority lane) without moving
  // it. Records at or below the cursor, and (uuid, version)s already held,
  // are skipped; an older version never replaces a newer one. Returns how
  // many were applied now.
  common::Result<size_t> ApplyEarly(const std::vector<common::MsgpackMap>& records);
  // Writes the record_countries and record_dates rows of the records applied
  // since the last batch (countries_pending: up to kCountryBatchRecords read
  // in gseq order, 1,024 at a time; a record applied meanwhile below the last gseq read
  // waits for the next batch), sorted by key so that each page is written
  // about once per batch instead of once per record, in transactions that
  // end at `deadline` (each call does some work: a chunk read, or rows
  // written) or once `interrupt` (asked after each chunk read and every 64
  // rows written, may be empty) says something more urgent waits. Returns
  // whether any remain. Queries are right before, during and after: they
  // check pending records on their own columns.
  // `roll_back` as for ApplyUntil: a slice rolled back leaves the batch
  // where the slice began.
  common::Result<bool> IndexCountries(std::chrono::steady_clock::time_point deadline,
                                      const std::function<bool()>& interrupt = {},
                                      const std::function<bool()>& roll_back = {});
  // The last IndexCountries() slice was rolled back for an interrupt.
  bool countries_preempted() const { return countries_preempted_; }
  // A country batch has been begun and not finished.
  bool country_batch_under_way() const { return country_batch_.has_value(); }
  // How many records wait for their record_countries and record_dates rows.
  common::Result<int64_t> CountriesPending();
  // The same, kept in memory (counted up by the apply, read again after each
  // batch): cheap enough to ask every turn of the agent's loop.
  int64_t countries_pending_hint() const { return countries_pending_hint_; }
  // Forgets every replicated record and starts over under `epoch`.
  common::Status Reset(const std::string& epoch);
  // The region the hub last said this node is in (WELCOME; "" for none);
  // nullopt before the first WELCOME that said it.
  common::Result<std::optional<std::string>> KnownRegion();
  common::Status SetKnownRegion(const std::string& region);
  // The groups in force the hub last said this node is a member of (WELCOME:
  // names joined with ',' in the hub's order, "" for none); nullopt before
  // the first WELCOME that said them.
  common::Result<std::optional<std::string>> KnownGroups();
  common::Status SetKnownGroups(const std::string& groups);
  // The node moved to `region`, or joined a group: records it may see now
  // that were journaled before are in no feed or FETCH to come. Takes the
  // cursor back to 0, keeping every record, and remembers `region` and
  // `groups` (nullopt: none heard of yet, left so), in one transaction: the
  // journal is fetched again and applied (what is held already is skipped),
  // text.db indexed again behind it.
  common::Status Rewind(const std::string& region, const std::optional<std::string>& groups);
  // Adopts the epoch of the first hub this node meets.
  common::Status SetEpoch(const std::string& epoch);
  // Records held: the versions in force, and amendments waiting for an
  // NCP's RILO that have none beside them.
  common::Result<int64_t> Count();

 private:
  struct Statements;
  // A record_countries row's role; the values sort as their names do, as
  // the table's key sorts them.
  enum class Role : uint8_t { kDeparture, kDestination, kReporting, kTransit };
  static std::string_view RoleName(Role role);
  // One row of record_countries, in the key's order of fields. Its texts are
  // interned in the StringPool of the batch (or Held) that made it: a batch
  // holds hundreds of thousands of rows naming a few hundred countries,
  // commodities and dates.
  struct CountryRow {
    const StringPool::Text* country;
    const StringPool::Text* commodity;
    const StringPool::Text* event_date;
    Role role;
    int64_t record_id;
  };
  // One row of record_dates, in the key's order of fields.
  struct DateRow {
    const StringPool::Text* commodity;
    const StringPool::Text* event_date;
    int64_t record_id;
  };
  // Texts of one pool compare by rank (StringPool): the order of their bytes.
  struct CountryOrder {
    bool operator()(const CountryRow& a, const CountryRow& b) const {
      if (int c = StringPool::Compare(a.country, b.country)) return c < 0;
      if (int c = StringPool::Compare(a.commodity, b.commodity)) return c < 0;
      if (int c = StringPool::Compare(a.event_date, b.event_date)) return c < 0;
      return std::tie(a.role, a.record_id) < std::tie(b.role, b.record_id);
    }
  };
  struct DateOrder {
    bool operator()(const DateRow& a, const DateRow& b) const {
      if (int c = StringPool::Compare(a.commodity, b.commodity)) return c < 0;
      if (int c = StringPool::Compare(a.event_date, b.event_date)) return c < 0;
      return a.record_id < b.record_id;
    }
  };
  // The batch IndexCountries works through: its records are read a chunk at
  // a time (ReadCountryBatch), then its record_countries rows and its
  // record_dates rows are written, each in key order, then its records'
  // countries_pending rows are deleted.
  struct CountryBatch {
    bool read = false;   // every record of the batch has been read
    StringPool strings;  // the texts of rows and dates
    std::chrono::steady_clock::duration reading{};
    int chunks = 0;
    SortedRuns<CountryRow, CountryOrder> rows;
    SortedRuns<DateRow, DateOrder> dates;
    std::vector<int64_t> gseqs;
    size_t next_gseq = 0;
    // Records of the batch replaced since it was read (Retire): their rows
    // and their countries_pending rows are left alone.
    std::unordered_set<int64_t> retired;
  };
  // Appends the record_countries rows of record `gseq`, from the six columns
  // of kCountryColumns (replica.cpp) that `stmt` returns from `first` on,
  // with their texts in `strings`, and returns its record_dates row: the one
  // place those rows are worked out, for writing and for deleting.
  static DateRow AddCountryRows(common::Statement& stmt, int first, int64_t gseq,
                                StringPool* strings, std::vector<CountryRow>* out);
  // Reads the batch's next records, a chunk at a time, until it holds them
  // all, `deadline` passes or `interrupt` says so (asked after each chunk:
  // each call reads one at least).
  common::Status ReadCountryBatch(std::chrono::steady_clock::time_point deadline,
                                  const std::function<bool()>& interrupt);
  common::Result<bool> IndexCountrySlice(std::chrono::steady_clock::time_point deadline,
                                         const std::function<bool()>& interrupt,
                                         const std::function<bool()>& roll_back);
  // The version of a record held in `records` when another one arrives.
  struct Held {
    int64_t gseq;
    int64_t version;
    StringPool strings;                 // the texts of `countries` and `date`
    std::vector<CountryRow> countries;  // its record_countries rows (maybe not written yet)
    DateRow date;                       // its record_dates row (maybe not written yet)
    std::string validation;             // "pending", "returned", or "" (validated or none needed)
  };
  // Applies one version: a new record or a newer version becomes the row in
  // `records`; an older version, and receipts, go to version_history.
  // *applied says whether it was new.
  common::Status ApplyOne(Statements& st, const common::MsgpackMap& rec, int64_t gseq,
                          bool* applied);
  // ApplyOne() of an alert or a seizure. An NCP's record arrives pending
  // (validation "pending": out of queries); accepted, it comes again with
  // the same version inside its RILO's decision and replaces it.
  common::Status ApplyVersion(Statements& st, const common::MsgpackMap& rec, int64_t gseq,
                              bool* applied);
  // A withdrawal (kind "withdrawal", PROTOCOL.md §6.10): a version this node
  // may not see took the record's place, its scope narrowed (or an update
  // or cancel of an alert it may no longer see). Every version held up to
  // `version` goes (records, documents, version_history,
  // countries) and, unless a newer version held (applied early) stays, the
  // alert links, hits and hook events (done or not) that name it, and the
  // updates and cancels of an alert.
  common::Status ApplyWithdrawal(Statements& st, const common::MsgpackMap& rec, bool* applied);
  // One record of a withdrawal (its uuid, or one of its "also").
  common::Status WithdrawOne(Statements& st, const std::string& uuid, int64_t version, int64_t gseq,
                             bool* applied);
  // Takes out every version of `uuid` up to `version` (ApplyWithdrawal), and
  // when none stays (*gone), what names it and the updates and cancels
  // linked to it (an alert's). Returns how many rows went.
  // A record gone is noted in `withdrawals` (under `gseq`, the withdrawal's).
  common::Result<int64_t> Withdraw(Statements& st, const std::string& uuid, int64_t version,
                                   int64_t gseq, bool* gone);
  // The versions of `uuid` held: the one in force and one waiting for an
  // NCP's RILO (ApplyVersion).
  common::Status FindHeld(Statements& st, std::string_view uuid, std::optional<Held>* in_force,
                          std::optional<Held>* waiting);
  // A RILO's decision: kept in `decisions`; a return marks the record
  // returned, an acceptance applies the record it carries under `gseq`.
  common::Status ApplyDecision(Statements& st, const common::MsgpackMap& rec, int64_t gseq,
                               bool* applied);
  // Moves the version held to version_history (unless a validated copy of
  // the same version replaces it) and removes its countries, before another
  // version takes its place (its full text in text.db is left: no record
  // has its gseq any more).
  common::Status Retire(Statements& st, const Held& held, bool keep_in_history);
  // Inserts the latest version into `records` and `documents`, its
  // countries to follow in a batch (IndexCountries) and its full text
  // behind the apply (TextIndexer, node/agent/text_indexer.h). `held_date`:
  // the event date to keep instead of the record's own (an alert without
  // issued_at keeps its first version's day).
  common::Status Insert(Statements& st, const common::MsgpackMap& rec, std::string_view uuid,
                        int64_t version, int64_t gseq, std::string_view origin,
                        std::string_view received_at, const std::string& doc,
                        std::optional<std::string_view> held_date = std::nullopt);

  // A receipt for one of this node's alerts: kept in `receipts`, not in
  // `records` (searches never see it).
  common::Status KeepReceipt(Statements& st, const common::MsgpackMap& rec, std::string_view uuid,
                             int64_t version, int64_t gseq, std::string_view origin);
  // An update or cancel: links it to the alerts it references.
  common::Status LinkAlert(Statements& st, const common::MsgpackMap& rec, std::string_view uuid,
                           int64_t gseq);

  // Writes the countries_pending rows of unlisted_, 32 to a statement (one
  // statement a record was 3.5 % of an apply's instructions). Run before
  // every commit of a transaction that applies records.
  common::Status ListPending(Statements& st);

  // The statements, prepared on first use and kept (a slice cut short by an
  // urgent alert is cheap again); reset before each use.
  common::Result<Statements*> Prepared();

  common::Database* db_;  // not owned
  std::shared_ptr<Statements> statements_;
  std::optional<CountryBatch> country_batch_;
  int64_t countries_pending_hint_ = 0;
  int64_t country_batch_records_ = kCountryBatchRecords;
  bool countries_preempted_ = false;
  // gseqs the apply transaction under way added to country_batch_->retired:
  // taken out again if it rolls back.
  std::vector<int64_t> retired_in_slice_;
  // gseqs inserted into `records` by the transaction under way whose
  // countries_pending rows are not written yet (ListPending).
  std::vector<int64_t> unlisted_;
  Observer observer_;
  CursorObserver cursor_observer_;
  WithdrawalObserver withdrawal_observer_;
  PendingObserver pending_observer_;
  bool in_order_ = false;  // what ApplyUntil or ApplyEarly applies now: for observer_
  std::string epoch_;
  int64_t cursor_ = 0;
};

}  // namespace cen::node
