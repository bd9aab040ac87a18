#include "dynaflow/store/dynamodb/client/credentials_sts.h"

#include <array>

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/aws_time.h"
#include "dynaflow/store/dynamodb/client/internal/credentials_util.h"
#include "dynaflow/store/dynamodb/client/internal/sigv4_canonical.h"
#include "dynaflow/store/dynamodb/client/internal/xml.h"
#include "dynaflow/store/dynamodb/client/sigv4.h"

namespace dynaflow::dynamodb {
namespace {

constexpr std::string_view kStsVersion = "2011-06-15";
constexpr size_t kMaxTokenFileBytes = 64 * 1024;

void AddParam(std::string* body, std::string_view key, std::string_view value) {
  if (!body->empty()) body->push_back('&');
  body->append(key);
  body->push_back('=');
  body->append(internal::UriEncode(value, /*encode_slash=*/true));
}

// The parameters every role request starts with: Action, Version, RoleArn, RoleSessionName.
std::string RoleRequestBody(std::string_view action, std::string_view role_arn,
                            std::string_view session_name) {
  std::string body;
  AddParam(&body, "Action", action);
  AddParam(&body, "Version", kStsVersion);
  AddParam(&body, "RoleArn", role_arn);
  AddParam(&body, "RoleSessionName", session_name);
  return body;
}

// DurationSeconds, when a duration is asked for.
void AddDuration(std::string* body, const std::optional<std::chrono::seconds>& duration) {
  if (duration) AddParam(body, "DurationSeconds", std::to_string(duration->count()));
}

bool IsPermissionCode(std::string_view code) {
  static constexpr std::array<std::string_view, 11> kCodes = {
      "ExpiredTokenException",   "InvalidIdentityToken", "AccessDenied",
      "AccessDeniedException",   "InvalidClientTokenId", "SignatureDoesNotMatch",
      "IncompleteSignature",     "ExpiredToken",         "MissingAuthenticationToken",
      "RegionDisabledException", "IDPRejectedClaim"};
  for (std::string_view c : kCodes) {
    if (c == code) return true;
  }
  return false;
}

std::string Subject(std::string_view action, std::string_view role_arn) {
  return "STS " + std::string(action) + " for role " + std::string(role_arn);
}

// Sends `body` to STS with retries. `sign` (may be null) signs each attempt.
Result<Credentials> Call(const StsOptions& options, std::string_view action,
                         std::string_view role_arn, const std::string& body,
                         const Credentials* signer,
                         std::initializer_list<std::string_view> secrets) {
  if (!options.transport) {
    return Status::InvalidArgument(Subject(action, role_arn) + ": no transport configured");
  }
  Clock* clock = options.clock ? options.clock : Clock::Real();
  const std::string url =
      options.endpoint.empty() ? StsEndpointForRegion(options.region) : options.endpoint;
  const int attempts = options.max_attempts < 1 ? 1 : options.max_attempts;
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) clock->SleepFor(options.retry_delay * (attempt - 1));
    HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    req.body = body;
    if (signer != nullptr) {
      SigningParams params;
      params.region = options.region.empty() ? "us-east-1" : options.region;
      params.service = "sts";
      params.time = clock->Now();
      if (Status st = SignRequest(req, *signer, params, nullptr); !st.ok()) {
        return st.WithContext(Subject(action, role_arn));
      }
    }
    auto resp = options.transport->Send(req, options.timeouts);
    if (!resp.ok()) {
      last = Status(resp.status().code(), Subject(action, role_arn) + ": STS endpoint " + url +
                                              " unreachable: " + resp.status().message());
      continue;
    }
    auto parsed = ParseStsResponse(action, role_arn, resp->status, resp->body);
    if (parsed.ok()) return parsed;
    Status st(parsed.status().code(), internal::Redact(parsed.status().message(), secrets));
    const bool retryable = st.Is(StatusCode::kUnavailable) || st.Is(StatusCode::kThrottled);
    if (!retryable) return st;
    last = st;
  }
  return last;
}

}  // namespace

std::string StsEndpointForRegion(std::string_view region) {
  if (region.empty()) return "https://sts.amazonaws.com/";
  const bool china = region.substr(0, 3) == "cn-";
  return "https://sts." + std::string(region) + (china ? ".amazonaws.com.cn/" : ".amazonaws.com/");
}

