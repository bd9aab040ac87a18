// Which AWS region to use, found where the AWS SDKs and CLI look for it:
//   1. the region configured explicitly (dynaflow: aws-region in [store]);
//   2. the AWS_REGION environment variable, then AWS_DEFAULT_REGION;
//   3. `region` of the selected profile (configured profile, else AWS_PROFILE, else "default")
//      in the shared files (~/.aws/config; ~/.aws/credentials is consulted too and wins).
// Pure apart from reading the shared files (only when 1 and 2 are empty). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"

namespace dynaflow::dynamodb {

struct RegionOptions {
  // The explicitly configured region; empty: none.
  std::string configured;
  // How place 1 is described in the error for a missing region.
  std::string configured_hint = "the region option of the client configuration";
  // The profile whose `region` is place 3; empty: AWS_PROFILE, then "default".
  std::string profile;
  // Environment lookup (also for the file locations); null: GetEnv.
  EnvLookup env;
};

struct ResolvedRegion {
  std::string region;  // e.g. "eu-central-1"
  // Where it came from: "configuration", "AWS_REGION", "AWS_DEFAULT_REGION" or
  // "profile \"x\" (<file>:<line>)".
  std::string source;
};

// Returns the region, or kInvalidArgument:
//  - when none is found: "no AWS region configured; set one of: <configured_hint>; the
//    AWS_REGION or AWS_DEFAULT_REGION environment variable; `region` in profile "<p>" of
//    <config file>";
//  - when the value found is not a region name (see IsValidRegionName), naming its source;
//  - when a shared file is malformed ("<file>:<line>: ...").
Result<ResolvedRegion> ResolveRegion(const RegionOptions& options);

// 1..64 characters of lowercase ASCII letters, digits and '-', starting with a letter (e.g.
// "us-east-1"; emulators accept names such as "local" too).
bool IsValidRegionName(std::string_view region);

}  // namespace dynaflow::dynamodb
