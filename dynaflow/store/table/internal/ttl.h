// TTL filtering shared by every backend.
//
// Rules (the same on every backend, so reads agree everywhere):
// - `ttl` is a Number of epoch seconds. An item is expired when ttl <= now (compared exactly,
//   fractions included, against `now` truncated to whole seconds).
// - An item without `ttl`, or whose `ttl` is not a Number (DynamoDB's TTL process ignores such
//   items), never expires. Writes reject a non-Number `ttl` anyway (internal/validation.h).
// - Expired items are invisible to Get, BatchGet and Query.
// - Backends that evaluate conditions themselves (SQLite, memory) treat an expired item as
//   absent everywhere: conditions see no item, an update starts from an empty item, and the
//   "old item" of a failed condition is nullopt. This is the deterministic limit of DynamoDB's
//   lazy deletion; on DynamoDB itself conditions still see an expired item until its TTL process
//   deletes it (typically within days), so callers must not depend on either behaviour.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/store/table/condition.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

inline bool IsExpired(const Item& item, TimePoint now) {
  const AttributeValue* ttl = FindAttribute(item, kTtl);
  if (ttl == nullptr || !ttl->is_n()) return false;
  if (!AttributeValue::IsValidNumber(*ttl->AsN())) return false;
  return CompareDecimal(*ttl->AsN(), std::to_string(ToUnixSeconds(now))) <= 0;
}

}  // namespace dynaflow::table::internal