StsOptions StsOptionsFromEnvironment(StsOptions options, const EnvLookup& env) {
  if (options.region.empty()) {
    if (auto r = NonEmptyEnv(env, "AWS_REGION")) {
      options.region = *r;
    } else if (auto d = NonEmptyEnv(env, "AWS_DEFAULT_REGION")) {
      options.region = *d;
    }
  }
  if (options.endpoint.empty()) {
    if (auto e = NonEmptyEnv(env, "AWS_ENDPOINT_URL_STS")) options.endpoint = *e;
  }
  return options;
}

Result<Credentials> ParseStsResponse(std::string_view action, std::string_view role_arn,
                                     int http_status, std::string_view body) {
  const std::string subject = Subject(action, role_arn);
  auto doc = internal::ParseXml(body);
  if (http_status < 200 || http_status > 299) {
    std::string code, message;
    if (doc.ok()) {
      const internal::XmlElement* err = doc->name == "Error" ? &*doc : doc->Child("Error");
      if (err != nullptr) {
        if (const auto* c = err->Child("Code")) code = std::string(c->TrimmedText());
        if (const auto* m = err->Child("Message")) message = std::string(m->TrimmedText());
      }
    }
    std::string text = subject + ": ";
    if (code.empty()) {
      text += "unexpected answer";
    } else {
      text += code;
      if (!message.empty()) text += ": " + message;
    }
    text += " (HTTP " + std::to_string(http_status) + ")";
    if (code == "Throttling" || http_status == 429) return Status::Throttled(text);
    if (code == "IDPCommunicationError" || http_status >= 500) return Status::Unavailable(text);
    if (IsPermissionCode(code) || http_status == 403) {
      if (code == "ExpiredTokenException" && action == "AssumeRoleWithWebIdentity") {
        text +=
            "; the web identity token has expired: the platform (e.g. the kubelet for a "
            "projected service account token) must rotate the token file";
      }
      return Status::PermissionDenied(text);
    }
    return Status::InvalidArgument(text);
  }
  if (!doc.ok()) return doc.status().WithContext(subject);
  const std::string response_name = std::string(action) + "Response";
  const std::string result_name = std::string(action) + "Result";
  if (doc->name != response_name) {
    return Status::Serialization(subject + ": expected a <" + response_name + "> document, got <" +
                                 doc->name + ">");
  }
  const internal::XmlElement* creds = doc->Find({result_name, "Credentials"});
  if (creds == nullptr) {
    return Status::Serialization(subject + ": the answer has no " + result_name +
                                 "/Credentials element");
  }
  Credentials c;
  struct Field {
    std::string_view name;
    std::string* out;
  };
  const Field fields[] = {{"AccessKeyId", &c.access_key_id},
                          {"SecretAccessKey", &c.secret_access_key},
                          {"SessionToken", &c.session_token}};
  for (const Field& f : fields) {
    const internal::XmlElement* e = creds->Child(f.name);
    if (e == nullptr || e->TrimmedText().empty()) {
      return Status::Serialization(subject + ": the answer has no Credentials/" +
                                   std::string(f.name) + " element");
    }
    *f.out = std::string(e->TrimmedText());
  }
  const internal::XmlElement* exp = creds->Child("Expiration");
  if (exp == nullptr) {
    return Status::Serialization(subject + ": the answer has no Credentials/Expiration element");
  }
  auto t = internal::ParseIso8601(exp->TrimmedText());
  if (!t.ok()) return t.status().WithContext(subject + ": Credentials/Expiration");
  c.expiration = *t;
  return c;
}

Result<Credentials> StsAssumeRole(const StsOptions& options, const Credentials& source,
                                  const AssumeRoleRequest& request) {
  if (request.role_arn.empty()) return Status::InvalidArgument("STS AssumeRole: empty role ARN");
  const std::string subject = Subject("AssumeRole", request.role_arn);
  if (request.role_session_name.empty()) {
    return Status::InvalidArgument(subject + ": empty role session name");
  }
  if (source.access_key_id.empty() || source.secret_access_key.empty()) {
    return Status::InvalidArgument(subject + ": the source credentials are incomplete");
  }
  std::string body = RoleRequestBody("AssumeRole", request.role_arn, request.role_session_name);
  if (!request.external_id.empty()) AddParam(&body, "ExternalId", request.external_id);
  AddDuration(&body, request.duration);
  return Call(options, "AssumeRole", request.role_arn, body, &source,
              {source.secret_access_key, source.session_token, request.external_id});
}

