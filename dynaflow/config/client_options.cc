#include "dynaflow/config/client_options.h"

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "dynaflow/store/dynamodb/client/region.h"

namespace dynaflow::config {

Result<dynamodb::ClientOptions> MakeDynamoDbClientOptions(const StoreConfig& store,
                                                          const ClientEnvironment& environment) {
  const dynamodb::EnvLookup& env = environment.env;
  auto lookup = [&](std::string_view name) { return dynamodb::NonEmptyEnv(env, name); };

  dynamodb::RegionOptions region_options;
  region_options.configured = store.aws_region;
  region_options.configured_hint =
      "aws-region in the [store] section of the configuration file (or DYNAFLOW_STORE_AWS_REGION "
      "/ --store.aws-region)";
  region_options.profile = store.aws_profile;
  region_options.env = env;
  DYNAFLOW_ASSIGN_OR_RETURN(dynamodb::ResolvedRegion region,
                            dynamodb::ResolveRegion(region_options));

  dynamodb::ClientOptions options;
  options.region = region.region;
  options.endpoint = store.aws_endpoint_url;
  for (const char* name : {"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"}) {
    if (!options.endpoint.empty()) break;
    if (auto e = lookup(name)) {
      if (e->rfind("http://", 0) != 0 && e->rfind("https://", 0) != 0) {
        return Status::InvalidArgument(std::string("environment variable ") + name +
                                       ": expected an http:// or https:// URL, got \"" + *e + "\"");
      }
      options.endpoint = *e;
    }
  }
  options.transport = environment.transport;
  if (!options.transport) options.transport = std::make_shared<dynamodb::CurlTransport>();
  options.clock = environment.clock;
  options.timeouts.connect = store.aws_connect_timeout;
  options.timeouts.request = store.aws_request_timeout;
  options.retry.max_attempts = store.aws_max_attempts;

  dynamodb::CredentialsChainOptions chain = environment.chain;
  chain.explicit_credentials.access_key_id = store.aws_access_key_id;
  chain.explicit_credentials.secret_access_key = store.aws_secret_access_key;
  chain.explicit_credentials.session_token = store.aws_session_token;
  chain.profile = store.aws_profile;
  chain.region = region.region;
  if (!chain.env) chain.env = env;
  if (!chain.transport) chain.transport = options.transport;
  if (!chain.clock) chain.clock = environment.clock;
  options.credentials = dynamodb::NewCredentialsProviderChain(std::move(chain));
  return options;
}

}  // namespace dynaflow::config
