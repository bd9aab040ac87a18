// Checks every backend runs before touching storage, so all backends reject the same requests
// with the same codes and messages that say what was wrong (DynamoDB's ValidationException
// cases). Backends call these first; the DynamoDB backend calls them too, so bad requests fail
// without a round trip.
//
// Codes: kLimitExceeded for a size/count limit (item 400 KB, key 2048/1024 bytes, transaction
// 100 ops / 4 MB), kInvalidArgument for everything else. Messages name the offending key
// ("item RUN#1/STEP#a is 409612 bytes; the limit is 409600 (400 KB)").
//
// Strings must be valid UTF-8 (dynaflow/model/utf8.h; DynamoDB rejects anything else, so every
// backend does): S values, SS elements, attribute names, map keys at any depth, key values,
// condition and update operands, query partition and sort-key values. A violation is
// kInvalidArgument naming the attribute path and the zero-based offset of the first bad byte within
// that string:
//   item RUN#1/STEP#a: attribute "tags.team": string is not valid UTF-8 (byte 3)
//   item RUN#1/STEP#a: attribute "tags": string set element 1 is not valid UTF-8 (byte 0)
//   item RUN#1/STEP#a: attribute "payload.list[2]": map key "x\uFFFD" is not valid UTF-8 (byte 1)
//   item RUN#1/STEP#a: attribute name "t\uFFFDg" is not valid UTF-8 (byte 1)
//   key RUN#\uFFFD/RUN#1: attribute "PK": string is not valid UTF-8 (byte 4)
// Messages themselves are always valid UTF-8: bad bytes they quote appear as U+FFFD.
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/table/condition.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

// "PK/SK" for messages; long keys are shortened with "..."; invalid UTF-8 shows as U+FFFD.
std::string DescribeKey(const Key& key);

// Both parts non-empty and valid UTF-8 (kInvalidArgument); PK <= 2048 and SK <= 1024 bytes
// (kLimitExceeded).
Status ValidateKey(const Key& key);

// The PK/SK of `item`. kInvalidArgument when either is missing or not of type S.
Result<Key> ItemKey(const Item& item);

// A whole item as it would be stored: valid key (ItemKey + ValidateKey); GSI1PK/GSI1SK/
// GSI2PK/GSI2SK, when present, non-empty S within the key-size limits; `ttl`, when present, a
// Number; every N a valid number, no empty or duplicate sets; every string, set string,
// attribute name and map key valid UTF-8; size <= 400 KB (ItemSizeBytes).
Status ValidateItem(const Item& item);

// Attribute names non-empty and valid UTF-8, operands valid (as in ValidateItem), < <= > >= only
// with an S, N or B operand.
Status ValidateCondition(const Condition& condition);
Status ValidateWriteOptions(const WriteOptions& options);

// `key` valid; attribute names valid UTF-8; no action on PK or SK; at most one action per
// attribute; values valid (as in ValidateItem); GSI key attributes only SET to non-empty S within
// the key-size limits (never ADDed); `ttl` only SET to a Number. The size of the updated item is
// checked by the backend (ValidateItem on the result) where it evaluates updates itself.
Status ValidateUpdate(const Key& key, const Update& update);

// The key an op writes.
const Key& OpKey(const WriteOp& op, Key* scratch);

// Bytes an op contributes to the 4 MB transaction limit: a put's item size; for the other ops
// the key's size plus (updates) the names and values of the update's actions.
size_t WriteOpSizeBytes(const WriteOp& op);

// 1..100 ops (empty: kInvalidArgument, > 100: kLimitExceeded); each op valid (errors prefixed
// with "transaction op <i>: "); at most one op per key (kInvalidArgument); total <= 4 MB
// (kLimitExceeded).
Status ValidateTransaction(std::span<const WriteOp> ops);

// Each key valid (BatchGet / BatchDelete).
Status ValidateKeys(std::span<const Key> keys);

// limit in 1..1000; partition non-empty, valid UTF-8 and <= 2048 bytes; sort-key values
// non-empty, valid UTF-8 and <= 1024 bytes; between with lower <= upper; consistent reads on the
// primary index only.
Status ValidateQuery(const QueryRequest& request);

}  // namespace dynaflow::table::internal