Result<Credentials> StsAssumeRoleWithWebIdentity(const StsOptions& options,
                                                 const WebIdentityRequest& request) {
  if (request.role_arn.empty()) {
    return Status::InvalidArgument("STS AssumeRoleWithWebIdentity: empty role ARN");
  }
  const std::string subject = Subject("AssumeRoleWithWebIdentity", request.role_arn);
  if (request.role_session_name.empty()) {
    return Status::InvalidArgument(subject + ": empty role session name");
  }
  if (request.web_identity_token.empty()) {
    return Status::InvalidArgument(subject + ": empty web identity token");
  }
  std::string body =
      RoleRequestBody("AssumeRoleWithWebIdentity", request.role_arn, request.role_session_name);
  AddParam(&body, "WebIdentityToken", request.web_identity_token);
  AddDuration(&body, request.duration);
  return Call(options, "AssumeRoleWithWebIdentity", request.role_arn, body, nullptr,
              {request.web_identity_token});
}

AssumeRoleCredentialsProvider::AssumeRoleCredentialsProvider(
    std::shared_ptr<CredentialsProvider> source, AssumeRoleRequest request, StsOptions options)
    : source_(std::move(source)), request_(std::move(request)), options_(std::move(options)) {}

std::string AssumeRoleCredentialsProvider::Name() const {
  return "assume role " + request_.role_arn;
}

Result<Credentials> AssumeRoleCredentialsProvider::GetCredentials() {
  if (!source_) return Status::InvalidArgument(Name() + ": no source credentials provider");
  auto source = source_->GetCredentials();
  if (!source.ok()) {
    return source.status().WithContext("source credentials for role " + request_.role_arn);
  }
  return StsAssumeRole(options_, *source, request_);
}

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(WebIdentityOptions options)
    : options_(std::move(options)) {}

Result<Credentials> WebIdentityCredentialsProvider::GetCredentials() {
  const EnvLookup& env = options_.env;
  std::string token_file = options_.token_file;
  std::string role_arn = options_.role_arn;
  if (token_file.empty()) token_file = NonEmptyEnv(env, "AWS_WEB_IDENTITY_TOKEN_FILE").value_or("");
  if (role_arn.empty()) role_arn = NonEmptyEnv(env, "AWS_ROLE_ARN").value_or("");
  if (token_file.empty() && role_arn.empty()) {
    return Status::NotFound("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
  }
  if (role_arn.empty()) {
    return Status::InvalidArgument(
        "web identity: a token file is configured (AWS_WEB_IDENTITY_TOKEN_FILE) but no role ARN "
        "(AWS_ROLE_ARN)");
  }
  if (token_file.empty()) {
    return Status::InvalidArgument(
        "web identity: a role ARN is configured (AWS_ROLE_ARN) but no token file "
        "(AWS_WEB_IDENTITY_TOKEN_FILE)");
  }
  std::string token;
  if (Status st = internal::ReadSmallFile(token_file, "web identity token file", kMaxTokenFileBytes,
                                          &token);
      !st.ok()) {
    return Status::InvalidArgument(st.message());
  }
  token = std::string(internal::TrimAscii(token));
  if (token.empty()) {
    return Status::InvalidArgument("web identity token file " + token_file + " is empty");
  }
  std::string session = options_.role_session_name;
  if (session.empty()) session = NonEmptyEnv(env, "AWS_ROLE_SESSION_NAME").value_or("");
  if (session.empty()) {
    Clock* clock = options_.sts.clock ? options_.sts.clock : Clock::Real();
    session = "dynaflow-" + std::to_string(ToUnixMillis(clock->Now()));
  }
  WebIdentityRequest request;
  request.role_arn = role_arn;
  request.role_session_name = session;
  request.web_identity_token = std::move(token);
  auto result = StsAssumeRoleWithWebIdentity(StsOptionsFromEnvironment(options_.sts, env), request);
  SecureWipe(request.web_identity_token);
  if (!result.ok()) {
    return result.status().WithContext("web identity token file " + token_file);
  }
  return result;
}

}  // namespace dynaflow::dynamodb
