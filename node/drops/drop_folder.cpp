#include "node/drops/drop_folder.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/clock.h"
#include "common/write_behind.h"
#include "node/drops/drop_importer.h"

namespace cen::node {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxEntries = 10000;       // names read per poll
constexpr size_t kMaxErrorLines = 1000;  // lines written to FILE.errors

// A name the hand-over rule leaves alone: hidden, temporary, or the folder's
// own subfolders.
bool IsPassedOverName(const std::string& name) {
  if (name.empty() || name.front() == '.' || name == "done" || name == "failed") return true;
  // In any letter case, as extensions are read (a trial's writer used
  // .PART), and the leftovers of editors and browsers.
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* end : {".tmp", ".part", ".crdownload", "~"})
    if (lower.ends_with(end)) return true;
  return false;
}

bool IsCandidate(const fs::directory_entry& entry) {
  if (IsPassedOverName(entry.path().filename().string())) return false;
  std::error_code ec;
  return !entry.is_symlink(ec) && entry.is_regular_file(ec);
}

using Stamp = DropFolder::Stamp;

std::optional<Stamp> StampOf(const fs::path& path) {
  std::error_code ec;
  Stamp stamp{fs::file_size(path, ec), {}};
  if (ec) return std::nullopt;
  stamp.written = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  return stamp;
}

// Whether another process holds `path` open for writing: the kernel refuses
// a read lease then (fcntl F_SETLEASE, EAGAIN), however long the writer has
// paused. Not known (false) where a lease is not allowed (a file of another
// owner without CAP_LEASE, a network file system): the timing rule decides
// alone. A lease held is given back at once; a writer opening the file in
// between breaks it with SIGWINCH (ignored), not SIGIO (which would end the
// agent).
bool OpenForWriting(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  bool writing = false;
  if (::fcntl(fd, F_SETSIG, SIGWINCH) == 0) {
    if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
      ::fcntl(fd, F_SETLEASE, F_UNLCK);
    } else {
      writing = errno == EAGAIN;
    }
  }
  ::close(fd);
  return writing;
}

// `dir`/`name`, or, when that is taken, `dir`/STEM.<time>.EXT: the time
// without colons, the extension kept (a trial's failed/x.csv.<time> could
// not be dropped again without a rename).
fs::path FreeTarget(const fs::path& dir, const std::string& name) {
  fs::path target = dir / name;
  std::error_code ec;
  if (!fs::exists(target, ec)) return target;
  std::string stamp = common::Clock::NowRfc3339();
  for (char& c : stamp)
    if (c == ':') c = '-';
  const fs::path path(name);
  return dir / (path.stem().string() + "." + stamp + path.extension().string());
}

}  // namespace

common::Status DropFolder::Prepare() {
  std::error_code ec;
  for (const fs::path& p : {fs::path(dir_), fs::path(dir_) / "done", fs::path(dir_) / "failed"}) {
    fs::create_directories(p, ec);
    // Which one (a trial read "the drop folder …/done: Not a directory" of
    // a file named done in it).
    if (ec)
      return common::Internal((p == fs::path(dir_) ? "cannot create the drop folder "
                                                   : "cannot create the drop folder's subfolder ") +
                              p.string() + ": " + ec.message() +
                              (ec == std::errc::not_a_directory || ec == std::errc::file_exists
                                   ? " (a file has that name: move it away)"
                                   : ""));
  }
  return common::Status::Ok();
}

