// The usage error of a mistyped command word: "unknown command "lsit" for "dynaflow runs" (did you
// mean "list"?)". Thread-safety: functions only.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dynaflow::cli {

// The edit distance (insertions, deletions, substitutions) of `a` and `b`.
size_t EditDistance(std::string_view a, std::string_view b);

// Walks `args` (argv without the program) through the command tree of `root` the way the parser
// does (skipping options and their values) and returns the message for the first word that is
// not a subcommand where one is expected: it names the word, the command it was given to, the
// closest subcommand and all of them. "" when every command word is known.
std::string UnknownCommandMessage(CLI::App& root, const std::vector<std::string>& args);

}  // namespace dynaflow::cli
