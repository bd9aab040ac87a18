// credential_process: credentials printed by an external command (profile setting).
//
// The command runs through "/bin/sh -c <command>" with stdin from /dev/null, stdout captured and
// stderr inherited (so prompts and diagnostics reach the user; dynaflow itself never repeats
// them). Its stdout must be the JSON document
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "2024-01-01T00:00:00Z"}
// (SessionToken and Expiration optional; without Expiration the credentials never expire).
//
// Errors never quote the command line (it may carry a secret) or the output; they name
// `description` (e.g. `profile "dev" (/home/u/.aws/config:12)`):
//   kInvalidArgument  the command exited non-zero or was killed by a signal; the output is not
//                     the document above (wrong Version, missing keys, bad JSON); it returned
//                     credentials that have already expired
//   kTimeout          it ran longer than `timeout` (then it is killed with everything it
//                     started: the command runs in a process group of its own)
//   kLimitExceeded    it printed more than `max_output_bytes`
//   kInternal         the process could not be started
//
// Thread-safety: GetCredentials may be called concurrently (each call runs the command).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"

namespace dynaflow::dynamodb {

struct ProcessCredentialsOptions {
  // Wall time the command may take (real time, measured with the steady clock).
  std::chrono::milliseconds timeout{60000};
  // Largest accepted stdout.
  size_t max_output_bytes = 64 * 1024;
  // For the "already expired" check. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
};

// Runs `command` once and parses its output. See the error list above.
Result<Credentials> RunCredentialProcess(const std::string& command, const std::string& description,
                                         const ProcessCredentialsOptions& options);

class ProcessCredentialsProvider final : public CredentialsProvider {
 public:
  ProcessCredentialsProvider(std::string command, std::string description,
                             ProcessCredentialsOptions options = {});
  Result<Credentials> GetCredentials() override;
  std::string Name() const override { return "credential_process of " + description_; }

 private:
  const std::string command_;
  const std::string description_;
  const ProcessCredentialsOptions options_;
};

}  // namespace dynaflow::dynamodb
