// AWS credentials and the providers that find them.
//
// A CredentialsProvider answers "which credentials do I sign with now?". Providers compose: the
// chain asks each in turn. Profile files, STS, container and instance metadata providers and the
// caching/refreshing decorator live in credentials_*.h behind the same interface.
//
// Secrets never leave these values through ToString() / operator<<: only the last four
// characters of the access key id are shown, the secret key and the session token never.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::dynamodb {

struct Credentials {
  std::string access_key_id;            // e.g. "AKIDEXAMPLE"; never empty in usable credentials
  std::string secret_access_key;        // never logged, never printed
  std::string session_token;            // empty for long-term credentials; never logged
  std::optional<TimePoint> expiration;  // unset: the credentials do not expire

  bool has_session_token() const { return !session_token.empty(); }

  // A redacted description, safe for logs: e.g.
  // "Credentials{access_key_id=...MPLE, secret_access_key=<redacted>, session_token=<absent>}"
  // (plus ", expiration=2015-08-30T12:36:00Z" when set). Key ids of 4 characters or fewer are
  // masked entirely.
  std::string ToString() const;
};

// Writes ToString(); defined so that test frameworks and loggers never print the raw fields.
std::ostream& operator<<(std::ostream& os, const Credentials& c);

// Finds credentials. Thread-safe: GetCredentials may be called concurrently from many threads.
//
// GetCredentials returns:
//  - the credentials (access key id and secret both non-empty);
//  - NotFound when this source holds no credentials at all (a chain then tries the next one);
//  - InvalidArgument when the source is present but misconfigured (e.g. half of a key pair);
//  - other codes (Unavailable, Timeout, PermissionDenied, ...) for failures of remote sources.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> GetCredentials() = 0;
  // A short human-readable name of the source for diagnostics, e.g. "environment".
  virtual std::string Name() const = 0;
};

// Always returns the credentials it was built with. Returns InvalidArgument when the access key
// id or the secret key is empty.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override { return "static"; }

 private:
  const Credentials credentials_;
};

// Looks up one environment variable: its value, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment via getenv. Thread-safe as long as nobody calls setenv/putenv
// concurrently.
std::optional<std::string> GetEnv(std::string_view name);

// Variable `name` through `env` (null: GetEnv), with an empty value counting as unset, as in
// the AWS SDKs.
std::optional<std::string> NonEmptyEnv(const EnvLookup& env, std::string_view name);

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and (optional) AWS_SESSION_TOKEN on every call.
// A variable set to the empty string counts as unset.
//
// Returns NotFound when none of the three is set; InvalidArgument naming the missing variable(s)
// when only part of the key pair is set (a session token alone also counts as part).
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  static constexpr std::string_view kAccessKeyIdVar = "AWS_ACCESS_KEY_ID";
  static constexpr std::string_view kSecretAccessKeyVar = "AWS_SECRET_ACCESS_KEY";
  static constexpr std::string_view kSessionTokenVar = "AWS_SESSION_TOKEN";

  // `lookup` must be thread-safe; null means GetEnv.
  explicit EnvironmentCredentialsProvider(EnvLookup lookup = nullptr);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override { return "environment"; }

 private:
  const EnvLookup lookup_;
};

// Asks its providers in order and returns the first credentials found.
//
// A provider answering NotFound passes to the next one; any other error stops the chain and is
// returned (with the provider's name as context), so a misconfigured source is reported rather
// than silently skipped. When every provider answers NotFound (or there are none), returns
// NotFound listing each source tried with its reason.
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers);
  Result<Credentials> GetCredentials() override;
  std::string Name() const override;

 private:
  const std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

// The default chain: environment, web identity, shared profile files, container endpoint,
// IMDSv2, behind a caching/refreshing decorator (see credentials_chain.h, which also offers
// NewCredentialsProviderChain with every option). `lookup` as for
// EnvironmentCredentialsProvider; it is used by every link.
std::unique_ptr<CredentialsProvider> NewDefaultCredentialsProviderChain(EnvLookup lookup = nullptr);

}  // namespace dynaflow::dynamodb
