// Length-prefixed binary encoding shared by the table's query cursors (cursor.cc) and the
// SQLite backend's attribute blobs (sqlite_item_blob.cc): LEB128 varints and byte strings
// prefixed by their varint length.
// Thread-safety: pure functions; a ByteReader is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dynaflow::table::internal {

// Appends `v` as an unsigned LEB128 varint (7 bits a byte, low bits first).
void PutVarint(std::string* out, uint64_t v);

// Appends the varint length of `s`, then `s`.
void PutBytes(std::string* out, std::string_view s);

// Reads from a byte range; every method fails (returns false) instead of reading past the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool done() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  size_t pos() const { return pos_; }

  bool Byte(uint8_t* b);
  // False for a truncated varint or one that overflows 64 bits.
  bool Varint(uint64_t* v);
  // A count of elements that each take at least one byte: bounded by what remains.
  bool Count(uint64_t* n) { return Varint(n) && *n <= remaining(); }
  // A byte string written by PutBytes.
  bool Bytes(std::string* s);

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace dynaflow::table::internal
