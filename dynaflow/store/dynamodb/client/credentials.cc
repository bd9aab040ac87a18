#include "dynaflow/store/dynamodb/client/credentials.h"

#include <cstdlib>

#include "dynaflow/store/dynamodb/client/credentials_chain.h"
#include "dynaflow/store/dynamodb/client/internal/aws_time.h"

namespace dynaflow::dynamodb {
namespace {

// Empty values count as unset, as in the AWS SDKs.
std::optional<std::string> NonEmpty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

std::string Credentials::ToString() const {
  std::string out = "Credentials{access_key_id=";
  if (access_key_id.size() > 4) {
    out += "...";
    out += access_key_id.substr(access_key_id.size() - 4);
  } else {
    out += "<redacted>";
  }
  out += ", secret_access_key=";
  out += secret_access_key.empty() ? "<absent>" : "<redacted>";
  out += ", session_token=";
  out += session_token.empty() ? "<absent>" : "<redacted>";
  if (expiration) {
    out += ", expiration=";
    out += internal::FormatIso8601(*expiration);
  }
  out += "}";
  return out;
}

std::ostream& operator<<(std::ostream& os, const Credentials& c) { return os << c.ToString(); }

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials)
    : credentials_(std::move(credentials)) {}

Result<Credentials> StaticCredentialsProvider::GetCredentials() {
  if (credentials_.access_key_id.empty()) {
    return Status::InvalidArgument("static credentials: the access key id is empty");
  }
  if (credentials_.secret_access_key.empty()) {
    return Status::InvalidArgument("static credentials: the secret access key is empty");
  }
  return credentials_;
}

std::optional<std::string> NonEmptyEnv(const EnvLookup& env, std::string_view name) {
  return NonEmpty(env ? env(name) : GetEnv(name));
}

std::optional<std::string> GetEnv(std::string_view name) {
  const std::string key(name);
  const char* v = std::getenv(key.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

EnvironmentCredentialsProvider::EnvironmentCredentialsProvider(EnvLookup lookup)
    : lookup_(lookup ? std::move(lookup) : EnvLookup(&GetEnv)) {}

Result<Credentials> EnvironmentCredentialsProvider::GetCredentials() {
  auto id = NonEmpty(lookup_(kAccessKeyIdVar));
  auto secret = NonEmpty(lookup_(kSecretAccessKeyVar));
  auto token = NonEmpty(lookup_(kSessionTokenVar));
  if (!id && !secret && !token) {
    return Status::NotFound(std::string(kAccessKeyIdVar) + " and " +
                            std::string(kSecretAccessKeyVar) + " are not set");
  }
  if (!id && !secret) {
    return Status::InvalidArgument(
        "environment credentials are incomplete: AWS_SESSION_TOKEN is set but "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not");
  }
  if (!id) {
    return Status::InvalidArgument(
        "environment credentials are incomplete: AWS_SECRET_ACCESS_KEY is set but "
        "AWS_ACCESS_KEY_ID is not");
  }
  if (!secret) {
    return Status::InvalidArgument(
        "environment credentials are incomplete: AWS_ACCESS_KEY_ID is set but "
        "AWS_SECRET_ACCESS_KEY is not");
  }
  Credentials c;
  c.access_key_id = std::move(*id);
  c.secret_access_key = std::move(*secret);
  if (token) c.session_token = std::move(*token);
  return c;
}

ChainCredentialsProvider::ChainCredentialsProvider(
    std::vector<std::unique_ptr<CredentialsProvider>> providers)
    : providers_(std::move(providers)) {}

std::string ChainCredentialsProvider::Name() const {
  std::string out = "chain(";
  for (size_t i = 0; i < providers_.size(); ++i) {
    if (i > 0) out += ", ";
    out += providers_[i]->Name();
  }
  out += ")";
  return out;
}

Result<Credentials> ChainCredentialsProvider::GetCredentials() {
  std::string tried;
  for (const auto& p : providers_) {
    Result<Credentials> r = p->GetCredentials();
    if (r.ok()) return r;
    const Status& s = r.error();
    if (!s.Is(StatusCode::kNotFound)) return s.WithContext(p->Name());
    if (!tried.empty()) tried += "; ";
    tried += p->Name() + " (" + s.message() + ")";
  }
  if (tried.empty()) return Status::NotFound("no credentials found: the provider chain is empty");
  return Status::NotFound("no credentials found; tried: " + tried);
}

std::unique_ptr<CredentialsProvider> NewDefaultCredentialsProviderChain(EnvLookup lookup) {
  CredentialsChainOptions options;
  options.env = std::move(lookup);
  return NewCredentialsProviderChain(std::move(options));
}

}  // namespace dynaflow::dynamodb
