// Drift checks of the generated files against what the generator would write.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "infra/gen/generated_files.h"

namespace dynaflow::infra {

// The document (relative to the repository root) that quotes the files marked quoted_in_docs.
inline constexpr const char* kQuotingDoc = "docs/deployment-and-iam.md";

// The problems of the committed files under repository `root`: a file missing, differing from
// `files` (naming the first differing line) or not executable when it should be; kQuotingDoc not
// quoting a file marked quoted_in_docs verbatim: the ```json block after the line
// "<!-- <path>, quoted by infra/gen/regenerate.sh -->". Empty: all agree.
std::vector<std::string> CheckFiles(const std::filesystem::path& root,
                                    const std::vector<GeneratedFile>& files);

// Writes `files` under `root` (folders created, executables made executable) and updates the
// kQuotingDoc blocks quoting them. Returns the problems (files that could not be written, quote
// markers missing from kQuotingDoc); empty on success.
std::vector<std::string> WriteFiles(const std::filesystem::path& root,
                                    const std::vector<GeneratedFile>& files);

}  // namespace dynaflow::infra
