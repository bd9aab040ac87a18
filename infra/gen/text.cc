#include "infra/gen/text.h"

#include <cstdio>
#include <cstdlib>
#include <set>

namespace dynaflow::infra {

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

std::string Fill(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  std::set<std::string> used;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('@', pos);
    const size_t close = open == std::string::npos ? open : text.find('@', open + 1);
    if (close == std::string::npos) {
      out += text.substr(pos);
      break;
    }
    const std::string name = text.substr(open + 1, close - open - 1);
    const bool placeholder =
        !name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos;
    if (!placeholder) {  // a literal '@' (e.g. in a tag character class)
      out += text.substr(pos, open + 1 - pos);
      pos = open + 1;
      continue;
    }
    auto it = values.find(name);
    if (it == values.end()) {
      std::fprintf(stderr, "dynaflow_infra_gen: no value for placeholder @%s@\n", name.c_str());
      std::abort();
    }
    out += text.substr(pos, open - pos) + it->second;
    used.insert(name);
    pos = close + 1;
  }
  for (const auto& [name, value] : values) {
    if (!used.count(name)) {
      std::fprintf(stderr, "dynaflow_infra_gen: unused value for @%s@\n", name.c_str());
      std::abort();
    }
  }
  return out;
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace dynaflow::infra
