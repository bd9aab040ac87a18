// The layers: TOML file, environment, flags; cross-key validation.
#include <fcntl.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dynaflow/config/config.h"
#include "dynaflow/config/internal/keys.h"

namespace dynaflow::config {
namespace {

using internal::RawValue;

constexpr size_t kMaxConfigBytes = 1 << 20;

std::string_view TomlTypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "a value";
  }
}

RawValue FromToml(const toml::node& n) {
  RawValue v;
  if (const auto* s = n.as_string()) {
    v.kind = RawValue::Kind::kString;
    v.text = s->get();
  } else if (const auto* i = n.as_integer()) {
    v.kind = RawValue::Kind::kInteger;
    v.integer = i->get();
  } else if (const auto* b = n.as_boolean()) {
    v.kind = RawValue::Kind::kBoolean;
    v.boolean = b->get();
  } else {
    v.kind = RawValue::Kind::kOther;
    v.type_name = TomlTypeName(n);
  }
  return v;
}

struct Entry {
  int line;
  std::string_view key;
  const toml::node* node;
};

// The entries of `table` in the order they appear in the file (toml++ keeps them sorted by key).
std::vector<Entry> InFileOrder(const toml::table& table) {
  std::vector<Entry> out;
  for (auto&& [k, v] : table) {
    int line = static_cast<int>(k.source().begin.line);
    if (line == 0) line = static_cast<int>(v.source().begin.line);
    out.push_back({line, k.str(), &v});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });
  return out;
}

std::string At(const std::string& file, int line) {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

std::string_view OriginOf(const Config& c, const char* key) {
  auto it = c.origins.find(key);
  return it == c.origins.end() ? std::string_view("default") : std::string_view(it->second);
}

}  // namespace

Status ApplyConfigText(std::string_view text, const std::string& file_name, Config* config) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::InvalidArgument(file_name + ":" + std::to_string(where.line) + ":" +
                                   std::to_string(where.column) +
                                   ": invalid TOML: " + std::string(e.description()));
  }
  for (const Entry& section : InFileOrder(root)) {
    const std::string at = At(file_name, section.line);
    if (!internal::IsSection(section.key)) {
      if (section.node->is_table()) {
        return Status::InvalidArgument(at + ": unknown section [" + std::string(section.key) +
                                       "]; valid sections: " + internal::ValidSections());
      }
      return Status::InvalidArgument(
          at + ": key \"" + std::string(section.key) +
          "\" is outside any section; valid sections: " + internal::ValidSections());
    }
    const toml::table* table = section.node->as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(at + ": " + std::string(section.key) + ": expected a [" +
                                     std::string(section.key) + "] table, got " +
                                     std::string(TomlTypeName(*section.node)));
    }
    for (const Entry& e : InFileOrder(*table)) {
      const std::string key_at = At(file_name, e.line);
      const KeyInfo* key = FindConfigKey(section.key, e.key);
      if (key == nullptr) {
        return Status::InvalidArgument(key_at + ": unknown key \"" + std::string(e.key) +
                                       "\" in [" + std::string(section.key) +
                                       "]; valid keys: " + internal::ValidKeysOf(section.key));
      }
      DYNAFLOW_RETURN_IF_ERROR(internal::SetKey(*key, FromToml(*e.node), key_at, config));
    }
  }
  return Status::OK();
}

Status ApplyConfigFile(const std::string& path, Config* config) {
  auto fail = [&](int err) {
    const std::string msg = path + ": cannot read the configuration file: " + std::strerror(err);
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
    if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
    return Status::Unavailable(msg);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fail(err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      ::close(fd);
      return Status::InvalidArgument(path + ": cannot read the configuration file: larger than " +
                                     std::to_string(kMaxConfigBytes) + " bytes");
    }
  }
  ::close(fd);
  return ApplyConfigText(text, path, config);
}

Status ApplyEnvironment(const dynamodb::EnvLookup& env, Config* config) {
  for (const KeyInfo& key : ConfigKeys()) {
    const std::string name = EnvVarName(key);
    const auto value = env ? env(name) : dynamodb::GetEnv(name);
    if (!value || value->empty()) continue;
    RawValue v;
    v.text = *value;
    DYNAFLOW_RETURN_IF_ERROR(internal::SetKey(key, v, "environment variable " + name, config));
  }
  return Status::OK();
}

