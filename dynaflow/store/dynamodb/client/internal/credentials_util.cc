#include "dynaflow/store/dynamodb/client/internal/credentials_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "dynaflow/store/dynamodb/client/internal/aws_time.h"
#include "dynaflow/store/dynamodb/client/internal/json.h"

namespace dynaflow::dynamodb::internal {

Status ReadSmallFile(const std::string& path, std::string_view what, size_t max_bytes,
                     std::string* out) {
  const std::string name = std::string(what) + " " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(name + " does not exist");
    const std::string msg = "cannot read " + name + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
    return Status::Unavailable(msg);
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("cannot read " + name + ": it is a directory");
  }
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Status::Unavailable("cannot read " + name + ": " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return Status::InvalidArgument("cannot read " + name + ": larger than " +
                                     std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  *out = std::move(data);
  return Status::OK();
}

std::string Redact(std::string text, std::initializer_list<std::string_view> secrets) {
  static constexpr std::string_view kMark = "<redacted>";
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kMark.size())) {
      text.replace(pos, secret.size(), kMark);
    }
  }
  return text;
}

std::string_view TrimAscii(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool IsTrueSetting(std::string_view value) {
  value = TrimAscii(value);
  if (value == "1") return true;
  if (value.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != "true"[i]) return false;
  }
  return true;
}

Result<Credentials> ParseJsonCredentials(std::string_view body, std::string_view token_key,
                                         std::string_view what) {
  json::Document doc;
  if (Status st = doc.Parse(body); !st.ok()) return st.WithContext(what);
  const json::Path root;
  if (Status st = json::CheckObject(doc.root(), root); !st.ok()) return st.WithContext(what);
  Credentials c;
  const json::Value* v = nullptr;
  if (Status st = json::Get(doc.root(), "AccessKeyId", root, &v); !st.ok()) {
    return st.WithContext(what);
  }
  if (Status st = json::GetString(*v, root.Key("AccessKeyId"), &c.access_key_id); !st.ok()) {
    return st.WithContext(what);
  }
  if (Status st = json::Get(doc.root(), "SecretAccessKey", root, &v); !st.ok()) {
    return st.WithContext(what);
  }
  if (Status st = json::GetString(*v, root.Key("SecretAccessKey"), &c.secret_access_key);
      !st.ok()) {
    return st.WithContext(what);
  }
  if (c.access_key_id.empty())
    return Status::Serialization(std::string(what) + ": AccessKeyId: empty");
  if (c.secret_access_key.empty()) {
    return Status::Serialization(std::string(what) + ": SecretAccessKey: empty");
  }
  if (const json::Value* t = json::Find(doc.root(), token_key)) {
    if (Status st = json::GetString(*t, root.Key(token_key), &c.session_token); !st.ok()) {
      return st.WithContext(what);
    }
  }
  if (const json::Value* e = json::Find(doc.root(), "Expiration")) {
    std::string text;
    if (Status st = json::GetString(*e, root.Key("Expiration"), &text); !st.ok()) {
      return st.WithContext(what);
    }
    auto t = ParseIso8601(text);
    if (!t.ok()) return t.status().WithContext(std::string(what) + ": Expiration");
    c.expiration = *t;
  }
  return c;
}

}  // namespace dynaflow::dynamodb::internal
