// AWS STS: AssumeRole (SigV4-signed with source credentials) and AssumeRoleWithWebIdentity
// (unsigned; the web identity token is the proof), plus the two providers built on them.
//
// Requests use the query protocol (form-encoded POST, Version 2011-06-15) and answers are XML,
// read by a small strict parser (internal/xml.h). Errors:
//   kPermissionDenied  STS refused: ExpiredTokenException, InvalidIdentityToken, AccessDenied,
//                      InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken, ...
//   kThrottled         Throttling after max_attempts
//   kUnavailable       5xx / IDPCommunicationError after max_attempts, or a transport failure
//   kTimeout           the transport's deadline passed on the last attempt
//   kInvalidArgument   other 4xx answers (e.g. ValidationError) and bad inputs
//   kSerialization     a 2xx answer without the expected elements, or malformed XML
// Messages read "STS <Action> for role <arn>: <Code>: <Message> (HTTP <status>)"; they name the
// role and the endpoint, never a key, token or signature (remote messages are redacted of the
// secrets that were sent).
//
// Thread-safety: the functions are reentrant; the providers may be used from many threads (they
// hold no mutable state; wrap them in a CachingCredentialsProvider to avoid one STS call per
// request).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct StsOptions {
  // Sends the requests. Required (providers built by the default chain share its transport).
  std::shared_ptr<Transport> transport;
  // Signing time and retry sleeps. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Region of the regional endpoint https://sts.<region>.amazonaws.com (".amazonaws.com.cn" for
  // cn-* regions) and of the signature. Empty: the global endpoint https://sts.amazonaws.com,
  // signed for us-east-1.
  std::string region;
  // A full endpoint URL that replaces the derived one (VPC endpoints, FIPS, tests). Empty: none.
  std::string endpoint;
  // Per-attempt limits.
  TransportTimeouts timeouts{std::chrono::milliseconds(2000), std::chrono::milliseconds(10000)};
  // Total attempts for retryable failures (transport errors, HTTP 5xx, Throttling,
  // IDPCommunicationError). 1 disables retries.
  int max_attempts = 3;
  // Sleep before retry n (1-based) is n * retry_delay.
  std::chrono::milliseconds retry_delay{200};
};

// The endpoint for `region` as described in StsOptions::region.
std::string StsEndpointForRegion(std::string_view region);

// `options` with the region and endpoint completed from the environment where empty: region from
// AWS_REGION, then AWS_DEFAULT_REGION; endpoint from AWS_ENDPOINT_URL_STS. `env` null: GetEnv.
StsOptions StsOptionsFromEnvironment(StsOptions options, const EnvLookup& env);

struct AssumeRoleRequest {
  std::string role_arn;           // required, e.g. "arn:aws:iam::123456789012:role/dynaflow"
  std::string role_session_name;  // required, 2-64 characters of [\w+=,.@-]
  std::string external_id;        // optional (empty: not sent)
  std::optional<std::chrono::seconds> duration;  // optional DurationSeconds
};

struct WebIdentityRequest {
  std::string role_arn;            // required
  std::string role_session_name;   // required
  std::string web_identity_token;  // required; a secret, never logged
  std::optional<std::chrono::seconds> duration;
};

// Calls STS AssumeRole signed with `source` (service "sts"). Errors as listed above; an empty
// role ARN / session name or incomplete source credentials are kInvalidArgument.
Result<Credentials> StsAssumeRole(const StsOptions& options, const Credentials& source,
                                  const AssumeRoleRequest& request);

// Calls STS AssumeRoleWithWebIdentity (unsigned). Errors as listed above.
Result<Credentials> StsAssumeRoleWithWebIdentity(const StsOptions& options,
                                                 const WebIdentityRequest& request);

// Reads an STS answer for `action` ("AssumeRole", "AssumeRoleWithWebIdentity"): with a 2xx
// status the credentials under <ActionResponse>/<ActionResult>/<Credentials>; otherwise the
// <ErrorResponse>/<Error> Code and Message mapped as listed above. `role_arn` is only used in
// messages. Exposed for tests.
Result<Credentials> ParseStsResponse(std::string_view action, std::string_view role_arn,
                                     int http_status, std::string_view body);

// Assumes `request.role_arn` with credentials from `source` on every call.
// Errors: the source's error with context "source credentials for role <arn>", or as
// StsAssumeRole.
class AssumeRoleCredentialsProvider final : public CredentialsProvider {
 public:
  AssumeRoleCredentialsProvider(std::shared_ptr<CredentialsProvider> source,
                                AssumeRoleRequest request, StsOptions options);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override;

 private:
  const std::shared_ptr<CredentialsProvider> source_;
  const AssumeRoleRequest request_;
  const StsOptions options_;
};

struct WebIdentityOptions {
  // The token file (re-read on every call: platforms rotate it). Empty:
  // AWS_WEB_IDENTITY_TOKEN_FILE.
  std::string token_file;
  // Empty: AWS_ROLE_ARN.
  std::string role_arn;
  // Empty: AWS_ROLE_SESSION_NAME, then "dynaflow-<unix milliseconds>".
  std::string role_session_name;
  // Environment lookup; null: GetEnv.
  EnvLookup env;
  // STS settings; an empty region/endpoint is completed by StsOptionsFromEnvironment.
  StsOptions sts;
};

// Web identity federation (EKS IRSA and friends).
// Returns kNotFound when neither a token file nor a role ARN is configured;
// kInvalidArgument when only one of them is, when the token file is missing, empty or
// unreadable (naming the file); otherwise as StsAssumeRoleWithWebIdentity, e.g.
// kPermissionDenied "...ExpiredTokenException..." for an expired token.
class WebIdentityCredentialsProvider final : public CredentialsProvider {
 public:
  explicit WebIdentityCredentialsProvider(WebIdentityOptions options);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override { return "web identity"; }

 private:
  const WebIdentityOptions options_;
};

}  // namespace dynaflow::dynamodb
