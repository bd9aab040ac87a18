#include "dynaflow/store/table/internal/cursor.h"

#include "dynaflow/store/dynamodb/client/base64.h"
#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/table/internal/varint_bytes.h"

namespace dynaflow::table::internal {
namespace {

// Format version 1: [version][fields...][32-byte HMAC-SHA256 of everything before it].
constexpr char kVersion = 1;
constexpr size_t kMacBytes = 32;
// Used when TableOptions::cursor_secret is empty. Public by construction: it only detects
// accidental misuse, it does not stop forgery.
constexpr std::string_view kBuiltInKey = "dynaflow/table/cursor/v1/built-in-key";

Status Invalid(std::string why) { return Status::InvalidArgument("invalid query cursor: " + why); }

}  // namespace

CursorBinding CursorBinding::For(std::string table, const QueryRequest& request) {
  return CursorBinding{std::move(table), request.index, request.partition, request.forward,
                       request.sort};
}

CursorSigner::CursorSigner(std::string secret)
    : key_(secret.empty() ? std::string(kBuiltInKey) : std::move(secret)) {}

std::string CursorSigner::Encode(const CursorBinding& b, const CursorPosition& p) const {
  std::string raw(1, kVersion);
  PutBytes(&raw, b.table);
  raw.push_back(static_cast<char>(b.index));
  PutBytes(&raw, b.partition);
  raw.push_back(b.forward ? 1 : 0);
  raw.push_back(b.sort ? static_cast<char>(1 + static_cast<int>(b.sort->op)) : 0);
  PutBytes(&raw, b.sort ? b.sort->value : "");
  PutBytes(&raw, b.sort ? b.sort->upper : "");
  PutBytes(&raw, p.last.pk);
  PutBytes(&raw, p.last.sk);
  PutBytes(&raw, p.index_sk);
  raw += dynamodb::HmacSha256(key_, raw);
  return dynamodb::Base64UrlEncode(raw);
}

Result<CursorPosition> CursorSigner::Decode(const CursorBinding& want,
                                            std::string_view cursor) const {
  std::optional<std::string> raw = dynamodb::Base64UrlDecode(cursor);
  if (!raw) return Invalid("not a base64url string");
  if (raw->size() < 1 + kMacBytes) return Invalid("too short (truncated?)");
  std::string_view body(raw->data(), raw->size() - kMacBytes);
  if (!dynamodb::ConstantTimeEqual(dynamodb::HmacSha256(key_, body),
                                   std::string_view(*raw).substr(body.size()))) {
    return Invalid(
        "authentication failed (the cursor was altered, truncated, or issued by a table with "
        "another cursor secret)");
  }
  ByteReader r(body);
  uint8_t version = 0, index = 0, forward = 0, sort_op = 0;
  CursorBinding got;
  std::string sort_value, sort_upper;
  CursorPosition p;
  if (!r.Byte(&version) || version != kVersion) return Invalid("unknown format version");
  if (!r.Bytes(&got.table) || !r.Byte(&index) || !r.Bytes(&got.partition) || !r.Byte(&forward) ||
      !r.Byte(&sort_op) || !r.Bytes(&sort_value) || !r.Bytes(&sort_upper) || !r.Bytes(&p.last.pk) ||
      !r.Bytes(&p.last.sk) || !r.Bytes(&p.index_sk) || !r.done() || index > 2 || forward > 1 ||
      sort_op > 7) {
    return Invalid("malformed");
  }
  got.index = static_cast<Index>(index);
  got.forward = forward == 1;
  if (sort_op != 0) {
    got.sort = SortKeyCondition{static_cast<SortKeyCondition::Op>(sort_op - 1),
                                std::move(sort_value), std::move(sort_upper)};
  }
  if (got.table != want.table) {
    return Invalid("it was issued by table '" + got.table + "', not '" + want.table + "'");
  }
  if (got.index != want.index) {
    return Invalid("it was issued for index " + std::string(IndexName(got.index)) + ", not " +
                   std::string(IndexName(want.index)));
  }
  if (got.partition != want.partition) return Invalid("it was issued for another partition");
  if (got.forward != want.forward) return Invalid("it was issued for the opposite direction");
  if (got.sort != want.sort) return Invalid("it was issued for another sort-key condition");
  if (want.index == Index::kPrimary && p.last.pk != want.partition) return Invalid("malformed");
  return p;
}

}  // namespace dynaflow::table::internal
