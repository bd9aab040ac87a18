// The shared AWS configuration files: ~/.aws/config and ~/.aws/credentials.
//
// Format (as the AWS CLI and SDKs read it):
//   - "[name]" starts a section. In the config file profiles are "[default]" and
//     "[profile name]" ("[profile default]" is accepted too); other sections ("[sso-session x]",
//     "[services x]", ...) are skipped. In the credentials file every "[name]" is a profile
//     ("[profile name]" there is skipped, as the SDKs do).
//   - "key = value" sets a property of the current section; keys are case-insensitive (stored
//     lowercase); a later value overrides an earlier one; sections of the same name merge.
//   - Lines starting with '#' or ';' are comments; in a value, '#' or ';' preceded by whitespace
//     starts a comment.
//   - An indented line after a property continues it: after "key =" (empty value) indented
//     "subkey = value" lines form a sub-section (kept in `value` as "\nsubkey=value" lines and
//     otherwise unused); after a non-empty value the line is appended with a newline.
// The credentials file overrides the config file, property by property, for the same profile.
//
// Errors name the file and the line and what was expected, never the line's content (it may
// hold a secret). Thread-safety: plain values and pure functions (apart from file reads).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"

namespace dynaflow::dynamodb {

struct ProfileProperty {
  std::string value;
  std::string file;  // the file that set it
  int line = 0;      // 1-based line of the "key = value" line

  // "<file>:<line>"
  std::string Location() const { return file + ":" + std::to_string(line); }
};

struct Profile {
  std::string name;
  std::map<std::string, ProfileProperty, std::less<>> properties;  // lowercase keys

  // The property's value; nullptr when absent.
  const ProfileProperty* Find(std::string_view key) const;
  // The value, or "" when absent.
  std::string Get(std::string_view key) const;
};

class ProfileSet {
 public:
  // Nullptr when no file defines the profile.
  const Profile* Find(std::string_view name) const;
  std::vector<std::string> Names() const;
  // The files that were read (existing ones), in reading order.
  const std::vector<std::string>& files() const { return files_; }

  // Adds the profiles of one file's text. `file_name` is used in errors and locations.
  // Errors: kInvalidArgument "<file>:<line>: <what was expected>".
  enum class Kind { kConfig, kCredentials };
  Status Parse(std::string_view text, const std::string& file_name, Kind kind);

 private:
  std::map<std::string, Profile, std::less<>> profiles_;
  std::vector<std::string> files_;
};

struct ProfileFileLocations {
  std::string config_file;       // AWS_CONFIG_FILE, default ~/.aws/config
  std::string credentials_file;  // AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials
};

// The file paths per the environment. A leading "~/" is expanded with HOME; when HOME is unset
// too, a default location is left empty (no file). `env` null: GetEnv.
ProfileFileLocations ResolveProfileFileLocations(const EnvLookup& env);

// Reads the config file, then the credentials file (so it overrides). Missing files are skipped.
// Errors: a parse error as ProfileSet::Parse; an unreadable file: kPermissionDenied /
// kUnavailable / kInvalidArgument "cannot read AWS config file <path>: <reason>".
Result<ProfileSet> LoadProfileFiles(const ProfileFileLocations& locations);

// The profile to use: `configured` when non-empty, else AWS_PROFILE, else "default".
std::string ResolveProfileName(std::string_view configured, const EnvLookup& env);

}  // namespace dynaflow::dynamodb
