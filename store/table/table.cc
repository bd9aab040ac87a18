#include "store/table/table.h"

namespace dynaflow::table {

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

std::string_view IndexPartitionAttribute(Index index) {
  switch (index) {
    case Index::kPrimary:
      return kPk;
    case Index::kGsi1:
      return kGsi1Pk;
    case Index::kGsi2:
      return kGsi2Pk;
  }
  return kPk;
}

std::string_view IndexSortAttribute(Index index) {
  switch (index) {
    case Index::kPrimary:
      return kSk;
    case Index::kGsi1:
      return kGsi1Sk;
    case Index::kGsi2:
      return kGsi2Sk;
  }
  return kSk;
}

std::string_view SortKeyOpName(SortKeyCondition::Op op) {
  using Op = SortKeyCondition::Op;
  switch (op) {
    case Op::kEq:
      return "=";
    case Op::kBeginsWith:
      return "begins_with";
    case Op::kBetween:
      return "between";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
  }
  return "?";
}

}  // namespace dynaflow::table
