// AWS Signature Version 4 (header and presigned-query forms) and the DynamoDB convenience.
//
// The signer is a pure function of (request, credentials, params): time, region and service are
// all passed in, and the only state is an optional, explicitly passed SigningKeyCache. The
// intermediate artifacts (canonical request, string to sign, ...) are exposed for testing.
//
// Secrets: the secret access key is only ever an HMAC key; it appears in no output. The session
// token is part of the signed request (header or query parameter), so SignatureParts, signed
// requests and canonical requests must not be logged either.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

// The payload hash value that tells the service the body is not signed (S3 and friends).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

enum class SignatureLocation {
  kHeaders,      // Authorization header (plus X-Amz-Date, X-Amz-Security-Token)
  kQueryString,  // presigned URL: X-Amz-Algorithm, ..., X-Amz-Signature query parameters
};

struct SigningParams {
  std::string region;   // required, e.g. "us-east-1"
  std::string service;  // required, e.g. "dynamodb"
  TimePoint time{};     // the signing time; sub-second parts are ignored

  // Remove dot segments and collapse repeated slashes in the canonical path (false for S3).
  bool normalize_path = true;
  // URI-encode the path once more for the canonical request (false for S3 only).
  bool double_uri_encode = true;

  // The payload hash to sign: empty means the hex SHA-256 of the request body; anything else is
  // used verbatim (e.g. kUnsignedPayload).
  std::string payload_hash;
  // Header mode only: also add and sign "x-amz-content-sha256: <payload hash>".
  bool add_content_sha256_header = false;
  // With a session token: true signs X-Amz-Security-Token; false adds it after signing (a few
  // services want it unsigned).
  bool sign_session_token = true;

  // Which request headers to sign besides the ones the signer adds itself (host, x-amz-date,
  // x-amz-security-token, x-amz-content-sha256). nullopt: every header present except
  // authorization, user-agent, x-amzn-trace-id, expect and hop-by-hop headers (connection,
  // keep-alive, proxy-authorization, te, trailer, transfer-encoding, upgrade). A list: exactly
  // those (case-insensitive names); each must be present in the request.
  std::optional<std::vector<std::string>> headers_to_sign;

  SignatureLocation location = SignatureLocation::kHeaders;
  // Query mode only: X-Amz-Expires, 1 second to 7 days.
  std::chrono::seconds expires{3600};
};

// Everything computed while signing. Contains the session token (if any); never log it.
struct SignatureParts {
  std::string amz_date;          // "20150830T123600Z"
  std::string credential_scope;  // "20150830/us-east-1/service/aws4_request"
  std::string payload_hash;      // as signed
  std::string signed_headers;    // "host;x-amz-date", sorted lowercase names
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // 64 lowercase hex characters
  std::string authorization;  // header mode: the Authorization value; query mode: empty
  // What SignRequest applies: headers to set (replacing any of the same name, except that Host
  // is only added when absent), in order; header mode ends with Authorization.
  HttpHeaders headers_to_add;
  // Query mode: encoded "X-Amz-Algorithm=...&...&X-Amz-Signature=..." to append to the URL.
  std::string query_to_add;
};

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"):
// the 32-byte binary key for `date` ("YYYYMMDD").
std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service);

// A bounded, thread-safe cache of derived signing keys keyed by (identity of the credentials,
// date, region, service). The identity is a SHA-256 digest of the key pair, so the cache holds
// no secret in plain form; evicted and destroyed keys are wiped. Least recently used entries are
// evicted beyond `max_entries`.
class SigningKeyCache {
 public:
  static constexpr size_t kDefaultMaxEntries = 64;
  explicit SigningKeyCache(size_t max_entries = kDefaultMaxEntries);  // 0 is treated as 1
  ~SigningKeyCache();
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // The signing key for these inputs (see DeriveSigningKey), derived on a miss.
  std::string GetOrDerive(const Credentials& credentials, std::string_view date,
                          std::string_view region, std::string_view service);

  size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    std::string id;
    std::string key;
  };
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

// Computes the signature `req` would get; `req` is not modified. `cache` may be null.
//
// Returns InvalidArgument for: empty access key id / secret key / region / service, a URL that
// is not absolute http(s), an invalid header name, a header to sign that is missing, expires
// out of range, or (query mode) a URL that already carries X-Amz-* signing parameters.
Result<SignatureParts> ComputeSignature(const HttpRequest& req, const Credentials& credentials,
                                        const SigningParams& params, SigningKeyCache* cache);

// Signs `req` in place. Header mode sets Host (when absent), X-Amz-Date, X-Amz-Security-Token
// (with a session token), x-amz-content-sha256 (if asked) and Authorization. Query mode appends
// the signing parameters to req.url. Errors as ComputeSignature; `req` is unchanged on error.
Status SignRequest(HttpRequest& req, const Credentials& credentials, const SigningParams& params,
                   SigningKeyCache* cache);

// Signs a DynamoDB JSON request for `region` at `now`: service "dynamodb", SHA-256 of the body,
// signed headers exactly content-type;host;x-amz-date;x-amz-target, plus x-amz-security-token
// with temporary credentials. Returns InvalidArgument when Content-Type or X-Amz-Target is
// missing, and as ComputeSignature otherwise.
Status SignDynamoDbRequest(HttpRequest& req, const Credentials& credentials,
                           std::string_view region, TimePoint now, SigningKeyCache* cache);

}  // namespace dynaflow::dynamodb
