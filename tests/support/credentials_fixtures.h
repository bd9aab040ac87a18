// Fixtures for the credential, region and configuration tests: a temporary directory, a fake
// environment, and answer documents of STS, the container endpoint and IMDS.
//
// Thread-safety: FakeEnv lookups may run concurrently with each other and with Set/Unset.
// TempDir is for one thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "store/dynamodb/client/credentials.h"

namespace dynaflow::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its content at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(std::string_view name) const;
  // Writes `content` to File(name) with permissions `mode` and returns that path. Aborts the
  // test binary on failure (the test could not run meaningfully).
  std::string Write(std::string_view name, std::string_view content, unsigned mode = 0600) const;

 private:
  std::string path_;
};

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
