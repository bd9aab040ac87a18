// A thin rapidjson facade for the DynamoDB JSON wire format (wire.h).
//
// Reading: `Find` returns nullptr when a member is absent; the checked accessors (`Get*`) verify
// the JSON type before any access and return Status kSerialization naming the JSON path of the
// offending value ("Items[2].payload.M.x: expected a string, got a number"). No rapidjson
// accessor is ever called on a value of the wrong type, so malformed input cannot trip a
// rapidjson assertion. Nothing here throws.
//
// Writing: `Writer` appends compact JSON straight into a std::string (no intermediate buffer).
//
// Thread-safety: every type here is a plain value; distinct objects may be used from distinct
// threads. A Document must not be parsed into while another thread reads it.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "dynaflow/model/status.h"

namespace dynaflow::dynamodb::json {

using Value = rapidjson::Value;

// ---- Paths ---------------------------------------------------------------------------------

// A location in a JSON document, used only to word error messages. A Path is a chain of
// stack-allocated links (no allocation); it is rendered to text only when an error is reported.
//
// Lifetime: a Path refers to its parent and to its key's characters, which must outlive it.
// Pass children as temporaries (`Decode(v, path.Key("Item"))`); never store a child of a
// temporary (`Path p = root.Key("a").Key("b")` dangles).
class Path {
 public:
  // The document root. It renders as "$" when an error is reported at the root itself.
  Path() = default;

  Path Key(std::string_view key) const { return Path(this, key, 0, false); }
  Path Index(size_t index) const { return Path(this, {}, index, true); }

  // "Items[2].payload.M.x"; "$" for the root.
  std::string ToString() const;

 private:
  Path(const Path* parent, std::string_view key, size_t index, bool is_index)
      : parent_(parent), key_(key), index_(index), is_index_(is_index) {}

  const Path* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

// Status kSerialization with message "<path>: <what>".
Status Error(const Path& at, std::string_view what);

// A short name of the JSON type of `v`: "null", "a boolean", "an object", "an array", "a string",
// "a number".
std::string_view TypeName(const Value& v);

// ---- Reading -------------------------------------------------------------------------------

// A parsed JSON document. Owns all memory of its values; small documents are parsed without
// heap allocation (the first few KB come from buffers inside this object, so keep it on the
// stack or in a long-lived owner, not in a hot allocation loop).
class Document {
 public:
  Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Parses a copy of `text` (need not be NUL-terminated). The parse is iterative, so deeply
  // nested input cannot exhaust the stack. Trailing non-whitespace and raw NUL bytes are errors.
  // Returns OK, or kSerialization "invalid JSON at offset N: <reason>" (also for empty text).
  // Call at most once per Document.
  Status Parse(std::string_view text);

  // The root value; a JSON null before a successful Parse. Valid while this Document lives.
  const Value& root() const { return doc_; }

 private:
  using Allocator = rapidjson::MemoryPoolAllocator<>;
  // Beyond these buffers the pools take 64 KB chunks from the heap.
  static constexpr size_t kValueBufferBytes = 8192;  // DOM nodes
  static constexpr size_t kParseBufferBytes = 4096;  // the parser's stack
  // The parser's initial stack; it grows in place inside parse_buffer_ (which also holds the
  // pool's chunk header), so it must start well below kParseBufferBytes.
  static constexpr size_t kInitialStackBytes = 1024;

