#include "node/drops/drop_importer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <vector>

#include "common/clock.h"
#include "common/csv_writer.h"
#include "common/grouped_number.h"
#include "common/messages.h"
#include "common/record_validator.h"
#include "node/drops/csv_record_reader.h"
#include "node/drops/drop_progress.h"
#include "node/drops/ndjson_record_reader.h"
#include "node/drops/validated_rows.h"
#include "node/store/outbox.h"

namespace cen::node {
namespace {

using nlohmann::json;

// An Outbox::Queue() refusal "LABEL: field: reason" as an issue of `line`.
DropIssue FromOutbox(const std::string& message, const std::string& label, int64_t line,
                     const DropRecordReader& reader) {
  std::string_view rest(message);
  if (rest.starts_with(label + ": ")) rest.remove_prefix(label.size() + 2);
  const size_t colon = rest.find(": ");
  const std::string field(rest.substr(0, colon));
  const std::string reason(colon == std::string_view::npos ? "" : rest.substr(colon + 2));
  return {line, reader.ColumnOf(field), field, reason};
}

}  // namespace

std::string DropSummary::Line() const {
  const auto Grouped = [](int64_t n) { return common::GroupedNumber(n); };
  using common::Messages;
  // Nothing imported (rows refused, no --partial): the valid rows are
  // neither new nor amended, they are valid; the counts add up to the rows.
  const bool refused =
      !imported && (!dry_run || (rejected > 0 && added + amended + unchanged == 0));
  std::string text =
      refused ? Messages::Format(rows == 1 ? N_("{}: {} row: {} valid, {} rejected")
                                           : N_("{}: {} rows: {} valid, {} rejected"),
                                 file, Grouped(rows), Grouped(rows - rejected), Grouped(rejected))
              : Messages::Format(
                    rows == 1 ? N_("{}: {} row: {} new, {} amended, {} unchanged, {} rejected")
                              : N_("{}: {} rows: {} new, {} amended, {} unchanged, {} rejected"),
                    file, Grouped(rows), Grouped(added), Grouped(amended), Grouped(unchanged),
                    Grouped(rejected));
  if (seconds > 0 && rows > 0) {
    text +=
        " " + Messages::Format("({} rows/s)",
                               Grouped(static_cast<int64_t>(static_cast<double>(rows) / seconds)));
  }
  if (dry_run) {
    text += Messages::Tr("; dry run, nothing imported");
  } else if (!imported) {
    text += Messages::Tr("; nothing imported");
  } else if (!rejects_file.empty()) {
    text += Messages::Format("; refused rows in {}", rejects_file);
  }
  return text;
}

json DropSummary::ToJson() const {
  json out = {{"file", file},         {"rows", rows},         {"valid", rows - rejected},
              {"new", added},         {"amended", amended},   {"unchanged", unchanged},
              {"rejected", rejected}, {"imported", imported}, {"dry_run", dry_run},
              {"seconds", seconds}};
  if (!rejects_file.empty()) out["rejects_file"] = rejects_file;
  if (!warnings.empty()) out["warnings"] = warnings;
  if (!status.ok()) out["error"] = status.message();
  return out;
}

common::Result<DropFormat> DropImporter::FormatOf(std::string_view path) {
  // In any letter case: exports from Windows come as .CSV, .Csv, .JSON.
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".csv") return DropFormat::kCsv;
  if (ext == ".ndjson" || ext == ".jsonl" || ext == ".json") return DropFormat::kNdjson;
  return common::UsageError(std::string(path) +
                            ": cannot tell the format from the name; name it .csv or .ndjson, "
                            "or give --format csv|ndjson");
}

