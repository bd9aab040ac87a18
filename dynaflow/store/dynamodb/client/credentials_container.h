// Container credentials: the ECS task role endpoint and EKS Pod Identity.
//
// Configuration (environment, read on every call):
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  path on the ECS agent, http://169.254.170.2<path>;
//                                           wins when both URIs are set
//   AWS_CONTAINER_CREDENTIALS_FULL_URI      a full URL: https anywhere; plain http only to a
//                                           loopback address (127.0.0.0/8, [::1], localhost),
//                                           169.254.170.2 (ECS) or 169.254.170.23 /
//                                           [fd00:ec2::23] (EKS Pod Identity)
//   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  file whose content is sent as the Authorization
//                                           header (re-read on every call; EKS rotates it)
//   AWS_CONTAINER_AUTHORIZATION_TOKEN       the header value itself (when no token file is set)
// The endpoint answers GET with {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}.
//
// GetCredentials returns kNotFound when neither URI is set; kInvalidArgument for a disallowed
// full URI, an unreadable/empty token file or a token with a line break; kPermissionDenied for
// HTTP 401/403; kUnavailable / kTimeout when the endpoint fails (5xx or transport errors, after
// max_attempts); kSerialization for a malformed document. Messages name the endpoint as
// scheme://host:port and the variable or file involved, never the token.
//
// Thread-safety: stateless; GetCredentials may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct ContainerCredentialsOptions {
  // Environment lookup; null: GetEnv.
  EnvLookup env;
  // Sends the requests. Required.
  std::shared_ptr<Transport> transport;
  // Retry sleeps. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Where a relative URI is resolved (the ECS agent). Tests point it at a loopback server.
  std::string relative_uri_base = "http://169.254.170.2";
  // Per-attempt limits: the endpoint is local, so short.
  TransportTimeouts timeouts{std::chrono::milliseconds(1000), std::chrono::milliseconds(5000)};
  // Total attempts for 5xx answers and transport failures.
  int max_attempts = 3;
  // Sleep before retry n (1-based) is n * retry_delay.
  std::chrono::milliseconds retry_delay{100};
};

class ContainerCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ContainerCredentialsProvider(ContainerCredentialsOptions options);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override { return "container"; }

 private:
  const ContainerCredentialsOptions options_;
};

}  // namespace dynaflow::dynamodb
