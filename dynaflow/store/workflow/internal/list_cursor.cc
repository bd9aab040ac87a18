#include "dynaflow/store/workflow/internal/list_cursor.h"

#include "dynaflow/store/dynamodb/client/base64.h"
#include "dynaflow/store/dynamodb/client/crypto.h"

namespace dynaflow::store::internal {

namespace {
constexpr char kBuiltInKey[] = "dynaflow workflow-store list cursor, built-in key v1";
constexpr size_t kMacBytes = 16;
}  // namespace

ListCursorSigner::ListCursorSigner(std::string secret)
    : key_(secret.empty() ? std::string(kBuiltInKey) : std::move(secret)) {}

std::string ListCursorSigner::Mac(std::string_view binding, std::string_view last_key) const {
  std::string data = "list-cursor-v1";
  data += '\0';
  data += std::to_string(binding.size());
  data += ':';
  data += binding;
  data += last_key;
  return dynamodb::HmacSha256(key_, data).substr(0, kMacBytes);
}

std::string ListCursorSigner::Encode(std::string_view binding, std::string_view last_key) const {
  std::string raw(last_key);
  raw += Mac(binding, last_key);
  return dynamodb::Base64UrlEncode(raw);
}

Result<std::string> ListCursorSigner::Decode(std::string_view binding,
                                             std::string_view cursor) const {
  auto raw = dynamodb::Base64UrlDecode(cursor);
  if (!raw || raw->size() <= kMacBytes) {
    return Status::InvalidArgument("malformed list cursor");
  }
  std::string last_key = raw->substr(0, raw->size() - kMacBytes);
  std::string mac = Mac(binding, last_key);
  if (!dynamodb::ConstantTimeEqual(mac, std::string_view(*raw).substr(last_key.size()))) {
    return Status::InvalidArgument(
        "list cursor fails authentication: it belongs to another listing, key prefix or secret");
  }
  return last_key;
}

}  // namespace dynaflow::store::internal
