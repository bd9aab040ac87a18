// Query cursors: opaque, URL-safe (base64url without padding), authenticated strings carrying
// the position after the last item of a page, bound to the query they came from.
//
// A cursor holds its binding (table identity, index, partition, direction, sort-key condition)
// and position (the last item's PK, SK and, for a GSI, its index sort key), followed by an
// HMAC-SHA256 of all of it under TableOptions::cursor_secret (or a built-in key when empty).
// Decoding a cursor with a binding other than its own, or one edited in any way, fails; a
// cursor can therefore never lead a query into another partition, index or table.
// The contents are authenticated, not encrypted: the position's keys are readable by whoever
// holds the cursor (they are keys of items that holder was already shown).
// Thread-safety: CursorSigner is immutable after construction; share it freely.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dynaflow/model/result.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

// What a cursor is bound to: everything of a QueryRequest except limit, cursor, consistency.
struct CursorBinding {
  std::string table;  // backend identity, e.g. Table::name()
  Index index = Index::kPrimary;
  std::string partition;
  bool forward = true;
  std::optional<SortKeyCondition> sort;

  static CursorBinding For(std::string table, const QueryRequest& request);
};

// Where the next page starts: strictly after this item in the query's order.
struct CursorPosition {
  Key last;              // primary key of the last item returned
  std::string index_sk;  // GSI queries: that item's GSIxSK (its GSIxPK is the partition)
  friend bool operator==(const CursorPosition&, const CursorPosition&) = default;
};

class CursorSigner {
 public:
  // `secret`: the HMAC key; empty selects the built-in key (see TableOptions::cursor_secret).
  explicit CursorSigner(std::string secret);

  std::string Encode(const CursorBinding& binding, const CursorPosition& position) const;

  // The position of `cursor`. kInvalidArgument, with a message saying which, when the cursor is
  // not base64url, fails authentication (tampered / truncated / another secret), is malformed,
  // or was issued for another table, index, partition, direction or sort-key condition.
  Result<CursorPosition> Decode(const CursorBinding& binding, std::string_view cursor) const;

 private:
  std::string key_;
};

}  // namespace dynaflow::table::internal
