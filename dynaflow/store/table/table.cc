#include "dynaflow/store/table/table.h"

namespace dynaflow::table {
namespace {

struct IndexKeyAttributes {
  std::string_view partition;
  std::string_view sort;
};

IndexKeyAttributes KeyAttributesOf(Index index) {
  switch (index) {
    case Index::kGsi1:
      return {kGsi1Pk, kGsi1Sk};
    case Index::kGsi2:
      return {kGsi2Pk, kGsi2Sk};
    case Index::kPrimary:
      break;
  }
  return {kPk, kSk};
}

// The Condition::Op of a sort-key comparison (=, <, <=, >, >=); nullopt for begins_with, between.
std::optional<Condition::Op> SortKeyComparison(SortKeyCondition::Op op) {
  using Op = SortKeyCondition::Op;
  switch (op) {
    case Op::kEq:
      return Condition::Op::kEq;
    case Op::kLt:
      return Condition::Op::kLt;
    case Op::kLe:
      return Condition::Op::kLe;
    case Op::kGt:
      return Condition::Op::kGt;
    case Op::kGe:
      return Condition::Op::kGe;
    case Op::kBeginsWith:
    case Op::kBetween:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string_view IndexName(Index index) {
  switch (index) {
    case Index::kPrimary:
      return "primary";
    case Index::kGsi1:
      return kGsi1Name;
    case Index::kGsi2:
      return kGsi2Name;
  }
  return "?";
}

std::string_view IndexPartitionAttribute(Index index) { return KeyAttributesOf(index).partition; }

std::string_view IndexSortAttribute(Index index) { return KeyAttributesOf(index).sort; }

std::string_view SortKeyOpName(SortKeyCondition::Op op) {
  if (op == SortKeyCondition::Op::kBeginsWith) return "begins_with";
  if (op == SortKeyCondition::Op::kBetween) return "between";
  std::optional<Condition::Op> comparison = SortKeyComparison(op);
  return comparison ? ComparisonOperator(*comparison) : "?";
}

}  // namespace dynaflow::table
