#include "dynaflow/store/dynamodb/client/internal/json.h"

#include <rapidjson/error/en.h>

#include <array>
#include <cstring>
#include <limits>
#include <vector>

#include "dynaflow/store/dynamodb/client/base64.h"

namespace dynaflow::dynamodb::json {

std::string Path::ToString() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p->parent_ != nullptr; p = p->parent_) chain.push_back(p);
  if (chain.empty()) return "$";
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path* p = *it;
    if (p->is_index_) {
      out += '[';
      out += std::to_string(p->index_);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out.append(p->key_);
    }
  }
  return out;
}

Status Error(const Path& at, std::string_view what) {
  std::string msg = at.ToString();
  msg += ": ";
  msg.append(what);
  return Status::Serialization(std::move(msg));
}

std::string_view TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "an unknown value";
}

namespace {

Status TypeError(const Value& v, const Path& at, std::string_view expected) {
  std::string what = "expected ";
  what.append(expected);
  what += ", got ";
  what.append(TypeName(v));
  return Error(at, what);
}

}  // namespace

Document::Document()
    : value_allocator_(value_buffer_, sizeof(value_buffer_)),
      parse_allocator_(parse_buffer_, sizeof(parse_buffer_)),
      doc_(&value_allocator_, kInitialStackBytes, &parse_allocator_) {}

Status Document::Parse(std::string_view text) {
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag;
  // In-situ parsing decodes strings inside our own copy of the text, so string values are
  // not copied again into the allocator. The copy is NUL-terminated, as rapidjson requires; an
  // embedded NUL would end the input early, so it is rejected up front.
  if (const void* nul = text.empty() ? nullptr : std::memchr(text.data(), 0, text.size())) {
    size_t offset = static_cast<size_t>(static_cast<const char*>(nul) - text.data());
    return Status::Serialization("invalid JSON at offset " + std::to_string(offset) +
                                 ": raw NUL byte");
  }
  buffer_.assign(text.data(), text.size());
  doc_.ParseInsitu<kFlags>(buffer_.data());
  if (!doc_.HasParseError()) return Status::OK();
  std::string msg = "invalid JSON at offset ";
  msg += std::to_string(doc_.GetErrorOffset());
  msg += ": ";
  msg += rapidjson::GetParseError_En(doc_.GetParseError());
  doc_.SetNull();
  return Status::Serialization(std::move(msg));
}

const Value* Find(const Value& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  // Linear scan (what rapidjson's FindMember does); objects in DynamoDB bodies are small.
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const Value& name = it->name;
    if (name.GetStringLength() == key.size() &&
        std::string_view(name.GetString(), key.size()) == key) {
      return it->value.IsNull() ? nullptr : &it->value;
    }
  }
  return nullptr;
}

Status Get(const Value& object, std::string_view key, const Path& at, const Value** out) {
  if (!object.IsObject()) return TypeError(object, at, "an object");
  const Value* v = Find(object, key);
  if (v == nullptr) return Error(at.Key(key), "missing");
  *out = v;
  return Status::OK();
}

Status CheckObject(const Value& v, const Path& at) {
  return v.IsObject() ? Status::OK() : TypeError(v, at, "an object");
}

Status CheckArray(const Value& v, const Path& at) {
  return v.IsArray() ? Status::OK() : TypeError(v, at, "an array");
}

Status GetString(const Value& v, const Path& at, std::string_view* out) {
  if (!v.IsString()) return TypeError(v, at, "a string");
  *out = StringOf(v);
  return Status::OK();
}

Status GetString(const Value& v, const Path& at, std::string* out) {
  if (!v.IsString()) return TypeError(v, at, "a string");
  out->assign(v.GetString(), v.GetStringLength());
  return Status::OK();
}

Status GetBool(const Value& v, const Path& at, bool* out) {
  if (!v.IsBool()) return TypeError(v, at, "a boolean");
  *out = v.GetBool();
  return Status::OK();
}

Status GetInt(const Value& v, const Path& at, int* out) {
  if (!v.IsInt()) {
    return v.IsNumber() ? Error(at, "expected a 32-bit integer") : TypeError(v, at, "an integer");
  }
  *out = v.GetInt();
  return Status::OK();
}

Status GetInt64(const Value& v, const Path& at, int64_t* out) {
  if (!v.IsInt64()) {
    return v.IsNumber() ? Error(at, "expected a 64-bit integer") : TypeError(v, at, "an integer");
  }
  *out = v.GetInt64();
  return Status::OK();
}

Status GetDouble(const Value& v, const Path& at, double* out) {
  if (!v.IsNumber()) return TypeError(v, at, "a number");
  *out = v.GetDouble();
  return Status::OK();
}

namespace {

// For each byte: 0 when it is written as is, else the character after the backslash of its
// escape ('u' for \u00XX).
constexpr std::array<char, 256> MakeEscapes() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> kEscapes = MakeEscapes();

// True when one of the 8 bytes at `p` may need an escape (exact for "none does": a false
// positive only sends the caller to the byte-by-byte path).
inline bool MayNeedEscape(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t v;
  std::memcpy(&v, p, 8);
  uint64_t below_space = (v - kOnes * 0x20) & ~v & kHigh;
  uint64_t q = v ^ (kOnes * '"');
  uint64_t quote = (q - kOnes) & ~q & kHigh;
  uint64_t b = v ^ (kOnes * '\\');
  uint64_t backslash = (b - kOnes) & ~b & kHigh;
  return (below_space | quote | backslash) != 0;
}

}  // namespace

void StringSink::Grow(size_t n) {
  size_t used = static_cast<size_t>(cur_ - buf_.data());
  size_t size = buf_.size() * 2;
  if (size < used + n) size = used + n;
  buf_.resize(size);
  cur_ = buf_.data() + used;
  end_ = buf_.data() + size;
}

std::string StringSink::Release() {
  buf_.resize(static_cast<size_t>(cur_ - buf_.data()));
  std::string out = std::move(buf_);
  buf_.clear();
  cur_ = end_ = buf_.data();
  return out;
}

void Writer::StringWriter::WriteString(std::string_view s) {
  Prefix(rapidjson::kStringType);
  StringSink& out = *os_;
  out.Reserve(s.size() + 2);
  out.PutUnsafe('"');
  const char* data = s.data();
  size_t run = 0;  // start of the pending unescaped run
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Skip 8 bytes at a time while none is a control byte, '"' or '\\'.
    if (i + 8 <= n && !MayNeedEscape(data + i)) {
      i += 8;
      continue;
    }
    char e = kEscapes[static_cast<unsigned char>(data[i])];
    if (e == 0) {
      ++i;
      continue;
    }
    out.Append(data + run, i - run);
    run = i + 1;
    out.Reserve(6);
    out.PutUnsafe('\\');
    out.PutUnsafe(e);
    if (e == 'u') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      unsigned char c = static_cast<unsigned char>(data[i]);
      out.PutUnsafe('0');
      out.PutUnsafe('0');
      out.PutUnsafe(kHex[c >> 4]);
      out.PutUnsafe(kHex[c & 0xF]);
    }
    ++i;
  }
  out.Append(data + run, n - run);
  out.Put('"');
  EndValue(true);
}

void Writer::Base64String(std::string_view raw) {
  scratch_.clear();
  Base64EncodeAppend(raw, &scratch_);
  String(scratch_);
}

}  // namespace dynaflow::dynamodb::json
