#include "dynaflow/store/dynamodb/client/credentials_profile.h"

#include <algorithm>
#include <vector>

#include "dynaflow/store/dynamodb/client/profile_file.h"

namespace dynaflow::dynamodb {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// `profile "x"` plus the location of `prop` when given.
std::string Describe(const Profile& p, const ProfileProperty* prop = nullptr) {
  std::string out = "profile " + Quote(p.name);
  if (prop != nullptr) out += " (" + prop->Location() + ")";
  return out;
}

class Resolver {
 public:
  Resolver(const ProfileCredentialsOptions& options, const ProfileSet& set,
           CredentialsProvider* imds)
      : options_(options), set_(set), imds_(imds) {}

  Result<Credentials> Resolve(const Profile& p, std::vector<std::string>* chain) {
    chain->push_back(p.name);
    if (const ProfileProperty* role = p.Find("role_arn")) return AssumeRole(p, *role, chain);
    if (p.Find("aws_access_key_id") || p.Find("aws_secret_access_key")) return StaticKeys(p);
    if (const ProfileProperty* process = p.Find("credential_process")) {
      return RunCredentialProcess(process->value, Describe(p, process), options_.process);
    }
    for (const auto& [key, prop] : p.properties) {
      if (key.rfind("sso_", 0) == 0) {
        return Status::InvalidArgument(
            Describe(p, &prop) + " uses AWS IAM Identity Center (" + key +
            "), which dynaflow does not support directly; set credential_process = aws configure "
            "export-credentials --profile " +
            p.name + " --format process");
      }
    }
    return Status::NotFound(Describe(p) +
                            " has no credentials (none of aws_access_key_id, role_arn, "
                            "credential_process)");
  }

 private:
  Result<Credentials> StaticKeys(const Profile& p) {
    const ProfileProperty* id = p.Find("aws_access_key_id");
    const ProfileProperty* secret = p.Find("aws_secret_access_key");
    if (id == nullptr || id->value.empty()) {
      return Status::InvalidArgument(Describe(p, secret) +
                                     " sets aws_secret_access_key but no aws_access_key_id");
    }
    if (secret == nullptr || secret->value.empty()) {
      return Status::InvalidArgument(Describe(p, id) +
                                     " sets aws_access_key_id but no aws_secret_access_key");
    }
    Credentials c;
    c.access_key_id = id->value;
    c.secret_access_key = secret->value;
    c.session_token = p.Get("aws_session_token");
    return c;
  }

  StsOptions Sts(const Profile& p) const {
    StsOptions sts = options_.sts;
    if (!sts.transport) sts.transport = options_.transport;
    if (!sts.clock) sts.clock = options_.clock;
    sts = StsOptionsFromEnvironment(std::move(sts), options_.env);
    if (sts.region.empty()) sts.region = p.Get("region");
    return sts;
  }

  std::string SessionName(const Profile& p) const {
    std::string name = p.Get("role_session_name");
    if (!name.empty()) return name;
    Clock* clock = options_.clock ? options_.clock : Clock::Real();
    return "dynaflow-" + std::to_string(ToUnixMillis(clock->Now()));
  }

  Result<Credentials> AssumeRole(const Profile& p, const ProfileProperty& role,
                                 std::vector<std::string>* chain) {
    if (const ProfileProperty* mfa = p.Find("mfa_serial")) {
      return Status::InvalidArgument(
          Describe(p, mfa) +
          " sets mfa_serial, which dynaflow does not support (it cannot "
          "prompt for an MFA code); use credential_process or temporary credentials instead");
    }
    const ProfileProperty* source_profile = p.Find("source_profile");
    const ProfileProperty* credential_source = p.Find("credential_source");
    const ProfileProperty* token_file = p.Find("web_identity_token_file");
    const int sources =
        (source_profile != nullptr) + (credential_source != nullptr) + (token_file != nullptr);
    if (sources == 0) {
      return Status::InvalidArgument(Describe(p, &role) +
                                     ": role_arn needs one of source_profile, credential_source "
                                     "or web_identity_token_file");
    }
    if (sources > 1) {
      std::string which;
      const std::pair<const char*, const ProfileProperty*> candidates[] = {
          {"source_profile", source_profile},
          {"credential_source", credential_source},
          {"web_identity_token_file", token_file}};
      for (const auto& [key, prop] : candidates) {
        if (prop == nullptr) continue;
        if (!which.empty()) which += " and ";
        which += std::string(key) + " (line " + std::to_string(prop->line) + ")";
      }
      return Status::InvalidArgument(Describe(p, &role) + " sets both " + which +
                                     "; expected exactly one source for role_arn");
    }
    StsOptions sts = Sts(p);
    if (token_file != nullptr) {
      WebIdentityOptions w;
      w.token_file = token_file->value;
      w.role_arn = role.value;
      w.role_session_name = SessionName(p);
      w.env = options_.env;
      w.sts = sts;
      auto creds = WebIdentityCredentialsProvider(std::move(w)).GetCredentials();
      if (!creds.ok()) return creds.status().WithContext(Describe(p, token_file));
      return creds;
    }
    AssumeRoleRequest request;
    request.role_arn = role.value;
    request.role_session_name = SessionName(p);
    request.external_id = p.Get("external_id");
    if (const ProfileProperty* d = p.Find("duration_seconds")) {
      int64_t secs = 0;
      bool ok = !d->value.empty() && d->value.size() <= 6;
      for (char c : d->value) ok = ok && c >= '0' && c <= '9';
      if (ok) secs = std::stoll(d->value);
      if (!ok || secs < 900 || secs > 43200) {
        return Status::InvalidArgument(Describe(p, d) +
                                       ": duration_seconds: expected a whole number of seconds "
                                       "from 900 to 43200, got " +
                                       Quote(d->value));
      }
      request.duration = std::chrono::seconds(secs);
    }
    Result<Credentials> source = Status::Internal("unresolved source");
    if (credential_source != nullptr) {
      source = FromCredentialSource(p, *credential_source);
    } else if (source_profile->value == p.name) {
      source = StaticKeys(p);
    } else {
      const std::string& next = source_profile->value;
      if (std::find(chain->begin(), chain->end(), next) != chain->end()) {
        std::string cycle;
        for (const auto& n : *chain) cycle += Quote(n) + " -> ";
        cycle += Quote(next);
        return Status::InvalidArgument(Describe(p, source_profile) +
                                       ": source_profile forms a cycle: " + cycle);
      }
      const Profile* src = set_.Find(next);
      if (src == nullptr) {
        return Status::InvalidArgument(Describe(p, source_profile) + ": source_profile " +
                                       Quote(next) + " is not defined in any AWS config file");
      }
      source = Resolve(*src, chain);
      if (!source.ok() && source.status().Is(StatusCode::kNotFound)) {
        // A named source without credentials is a configuration error, not an absent source.
        source = Status::InvalidArgument(source.status().message());
      }
    }
    if (!source.ok()) {
      return source.status().WithContext("source credentials for " + Describe(p, &role));
    }
    auto assumed = StsAssumeRole(sts, *source, request);
    if (!assumed.ok()) return assumed.status().WithContext(Describe(p, &role));
    return assumed;
  }