  alignas(std::max_align_t) char value_buffer_[kValueBufferBytes];
  alignas(std::max_align_t) char parse_buffer_[kParseBufferBytes];
  Allocator value_allocator_;
  Allocator parse_allocator_;
  rapidjson::GenericDocument<rapidjson::UTF8<>, Allocator, Allocator> doc_;
  std::string buffer_;  // the parsed text; string values point into it
};

// Member `key` of `object`; nullptr when `object` is not an object, when the member is absent,
// or when its value is JSON null (emulators sometimes write null for absent fields).
const Value* Find(const Value& object, std::string_view key);

// The required member `key` of `object` (at `at`) in `*out`.
// Errors: kSerialization "<at>: expected an object, got ..." or "<at>.<key>: missing".
Status Get(const Value& object, std::string_view key, const Path& at, const Value** out);

// Checked conversions of `v` (found at `at`). On a type mismatch: kSerialization
// "<at>: expected <type>, got <type>"; `*out` is left unchanged.
Status CheckObject(const Value& v, const Path& at);
Status CheckArray(const Value& v, const Path& at);
// The view points into the Document and is valid while it lives; may contain NUL bytes.
Status GetString(const Value& v, const Path& at, std::string_view* out);
Status GetString(const Value& v, const Path& at, std::string* out);
Status GetBool(const Value& v, const Path& at, bool* out);
// Integral JSON numbers within range only ("5.0" or 1e3 are rejected).
Status GetInt(const Value& v, const Path& at, int* out);
Status GetInt64(const Value& v, const Path& at, int64_t* out);
// Any JSON number. For metrics only (consumed capacity); never for DynamoDB N values.
Status GetDouble(const Value& v, const Path& at, double* out);

// The string view of a value known to be a string (no check).
inline std::string_view StringOf(const Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

// ---- Writing -------------------------------------------------------------------------------

// Output stream writing into a std::string through a raw cursor (rapidjson OutputStream
// concept). rapidjson reserves room before each run of unchecked writes, so the per-character
// path is a plain store.
class StringSink {
 public:
  using Ch = char;
  explicit StringSink(size_t reserve) : cur_(buf_.data()), end_(buf_.data()) { Grow(reserve); }

  void Reserve(size_t n) {
    if (static_cast<size_t>(end_ - cur_) < n) Grow(n);
  }
  void PutUnsafe(char c) { *cur_++ = c; }
  void Put(char c) {
    Reserve(1);
    PutUnsafe(c);
  }
  void Flush() {}
  void Append(const char* p, size_t n) {
    Reserve(n);
    if (n != 0) std::memcpy(cur_, p, n);
    cur_ += n;
  }

  // Trims the buffer to what was written and hands it over; the sink is empty afterwards.
  std::string Release();

 private:
  void Grow(size_t n);

  std::string buf_;
  char* cur_ = nullptr;
  char* end_ = nullptr;
};
// Found by argument-dependent lookup from rapidjson::Writer.
inline void PutReserve(StringSink& sink, size_t n) { sink.Reserve(n); }
inline void PutUnsafe(StringSink& sink, char c) { sink.PutUnsafe(c); }

// Compact JSON writer. Misuse (a value where a key is due, unbalanced End*) is a programming
// bug. Strings are written byte-for-byte with JSON escapes for '"', '\\' and control bytes
// (NUL bytes included); bytes >= 0x80 are written as they are (the caller provides UTF-8).
class Writer {
 public:
  // `reserve`: initial buffer size in bytes (the buffer grows as needed).
  explicit Writer(size_t reserve = 256) : sink_(reserve), writer_(sink_) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void StartObject() { writer_.StartObject(); }
  void EndObject() { writer_.EndObject(); }
  void StartArray() { writer_.StartArray(); }
  void EndArray() { writer_.EndArray(); }
  void Key(std::string_view k) { writer_.WriteString(k); }
  void String(std::string_view s) { writer_.WriteString(s); }
  void Bool(bool b) { writer_.Bool(b); }
  void Int(int i) { writer_.Int(i); }
  void Int64(int64_t i) { writer_.Int64(i); }
  // Writes `raw` bytes as a base64 (RFC 4648, padded) JSON string.
  void Base64String(std::string_view raw);

  // Key + string value.
  void Member(std::string_view k, std::string_view s) {
    Key(k);
    String(s);
  }
  // Key + bool / integer value.
  void BoolMember(std::string_view k, bool b) {
    Key(k);
    Bool(b);
  }
  void IntMember(std::string_view k, int i) {
    Key(k);
    Int(i);
  }
  void Int64Member(std::string_view k, int64_t i) {
    Key(k);
    Int64(i);
  }
  // Key + an object whose members `write_members()` writes.
  template <class WriteMembers>
  void ObjectMember(std::string_view k, WriteMembers&& write_members) {
    Key(k);
    StartObject();
    write_members();
    EndObject();
  }
  // Key + an array whose elements `write_elements()` writes.
  template <class WriteElements>
  void ArrayMember(std::string_view k, WriteElements&& write_elements) {
    Key(k);
    StartArray();
    write_elements();
    EndArray();
  }

  // The JSON written so far; call once, after the root value is complete.
  std::string Release() { return sink_.Release(); }

 private:
  // rapidjson's writer with a string routine that copies unescaped runs in bulk (rapidjson's
  // own goes byte by byte); the output is the same.
  class StringWriter : public rapidjson::Writer<StringSink> {
   public:
    explicit StringWriter(StringSink& sink) : rapidjson::Writer<StringSink>(sink) {}
    void WriteString(std::string_view s);
  };

  StringSink sink_;
  StringWriter writer_;
  std::string scratch_;  // reused base64 buffer
};

// A whole JSON object as text: `write_members(writer)` writes its members. `reserve`: initial
// buffer size in bytes.
template <class WriteMembers>
std::string ObjectText(size_t reserve, WriteMembers&& write_members) {
  Writer w(reserve);
  w.StartObject();
  write_members(w);
  w.EndObject();
  return w.Release();
}

}  // namespace dynaflow::dynamodb::json
