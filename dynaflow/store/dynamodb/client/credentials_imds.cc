#include "dynaflow/store/dynamodb/client/credentials_imds.h"

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/credentials_util.h"
#include "dynaflow/store/dynamodb/client/internal/json.h"

namespace dynaflow::dynamodb {
namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolePath = "/latest/meta-data/iam/security-credentials/";

bool ParsePositiveInt(std::string_view text, int* out) {
  text = internal::TrimAscii(text);
  if (text.empty() || text.size() > 6) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1) return false;
  *out = v;
  return true;
}

}  // namespace

struct ImdsCredentialsProvider::Settings {
  std::string endpoint;  // without a trailing '/'
  TransportTimeouts timeouts;
  int attempts = 1;
  Clock* clock = nullptr;
};

ImdsCredentialsProvider::ImdsCredentialsProvider(ImdsOptions options)
    : options_(std::move(options)) {}

ImdsCredentialsProvider::~ImdsCredentialsProvider() { SecureWipe(token_); }

Result<HttpResponse> ImdsCredentialsProvider::Send(const Settings& s, HttpRequest req) {
  Status last;
  for (int attempt = 1; attempt <= s.attempts; ++attempt) {
    if (attempt > 1) s.clock->SleepFor(options_.retry_delay * (attempt - 1));
    auto resp = options_.transport->Send(req, s.timeouts);
    if (resp.ok() && resp->status < 500) return resp;
    if (resp.ok()) {
      last = Status::Unavailable("instance metadata service at " + s.endpoint + " answered HTTP " +
                                 std::to_string(resp->status));
      continue;
    }
    std::string text = "instance metadata service (IMDSv2) at " + s.endpoint +
                       " is unreachable: " + resp.status().message() +
                       "; not running on EC2? set AWS_EC2_METADATA_DISABLED=true to skip it";
    last = options_.unreachable_is_not_found ? Status::NotFound(text)
                                             : Status(resp.status().code(), text);
  }
  return last;
}

