// The full credential chain, as the AWS SDKs search it:
//   1. explicit keys (configuration)                     StaticCredentialsProvider
//   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//                                                         EnvironmentCredentialsProvider
//   3. AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN         WebIdentityCredentialsProvider
//   4. shared files, profile AWS_PROFILE or "default"     ProfileCredentialsProvider
//   5. AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI ContainerCredentialsProvider
//   6. EC2 instance metadata, IMDSv2                      ImdsCredentialsProvider
// The first source that yields credentials wins. A source that is absent (kNotFound) passes
// to the next; a source that is present but broken stops the chain with its error, so a
// misconfiguration is reported rather than silently skipped (ChainCredentialsProvider).
// Explicit configuration is authoritative: with explicit keys the chain is link 1 alone; with
// an explicitly configured profile it is that profile alone (as `aws --profile`), whatever
// AWS_* variables say. The whole chain sits behind a CachingCredentialsProvider (refresh before
// expiry, one refresh in flight, last good credentials kept while a refresh fails).
#pragma once

#include <memory>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/credentials_cache.h"
#include "dynaflow/store/dynamodb/client/credentials_container.h"
#include "dynaflow/store/dynamodb/client/credentials_imds.h"
#include "dynaflow/store/dynamodb/client/credentials_process.h"
#include "dynaflow/store/dynamodb/client/credentials_sts.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct CredentialsChainOptions {
  // Link 1: used alone when the access key id or the secret is non-empty (both are then
  // required, else GetCredentials returns kInvalidArgument).
  Credentials explicit_credentials;
  // When non-empty: the chain is this profile alone. Empty: link 4 uses AWS_PROFILE / default.
  std::string profile;
  // Region for STS calls; empty: AWS_REGION / AWS_DEFAULT_REGION, the profile's region, global.
  std::string region;
  // Environment lookup for every link; null: GetEnv.
  EnvLookup env;
  // Transport for STS, the container endpoint and IMDS; null: a CurlTransport of its own.
  std::shared_ptr<Transport> transport;
  // Clock for signing, expiry and retry sleeps; null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Per-source settings; their env/transport/clock fields are filled from above when unset.
  StsOptions sts;
  ContainerCredentialsOptions container;
  ImdsOptions imds;
  ProcessCredentialsOptions process;
  // Wrap the chain in a CachingCredentialsProvider (false only for tests and diagnostics).
  bool cache = true;
  CachingCredentialsOptions caching;
};

// Builds the chain described above. Never null. Creating it performs no I/O.
std::unique_ptr<CredentialsProvider> NewCredentialsProviderChain(CredentialsChainOptions options);

}  // namespace dynaflow::dynamodb
