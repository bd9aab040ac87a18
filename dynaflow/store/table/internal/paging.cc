#include "dynaflow/store/table/internal/paging.h"

#include "dynaflow/store/table/internal/ttl.h"

namespace dynaflow::table::internal {

RangePosition SortKeyPosition(const std::optional<SortKeyCondition>& cond, std::string_view sk) {
  using Op = SortKeyCondition::Op;
  using P = RangePosition;
  if (!cond) return P::kInside;
  std::string_view v = cond->value;
  switch (cond->op) {
    case Op::kEq:
      return sk < v ? P::kBefore : (sk == v ? P::kInside : P::kAfter);
    case Op::kBeginsWith:
      if (sk.substr(0, v.size()) == v) return P::kInside;
      return sk < v ? P::kBefore : P::kAfter;
    case Op::kBetween:
      if (sk < v) return P::kBefore;
      return sk <= std::string_view(cond->upper) ? P::kInside : P::kAfter;
    case Op::kLt:
      return sk < v ? P::kInside : P::kAfter;
    case Op::kLe:
      return sk <= v ? P::kInside : P::kAfter;
    case Op::kGt:
      return sk > v ? P::kInside : P::kBefore;
    case Op::kGe:
      return sk >= v ? P::kInside : P::kBefore;
  }
  return P::kInside;
}

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

std::optional<std::string> RangeStart(const std::optional<SortKeyCondition>& cond) {
  using Op = SortKeyCondition::Op;
  if (!cond) return std::nullopt;
  switch (cond->op) {
    case Op::kEq:
    case Op::kBeginsWith:
    case Op::kBetween:
    case Op::kGe:
      return cond->value;
    case Op::kGt:
      return cond->value + '\0';  // the smallest string greater than value
    case Op::kLt:
    case Op::kLe:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> RangeEnd(const std::optional<SortKeyCondition>& cond) {
  using Op = SortKeyCondition::Op;
  if (!cond) return std::nullopt;
  switch (cond->op) {
    case Op::kEq:
    case Op::kLe:
      return cond->value + '\0';
    case Op::kBetween:
      return cond->upper + '\0';
    case Op::kLt:
      return cond->value;
    case Op::kBeginsWith:
      return PrefixSuccessor(cond->value);
    case Op::kGt:
    case Op::kGe:
      return std::nullopt;
  }
  return std::nullopt;
}

PageAssembler::Verdict PageAssembler::Offer(const Item& item) {
  if (full_) return Verdict::kFull;
  if (IsExpired(item, now_)) return Verdict::kSkipped;
  size_t size = ItemSizeBytes(item);
  if (!items_.empty() && bytes_ + size > kMaxPageBytes) {
    full_ = true;
    return Verdict::kFull;
  }
  items_.push_back(item);
  bytes_ += size;
  if (static_cast<int>(items_.size()) >= limit_) full_ = true;
  return Verdict::kTaken;
}

}  // namespace dynaflow::table::internal
