// dynaflow_infra_gen: renders the table-as-code files of infra/ from the table layout of the code
// (dynaflow/store/table/seed_layout.h) and checks the committed ones.
//
//   dynaflow_infra_gen --list          the generated files, one path per line
//   dynaflow_infra_gen --print PATH    one generated file (PATH as --list prints it)
//   dynaflow_infra_gen --write ROOT    (re)writes every generated file under repository ROOT
//   dynaflow_infra_gen --check ROOT    compares the files under ROOT (and the quotes of the IAM
//                                      policies in docs/deployment-and-iam.md) with what --write
//                                      would write
//   dynaflow_infra_gen --layout-json   the layout as JSON (read by the tests in tests/infra/)
//
// Exit status: 0 = done (--check: everything agrees); 1 = --check found differences (listed on
// stderr) or --write failed; 2 = bad usage.
#include <cstdio>
#include <iostream>
#include <string>

#include "infra/gen/check.h"
#include "infra/gen/generated_files.h"
#include "infra/gen/render.h"

namespace {

using dynaflow::infra::GeneratedFiles;

int Usage() {
  std::cerr << "usage: dynaflow_infra_gen --list | --print PATH | --write ROOT | --check ROOT | "
               "--layout-json\n";
  return 2;
}

int Report(const std::vector<std::string>& problems, const char* what) {
  for (const std::string& p : problems) std::cerr << "dynaflow_infra_gen: " << p << "\n";
  if (problems.empty()) return 0;
  std::cerr << "dynaflow_infra_gen: " << problems.size() << " " << what
            << "; regenerate with infra/gen/regenerate.sh (and commit the result)\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const auto files = GeneratedFiles(dynaflow::infra::CodeLayout());
  if (argc == 2 && mode == "--list") {
    for (const auto& f : files) std::cout << f.path << "\n";
    return 0;
  }
  if (argc == 2 && mode == "--layout-json") {
    std::cout << dynaflow::infra::RenderLayoutJson(dynaflow::infra::CodeLayout());
    return 0;
  }
  if (argc != 3) return Usage();
  const std::string arg = argv[2];
  if (mode == "--print") {
    for (const auto& f : files) {
      if (f.path == arg) {
        std::cout << f.text;
        return 0;
      }
    }
    std::cerr << "dynaflow_infra_gen: " << arg << " is not a generated file (see --list)\n";
    return 2;
  }
  if (mode == "--write") {
    int rc = Report(dynaflow::infra::WriteFiles(arg, files), "files not written");
    if (rc == 0) std::cerr << "dynaflow_infra_gen: wrote " << files.size() << " files\n";
    return rc;
  }
  if (mode == "--check") {
    int rc = Report(dynaflow::infra::CheckFiles(arg, files), "differences");
    if (rc == 0) {
      std::cout << "dynaflow_infra_gen: " << files.size()
                << " generated files and the docs' quotes agree with the code\n";
    }
    return rc;
  }
  return Usage();
}