Status ImdsCredentialsProvider::FetchToken(const Settings& s) {
  HttpRequest req;
  req.method = "PUT";
  req.url = s.endpoint + std::string(kTokenPath);
  req.headers = {
      {"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(options_.token_ttl.count())}};
  auto resp = Send(s, std::move(req));
  if (!resp.ok()) return resp.status();
  if (resp->status == 403) {
    return Status::NotFound("instance metadata service at " + s.endpoint +
                            " refused a session token (HTTP 403): instance metadata is disabled "
                            "for this instance");
  }
  if (resp->status != 200) {
    return Status::Unavailable("instance metadata service at " + s.endpoint + " answered HTTP " +
                               std::to_string(resp->status) + " to the IMDSv2 token request (PUT " +
                               std::string(kTokenPath) + ")");
  }
  const std::string_view token = internal::TrimAscii(resp->body);
  if (token.empty()) {
    return Status::Serialization("instance metadata service at " + s.endpoint +
                                 " returned an empty session token");
  }
  SecureWipe(token_);
  token_ = std::string(token);
  SecureWipe(resp->body);
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(options_.token_ttl);
  const auto margin = std::min<std::chrono::milliseconds>(std::chrono::seconds(60), ttl / 2);
  token_renew_at_ = s.clock->Now() + ttl - margin;
  return Status::OK();
}

Result<Credentials> ImdsCredentialsProvider::Fetch(const Settings& s, bool* retry) {
  *retry = false;
  if (token_.empty() || s.clock->Now() >= token_renew_at_) {
    DYNAFLOW_RETURN_IF_ERROR(FetchToken(s));
  }
  auto get = [&](const std::string& path) {
    HttpRequest req;
    req.method = "GET";
    req.url = s.endpoint + path;
    req.headers = {{"X-aws-ec2-metadata-token", token_}};
    return Send(s, std::move(req));
  };
  const bool role_cached = !role_.empty();
  if (!role_cached) {
    auto resp = get(std::string(kRolePath));
    if (!resp.ok()) return resp.status();
    if (resp->status == 401) {
      SecureWipe(token_);
      *retry = true;
      return Status::PermissionDenied("instance metadata service at " + s.endpoint +
                                      " rejected the session token (HTTP 401)");
    }
    if (resp->status == 404) {
      return Status::NotFound("no IAM role is attached to this instance (instance metadata at " +
                              s.endpoint + " has no security credentials)");
    }
    if (resp->status != 200) {
      return Status::Unavailable("instance metadata service at " + s.endpoint + " answered HTTP " +
                                 std::to_string(resp->status) + " to the role name request");
    }
    std::string_view role = internal::TrimAscii(resp->body);
    role = role.substr(0, role.find_first_of("\r\n"));
    if (role.empty()) {
      return Status::NotFound("no IAM role is attached to this instance (instance metadata at " +
                              s.endpoint + " lists no role)");
    }
    role_ = std::string(role);
  }
  auto resp = get(std::string(kRolePath) + role_);
  if (!resp.ok()) return resp.status();
  if (resp->status == 401) {
    SecureWipe(token_);
    *retry = true;
    return Status::PermissionDenied("instance metadata service at " + s.endpoint +
                                    " rejected the session token (HTTP 401)");
  }
  if (resp->status == 404 && role_cached) {
    role_.clear();
    *retry = true;
    return Status::NotFound("the instance's IAM role changed");
  }
  const std::string what = "instance metadata credentials of role " + role_;
  if (resp->status != 200) {
    return Status::Unavailable(what + ": HTTP " + std::to_string(resp->status));
  }
  {
    json::Document doc;
    if (doc.Parse(resp->body).ok()) {
      const json::Value* code = json::Find(doc.root(), "Code");
      if (code != nullptr && code->IsString() && json::StringOf(*code) != "Success") {
        return Status::Unavailable(what + ": Code is \"" + std::string(json::StringOf(*code)) +
                                   "\", expected \"Success\"");
      }
    }
  }
  auto creds = internal::ParseJsonCredentials(resp->body, "Token", what);
  SecureWipe(resp->body);
  return creds;
}

Result<Credentials> ImdsCredentialsProvider::GetCredentials() {
  const EnvLookup& env = options_.env;
  if (auto disabled = NonEmptyEnv(env, "AWS_EC2_METADATA_DISABLED");
      disabled && internal::IsTrueSetting(*disabled)) {
    return Status::NotFound("AWS_EC2_METADATA_DISABLED is set");
  }
  Settings s;
  s.clock = options_.clock ? options_.clock : Clock::Real();
  if (!options_.endpoint.empty()) {
    s.endpoint = options_.endpoint;
  } else if (auto e = NonEmptyEnv(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    s.endpoint = *e;
  } else {
    const std::string mode =
        NonEmptyEnv(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("IPv4");
    if (mode == "IPv4" || mode == "ipv4") {
      s.endpoint = "http://169.254.169.254";
    } else if (mode == "IPv6" || mode == "ipv6") {
      s.endpoint = "http://[fd00:ec2::254]";
    } else {
      return Status::InvalidArgument(
          "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: expected IPv4 or IPv6, got \"" + mode + "\"");
    }
  }
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  if (s.endpoint.rfind("http://", 0) != 0 && s.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("instance metadata endpoint \"" + s.endpoint +
                                   "\" is not an http:// or https:// URL");
  }
  std::chrono::milliseconds timeout = options_.timeout;
  if (auto t = NonEmptyEnv(env, "AWS_METADATA_SERVICE_TIMEOUT")) {
    int secs = 0;
    if (!ParsePositiveInt(*t, &secs)) {
      return Status::InvalidArgument(
          "AWS_METADATA_SERVICE_TIMEOUT: expected a whole number of seconds >= 1, got \"" + *t +
          "\"");
    }
    timeout = std::chrono::seconds(secs);
  }
  s.attempts = options_.max_attempts < 1 ? 1 : options_.max_attempts;
  if (auto a = NonEmptyEnv(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS")) {
    if (!ParsePositiveInt(*a, &s.attempts)) {
      return Status::InvalidArgument(
          "AWS_METADATA_SERVICE_NUM_ATTEMPTS: expected a whole number >= 1, got \"" + *a + "\"");
    }
  }
  s.timeouts = TransportTimeouts{timeout, timeout};
  if (!options_.transport)
    return Status::InvalidArgument("instance metadata: no transport configured");

  std::lock_guard<std::mutex> lock(mu_);
  bool retry = false;
  auto result = Fetch(s, &retry);
  if (retry) result = Fetch(s, &retry);
  return result;
}

}  // namespace dynaflow::dynamodb
