// TempDir: one scratch directory per test environment (databases, configs, logs, the simulator's
// throwaway CA). Removed on destruction unless keep() was called, so a failed run can be inspected.
#pragma once

#include <filesystem>
#include <string_view>

namespace it {

class TempDir {
 public:
  // Creates a fresh directory "<prefix>XXXXXX" under $TMPDIR (or /tmp). Throws on failure.
  explicit TempDir(std::string_view prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Leave the directory on disk when this object dies (the test failed: keep the evidence).
  void keep() { keep_ = true; }
  bool kept() const { return keep_; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace it
