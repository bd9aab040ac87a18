#include "dynaflow/store/dynamodb/client/credentials_container.h"

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/credentials_util.h"
#include "dynaflow/store/dynamodb/client/internal/json.h"
#include "dynaflow/store/dynamodb/client/internal/sigv4_canonical.h"

namespace dynaflow::dynamodb {
namespace {

constexpr std::string_view kRelativeVar = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFullVar = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view kTokenFileVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr std::string_view kTokenVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr size_t kMaxTokenBytes = 16 * 1024;

bool IsAllowedHttpHost(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "169.254.170.2" ||
      host == "169.254.170.23" || host == "[fd00:ec2::23]") {
    return true;
  }
  // 127.0.0.0/8 as a dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  int digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

std::string Origin(const internal::ParsedUrl& u) {
  return u.scheme + "://" + u.host + (u.port.empty() ? "" : ":" + u.port);
}

// The "message" (or "Message") of an error document; empty when there is none.
std::string ErrorMessage(std::string_view body) {
  json::Document doc;
  if (!doc.Parse(body).ok()) return "";
  std::string out;
  for (std::string_view key : {"code", "Code"}) {
    const json::Value* v = json::Find(doc.root(), key);
    if (v != nullptr && v->IsString()) {
      out = std::string(json::StringOf(*v));
      break;
    }
  }
  for (std::string_view key : {"message", "Message"}) {
    const json::Value* v = json::Find(doc.root(), key);
    if (v != nullptr && v->IsString()) {
      out += (out.empty() ? "" : ": ") + std::string(json::StringOf(*v));
      break;
    }
  }
  return out;
}

}  // namespace

ContainerCredentialsProvider::ContainerCredentialsProvider(ContainerCredentialsOptions options)
    : options_(std::move(options)) {}

Result<Credentials> ContainerCredentialsProvider::GetCredentials() {
  const EnvLookup& env = options_.env;
  const auto relative = NonEmptyEnv(env, kRelativeVar);
  const auto full = NonEmptyEnv(env, kFullVar);
  if (!relative && !full) {
    return Status::NotFound(std::string(kRelativeVar) + " and " + std::string(kFullVar) +
                            " are not set");
  }
  std::string url;
  std::string source;
  if (relative) {
    if (relative->front() != '/') {
      return Status::InvalidArgument(std::string(kRelativeVar) + " must start with '/'");
    }
    url = options_.relative_uri_base + *relative;
    source = std::string(kRelativeVar);
  } else {
    url = *full;
    source = std::string(kFullVar);
  }
  auto parsed = internal::ParseUrl(url);
  if (!parsed.ok()) {
    return Status::InvalidArgument(source +
                                   ": expected an http(s) URL: " + parsed.status().message());
  }
  if (!relative && parsed->scheme == "http" && !IsAllowedHttpHost(parsed->host)) {
    return Status::InvalidArgument(
        std::string(kFullVar) +
        ": plain http is only allowed to a loopback address, "
        "169.254.170.2 (ECS) or 169.254.170.23 / [fd00:ec2::23] (EKS Pod Identity); got host " +
        parsed->host + " (use https)");
  }
  const std::string endpoint = "container credentials endpoint " + Origin(*parsed);

  std::string token;
  if (auto file = NonEmptyEnv(env, kTokenFileVar)) {
    Status st = internal::ReadSmallFile(*file, "container authorization token file", kMaxTokenBytes,
                                        &token);
    if (!st.ok()) {
      return Status::InvalidArgument(st.message() + " (" + std::string(kTokenFileVar) + ")");
    }
    token = std::string(internal::TrimAscii(token));
    if (token.empty()) {
      return Status::InvalidArgument("container authorization token file " + *file + " is empty (" +
                                     std::string(kTokenFileVar) + ")");
    }
    source = std::string(kTokenFileVar) + " " + *file;
  } else if (auto value = NonEmptyEnv(env, kTokenVar)) {
    token = std::string(internal::TrimAscii(*value));
    source = std::string(kTokenVar);
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    SecureWipe(token);
    return Status::InvalidArgument("the container authorization token from " + source +
                                   " contains a line break");
  }
  if (!options_.transport) return Status::InvalidArgument(endpoint + ": no transport configured");

  HttpRequest req;
  req.method = "GET";
  req.url = url;
  req.headers = {{"Accept", "application/json"}};
  if (!token.empty()) req.headers.emplace_back("Authorization", token);
  Clock* clock = options_.clock ? options_.clock : Clock::Real();
  const int attempts = options_.max_attempts < 1 ? 1 : options_.max_attempts;
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) clock->SleepFor(options_.retry_delay * (attempt - 1));
    auto resp = options_.transport->Send(req, options_.timeouts);
    if (!resp.ok()) {
      last = Status(resp.status().code(), endpoint + " unreachable: " + resp.status().message());
      continue;
    }
    if (resp->status >= 200 && resp->status <= 299) {
      auto creds = internal::ParseJsonCredentials(resp->body, "Token", endpoint);
      SecureWipe(resp->body);
      SecureWipe(token);
      return creds;
    }
    std::string text = endpoint + " answered HTTP " + std::to_string(resp->status);
    const std::string detail = internal::Redact(ErrorMessage(resp->body), {token});
    if (!detail.empty()) text += ": " + detail;
    if (resp->status >= 500) {
      last = Status::Unavailable(text);
      continue;
    }
    SecureWipe(token);
    if (resp->status == 401 || resp->status == 403) return Status::PermissionDenied(text);
    return Status::InvalidArgument(text);
  }
  SecureWipe(token);
  return last;
}

}  // namespace dynaflow::dynamodb
