// Typed conditions and updates for the Table layer.
//
// Callers build conditions in C++ (never by typing expression strings). The DynamoDB backend
// renders them to ConditionExpression / UpdateExpression with only the `#name` / `:value`
// placeholders actually used; the SQLite and memory backends evaluate them directly.
// Attribute names are top-level attribute names (no nested paths).
// Thread-safety: immutable values, freely shared.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/attribute_value.h"

namespace dynaflow::table {

class Condition {
 public:
  enum class Kind { kExists, kNotExists, kCompare, kBeginsWith, kAnd, kOr, kNot };
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

  static Condition Exists(std::string attribute);
  static Condition NotExists(std::string attribute);
  static Condition Compare(std::string attribute, Op op, AttributeValue value);
  static Condition Eq(std::string attribute, AttributeValue value);
  static Condition Ne(std::string attribute, AttributeValue value);
  static Condition Lt(std::string attribute, AttributeValue value);
  static Condition Le(std::string attribute, AttributeValue value);
  static Condition Gt(std::string attribute, AttributeValue value);
  static Condition Ge(std::string attribute, AttributeValue value);
  // Prefix match of a string (S) attribute; false for attributes of any other type.
  static Condition BeginsWith(std::string attribute, std::string prefix);
  // Prefix match of a binary (B) attribute (`prefix` holds raw bytes); false for other types.
  // value() is then a B. (DynamoDB's begins_with matches only attributes of the operand's type.)
  static Condition BeginsWithBytes(std::string attribute, std::string prefix);
  static Condition And(Condition a, Condition b);
  static Condition Or(Condition a, Condition b);
  static Condition Not(Condition a);

  // Evaluates against `item` (nullptr = the item does not exist) with DynamoDB semantics:
  // comparisons need both sides of the same scalar type (S, N numerically, B bytewise) for
  // < <= > >=; = and <> compare any types; a missing attribute makes a comparison false
  // (and <> true).
  bool Evaluate(const Item* item) const;

  Kind kind() const { return node_->kind; }
  Op op() const { return node_->op; }
  const std::string& attribute() const { return node_->attribute; }
  const AttributeValue& value() const { return node_->value; }
  const std::vector<Condition>& children() const { return node_->children; }

  // Debug rendering, e.g. "attribute_not_exists(PK) OR version = N:3".
  std::string DebugString() const;

 private:
  struct Node {
    Kind kind = Kind::kExists;
    Op op = Op::kEq;
    std::string attribute;
    AttributeValue value;
    std::vector<Condition> children;
  };
  explicit Condition(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;
};

// The expression operator of a comparison: "=", "<>", "<", "<=", ">", ">=" (DynamoDB
// expressions, SQL and debug text spell them alike).
std::string_view ComparisonOperator(Condition::Op op);

inline Condition operator&&(Condition a, Condition b) {
  return Condition::And(std::move(a), std::move(b));
}
inline Condition operator||(Condition a, Condition b) {
  return Condition::Or(std::move(a), std::move(b));
}
inline Condition operator!(Condition a) { return Condition::Not(std::move(a)); }

// Compares two numbers given as decimal strings (DynamoDB N); -1, 0 or 1. Valid input assumed.
int CompareDecimal(const std::string& a, const std::string& b);

// An update of one item: SET attributes, REMOVE attributes, numeric ADD.
// The key attributes (PK, SK) cannot be updated.
class Update {
 public:
  struct Action {
    enum class Type { kSet, kRemove, kAdd };
    Type type;
    std::string attribute;
    AttributeValue value;  // kSet: the new value; kAdd: the N delta
  };

  Update& Set(std::string attribute, AttributeValue value);
  Update& Remove(std::string attribute);
  // attribute = attribute + delta; an absent attribute counts as 0.
  Update& Add(std::string attribute, int64_t delta);

  const std::vector<Action>& actions() const { return actions_; }
  bool empty() const { return actions_.empty(); }

  // Applies the actions to `item` (used by backends that evaluate updates themselves).
  // Errors: InvalidArgument when ADD targets a non-number attribute.
  Status ApplyTo(Item* item) const;

 private:
  std::vector<Action> actions_;
};

}  // namespace dynaflow::table
