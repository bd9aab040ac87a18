// EC2 instance metadata credentials, IMDSv2 only (session-token protected; no IMDSv1 fallback).
//
// Per call: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds) unless a cached token
// is still valid; GET /latest/meta-data/iam/security-credentials/ for the role name (cached);
// GET .../security-credentials/<role> for {"Code": "Success", "AccessKeyId", "SecretAccessKey",
// "Token", "Expiration"}. A 401 (token expired or revoked) fetches a new token and retries once;
// a 404 for the cached role re-reads the role name once.
//
// Environment (read on every call):
//   AWS_EC2_METADATA_DISABLED=true          skip IMDS entirely (kNotFound)
//   AWS_EC2_METADATA_SERVICE_ENDPOINT       endpoint override, e.g. http://[fd00:ec2::254]
//   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE  IPv4 (default: http://169.254.169.254) or IPv6
//                                           (http://[fd00:ec2::254])
//   AWS_METADATA_SERVICE_TIMEOUT            seconds per request (default 1)
//   AWS_METADATA_SERVICE_NUM_ATTEMPTS       attempts per request (default 1)
//
// GetCredentials returns kNotFound when disabled, when no role is attached (404), when IMDS
// refuses tokens (403), and, with `unreachable_is_not_found`, when the endpoint cannot be
// reached; otherwise kUnavailable / kTimeout naming the endpoint for an unreachable endpoint
// ("...; not on EC2? set AWS_EC2_METADATA_DISABLED=true to skip it"), kInvalidArgument for a bad
// environment setting, kSerialization for a malformed document. Never the token or keys.
//
// Thread-safety: GetCredentials may be called concurrently; calls are serialised by a mutex
// (they share the cached session token and role name).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct ImdsOptions {
  // Environment lookup; null: GetEnv.
  EnvLookup env;
  // Sends the requests. Required.
  std::shared_ptr<Transport> transport;
  // Token expiry and retry sleeps. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Endpoint override (tests); empty: from the environment as described above.
  std::string endpoint;
  // Connect and total limit of each request (the SDKs' 1 s), unless AWS_METADATA_SERVICE_TIMEOUT.
  std::chrono::milliseconds timeout{1000};
  // Attempts per request for transport errors and 5xx, unless AWS_METADATA_SERVICE_NUM_ATTEMPTS.
  int max_attempts = 1;
  // Sleep before retry n (1-based) is n * retry_delay.
  std::chrono::milliseconds retry_delay{100};
  // Lifetime asked for the session token (IMDS allows 1 s to 6 h). A token is renewed 60 s
  // before it expires.
  std::chrono::seconds token_ttl{21600};
  // Report an unreachable endpoint as kNotFound (the default chain sets this: off EC2 the
  // endpoint is simply absent) instead of kUnavailable / kTimeout.
  bool unreachable_is_not_found = false;
};

class ImdsCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ImdsCredentialsProvider(ImdsOptions options);
  ~ImdsCredentialsProvider() override;
  Result<Credentials> GetCredentials() override;
  std::string Name() const override { return "instance metadata (IMDSv2)"; }

 private:
  struct Settings;
  Result<HttpResponse> Send(const Settings& s, HttpRequest req);
  Status FetchToken(const Settings& s);
  Result<Credentials> Fetch(const Settings& s, bool* retry);

  const ImdsOptions options_;
  std::mutex mu_;
  std::string token_;           // guarded by mu_; empty = none
  TimePoint token_renew_at_{};  // guarded by mu_
  std::string role_;            // guarded by mu_; empty = not yet read
};

}  // namespace dynaflow::dynamodb