common::Result<bool> DropFolder::PollOnce() {
  const auto now = common::StoreHealth::Clock::now();
  if (!health_.MayTry(now)) return false;
  // The folder and its subfolders, made again when removed.
  if (common::Status made = Prepare(); !made.ok()) {
    health_.Failed(made, now);
    return false;
  }
  std::error_code ec;
  std::optional<fs::path> first;
  int seen = 0;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end && seen < kMaxEntries;
       it.increment(ec), ++seen) {
    if (IsCandidate(*it)) {
      if (!first || it->path().filename() < first->filename()) first = it->path();
    } else if (const std::string name = it->path().filename().string();
               !IsPassedOverName(name) && passed_said_.insert(name).second) {
      std::error_code type_ec;
      spdlog::warn(
          "drop folder: {} is {}: left alone (the folder imports regular files; a link's target "
          "may still be being written)",
          name, it->is_symlink(type_ec) ? "a symbolic link" : "not a regular file");
    }
  }
  if (ec) return common::Unavailable("cannot read the drop folder " + dir_ + ": " + ec.message());
  if (!first) {
    health_.Succeeded();  // what was held back is gone
    return false;
  }
  // The first by name waits until it is still: written to longer ago than
  // settle_, or seen unchanged for that long (a time stamp in the future,
  // from a clock ahead of this one). Later names wait behind it: they may
  // amend what it holds.
  const std::string name = first->filename().string();
  const std::optional<Stamp> stamp = StampOf(*first);
  if (!stamp) return false;
  const bool same = name == watched_ && stamp == watched_stamp_;
  if (!same) {
    watched_ = name;
    watched_stamp_ = *stamp;
    watched_since_ = now;
  }
  if (stamp->written > fs::file_time_type::clock::now() - settle_ &&
      !(same && now - watched_since_ >= settle_))
    return false;
  // Copied straight into the folder by a writer that pauses: still open.
  if (OpenForWriting(*first)) {
    if (open_said_ != name) {
      spdlog::info(
          "drop folder: {} is still open for writing; waiting (copy into a hidden name, then "
          "rename it into the folder)",
          name);
    }
    open_said_ = name;
    return false;
  }
  open_said_.clear();
  // Not the file's fault: it waits where it is, tried again with back-off.
  const auto held_back = [&](const common::Status& status) {
    health_.Failed(common::Status(status.code(), name + ": " + status.message()), now);
    return false;
  };

  spdlog::info("drop folder: importing {} ({} bytes)", name, stamp->size);
  std::ostringstream errors;
  DropSummary summary;
  summary.file = first->string();
  if (!DropImporter::FormatOf(name).ok()) {
    // The name tells the format (the folder has no --format).
    summary.status = common::UsageError(
        name +
        ": cannot tell the format from the name; rename it to .csv or .ndjson and drop it "
        "again");
  } else {
    std::istringstream no_stdin;
    DropSettings settings;
    settings.max_errors = kMaxErrorLines;
    settings.give_way = give_way_;
    settings.stop = stop_;
    DropImporter importer(db_, settings);
    // done/ means durable; the connection's own settings come back after.
    CEN_RETURN_IF_ERROR(db_->Exec("PRAGMA synchronous=FULL"));
    CEN_RETURN_IF_ERROR(db_->Exec(DropImporter::kCachePragma));
    {
      // The file is one transaction: its log goes out as it is written.
      const auto behind = common::WriteBehind::ForDatabase(db_->path());
      summary = importer.ImportFile(first->string(), no_stdin, errors);
    }
    CEN_RETURN_IF_ERROR(db_->Exec("PRAGMA synchronous=NORMAL"));
    CEN_RETURN_IF_ERROR(db_->Exec("PRAGMA cache_size=-2000"));  // SQLite's default
    if (importer.gave_way() > 0) {
      spdlog::info("drop folder: {} gave way {} time(s) to an urgent alert and was read again",
                   name, importer.gave_way());
    }
  }
  // Stopped (the agent ends): the file stays for the next run.
  if (!summary.status.ok() && stop_ != nullptr && stop_->load()) {
    spdlog::info(
        "drop folder: {}: stopped before its end; nothing of it is kept, it is imported again "
        "on the next run",
        name);
    return false;
  }
  const common::StatusCode code = summary.status.code();
  const bool file_at_fault = code == common::StatusCode::kInvalidInput ||
                             code == common::StatusCode::kUsage ||
                             code == common::StatusCode::kNotFound;
  if (!summary.status.ok() && !file_at_fault) return held_back(summary.status);
  const std::optional<Stamp> after = StampOf(*first);
  if (!after) {
    // Removed while it was read (a trial: an operator deleting a wrong file
    // to stop it read "imported again once it is still", of a file that was
    // in and gone). What it held as read is what stands.
    spdlog::warn(
        "drop folder: {} was removed while it was imported; what it held as read stands ({}): "
        "stop the agent first to keep a file out",
        name,
        summary.status.ok()
            ? std::to_string(summary.added) + " new, " + std::to_string(summary.amended) +
                  " amended, " + std::to_string(summary.unchanged) + " unchanged"
            : "nothing imported: " + summary.status.message());
    return true;
  }
  if (after != stamp || OpenForWriting(*first)) {
    // Written to while it was read: what it held is in (or was refused),
    // the rest comes with the next look, once it has been still.
    spdlog::warn(
        "drop folder: {} changed while it was imported; imported again once it is still "
        "(copy into a hidden name, then rename it into the folder)",
        name);
    return false;
  }

  const fs::path folder = summary.status.ok() ? fs::path(dir_) / "done" : fs::path(dir_) / "failed";
  const fs::path target = FreeTarget(folder, name);
  if (!summary.status.ok()) {
    // Every line names the file where it now is, failed/NAME, to open beside it.
    auto moved = [&](std::string text) {
      const std::string from = first->string();
      for (size_t at = text.find(from); at != std::string::npos;
           at = text.find(from, at + target.string().size()))
        text.replace(at, from.size(), target.string());
      return text;
    };
    summary.file = target.string();
    std::ofstream report(target.string() + ".errors", std::ios::trunc);
    report << moved(errors.str()) << moved(summary.status.message()) << "\n"
           << summary.Line() << "\n";
    if (!report) return held_back(common::Internal("cannot write " + target.string() + ".errors"));
  }
  fs::rename(*first, target, ec);
  if (ec)
    return held_back(
        common::Internal("cannot move it to " + target.string() + ": " + ec.message()));
  health_.Succeeded();
  if (summary.status.ok()) {
    spdlog::info("drop folder: {}", summary.Line());
    for (const std::string& warning : summary.warnings) spdlog::warn("drop folder: {}", warning);
  } else {
    spdlog::warn("drop folder: {}: {}; see {}.errors", name, summary.status.message(),
                 target.string());
  }
  return true;
}

}  // namespace cen::node
