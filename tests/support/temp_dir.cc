#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace dynaflow::test {

TempDir::TempDir(std::string_view prefix, bool keep_if_test_failed)
    : keep_if_test_failed_(keep_if_test_failed) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (keep_if_test_failed_ && ::testing::Test::HasFailure()) {
    std::fprintf(stderr, "keeping %s for inspection\n", path_.c_str());
    return;
  }
  // Tests may leave unreadable files or directories behind: make everything removable first.
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, ec)) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
  }
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::File(std::string_view name) const { return path_ + "/" + std::string(name); }

std::string TempDir::Write(std::string_view name, std::string_view content, unsigned mode) const {
  const std::string p = File(name);
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) {
      std::perror(p.c_str());
      std::abort();
    }
  }
  if (::chmod(p.c_str(), mode) != 0) {
    std::perror("chmod");
    std::abort();
  }
  return p;
}

std::string TempDir::NewFile(std::string_view stem, std::string_view extension) {
  return File(std::string(stem) + std::to_string(files_++) + std::string(extension));
}

TempDir& BinaryTempDir() {
  static TempDir dir("dynaflow-test-binary");
  return dir;
}

}  // namespace dynaflow::test
