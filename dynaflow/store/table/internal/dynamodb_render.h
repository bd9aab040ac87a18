// Rendering of typed conditions, updates and query key conditions to DynamoDB expressions.
//
// One ExpressionBuilder serves one request: every expression of that request (condition,
// update, key condition, filter) is rendered through it, so they share its placeholder maps,
// which the request then carries as ExpressionAttributeNames / ExpressionAttributeValues.
//
// Placeholders:
// - Attribute names always go through "#n<i>" placeholders (never inline), so reserved words
//   ("status", "ttl", "name", ...) and any characters are safe. The same name always gets the
//   same placeholder within a builder.
// - Values are ":v<i>"; equal values (AttributeValue ==) share one placeholder.
// - Numbering follows the order of first use, starting at 0; a builder holds exactly the
//   placeholders its rendered expressions use (DynamoDB rejects unused ones).
//
// Shapes (a, b: sub-conditions; AND/OR children that are themselves AND/OR are parenthesised,
// NOT always parenthesises its operand):
//   attribute_exists(#n0)   attribute_not_exists(#n0)   #n0 = :v0 (also <> < <= > >=)
//   begins_with(#n0, :v0)   a AND b   (a OR b) AND c   NOT (a)
// Updates: "SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v2 REMOVE #n2": SET and numeric add
// in action order in one SET clause, then REMOVE. A numeric add is rendered as
// SET x = if_not_exists(x, 0) + delta (not the ADD action): DynamoDB's arithmetic on numbers is
// exact (38 digits), an absent attribute counts as 0, and adding to a non-number fails with a
// ValidationException, exactly the contract of Update::Add. An empty update renders as "".
// Thread-safety: a builder is used by one thread; the functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/store/dynamodb/client/operations.h"
#include "dynaflow/store/table/condition.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

class ExpressionBuilder {
 public:
  // The placeholder of attribute `name` ("#n<i>"), allocated on first use.
  std::string Name(std::string_view name);
  // The placeholder of `value` (":v<i>"), shared by equal values.
  std::string Value(const AttributeValue& value);

  // A ConditionExpression for `condition` (validated beforehand: see ValidateCondition).
  std::string Condition(const table::Condition& condition);

  // An UpdateExpression for `update` ("" when it has no action).
  std::string Update(const table::Update& update);

  // A KeyConditionExpression on `index`'s keys: "#n0 = :v0" plus, with a sort condition,
  // " AND #n1 <op> :v1", " AND begins_with(#n1, :v1)" or " AND #n1 BETWEEN :v1 AND :v2".
  std::string KeyCondition(Index index, const std::string& partition,
                           const std::optional<SortKeyCondition>& sort);

  // A filter keeping items that are not expired at `now_seconds` (epoch seconds):
  // "NOT (#n<i> <= :v<j>)" on `ttl`. It keeps items without `ttl` and items whose `ttl` is not a
  // number (a comparison across types is false), like internal::IsExpired.
  std::string NotExpired(int64_t now_seconds);

  // The placeholders allocated so far.
  const dynamodb::ExpressionAttributes& attributes() const { return attributes_; }
  dynamodb::ExpressionAttributes Take() { return std::move(attributes_); }

 private:
  dynamodb::ExpressionAttributes attributes_;
  std::map<std::string, std::string, std::less<>> name_placeholders_;  // name -> "#n<i>"
  std::vector<std::pair<AttributeValue, std::string>> value_placeholders_;
};

}  // namespace dynaflow::table::internal
