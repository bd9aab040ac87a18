#include "dynaflow/store/dynamodb/client/profile_file.h"

#include <cctype>

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/credentials_util.h"

namespace dynaflow::dynamodb {
namespace {

constexpr size_t kMaxProfileFileBytes = 4 << 20;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Cuts a comment that starts with '#' or ';' preceded by whitespace (or at position 0).
std::string_view StripInlineComment(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && (i == 0 || IsBlank(value[i - 1]))) {
      return internal::TrimAscii(value.substr(0, i));
    }
  }
  return value;
}

Status LineError(const std::string& file, int line, std::string_view what) {
  return Status::InvalidArgument(file + ":" + std::to_string(line) + ": " + std::string(what));
}

std::string ExpandHome(const std::string& path, const EnvLookup& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    auto home = NonEmptyEnv(env, "HOME");
    if (!home) return path;  // left as written; reading it fails with a clear path
    return *home + path.substr(1);
  }
  return path;
}

}  // namespace

const ProfileProperty* Profile::Find(std::string_view key) const {
  auto it = properties.find(key);
  return it == properties.end() ? nullptr : &it->second;
}

std::string Profile::Get(std::string_view key) const {
  const ProfileProperty* p = Find(key);
  return p ? p->value : std::string();
}

const Profile* ProfileSet::Find(std::string_view name) const {
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : &it->second;
}

std::vector<std::string> ProfileSet::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : profiles_) out.push_back(name);
  return out;
}

Status ProfileSet::Parse(std::string_view text, const std::string& file, Kind kind) {
  files_.push_back(file);
  bool in_section = false;          // a section header was seen
  Profile* current = nullptr;       // null inside a skipped section
  ProfileProperty* last = nullptr;  // the property an indented line continues
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view trimmed = internal::TrimAscii(line);
    if (trimmed.empty()) {
      last = nullptr;
      continue;
    }
    if (trimmed.front() == '#' || trimmed.front() == ';') continue;
    const bool indented = IsBlank(line.front());
    if (indented && in_section && last != nullptr && trimmed.front() != '[') {
      last->value += "\n";
      last->value += std::string(StripInlineComment(trimmed));
      continue;
    }
    if (indented && in_section && current == nullptr && trimmed.front() != '[') continue;
    if (trimmed.front() == '[') {
      const size_t close = trimmed.find(']');
      if (close == std::string_view::npos) {
        return LineError(file, line_no, "expected ']' to close the section header");
      }
      const std::string_view rest = internal::TrimAscii(trimmed.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';') {
        return LineError(file, line_no, "expected nothing but a comment after the section header");
      }
      std::string_view name = internal::TrimAscii(trimmed.substr(1, close - 1));
      if (name.empty()) return LineError(file, line_no, "expected a section name inside [ ]");
      in_section = true;
      last = nullptr;
      current = nullptr;
      std::string_view profile_name;
      bool is_profile = false;
      if (kind == Kind::kConfig) {
        if (name == "default") {
          profile_name = name;
          is_profile = true;
        } else if (name.substr(0, 7) == "profile" && name.size() > 7 && IsBlank(name[7])) {
          profile_name = internal::TrimAscii(name.substr(8));
          is_profile = true;
        }
      } else if (!(name.substr(0, 7) == "profile" && name.size() > 7 && IsBlank(name[7]))) {
        profile_name = name;
        is_profile = true;
      }
      if (!is_profile) continue;  // another kind of section: skipped
      for (char c : profile_name) {
        if (IsBlank(c)) {
          return LineError(file, line_no, "expected a profile name without whitespace");
        }
      }
      if (profile_name.empty()) return LineError(file, line_no, "expected a profile name");
      Profile& p = profiles_[std::string(profile_name)];
      p.name = std::string(profile_name);
      current = &p;
      continue;
    }
    const size_t eq = trimmed.find('=');
    if (eq == std::string_view::npos) {
      return LineError(file, line_no,
                       "expected a [section] header, a \"key = value\" property or a comment");
    }
    const std::string_view key = internal::TrimAscii(trimmed.substr(0, eq));
    if (key.empty()) return LineError(file, line_no, "expected a property name before '='");
    for (char c : key) {
      if (IsBlank(c)) return LineError(file, line_no, "expected a property name without spaces");
    }
    if (!in_section) {
      return LineError(file, line_no, "expected a [section] header before the first property");
    }
    if (current == nullptr) continue;  // property of a skipped section
    ProfileProperty& prop = current->properties[Lower(key)];
    prop.value = std::string(StripInlineComment(internal::TrimAscii(trimmed.substr(eq + 1))));
    prop.file = file;
    prop.line = line_no;
    last = &prop;
  }
  return Status::OK();
}

ProfileFileLocations ResolveProfileFileLocations(const EnvLookup& env) {
  ProfileFileLocations loc;
  loc.config_file = NonEmptyEnv(env, "AWS_CONFIG_FILE").value_or("~/.aws/config");
  loc.credentials_file =
      NonEmptyEnv(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials");
  loc.config_file = ExpandHome(loc.config_file, env);
  loc.credentials_file = ExpandHome(loc.credentials_file, env);
  // Without HOME the defaults cannot be located: no file.
  if (loc.config_file.rfind("~", 0) == 0) loc.config_file.clear();
  if (loc.credentials_file.rfind("~", 0) == 0) loc.credentials_file.clear();
  return loc;
}

Result<ProfileSet> LoadProfileFiles(const ProfileFileLocations& locations) {
  ProfileSet set;
  struct File {
    const std::string* path;
    std::string_view what;
    ProfileSet::Kind kind;
  };
  const File files[] = {
      {&locations.config_file, "AWS config file", ProfileSet::Kind::kConfig},
      {&locations.credentials_file, "AWS credentials file", ProfileSet::Kind::kCredentials}};
  for (const File& f : files) {
    if (f.path->empty()) continue;
    std::string text;
    Status st = internal::ReadSmallFile(*f.path, f.what, kMaxProfileFileBytes, &text);
    if (st.Is(StatusCode::kNotFound)) continue;
    if (!st.ok()) return st;
    DYNAFLOW_RETURN_IF_ERROR(set.Parse(text, *f.path, f.kind));
    SecureWipe(text);
  }
  return set;
}

std::string ResolveProfileName(std::string_view configured, const EnvLookup& env) {
  if (!configured.empty()) return std::string(configured);
  return NonEmptyEnv(env, "AWS_PROFILE").value_or("default");
}

}  // namespace dynaflow::dynamodb
