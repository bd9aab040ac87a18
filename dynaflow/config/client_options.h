// From [store] to the DynamoDB client's options: region, credentials chain, endpoint, timeouts
// and retries.
#pragma once

#include <memory>

#include "dynaflow/config/config.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/credentials_chain.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::config {

// What the conversion may use besides the configuration. Every field may be left empty.
struct ClientEnvironment {
  // Environment lookup for the region, the endpoint and the credential chain; null: GetEnv.
  dynamodb::EnvLookup env;
  // Transport for DynamoDB and the credential sources; null: one shared CurlTransport.
  std::shared_ptr<dynamodb::Transport> transport;
  // Clock for signing, expiry and backoff; null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Settings of the credential sources (endpoints, timeouts); their env/transport/clock and the
  // explicit keys, profile and region are filled in from the configuration and the fields above.
  dynamodb::CredentialsChainOptions chain;
};

// The client options for `store` (whatever its `type`):
//  - region: aws-region, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's region
//    (kInvalidArgument naming the three places when none is set);
//  - credentials: explicit keys alone, or the profile alone, or the default chain; cached and
//    refreshed (see dynaflow/store/dynamodb/client/credentials_chain.h);
//  - endpoint: aws-endpoint-url, else AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL, else the
//    regional endpoint;
//  - timeouts and retry.max_attempts from aws-connect-timeout, aws-request-timeout,
//    aws-max-attempts.
// Performs no network I/O (credentials are fetched on first use); may read ~/.aws/config for
// the region. Errors: as ResolveRegion, and kInvalidArgument for an endpoint from the
// environment that is not an http(s) URL.
Result<dynamodb::ClientOptions> MakeDynamoDbClientOptions(
    const StoreConfig& store, const ClientEnvironment& environment = {});

}  // namespace dynaflow::config
