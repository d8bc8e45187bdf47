#include "common/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cen::common {
namespace {

Result<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read key file " + path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (!CurveKeys::IsZ85Key(line)) return Corruption(path + ": not a 40-character Z85 key");
  return line;
}

Status WriteKeyFile(const std::string& path, const std::string& key, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) {
    if (errno == EEXIST) return AlreadyExists(path + " already exists");
    return Internal("cannot create " + path + ": " + std::strerror(errno));
  }
  const std::string text = key + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Internal("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

bool CurveKeys::IsZ85Key(std::string_view text) {
  if (text.size() != 40) return false;
  uint8_t raw[32];
  const std::string copy(text);
  return zmq_z85_decode(raw, copy.c_str()) != nullptr;
}

Result<CurveKeys> CurveKeys::Generate() {
  char pub[41];
  char sec[41];
  if (zmq_curve_keypair(pub, sec) != 0)
    return Internal("libzmq was built without CURVE support: " + std::string(zmq_strerror(errno)));
  return CurveKeys(pub, sec);
}

Status CurveKeys::Save(const std::string& dir) const {
  CEN_RETURN_IF_ERROR(WriteKeyFile(dir + "/curve.sec", secret_, 0600));
  return WriteKeyFile(dir + "/curve.pub", public_, 0644);
}

Result<CurveKeys> CurveKeys::Load(const std::string& dir) {
  const std::string sec_path = dir + "/curve.sec";
  struct stat st {};
  if (::stat(sec_path.c_str(), &st) != 0) return NotFound("no secret key at " + sec_path);
  if ((st.st_mode & 077) != 0) {
    std::ostringstream msg;
    msg << sec_path << " is readable by others (mode " << std::oct << (st.st_mode & 0777)
        << "); run: chmod 600 " << sec_path;
    return PermissionDenied(msg.str());
  }
  if (st.st_uid != ::geteuid())
    return PermissionDenied(sec_path + " belongs to another user; run: chown $(id -u) " + sec_path);
  auto sec = ReadKeyFile(sec_path);
  if (!sec.ok()) return sec.status();
  auto pub = ReadKeyFile(dir + "/curve.pub");
  if (!pub.ok()) return pub.status();
  return CurveKeys(*pub, *sec);
}

Result<CurveKeys> CurveKeys::Rotate(const std::string& dir) {
  auto current = Load(dir);
  if (!current.ok()) return current.status();
  // The pair an earlier rotation kept may be the one still in use (the
  // daemon loads its key at start): never overwritten.
  std::error_code ec;
  bool kept = false;
  for (const char* name : {"/curve.sec.old", "/curve.pub.old"}) {
    kept = kept || std::filesystem::exists(dir + name, ec);
    // A path that cannot be looked at may hold that pair: never overwritten.
    if (ec) return Internal("cannot tell whether " + dir + name + " exists: " + ec.message());
  }
  if (kept) {
    return AlreadyExists(dir +
                         "/curve.sec.old holds the key pair of an earlier rotation, which may "
                         "still be in use; once the new key is in use everywhere, remove "
                         "curve.sec.old and curve.pub.old, then rotate again");
  }
  auto fresh = Generate();
  if (!fresh.ok()) return fresh.status();
  for (const char* name : {"/curve.sec", "/curve.pub"}) {
    std::filesystem::rename(dir + name, dir + name + ".old", ec);
    if (ec) return Internal("cannot rename " + dir + name + ": " + ec.message());
  }
  const Status saved = fresh->Save(dir);
  if (!saved.ok()) {  // put the old pair back: a directory without keys serves nobody
    for (const char* name : {"/curve.sec", "/curve.pub"}) {
      std::filesystem::remove(dir + name, ec);
      std::filesystem::rename(dir + name + ".old", dir + name, ec);
    }
    return saved;
  }
  return fresh;
}

Result<std::string> CurveKeys::ParsePublicKey(std::string_view text_or_path) {
  const std::string path(text_or_path);
  if (std::filesystem::path(path).filename() == "curve.sec")
    return InvalidInput("key: " + path + " is a secret key; give the public key (curve.pub)");
  // A file first: a path of 40 characters of the Z85 alphabet ('/' and '.'
  // are in it) reads as a key too (a trial's
  // /tmp/trialB/work/repro/k40/hub/curve.pub went into node.toml as a key).
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return ReadKeyFile(path);
  if (IsZ85Key(text_or_path)) return path;
  return InvalidInput("key: '" + path +
                      "' is neither a 40-character Z85 public key nor a readable key file" +
                      (ec ? " (" + ec.message() + ")" : std::string()));
}

}  // namespace cen::common
