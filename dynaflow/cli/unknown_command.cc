#include "dynaflow/cli/unknown_command.h"

#include <algorithm>

namespace dynaflow::cli {

namespace {

// The option `name` ("--x", "-x") of `app` or of an app it falls through to; null if none.
const CLI::Option* FindOption(CLI::App* app, const std::string& name) {
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* o : a->get_options()) {
      if (o->check_name(name)) return o;
    }
  }
  return nullptr;
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string UnknownCommandMessage(CLI::App& root, const std::vector<std::string>& args) {
  CLI::App* app = &root;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") return "";
    if (arg.size() > 1 && arg[0] == '-') {
      if (arg.find('=') != std::string::npos) continue;
      const CLI::Option* o = FindOption(app, arg);
      if (o != nullptr && o->get_type_size_min() > 0 && o->get_expected_min() > 0) ++i;
      continue;
    }
    const auto subcommands = app->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty()) return "";  // a positional argument of a leaf command
    CLI::App* next = nullptr;
    for (CLI::App* s : subcommands) {
      if (s->check_name(arg)) next = s;
    }
    if (next != nullptr) {
      app = next;
      continue;
    }
    std::string closest, names;
    size_t best = std::string::npos;
    for (CLI::App* s : subcommands) {
      const size_t d = EditDistance(arg, s->get_name());
      if (d < best) best = d, closest = s->get_name();
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    std::string path = "dynaflow";
    std::vector<std::string> chain;
    for (CLI::App* a = app; a != &root; a = a->get_parent()) chain.push_back(a->get_name());
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) path += " " + *it;
    return "unknown command \"" + arg + "\" for \"" + path + "\" (did you mean \"" + closest +
           "\"?); its commands: " + names;
  }
  return "";
}

}  // namespace dynaflow::cli
