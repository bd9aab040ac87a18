// The `dynaflow` command: operators query, drive and provision without writing C++.
//
//   dynaflow [--config FILE] [--store.<key>=V ...] [-o table|json|jsonl] COMMAND ...
//     runs list | show | count | cancel | retry | start
//     table create | verify | describe
//
// Configuration as for workers (dynaflow/config/config.h): --config, DYNAFLOW_CONFIG, the
// DYNAFLOW_* variables and the --store.* flags. Data goes to stdout, messages to stderr.
// Exit codes: 0 success; 1 failure or not found; 2 usage or configuration error
// (dynaflow/cli/context.h).
#pragma once

#include <cstdio>

namespace dynaflow::cli {

// Parses argv, runs the command and returns the exit code.
int Main(int argc, char** argv, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace dynaflow::cli