DropSummary DropImporter::ImportFile(const std::string& path, std::istream& stdin_stream,
                                     std::ostream& err, DropProgress* progress) {
  const bool is_stdin = path == "-";
  DropSummary failed;
  failed.file = is_stdin ? "<stdin>" : path;
  failed.dry_run = settings_.dry_run;
  DropFormat format = DropFormat::kNdjson;
  if (settings_.format) {
    format = *settings_.format;
  } else if (!is_stdin) {
    auto by_name = FormatOf(path);
    if (!by_name.ok()) {
      failed.status = by_name.status();
      return failed;
    }
    format = *by_name;
  }
  gave_way_ = 0;
  // An alert's claim of node.db's write lock: this file rolls back, waits
  // until the alert is written, and is read again from its start (the
  // problems shown already are not shown again).
  const bool may_give_way = settings_.give_way != nullptr && !is_stdin;
  size_t shown = 0;
  const auto started = std::chrono::steady_clock::now();
  while (true) {
    std::ifstream file;
    uint64_t size = 0;
    if (!is_stdin) {
      std::error_code ec;
      const auto type = std::filesystem::status(path, ec).type();
      if (type != std::filesystem::file_type::regular) {
        // What it is (a trial read "no such file" for a directory and for
        // <(zcat export.csv.gz)): a file is read again from its start when
        // an urgent alert claims node.db; a stream comes once, on stdin.
        using std::filesystem::file_type;
        failed.status =
            type == file_type::not_found || type == file_type::none
                ? common::NotFound("cannot read " + path + ": " +
                                   (ec && ec != std::errc::no_such_file_or_directory
                                        ? ec.message()
                                        : "no such file"))
            : type == file_type::directory
                ? common::InvalidInput("cannot read " + path + ": it is a directory")
                : common::InvalidInput(
                      "cannot read " + path +
                      ": not a regular file (a pipe?); give a stream on standard input: "
                      "... | cen-node drop --data DIR --format csv -");
        return failed;
      }
      size = std::filesystem::file_size(path, ec);
      errno = 0;
      file.open(path, std::ios::binary);
      if (!file) {
        // The reason (Permission denied), as open(2) gave it.
        failed.status = common::NotFound(
            "cannot read " + path + (errno != 0 ? ": " + std::string(std::strerror(errno)) : ""));
        return failed;
      }
    }
    std::istream& in = is_stdin ? stdin_stream : file;
    std::unique_ptr<DropRecordReader> reader;
    if (format == DropFormat::kCsv) {
      reader = std::make_unique<CsvRecordReader>(in);
    } else {
      reader = std::make_unique<NdjsonRecordReader>(in);
    }
    bool gave_way = false;
    DropSummary summary =
        ImportOnce(*reader, failed.file, is_stdin ? "" : path + ".rejects.csv", err, progress, size,
                   may_give_way && gave_way_ < kMaxGiveWays, shown, gave_way);
    if (!gave_way) {
      // Its rate counts every reading of the file.
      if (gave_way_ > 0)
        summary.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      return summary;
    }
    gave_way_.fetch_add(1);
    shown = std::max(shown, summary.shown);
    err << common::Messages::Format(
               "{}: an urgent alert needs node.db: the file gave way at row {} and is read "
               "again from its start",
               failed.file, common::GroupedNumber(summary.rows))
        << std::endl;
    // The claimant writes one alert; should it hold on (a stuck process), the
    // file goes on after this and holds the lock to its end next time. A
    // stop ends the wait.
    const auto until = std::chrono::steady_clock::now() + kGiveWayWait;
    while (!settings_.give_way->WaitFree(std::chrono::milliseconds(50)) &&
           std::chrono::steady_clock::now() < until) {
      if (settings_.stop != nullptr && settings_.stop->load()) break;
    }
  }
}

DropSummary DropImporter::Import(DropRecordReader& reader, const std::string& name,
                                 const std::string& rejects_path, std::ostream& err,
                                 DropProgress* progress, uint64_t total_bytes) {
  bool gave_way = false;
  return ImportOnce(reader, name, rejects_path, err, progress, total_bytes, false, 0, gave_way);
}