Status ApplyFlags(const std::vector<std::string>& flags, Config* config) {
  for (size_t i = 0; i < flags.size(); ++i) {
    const std::string& arg = flags[i];
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument("flag argument #" + std::to_string(i + 1) +
                                     ": expected --<section>.<key>=<value>, e.g. "
                                     "--store.table=runs");
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string where = "flag " + name;
    RawValue v;
    if (eq != std::string::npos) {
      v.text = arg.substr(eq + 1);
    } else if (i + 1 < flags.size()) {
      v.text = flags[++i];
    } else {
      return Status::InvalidArgument(where + ": expected a value (" + name + "=<value>)");
    }
    const std::string_view dotted = std::string_view(name).substr(2);
    const size_t dot = dotted.find('.');
    if (dot == std::string_view::npos) {
      return Status::InvalidArgument(where +
                                     ": expected --<section>.<key>=<value>, e.g. "
                                     "--store.table=runs");
    }
    const std::string_view section = dotted.substr(0, dot);
    const std::string_view key_name = dotted.substr(dot + 1);
    if (!internal::IsSection(section)) {
      return Status::InvalidArgument(where + ": unknown section [" + std::string(section) +
                                     "]; valid sections: " + internal::ValidSections());
    }
    const KeyInfo* key = FindConfigKey(section, key_name);
    if (key == nullptr) {
      return Status::InvalidArgument(where + ": unknown key \"" + std::string(key_name) +
                                     "\" in [" + std::string(section) +
                                     "]; valid keys: " + internal::ValidKeysOf(section));
    }
    DYNAFLOW_RETURN_IF_ERROR(internal::SetKey(*key, v, where, config));
  }
  return Status::OK();
}

Status ValidateConfig(const Config& c) {
  const StoreConfig& s = c.store;
  const bool has_id = !s.aws_access_key_id.empty();
  const bool has_secret = !s.aws_secret_access_key.empty();
  if (!s.aws_profile.empty() && (has_id || has_secret)) {
    const char* key = has_id ? "store.aws-access-key-id" : "store.aws-secret-access-key";
    return Status::InvalidArgument(
        "[store] aws-profile (" + std::string(OriginOf(c, "store.aws-profile")) +
        ") and explicit keys (" + std::string(key + 6) + ", " + std::string(OriginOf(c, key)) +
        ") are both set; configure either a profile or explicit keys, not both");
  }
  if (has_id && !has_secret) {
    return Status::InvalidArgument("[store] aws-access-key-id (" +
                                   std::string(OriginOf(c, "store.aws-access-key-id")) +
                                   ") is set but aws-secret-access-key is not; explicit keys "
                                   "need both");
  }
  if (has_secret && !has_id) {
    return Status::InvalidArgument("[store] aws-secret-access-key (" +
                                   std::string(OriginOf(c, "store.aws-secret-access-key")) +
                                   ") is set but aws-access-key-id is not; explicit keys need "
                                   "both");
  }
  if (!s.aws_session_token.empty() && !has_id) {
    return Status::InvalidArgument("[store] aws-session-token (" +
                                   std::string(OriginOf(c, "store.aws-session-token")) +
                                   ") is set without aws-access-key-id and "
                                   "aws-secret-access-key");
  }
  const WorkerConfig& w = c.worker;
  if (w.heartbeat_interval >= w.lease_duration) {
    return Status::InvalidArgument(
        "[worker] heartbeat-interval (" + FormatDuration(w.heartbeat_interval) + ", " +
        std::string(OriginOf(c, "worker.heartbeat-interval")) +
        ") must be shorter than lease-duration (" + FormatDuration(w.lease_duration) + ", " +
        std::string(OriginOf(c, "worker.lease-duration")) + ")");
  }
  if (w.poll_interval > w.max_poll_interval) {
    return Status::InvalidArgument("[worker] poll-interval (" + FormatDuration(w.poll_interval) +
                                   ", " + std::string(OriginOf(c, "worker.poll-interval")) +
                                   ") must not exceed max-poll-interval (" +
                                   FormatDuration(w.max_poll_interval) + ", " +
                                   std::string(OriginOf(c, "worker.max-poll-interval")) + ")");
  }
  return Status::OK();
}

Result<Config> LoadConfig(const LoadOptions& options) {
  Config config;
  std::string path = options.path;
  if (path.empty()) {
    const auto from_env =
        options.env ? options.env("DYNAFLOW_CONFIG") : dynamodb::GetEnv("DYNAFLOW_CONFIG");
    if (from_env) path = *from_env;
  }
  if (!path.empty()) DYNAFLOW_RETURN_IF_ERROR(ApplyConfigFile(path, &config));
  DYNAFLOW_RETURN_IF_ERROR(ApplyEnvironment(options.env, &config));
  DYNAFLOW_RETURN_IF_ERROR(ApplyFlags(options.flags, &config));
  DYNAFLOW_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

}  // namespace dynaflow::config
