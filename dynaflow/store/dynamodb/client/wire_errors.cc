// Error responses and x-amz-crc32 verification.
#include <charconv>
#include <cstdint>

#include "dynaflow/store/dynamodb/client/internal/crc32.h"
#include "dynaflow/store/dynamodb/client/internal/wire_internal.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

namespace {

// "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" and
// "ConditionalCheckFailedException:http://internal.amazon.com/coral/..." both name
// "ConditionalCheckFailedException".
std::string ExceptionName(std::string_view raw) {
  size_t colon = raw.find(':');
  if (colon != std::string_view::npos) raw = raw.substr(0, colon);
  size_t hash = raw.rfind('#');
  if (hash != std::string_view::npos) raw = raw.substr(hash + 1);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  return std::string(raw);
}

std::string TypeFromStatus(int http_status) {
  switch (http_status) {
    case 413:
      return "RequestEntityTooLarge";
    case 429:
      return "TooManyRequestsException";
    case 500:
      return "InternalServerError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return kSerializationError;
  }
}

std::string Snippet(std::string_view body) {
  std::string out;
  size_t n = body.size() < kErrorBodySnippetBytes ? body.size() : kErrorBodySnippetBytes;
  out.reserve(n + 3);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  if (body.size() > n) out += "...";
  return out;
}

// Appends "; <what>" to the message: notes about malformed fields that were dropped.
void Note(Error* e, std::string_view what) {
  if (!e->message.empty()) e->message += "; ";
  e->message.append(what);
}

void ReadCancellationReasons(const Value& v, const Path& at, Error* e) {
  if (!v.IsArray()) {
    Note(e, "CancellationReasons ignored: " + json::Error(at, "expected an array").message());
    return;
  }
  e->cancellation_reasons.resize(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const Value& r = v[i];
    CancellationReason& reason = e->cancellation_reasons[i];
    Path rp = at.Index(i);
    if (!r.IsObject()) {
      Note(e, json::Error(rp, "expected an object").message());
      continue;
    }
    Status s = wire::ReadOptionalString(r, "Code", rp, &reason.code);
    if (s.ok()) s = wire::ReadOptionalString(r, "Message", rp, &reason.message);
    if (s.ok()) s = wire::ReadOptionalItem(r, "Item", rp, &reason.item);
    if (!s.ok()) {
      reason.item.reset();
      Note(e, "malformed field ignored: " + s.message());
    }
  }
}

}  // namespace

Error ParseErrorResponse(int http_status, const HttpHeaders& headers, std::string_view body) {
  Error e;
  e.http_status = http_status;
  if (const std::string* id = FindHeader(headers, "x-amzn-RequestId")) e.request_id = *id;
  std::string header_type;
  if (const std::string* t = FindHeader(headers, "x-amzn-ErrorType")) {
    header_type = ExceptionName(*t);
  }

  json::Document doc;
  Status parsed = wire::ParseObject(body, &doc);
  if (!parsed.ok()) {
    e.type = !header_type.empty() ? header_type : TypeFromStatus(http_status);
    e.message = body.empty() ? "empty error body"
                             : "unparseable error body (" + std::to_string(body.size()) +
                                   " bytes): " + Snippet(body);
    return e;
  }

  const Value& root = doc.root();
  Path at;
  std::string raw_type;
  if (const Value* t = json::Find(root, "__type"); t != nullptr && t->IsString()) {
    raw_type = ExceptionName(json::StringOf(*t));
  }
  e.type = !raw_type.empty()      ? raw_type
           : !header_type.empty() ? header_type
                                  : TypeFromStatus(http_status);

  for (std::string_view key : {"message", "Message"}) {
    if (const Value* m = json::Find(root, key); m != nullptr && m->IsString()) {
      e.message = std::string(json::StringOf(*m));
      break;
    }
  }
  if (const Value* reasons = json::Find(root, "CancellationReasons")) {
    ReadCancellationReasons(*reasons, at.Key("CancellationReasons"), &e);
  }
  Status s = wire::ReadOptionalItem(root, "Item", at, &e.item);
  if (!s.ok()) {
    e.item.reset();
    Note(&e, "malformed field ignored: " + s.message());
  }
  return e;
}

Status VerifyCrc32(const HttpHeaders& headers, std::string_view body) {
  const std::string* header = FindHeader(headers, "x-amz-crc32");
  if (header == nullptr) return Status::OK();
  std::string_view text = *header;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  uint64_t expected = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expected);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      expected > 0xFFFFFFFFull) {
    std::string shown(text.substr(0, 32));
    return Status::Serialization("x-amz-crc32 header '" + shown + "' is not a decimal CRC-32");
  }
  uint32_t actual = internal::Crc32(body);
  if (actual == expected) return Status::OK();
  return Status::Serialization("x-amz-crc32 mismatch: header " + std::to_string(expected) +
                               ", body (" + std::to_string(body.size()) + " bytes) " +
                               std::to_string(actual));
}

}  // namespace dynaflow::dynamodb
