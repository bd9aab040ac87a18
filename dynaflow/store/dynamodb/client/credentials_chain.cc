#include "dynaflow/store/dynamodb/client/credentials_chain.h"

#include "dynaflow/store/dynamodb/client/credentials_profile.h"
#include "dynaflow/store/dynamodb/client/curl_transport.h"

namespace dynaflow::dynamodb {

std::unique_ptr<CredentialsProvider> NewCredentialsProviderChain(CredentialsChainOptions o) {
  if (!o.transport) o.transport = std::make_shared<CurlTransport>();
  StsOptions sts = o.sts;
  if (!sts.transport) sts.transport = o.transport;
  if (!sts.clock) sts.clock = o.clock;
  if (sts.region.empty()) sts.region = o.region;

  auto profile = [&]() {
    ProfileCredentialsOptions p;
    p.profile = o.profile;
    p.env = o.env;
    p.transport = o.transport;
    p.clock = o.clock;
    p.sts = sts;
    p.process = o.process;
    if (!p.process.clock) p.process.clock = o.clock;
    p.container = o.container;
    p.imds = o.imds;
    return std::make_unique<ProfileCredentialsProvider>(std::move(p));
  };

  std::vector<std::unique_ptr<CredentialsProvider>> links;
  if (!o.explicit_credentials.access_key_id.empty() ||
      !o.explicit_credentials.secret_access_key.empty()) {
    links.push_back(std::make_unique<StaticCredentialsProvider>(o.explicit_credentials));
  } else if (!o.profile.empty()) {
    links.push_back(profile());
  } else {
    links.push_back(std::make_unique<EnvironmentCredentialsProvider>(o.env));
    WebIdentityOptions w;
    w.env = o.env;
    w.sts = sts;
    links.push_back(std::make_unique<WebIdentityCredentialsProvider>(std::move(w)));
    links.push_back(profile());
    ContainerCredentialsOptions c = o.container;
    if (!c.env) c.env = o.env;
    if (!c.transport) c.transport = o.transport;
    if (!c.clock) c.clock = o.clock;
    links.push_back(std::make_unique<ContainerCredentialsProvider>(std::move(c)));
    ImdsOptions i = o.imds;
    if (!i.env) i.env = o.env;
    if (!i.transport) i.transport = o.transport;
    if (!i.clock) i.clock = o.clock;
    // Off EC2 the metadata endpoint is simply absent: the end of the chain, not a failure.
    i.unreachable_is_not_found = true;
    links.push_back(std::make_unique<ImdsCredentialsProvider>(std::move(i)));
  }
  auto chain = std::make_unique<ChainCredentialsProvider>(std::move(links));
  if (!o.cache) return chain;
  CachingCredentialsOptions caching = o.caching;
  if (!caching.clock) caching.clock = o.clock;
  return std::make_unique<CachingCredentialsProvider>(std::move(chain), caching);
}

}  // namespace dynaflow::dynamodb
