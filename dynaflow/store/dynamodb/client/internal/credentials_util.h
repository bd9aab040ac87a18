// Helpers shared by the credential providers: small file reads, secret redaction, the JSON
// credential document (container endpoint, IMDS, credential_process) and boolean settings.
//
// Pure functions apart from ReadSmallFile (file I/O); all thread-safe. Nothing here logs.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"

namespace dynaflow::dynamodb::internal {

// Reads the whole file at `path` into `*out` (at most `max_bytes`). Errors, each naming `what`
// and the path, never the content: kNotFound "<what> <path> does not exist",
// kPermissionDenied "cannot read <what> <path>: Permission denied", kInvalidArgument for a
// directory or a file over `max_bytes`, kUnavailable for other I/O errors.
Status ReadSmallFile(const std::string& path, std::string_view what, size_t max_bytes,
                     std::string* out);

// `text` with every occurrence of each non-empty secret replaced by "<redacted>". Used on
// messages that come from remote services, which may echo what they were sent.
std::string Redact(std::string text, std::initializer_list<std::string_view> secrets);

// `s` without leading/trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
std::string_view TrimAscii(std::string_view s);

// True for "true" / "1" (any case, surrounding whitespace ignored).
bool IsTrueSetting(std::string_view value);

// Parses the JSON credential document used by the container endpoint and IMDS ("Token" holds
// the session token) and by credential_process ("SessionToken"):
//   {"AccessKeyId": "...", "SecretAccessKey": "...", "<token_key>": "...", "Expiration": "..."}
// AccessKeyId and SecretAccessKey are required non-empty strings; the token and Expiration are
// optional (Expiration: ISO 8601). Errors: kSerialization "<what>: <JSON path>: <problem>"; no
// value is ever quoted.
Result<Credentials> ParseJsonCredentials(std::string_view body, std::string_view token_key,
                                         std::string_view what);

}  // namespace dynaflow::dynamodb::internal
