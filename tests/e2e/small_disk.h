// A data directory moved onto a small tmpfs, to fill it to the last byte
// and free it again while a daemon writes there. Needs root for mount(2);
// mounted() says whether it could.
//
//   SmallDisk disk(cluster.node_dir("TIGHT"), 48);  // before the daemon starts
//   if (!disk.mounted()) { WARN("..."); return; }
//   disk.Fill();  ...  disk.Free();
#pragma once

#include <filesystem>

namespace cen::e2e {

class SmallDisk {
 public:
  // Moves `dir` (and what it holds) onto a tmpfs of `megabytes`; undone when
  // destroyed (lazily: the daemons may still hold files there).
  SmallDisk(std::filesystem::path dir, int megabytes);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  // Writes a file until the disk refuses another byte; again, it takes what
  // was freed since.
  void Fill();
  // Removes that file.
  void Free();

 private:
  std::filesystem::path dir_;
  std::filesystem::path disk_;
  bool mounted_ = false;
};

}  // namespace cen::e2e
