// Credentials from a profile of the shared AWS files (~/.aws/config, ~/.aws/credentials).
//
// The profile's settings decide the source (checked in this order):
//   1. role_arn: assume that role (STS AssumeRole, SigV4-signed) with credentials from exactly
//      one of
//        source_profile = <name>   another profile, resolved recursively (cycles are errors);
//                                  naming the profile itself uses its own static keys
//        credential_source = Environment | Ec2InstanceMetadata | EcsContainer
//      or, with web_identity_token_file = <path>, AssumeRoleWithWebIdentity. Optional:
//      role_session_name (default "dynaflow-<unix ms>"), external_id, duration_seconds
//      (900..43200). mfa_serial is rejected (dynaflow cannot prompt for a code).
//   2. aws_access_key_id + aws_secret_access_key (+ aws_session_token): static keys.
//   3. credential_process: the command's credentials (credentials_process.h).
//   4. sso_* settings: rejected with a hint (use credential_process with
//      `aws configure export-credentials --format process`).
// STS is called in the region from StsOptions, else AWS_REGION / AWS_DEFAULT_REGION, else the
// role profile's `region`, else the global endpoint.
//
// GetCredentials returns kNotFound when no file exists, when the default profile is not
// defined, or when the profile has none of the settings above; kInvalidArgument for a profile
// named explicitly (options or AWS_PROFILE) that no file defines, for malformed files
// ("<file>:<line>: ...") and inconsistent settings (naming the profile, file and line); errors
// of STS / the process / the source otherwise, with the profile as context. The files are read
// on every call (wrap the provider in a CachingCredentialsProvider). Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/credentials_container.h"
#include "dynaflow/store/dynamodb/client/credentials_imds.h"
#include "dynaflow/store/dynamodb/client/credentials_process.h"
#include "dynaflow/store/dynamodb/client/credentials_sts.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct ProfileCredentialsOptions {
  // The profile; empty: AWS_PROFILE, then "default".
  std::string profile;
  // Environment lookup (also for the file locations, HOME and the sources); null: GetEnv.
  EnvLookup env;
  // Transport for STS, the container endpoint and IMDS. Required for role profiles.
  std::shared_ptr<Transport> transport;
  // STS signing time, retry sleeps, default session names. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // STS settings (region / endpoint; transport and clock are taken from above when unset).
  StsOptions sts;
  // credential_process limits.
  ProcessCredentialsOptions process;
  // credential_source = EcsContainer / Ec2InstanceMetadata settings (env, transport and clock
  // are taken from above when unset).
  ContainerCredentialsOptions container;
  ImdsOptions imds;
};

class ProfileCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ProfileCredentialsProvider(ProfileCredentialsOptions options);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override;

 private:
  ProfileCredentialsOptions options_;
  std::shared_ptr<CredentialsProvider> imds_;  // shares its token cache across calls
};

}  // namespace dynaflow::dynamodb
