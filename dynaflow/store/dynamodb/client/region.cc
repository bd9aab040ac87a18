#include "dynaflow/store/dynamodb/client/region.h"

#include "dynaflow/store/dynamodb/client/profile_file.h"

namespace dynaflow::dynamodb {
namespace {

Result<ResolvedRegion> Checked(std::string region, std::string source) {
  if (!IsValidRegionName(region)) {
    std::string shown = region.substr(0, 64);
    return Status::InvalidArgument("AWS region \"" + shown + "\" from " + source +
                                   " is not a valid region name: expected lowercase letters, "
                                   "digits and '-' (e.g. eu-central-1)");
  }
  return ResolvedRegion{std::move(region), std::move(source)};
}

}  // namespace

bool IsValidRegionName(std::string_view region) {
  if (region.empty() || region.size() > 64) return false;
  if (region.front() < 'a' || region.front() > 'z') return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<ResolvedRegion> ResolveRegion(const RegionOptions& options) {
  if (!options.configured.empty()) return Checked(options.configured, "configuration");
  if (auto r = NonEmptyEnv(options.env, "AWS_REGION")) return Checked(*r, "AWS_REGION");
  if (auto r = NonEmptyEnv(options.env, "AWS_DEFAULT_REGION")) {
    return Checked(*r, "AWS_DEFAULT_REGION");
  }
  const ProfileFileLocations locations = ResolveProfileFileLocations(options.env);
  const std::string profile = ResolveProfileName(options.profile, options.env);
  DYNAFLOW_ASSIGN_OR_RETURN(ProfileSet set, LoadProfileFiles(locations));
  if (const Profile* p = set.Find(profile)) {
    if (const ProfileProperty* region = p->Find("region"); region && !region->value.empty()) {
      return Checked(region->value, "profile \"" + profile + "\" (" + region->Location() + ")");
    }
  }
  const std::string config_file =
      locations.config_file.empty() ? std::string("~/.aws/config") : locations.config_file;
  return Status::InvalidArgument(
      "no AWS region configured; set one of: " + options.configured_hint +
      "; the AWS_REGION or AWS_DEFAULT_REGION environment variable; `region` in profile \"" +
      profile + "\" of " + config_file);
}

}  // namespace dynaflow::dynamodb
