#include "store/table/internal/cursor.h"

#include "store/dynamodb/client/base64.h"
#include "store/dynamodb/client/crypto.h"

namespace dynaflow::table::internal {
namespace {

// Format version 1: [version][fields...][32-byte HMAC-SHA256 of everything before it].
constexpr char kVersion = 1;
constexpr size_t kMacBytes = 32;
// Used when TableOptions::cursor_secret is empty. Public by construction: it only detects
// accidental misuse, it does not stop forgery.
constexpr std::string_view kBuiltInKey = "dynaflow/table/cursor/v1/built-in-key";

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Sequential reader over the decoded bytes; every getter returns false on truncation.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Byte(uint8_t* b) {
    if (in_.empty()) return false;
    *b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool String(std::string* s) {
    uint64_t n;
    if (!Varint(&n) || n > in_.size()) return false;
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

Status Invalid(std::string why) { return Status::InvalidArgument("invalid query cursor: " + why); }

}  // namespace

CursorBinding CursorBinding::For(std::string table, const QueryRequest& request) {
  return CursorBinding{std::move(table), request.index, request.partition, request.forward,
                       request.sort};
}

CursorCodec::CursorCodec(std::string secret)
    : key_(secret.empty() ? std::string(kBuiltInKey) : std::move(secret)) {}

std::string CursorCodec::Encode(const CursorBinding& b, const CursorPosition& p) const {
  std::string raw(1, kVersion);
  PutString(&raw, b.table);
  raw.push_back(static_cast<char>(b.index));
  PutString(&raw, b.partition);
  raw.push_back(b.forward ? 1 : 0);
  raw.push_back(b.sort ? static_cast<char>(1 + static_cast<int>(b.sort->op)) : 0);
  PutString(&raw, b.sort ? b.sort->value : "");
  PutString(&raw, b.sort ? b.sort->upper : "");
  PutString(&raw, p.last.pk);
  PutString(&raw, p.last.sk);
  PutString(&raw, p.index_sk);
  raw += dynamodb::HmacSha256(key_, raw);
  return dynamodb::Base64UrlEncode(raw);
}

Result<CursorPosition> CursorCodec::Decode(const CursorBinding& want,
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
  Reader r(body);
  uint8_t version = 0, index = 0, forward = 0, sort_op = 0;
  CursorBinding got;
  std::string sort_value, sort_upper;
  CursorPosition p;
  if (!r.Byte(&version) || version != kVersion) return Invalid("unknown format version");
  if (!r.String(&got.table) || !r.Byte(&index) || !r.String(&got.partition) || !r.Byte(&forward) ||
      !r.Byte(&sort_op) || !r.String(&sort_value) || !r.String(&sort_upper) ||
      !r.String(&p.last.pk) || !r.String(&p.last.sk) || !r.String(&p.index_sk) || !r.done() ||
      index > 2 || forward > 1 || sort_op > 7) {
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
