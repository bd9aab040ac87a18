// The files infra/gen generates, with their paths relative to the repository root.
#pragma once

#include <string>
#include <vector>

#include "infra/gen/layout.h"

namespace dynaflow::infra {

struct GeneratedFile {
  std::string path;  // relative to the repository root, e.g. "infra/aws/create-table.sh"
  std::string text;
  bool executable = false;
  bool quoted_in_docs = false;  // kQuotingDoc quotes it verbatim (the IAM policies)
};

// Every generated file of `layout`, in a fixed order.
std::vector<GeneratedFile> GeneratedFiles(const TableLayout& layout);

}  // namespace dynaflow::infra
