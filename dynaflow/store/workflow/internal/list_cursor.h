// Listing cursors of the workflow store: opaque, URL-safe, authenticated.
//
// A cursor carries only the last sort key a listing page emitted (or examined) and a truncated
// HMAC-SHA256 (16 bytes) over a "binding" -- the key prefix and every query parameter that
// shapes the listing -- and that key. A cursor therefore resumes only the listing it came from:
// another prefix, workflow, status, time range, direction or secret fails authentication.
// Resuming from a sort key (not from per-shard table cursors) lets a fan-out over many shards
// continue behind one short cursor.
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>

#include "dynaflow/model/result.h"

namespace dynaflow::store::internal {

class ListCursorSigner {
 public:
  // `secret`: HMAC key; empty selects a built-in key (integrity against accidents only).
  explicit ListCursorSigner(std::string secret);

  std::string Encode(std::string_view binding, std::string_view last_key) const;
  // The last key. kInvalidArgument when the cursor is malformed or was not issued for
  // `binding` under this secret.
  Result<std::string> Decode(std::string_view binding, std::string_view cursor) const;

 private:
  std::string Mac(std::string_view binding, std::string_view last_key) const;
  std::string key_;
};

}  // namespace dynaflow::store::internal
