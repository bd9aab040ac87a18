// Fixtures for the credential, region and configuration tests: a fake environment and answer
// documents of STS, the container endpoint and IMDS (TempDir: tests/support/temp_dir.h).
//
// Thread-safety: FakeEnv lookups may run concurrently with each other and with Set/Unset.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "dynaflow/store/dynamodb/client/credentials.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::test {

// Credentials with these keys (and no expiration).
dynamodb::Credentials MakeCredentials(std::string access_key_id, std::string secret_access_key,
                                      std::string session_token = "");

// A map-backed environment for EnvLookup.
class FakeEnv {
 public:
  void Set(const std::string& name, const std::string& value);
  void Unset(const std::string& name);
  // A lookup reading this object; it must outlive the lookup's uses.
  dynamodb::EnvLookup Lookup() const;
  // How many times `name` was looked up.
  int lookups(std::string_view name) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> vars_;
  mutable std::map<std::string, int, std::less<>> lookups_;
};

// <ActionResponse><ActionResult><Credentials>...</Credentials></ActionResult></ActionResponse>
// in the STS namespace, with `expiration` (ISO 8601) and the usual surrounding elements.
std::string StsCredentialsXml(std::string_view action, const dynamodb::Credentials& c,
                              std::string_view expiration);
// <ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>...
std::string StsErrorXml(std::string_view code, std::string_view message);
// {"AccessKeyId": ..., "SecretAccessKey": ..., "Token": ..., "Expiration": ...} as the
// container endpoint and IMDS answer (IMDS adds "Code": "Success" when `imds`).
std::string CredentialsJson(const dynamodb::Credentials& c, std::string_view expiration,
                            bool imds = false);

}  // namespace dynaflow::test
