// The string-building pieces of AWS Signature Version 4: URL splitting, URI encoding, path
// normalisation, canonical query strings and canonical headers.
//
// Everything here is a pure function (thread-safe, no I/O, no logging). The rules follow the
// SigV4 specification: RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~) are never encoded,
// every other byte becomes %XX with uppercase hex.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb::internal {

// The parts of an absolute http(s) URL, as written (nothing decoded).
struct ParsedUrl {
  std::string scheme;  // lowercased: "http" or "https"
  std::string host;    // e.g. "127.0.0.1", "[::1]", "dynamodb.us-east-1.amazonaws.com"
  std::string port;    // digits, empty when the URL names none
  std::string path;    // starts with '/'; "/" when the URL has no path
  std::string query;   // without the '?'; empty when absent
};

// Splits "scheme://host[:port][/path][?query][#fragment]" (the fragment is dropped).
// Returns InvalidArgument for a missing or unsupported scheme (only http/https), an empty
// host, user info ("user@host") or a non-numeric port.
Result<ParsedUrl> ParseUrl(std::string_view url);

// The Host header value for `url`: the host, plus ":port" unless the port is the scheme's
// default (80 for http, 443 for https).
std::string HostHeaderValue(const ParsedUrl& url);

// Percent-encodes every byte except the unreserved set; '/' is kept when !encode_slash.
std::string UriEncode(std::string_view s, bool encode_slash);

// Percent-decodes; a '%' not followed by two hex digits is kept literally. '+' stays '+'.
std::string UriDecode(std::string_view s);

// Removes "." and ".." segments and collapses repeated slashes. The result starts with '/' and
// keeps a trailing slash when the input had one or ended in a dot segment ("/a/b/.." -> "/a/").
std::string NormalizePath(std::string_view path);

// The canonical URI of a raw request path: normalised when `normalize`, then URI-encoded once
// more when `double_encode` (every service but S3), otherwise used as written.
std::string CanonicalUri(std::string_view path, bool normalize, bool double_encode);

// Query parameters as decoded (key, value) pairs.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits a raw query string on '&' and the first '=' of each piece, percent-decoding both
// sides. Empty pieces are skipped; "key" without '=' has an empty value.
QueryParams ParseQuery(std::string_view raw_query);

// Encodes every key and value, sorts by encoded key then encoded value, joins as "k=v&k=v".
std::string CanonicalQueryString(const QueryParams& params);

// Trims leading/trailing whitespace (space, tab, CR, LF, VT, FF) and collapses each inner run of
// whitespace (including folded line breaks) into one space.
std::string CanonicalHeaderValue(std::string_view raw);

std::string ToLowerAscii(std::string_view s);

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per signed header, sorted by name
  std::string signed_headers;  // "name1;name2", sorted
};

// Builds the canonical header block of `headers` restricted to the lowercase names in
// `names_to_sign` (duplicates allowed; order irrelevant). Repeated headers are joined with ','
// in the order they appear. Returns InvalidArgument when a header name is empty or contains
// whitespace or ':' or when a name to sign is absent from `headers`.
Result<CanonicalHeaders> BuildCanonicalHeaders(const HttpHeaders& headers,
                                               std::vector<std::string> names_to_sign);

// "YYYYMMDDTHHMMSSZ" in UTC (sub-second parts dropped).
std::string FormatAmzDate(TimePoint t);

}  // namespace dynaflow::dynamodb::internal
