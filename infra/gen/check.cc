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

// The marker line in kQuotingDoc above the ```json block that quotes `path`.
std::string QuoteMarker(const std::string& path) {
  return "<!-- " + path + ", quoted by infra/gen/regenerate.sh -->\n```json\n";
}

// The [begin, end) of the text of the block quoting `path` in `readme`; nullopt without one.
std::optional<std::pair<size_t, size_t>> QuotedBlock(const std::string& readme,
                                                     const std::string& path) {
  const std::string marker = QuoteMarker(path);
  const size_t at = readme.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const size_t begin = at + marker.size();
  const size_t end = readme.find("```\n", begin);
  if (end == std::string::npos) return std::nullopt;
  return std::make_pair(begin, end);
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
  const std::string readme = ReadFile(root / kQuotingDoc).value_or("");
  for (const GeneratedFile& file : files) {
    if (!file.quoted_in_docs) continue;
    const auto block = QuotedBlock(readme, file.path);
    if (!block) {
      problems.push_back(std::string(kQuotingDoc) + ": no block quoting " + file.path +
                         " (a line '" +
                         QuoteMarker(file.path).substr(0, QuoteMarker(file.path).find('\n')) +
                         "' and a ```json block)");
    } else if (readme.substr(block->first, block->second - block->first) != file.text) {
      problems.push_back(
          std::string(kQuotingDoc) + ": the block quoting " + file.path + " differs from it, " +
          FirstDifference(readme.substr(block->first, block->second - block->first), file.text));
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
  // kQuotingDoc's quotes: the block after each file's marker becomes the file's text.
  std::optional<std::string> readme = ReadFile(root / kQuotingDoc);
  if (!readme) return problems;
  const std::string before = *readme;
  for (const GeneratedFile& file : files) {
    if (!file.quoted_in_docs) continue;
    const auto block = QuotedBlock(*readme, file.path);
    if (!block) {
      problems.push_back(std::string(kQuotingDoc) + ": no block quoting " + file.path +
                         " to update");
      continue;
    }
    readme->replace(block->first, block->second - block->first, file.text);
  }
  if (*readme != before) {
    std::ofstream out(root / kQuotingDoc, std::ios::binary | std::ios::trunc);
    out << *readme;
    if (!out) problems.push_back(std::string(kQuotingDoc) + ": cannot write");
  }
  return problems;
}

}  // namespace dynaflow::infra
