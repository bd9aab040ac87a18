#include "dynaflow/store/dynamodb/client/sigv4.h"

#include <algorithm>
#include <array>

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/sigv4_canonical.h"

namespace dynaflow::dynamodb {
namespace {

using internal::ToLowerAscii;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::chrono::seconds kMaxExpires{7 * 24 * 3600};

// Headers never signed when signing "everything present": they are changed by proxies or
// transports, or are the signature itself.
constexpr std::array<std::string_view, 11> kUnsignedHeaders = {"authorization",
                                                               "user-agent",
                                                               "x-amzn-trace-id",
                                                               "expect",
                                                               "connection",
                                                               "keep-alive",
                                                               "proxy-authorization",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade"};

// Query parameters the presigned form owns; a URL already carrying one is refused.
constexpr std::array<std::string_view, 7> kPresignParams = {
    "X-Amz-Algorithm",     "X-Amz-Credential", "X-Amz-Date",          "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature",  "X-Amz-Security-Token"};

bool Contains(const auto& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

Status Validate(const HttpRequest& req, const Credentials& c, const SigningParams& p) {
  if (c.access_key_id.empty()) return Status::InvalidArgument("sigv4: access key id is empty");
  if (c.secret_access_key.empty()) {
    return Status::InvalidArgument("sigv4: secret access key is empty");
  }
  if (p.region.empty()) return Status::InvalidArgument("sigv4: region is empty");
  if (p.service.empty()) return Status::InvalidArgument("sigv4: service is empty");
  if (req.method.empty()) return Status::InvalidArgument("sigv4: HTTP method is empty");
  if (p.location == SignatureLocation::kQueryString &&
      (p.expires.count() < 1 || p.expires > kMaxExpires)) {
    return Status::InvalidArgument("sigv4: expires must be between 1 second and 7 days");
  }
  return Status::OK();
}

bool SameName(std::string_view a, std::string_view b) { return ToLowerAscii(a) == ToLowerAscii(b); }

}  // namespace

Result<SignatureParts> ComputeSignature(const HttpRequest& req, const Credentials& credentials,
                                        const SigningParams& params, SigningKeyCache* cache) {
  DYNAFLOW_RETURN_IF_ERROR(Validate(req, credentials, params));
  DYNAFLOW_ASSIGN_OR_RETURN(internal::ParsedUrl url, internal::ParseUrl(req.url));
  const bool query_mode = params.location == SignatureLocation::kQueryString;
  const bool has_token = credentials.has_session_token();

  SignatureParts out;
  out.amz_date = internal::FormatAmzDate(params.time);
  const std::string date = out.amz_date.substr(0, 8);
  out.credential_scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  out.payload_hash = params.payload_hash.empty() ? Sha256Hex(req.body) : params.payload_hash;

  // The headers the signer sets, and which of them it signs.
  std::vector<std::string> names_to_sign = {"host"};
  if (FindHeader(req.headers, "host") == nullptr) {
    out.headers_to_add.emplace_back("Host", internal::HostHeaderValue(url));
  }
  if (!query_mode) {
    out.headers_to_add.emplace_back("X-Amz-Date", out.amz_date);
    names_to_sign.push_back("x-amz-date");
    if (has_token) {
      out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
      if (params.sign_session_token) names_to_sign.push_back("x-amz-security-token");
    }
    if (params.add_content_sha256_header) {
      out.headers_to_add.emplace_back("x-amz-content-sha256", out.payload_hash);
      names_to_sign.push_back("x-amz-content-sha256");
    }
  }

  // The headers as they will be sent: the request's, minus Authorization and those replaced.
  HttpHeaders effective;
  for (const auto& h : req.headers) {
    if (SameName(h.first, "authorization")) continue;
    if (FindHeader(out.headers_to_add, h.first) != nullptr) continue;
    effective.push_back(h);
  }
  effective.insert(effective.end(), out.headers_to_add.begin(), out.headers_to_add.end());

  if (params.headers_to_sign) {
    for (const std::string& n : *params.headers_to_sign) names_to_sign.push_back(ToLowerAscii(n));
  } else {
    for (const auto& h : effective) {
      std::string lower = ToLowerAscii(h.first);
      if (Contains(kUnsignedHeaders, lower)) continue;
      if (lower == "x-amz-security-token" && !params.sign_session_token) continue;
      names_to_sign.push_back(std::move(lower));
    }
  }
  DYNAFLOW_ASSIGN_OR_RETURN(internal::CanonicalHeaders headers,
                            internal::BuildCanonicalHeaders(effective, std::move(names_to_sign)));
  out.signed_headers = headers.signed_headers;

  internal::QueryParams query = internal::ParseQuery(url.query);
  internal::QueryParams presign;  // query mode: the parameters to append, in order
  if (query_mode) {
    for (const auto& kv : query) {
      if (Contains(kPresignParams, kv.first)) {
        return Status::InvalidArgument("sigv4: url already carries " + kv.first);
      }
    }
    presign = {{"X-Amz-Algorithm", std::string(kAlgorithm)},
               {"X-Amz-Credential", credentials.access_key_id + "/" + out.credential_scope},
               {"X-Amz-Date", out.amz_date},
               {"X-Amz-SignedHeaders", out.signed_headers},
               {"X-Amz-Expires", std::to_string(params.expires.count())}};
    if (has_token) presign.emplace_back("X-Amz-Security-Token", credentials.session_token);
    for (const auto& kv : presign) {
      if (kv.first == "X-Amz-Security-Token" && !params.sign_session_token) continue;
      query.push_back(kv);
    }
  }

  out.canonical_request =
      req.method + "\n" +
      internal::CanonicalUri(url.path, params.normalize_path, params.double_uri_encode) + "\n" +
      internal::CanonicalQueryString(query) + "\n" + headers.block + "\n" + out.signed_headers +
      "\n" + out.payload_hash;
  out.string_to_sign = std::string(kAlgorithm) + "\n" + out.amz_date + "\n" + out.credential_scope +
                       "\n" + Sha256Hex(out.canonical_request);

  std::string key =
      cache != nullptr
          ? cache->GetOrDerive(credentials, date, params.region, params.service)
          : DeriveSigningKey(credentials.secret_access_key, date, params.region, params.service);
  out.signature = HexEncode(HmacSha256(key, out.string_to_sign));
  SecureWipe(key);

  if (query_mode) {
    for (const auto& [k, v] : presign) {
      out.query_to_add += k + "=" + internal::UriEncode(v, /*encode_slash=*/true) + "&";
    }
    out.query_to_add += "X-Amz-Signature=" + out.signature;
  } else {
    out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                        out.credential_scope + ", SignedHeaders=" + out.signed_headers +
                        ", Signature=" + out.signature;
    out.headers_to_add.emplace_back("Authorization", out.authorization);
  }
  return out;
}

Status SignRequest(HttpRequest& req, const Credentials& credentials, const SigningParams& params,
                   SigningKeyCache* cache) {
  DYNAFLOW_ASSIGN_OR_RETURN(SignatureParts parts,
                            ComputeSignature(req, credentials, params, cache));
  auto drop = [&req](std::string_view name) {
    std::erase_if(req.headers, [name](const auto& h) { return SameName(h.first, name); });
  };
  drop("authorization");
  for (const auto& [name, value] : parts.headers_to_add) {
    if (!SameName(name, "host")) drop(name);  // Host is only ever added when absent
    req.headers.emplace_back(name, value);
  }
  if (!parts.query_to_add.empty()) {
    const size_t hash = req.url.find('#');
    std::string fragment = hash == std::string::npos ? "" : req.url.substr(hash);
    std::string base = req.url.substr(0, hash);
    const size_t q = base.find('?');
    if (q == std::string::npos) {
      base.push_back('?');
    } else if (base.back() != '?' && base.back() != '&') {
      base.push_back('&');
    }
    req.url = base + parts.query_to_add + fragment;
  }
  return Status::OK();
}

Status SignDynamoDbRequest(HttpRequest& req, const Credentials& credentials,
                           std::string_view region, TimePoint now, SigningKeyCache* cache) {
  for (std::string_view required : {"Content-Type", "X-Amz-Target"}) {
    if (FindHeader(req.headers, required) == nullptr) {
      return Status::InvalidArgument("DynamoDB request lacks the " + std::string(required) +
                                     " header");
    }
  }
  SigningParams params;
  params.region = std::string(region);
  params.service = "dynamodb";
  params.time = now;
  params.headers_to_sign = std::vector<std::string>{"content-type", "x-amz-target"};
  return SignRequest(req, credentials, params, cache);
}

}  // namespace dynaflow::dynamodb