  Result<Credentials> FromCredentialSource(const Profile& p, const ProfileProperty& source) {
    Result<Credentials> r = Status::Internal("unset");
    if (source.value == "Environment") {
      r = EnvironmentCredentialsProvider(options_.env).GetCredentials();
    } else if (source.value == "EcsContainer") {
      ContainerCredentialsOptions c = options_.container;
      if (!c.env) c.env = options_.env;
      if (!c.transport) c.transport = options_.transport;
      if (!c.clock) c.clock = options_.clock;
      r = ContainerCredentialsProvider(std::move(c)).GetCredentials();
    } else if (source.value == "Ec2InstanceMetadata") {
      r = imds_->GetCredentials();
    } else {
      return Status::InvalidArgument(Describe(p, &source) +
                                     ": credential_source: expected Environment, "
                                     "Ec2InstanceMetadata or EcsContainer, got " +
                                     Quote(source.value));
    }
    if (!r.ok()) {
      Status st = r.status().WithContext("credential_source " + source.value);
      if (st.Is(StatusCode::kNotFound)) return Status::InvalidArgument(st.message());
      return st;
    }
    return r;
  }

  const ProfileCredentialsOptions& options_;
  const ProfileSet& set_;
  CredentialsProvider* imds_;
};

}  // namespace

ProfileCredentialsProvider::ProfileCredentialsProvider(ProfileCredentialsOptions options)
    : options_(std::move(options)) {
  if (!options_.process.clock) options_.process.clock = options_.clock;
  ImdsOptions imds = options_.imds;
  if (!imds.env) imds.env = options_.env;
  if (!imds.transport) imds.transport = options_.transport;
  if (!imds.clock) imds.clock = options_.clock;
  imds_ = std::make_shared<ImdsCredentialsProvider>(std::move(imds));
}

std::string ProfileCredentialsProvider::Name() const { return "shared config files"; }

Result<Credentials> ProfileCredentialsProvider::GetCredentials() {
  const ProfileFileLocations locations = ResolveProfileFileLocations(options_.env);
  DYNAFLOW_ASSIGN_OR_RETURN(ProfileSet set, LoadProfileFiles(locations));
  const auto from_env = options_.env ? options_.env("AWS_PROFILE") : GetEnv("AWS_PROFILE");
  const bool named = !options_.profile.empty() || (from_env && !from_env->empty());
  const std::string name = ResolveProfileName(options_.profile, options_.env);
  const Profile* p = set.Find(name);
  if (p == nullptr) {
    std::string where;
    for (const auto& f : set.files()) where += (where.empty() ? "" : ", ") + f;
    if (!where.empty()) {
      where = "in " + where;
    } else {
      where =
          "anywhere: no AWS config file exists (looked for " +
          (locations.config_file.empty() ? std::string("~/.aws/config") : locations.config_file) +
          " and " +
          (locations.credentials_file.empty() ? std::string("~/.aws/credentials")
                                              : locations.credentials_file) +
          ")";
    }
    std::string msg = !options_.profile.empty() ? "the configured profile " + Quote(name)
                      : named                   ? "profile " + Quote(name) + " (from AWS_PROFILE)"
                                                : "profile " + Quote(name);
    msg += " is not defined " + where;
    if (named) return Status::InvalidArgument(msg);
    return Status::NotFound(msg);
  }
  std::vector<std::string> chain;
  Resolver resolver(options_, set, imds_.get());
  return resolver.Resolve(*p, &chain);
}

}  // namespace dynaflow::dynamodb
