// CURVE key pairs and their files. A key directory holds `curve.pub` (the
// public key, Z85 text) and `curve.sec` (the secret key, Z85 text, mode 0600,
// owned by the user that runs the daemon).
//
//   auto keys = CurveKeys::Generate();
//   CEN_RETURN_IF_ERROR(keys->Save(dir));
//   auto loaded = CurveKeys::Load(dir);  // refuses a secret file others can read
//
// Thread-safe (immutable values).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace cen::common {

class CurveKeys {
 public:
  static Result<CurveKeys> Generate();
  // Writes curve.pub and curve.sec (0600) in `dir`; refuses to overwrite.
  Status Save(const std::string& dir) const;
  // Key rotation: renames curve.sec and curve.pub in `dir` to curve.sec.old
  // and curve.pub.old, then writes a new pair; refused (kAlreadyExists) while an
  // earlier rotation's .old pair is there. The current pair must load
  // (Load's checks). Returns the new keys.
  static Result<CurveKeys> Rotate(const std::string& dir);
  // Reads both files; fails with kPermission when curve.sec is readable by
  // group or others or owned by another user, saying how to fix it.
  static Result<CurveKeys> Load(const std::string& dir);
  // A public key given on a command line: 40 characters of Z85, or the path of
  // a file holding them.
  static Result<std::string> ParsePublicKey(std::string_view text_or_path);
  static bool IsZ85Key(std::string_view text);

  const std::string& public_key() const { return public_; }
  const std::string& secret_key() const { return secret_; }

 private:
  CurveKeys(std::string pub, std::string sec) : public_(std::move(pub)), secret_(std::move(sec)) {}
  std::string public_;
  std::string secret_;
};

}  // namespace cen::common
