#include "dynaflow/store/dynamodb/client/internal/sigv4_canonical.h"

#include <algorithm>
#include <map>

#include "dynaflow/store/dynamodb/client/internal/aws_time.h"

namespace dynaflow::dynamodb::internal {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return Status::InvalidArgument("url is not absolute (no scheme): '" + std::string(url) + "'");
  }
  out.scheme = ToLowerAscii(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    return Status::InvalidArgument("url scheme must be http or https: '" + std::string(url) + "'");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("url must not carry user info");
  }
  // Split host and port; an IPv6 literal is bracketed and may contain ':'.
  size_t colon = std::string_view::npos;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("url has an unterminated IPv6 host");
    }
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Status::InvalidArgument("url has a malformed host");
      colon = close + 1;
    }
  } else {
    colon = authority.rfind(':');
  }
  out.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  if (out.host.empty()) return Status::InvalidArgument("url has an empty host");
  if (!std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("url has a non-numeric port");
  }
  const size_t q = rest.find('?');
  out.path = std::string(rest.substr(0, q));
  if (out.path.empty()) out.path = "/";
  if (q != std::string_view::npos) out.query = std::string(rest.substr(q + 1));
  return out;
}

std::string HostHeaderValue(const ParsedUrl& url) {
  const bool default_port = url.port.empty() || (url.scheme == "http" && url.port == "80") ||
                            (url.scheme == "https" && url.port == "443");
  return default_port ? url.host : url.host + ":" + url.port;
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view seg = path.substr(pos, next - pos);
    const bool last = next == path.size();
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else if (seg.empty()) {
      // Repeated slash, or the slash ending the path.
      if (last) trailing_slash = true;
    } else {
      segments.push_back(seg);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (trailing_slash && !segments.empty()) out.push_back('/');
  return out;
}

std::string CanonicalUri(std::string_view path, bool normalize, bool double_encode) {
  std::string p = normalize ? NormalizePath(path) : std::string(path);
  if (p.empty()) p = "/";
  return double_encode ? UriEncode(p, /*encode_slash=*/false) : p;
}

QueryParams ParseQuery(std::string_view raw_query) {
  QueryParams out;
  size_t pos = 0;
  while (pos <= raw_query.size()) {
    size_t next = raw_query.find('&', pos);
    if (next == std::string_view::npos) next = raw_query.size();
    const std::string_view piece = raw_query.substr(pos, next - pos);
    if (!piece.empty()) {
      const size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(UriDecode(piece), std::string());
      } else {
        out.emplace_back(UriDecode(piece.substr(0, eq)), UriDecode(piece.substr(eq + 1)));
      }
    }
    pos = next + 1;
  }
  return out;
}

std::string CanonicalQueryString(const QueryParams& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [k, v] : params) encoded.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (char c : raw) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<CanonicalHeaders> BuildCanonicalHeaders(const HttpHeaders& headers,
                                               std::vector<std::string> names_to_sign) {
  std::sort(names_to_sign.begin(), names_to_sign.end());
  names_to_sign.erase(std::unique(names_to_sign.begin(), names_to_sign.end()), names_to_sign.end());
  std::map<std::string, std::string> values;  // lowercase name -> joined canonical values
  for (const auto& [name, value] : headers) {
    if (name.empty() ||
        std::any_of(name.begin(), name.end(), [](char c) { return IsSpace(c) || c == ':'; })) {
      return Status::InvalidArgument("invalid HTTP header name '" + name + "'");
    }
    std::string lower = ToLowerAscii(name);
    if (!std::binary_search(names_to_sign.begin(), names_to_sign.end(), lower)) continue;
    auto [it, inserted] = values.try_emplace(std::move(lower));
    if (!inserted) it->second.push_back(',');
    it->second += CanonicalHeaderValue(value);
  }
  CanonicalHeaders out;
  for (const std::string& name : names_to_sign) {
    auto it = values.find(name);
    if (it == values.end()) {
      return Status::InvalidArgument("header '" + name + "' is to be signed but is missing");
    }
    out.block += name + ":" + it->second + "\n";
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  return out;
}

std::string FormatAmzDate(TimePoint t) { return FormatUtc(t, "%Y%m%dT%H%M%SZ"); }

}  // namespace dynaflow::dynamodb::internal
