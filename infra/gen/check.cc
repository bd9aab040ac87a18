#include "infra/gen/check.h"

#include <fstream>
#include <optional>
#include <sstream>

namespace dynaflow::infra {
namespace fs = std::filesystem;
namespace {

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// "line N: committed '...', generated '...'" for the first line that differs.
std::string FirstDifference(const std::string& committed, const std::string& generated) {
  const std::vector<std::string> a = Lines(committed), b = Lines(generated);
  for (size_t i = 0; i < a.size() || i < b.size(); ++i) {
    const std::string x = i < a.size() ? "'" + a[i] + "'" : "end of file";
    const std::string y = i < b.size() ? "'" + b[i] + "'" : "end of file";
    if (x != y) return "line " + std::to_string(i + 1) + ": committed " + x + ", generated " + y;
  }
  return "the line endings differ";
}

bool IsExecutable(const fs::path& path) {
  std::error_code ec;
  return (fs::status(path, ec).permissions() & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::vector<std::string> CheckFiles(const fs::path& root, const std::vector<GeneratedFile>& files) {
  std::vector<std::string> problems;
  for (const GeneratedFile& file : files) {
    const std::optional<std::string> committed = ReadFile(root / file.path);
    if (!committed) {
      problems.push_back(file.path + ": missing");
    } else if (*committed != file.text) {
      problems.push_back(file.path + ": differs from the generator's output, " +
                         FirstDifference(*committed, file.text));
    } else if (file.executable && !IsExecutable(root / file.path)) {
      problems.push_back(file.path + ": not executable");
    }
  }
  const std::optional<std::string> readme = ReadFile(root / "README.md");
  for (const std::string& quoted : ReadmeQuotedFiles()) {
    for (const GeneratedFile& file : files) {
      if (file.path != quoted) continue;
      const std::string block = "```json\n" + file.text + "```\n";
      if (!readme || readme->find(block) == std::string::npos) {
        problems.push_back("README.md: does not quote " + quoted +
                           " verbatim (a ```json block holding exactly the file)");
      }
    }
  }
  return problems;
}

std::vector<std::string> WriteFiles(const fs::path& root, const std::vector<GeneratedFile>& files) {
  std::vector<std::string> problems;
  for (const GeneratedFile& file : files) {
    const fs::path path = root / file.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file.text;
    out.close();
    if (!out) {
      problems.push_back(file.path + ": cannot write");
      continue;
    }
    if (file.executable) {
      fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add, ec);
      if (ec) problems.push_back(file.path + ": cannot make executable: " + ec.message());
    }
  }
  return problems;
}

}  // namespace dynaflow::infra
