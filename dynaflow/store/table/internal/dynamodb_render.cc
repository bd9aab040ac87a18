#include "dynaflow/store/table/internal/dynamodb_render.h"

namespace dynaflow::table::internal {
namespace {

bool IsJunction(const table::Condition& c) {
  return c.kind() == table::Condition::Kind::kAnd || c.kind() == table::Condition::Kind::kOr;
}

}  // namespace

std::string ExpressionBuilder::Name(std::string_view name) {
  auto it = name_placeholders_.find(name);
  if (it != name_placeholders_.end()) return it->second;
  std::string placeholder = "#n" + std::to_string(name_placeholders_.size());
  name_placeholders_.emplace(std::string(name), placeholder);
  attributes_.names.emplace(placeholder, std::string(name));
  return placeholder;
}

std::string ExpressionBuilder::Value(const AttributeValue& value) {
  for (const auto& [v, placeholder] : value_placeholders_) {
    if (v == value) return placeholder;
  }
  std::string placeholder = ":v" + std::to_string(value_placeholders_.size());
  value_placeholders_.emplace_back(value, placeholder);
  attributes_.values.emplace(placeholder, value);
  return placeholder;
}

std::string ExpressionBuilder::Condition(const table::Condition& c) {
  using K = table::Condition::Kind;
  switch (c.kind()) {
    case K::kExists:
      return "attribute_exists(" + Name(c.attribute()) + ")";
    case K::kNotExists:
      return "attribute_not_exists(" + Name(c.attribute()) + ")";
    case K::kCompare: {
      std::string name = Name(c.attribute());
      return name + " " + std::string(ComparisonOperator(c.op())) + " " + Value(c.value());
    }
    case K::kBeginsWith: {
      std::string name = Name(c.attribute());
      return "begins_with(" + name + ", " + Value(c.value()) + ")";
    }
    case K::kAnd:
    case K::kOr: {
      auto operand = [this](const table::Condition& child) {
        std::string text = Condition(child);
        return IsJunction(child) ? "(" + text + ")" : text;
      };
      std::string left = operand(c.children()[0]);
      std::string right = operand(c.children()[1]);
      return left + (c.kind() == K::kAnd ? " AND " : " OR ") + right;
    }
    case K::kNot:
      return "NOT (" + Condition(c.children()[0]) + ")";
  }
  return "";
}

std::string ExpressionBuilder::Update(const table::Update& update) {
  using T = table::Update::Action::Type;
  std::string set, remove;
  for (const auto& a : update.actions()) {
    if (a.type == T::kRemove) {
      remove += (remove.empty() ? "REMOVE " : ", ") + Name(a.attribute);
      continue;
    }
    std::string name = Name(a.attribute);
    std::string clause;
    if (a.type == T::kSet) {
      clause = name + " = " + Value(a.value);
    } else {
      std::string zero = Value(AttributeValue::N("0"));
      clause = name + " = if_not_exists(" + name + ", " + zero + ") + " + Value(a.value);
    }
    set += (set.empty() ? "SET " : ", ") + clause;
  }
  if (set.empty()) return remove;
  if (remove.empty()) return set;
  return set + " " + remove;
}

std::string ExpressionBuilder::KeyCondition(Index index, const std::string& partition,
                                            const std::optional<SortKeyCondition>& sort) {
  // Placeholders are numbered in order of use: allocate before concatenating.
  std::string pk = Name(IndexPartitionAttribute(index));
  std::string out = pk + " = " + Value(AttributeValue::S(partition));
  if (!sort) return out;
  std::string sk = Name(IndexSortAttribute(index));
  using Op = SortKeyCondition::Op;
  switch (sort->op) {
    case Op::kBeginsWith:
      return out + " AND begins_with(" + sk + ", " + Value(AttributeValue::S(sort->value)) + ")";
    case Op::kBetween: {
      std::string lo = Value(AttributeValue::S(sort->value));
      return out + " AND " + sk + " BETWEEN " + lo + " AND " +
             Value(AttributeValue::S(sort->upper));
    }
    default:
      return out + " AND " + sk + " " + std::string(SortKeyOpName(sort->op)) + " " +
             Value(AttributeValue::S(sort->value));
  }
}

std::string ExpressionBuilder::NotExpired(int64_t now_seconds) {
  std::string ttl = Name(kTtl);
  return "NOT (" + ttl + " <= " + Value(AttributeValue::N(now_seconds)) + ")";
}

}  // namespace dynaflow::table::internal