DropSummary DropImporter::ImportOnce(DropRecordReader& reader, const std::string& name,
                                     const std::string& rejects_path, std::ostream& err,
                                     DropProgress* progress, uint64_t total_bytes,
                                     bool may_give_way, size_t skip_problems, bool& gave_way) {
  const auto started = std::chrono::steady_clock::now();
  DropSummary summary;
  summary.file = name;
  summary.dry_run = settings_.dry_run;
  size_t problems = 0;
  const auto report = [&](const DropIssue& issue) {
    if (problems >= skip_problems && problems < settings_.max_errors)
      err << issue.Text(name) << "\n";
    ++problems;
  };
  const auto finish = [&](common::Status status) {
    if (progress != nullptr) progress->Finish();
    if (problems > settings_.max_errors) {
      err << name << ": " << common::GroupedNumber(problems - settings_.max_errors)
          << " more problem(s) not shown\n";
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    summary.status = std::move(status);
    // Nothing committed is nothing new (a dry run says what would be).
    if (!summary.imported && !summary.dry_run)
      summary.added = summary.amended = summary.unchanged = 0;
    return summary;
  };

  std::vector<DropIssue> issues;
  if (!reader.Start(issues)) {
    // The first reason is the status (what --json and a drop folder's
    // FILE.errors keep, and cen-node prints last): not shown twice.
    for (size_t i = 1; i < issues.size(); ++i) report(issues[i]);
    const std::string why =
        issues.empty() ? name + ": no record can be read from it" : issues.front().Text(name);
    return finish(common::InvalidInput(why + "; nothing was imported"));
  }
  if (progress != nullptr) progress->Start(total_bytes);
  if (settings_.partial && rejects_path.empty() && !settings_.dry_run) {
    return finish(common::UsageError("--partial needs a file, not standard input"));
  }

  // One validator for the whole file: "today" is read once.
  const common::RecordValidator validator(common::KeyPolicy::kRefuseUnknown,
                                          common::Clock::TodayUtc());
  const bool keep_rejects = settings_.partial && !settings_.dry_run;
  Outbox outbox(db_);
  outbox.set_lower_handling(settings_.lower_handling);
  outbox.set_unstated_fields(reader.unstated_fields());
  if (common::Status begun = outbox.BeginQueue(); !begun.ok()) return finish(begun);
  std::ofstream rejects;
  std::string label;
  ValidatedRows rows(reader, validator, keep_rejects);
  std::vector<ValidatedRow> batch;
  while (rows.NextBatch(batch)) {
    for (ValidatedRow& row : batch) {
      ++summary.rows;
      // Valid rows are queued also after an invalid one in an all-or-nothing
      // file (which commits nothing): the queue's own checks (a ref given
      // twice) report their problems too.
      if (row.issues.empty()) {
        label = name + ":" + std::to_string(row.line);
        auto queued = outbox.Queue(*row.record, label);
        if (queued.ok()) {
          switch (queued->disposition) {
            case Outbox::Disposition::kNew:
              ++summary.added;
              break;
            case Outbox::Disposition::kAmended:
              ++summary.amended;
              break;
            case Outbox::Disposition::kUnchanged:
              ++summary.unchanged;
              break;
          }
        } else if (queued.status().code() == common::StatusCode::kInvalidInput) {
          row.issues.push_back(FromOutbox(queued.status().message(), label, row.line, reader));
        } else {
          outbox.AbortQueue();
          return finish(queued.status());
        }
      }
      if (row.issues.empty()) continue;
      ++summary.rejected;
      std::string reasons;
      for (const auto& issue : row.issues) {
        report(issue);
        if (!reasons.empty()) reasons += "; ";
        reasons += issue.field + ": " + issue.reason;
      }
      if (keep_rejects) {
        if (!rejects.is_open()) {
          errno = 0;
          rejects.open(rejects_path, std::ios::binary | std::ios::trunc);
          if (!rejects) {
            // Why, and that reading stopped there (a trial: "cannot write
            // FILE" beside "3 rows" of a 7-row file).
            const std::string why = errno != 0 ? std::strerror(errno) : "cannot be opened";
            outbox.AbortQueue();
            return finish(common::Internal("cannot write " + rejects_path + " (" + why +
                                           ") for line " + std::to_string(row.line) +
                                           ", the first row refused: reading stopped there"));
          }
          reader.WriteRejectHeader(rejects);
          summary.rejects_file = rejects_path;
        }
        rejects << row.reject_prefix;
        common::CsvWriter::WriteField(rejects, reasons);
        rejects << "\r\n";
      }
    }
    if (progress != nullptr) progress->Update(summary.rows, rows.bytes_read());
    if (settings_.stop != nullptr && settings_.stop->load()) {
      outbox.AbortQueue();
      return finish(common::Unavailable("stopped before its end; nothing was imported"));
    }
    if (may_give_way && settings_.give_way->OthersHold()) {
      outbox.AbortQueue();
      gave_way = true;
      if (progress != nullptr) progress->Finish();
      summary.shown = std::min(problems, settings_.max_errors);
      return summary;
    }
  }
  // A trial's export cut short inside its last cell: 31.87 kg stored as 31,
  // exit 0. Nothing in the bytes tells a cut cell from a whole one.
  if (const int64_t line = reader.unterminated_line(); line > 0 && rows.status().ok()) {
    summary.warnings.push_back(
        DropIssue::Of(line, 0, "(row)",
                      N_("warning: the file's last line has no line end; if the file was cut "
                         "short, its last value was cut too: check that row"))
            .Text(name));
    err << summary.warnings.back() << "\n";
  }
  if (common::Status read = rows.status(); !read.ok()) {
    outbox.AbortQueue();
    return finish(read);
  }

  if (summary.rejected > 0 && !settings_.partial) {
    outbox.AbortQueue();
    summary.added = summary.amended = summary.unchanged = 0;
    return finish(common::InvalidInput(common::GroupedNumber(summary.rejected) +
                                       " invalid row(s) in " + name + "; nothing was imported"));
  }
  if (settings_.dry_run) {
    outbox.AbortQueue();
    return finish(summary.rejected > 0
                      ? common::InvalidInput(common::GroupedNumber(summary.rejected) +
                                             " invalid row(s) in " + name)
                      : common::Status::Ok());
  }
  if (rejects.is_open()) {
    rejects.close();
    if (!rejects) return finish(common::Internal("cannot write " + rejects_path));
  }
  if (common::Status committed = outbox.CommitQueue(); !committed.ok()) return finish(committed);
  // With every row refused, nothing was (a trial's cron job read "imported":
  // true for a file of 1,219 refused rows).
  const int64_t valid = summary.added + summary.amended + summary.unchanged;
  summary.imported = valid > 0 || summary.rejected == 0;
  if (settings_.partial && summary.rejected == 0 && !rejects_path.empty()) {
    // An earlier run's refusals, all imported now: its list would mislead.
    std::error_code ec;
    std::filesystem::remove(rejects_path, ec);
  }
  if (summary.rejected > 0) {
    return finish(common::InvalidInput(std::to_string(summary.rejected) + " row(s) of " + name +
                                       " refused, written to " + rejects_path +
                                       (valid > 0 ? "; the other rows were imported"
                                                  : "; that is every row: nothing was imported")));
  }
  return finish(common::Status::Ok());
}

}  // namespace cen::node
