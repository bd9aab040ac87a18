// TempDir: a fresh directory for one test (or one test binary), removed with its content at
// destruction. Thread-safety: one TempDir is for one thread; distinct ones are independent.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace dynaflow::test {

class TempDir {
 public:
  // Creates "<system temp dir>/<prefix>-XXXXXX" (mkdtemp; the system temp dir is $TMPDIR or
  // /tmp). Aborts the test binary when that fails (no test could run meaningfully).
  // `keep_if_test_failed`: the destructor keeps the directory (and prints its path to stderr)
  // when the current test has failed, for inspection.
  explicit TempDir(std::string_view prefix = "dynaflow-test", bool keep_if_test_failed = false);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(std::string_view name) const;
  // Writes `content` to File(name) (creating its parent directories) with permissions `mode`
  // and returns that path. Aborts the test binary on failure.
  std::string Write(std::string_view name, std::string_view content, unsigned mode = 0600) const;
  // A path for a new file (not created): File("<stem><n><extension>") with n = 0, 1, 2, ...
  // counting the calls on this object. Thread-safe.
  std::string NewFile(std::string_view stem, std::string_view extension = "");

 private:
  std::string path_;
  bool keep_if_test_failed_;
  std::atomic<int> files_{0};
};

// One directory for the whole test binary: created on first use, removed at exit.
TempDir& BinaryTempDir();

}  // namespace dynaflow::test
