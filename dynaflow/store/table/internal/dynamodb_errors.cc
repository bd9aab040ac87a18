#include "dynaflow/store/table/internal/dynamodb_errors.h"

#include <type_traits>
#include <variant>

#include "dynaflow/store/table/internal/validation.h"

namespace dynaflow::table::internal {
namespace {

Status ItemTooLarge(const std::string& context, const std::string& detail) {
  return Status::LimitExceeded(context + ": the item would exceed " +
                               std::to_string(kMaxItemBytes) + " bytes (400 KB); " + detail);
}

// The condition of `op` (nullptr when it has none).
const Condition* ConditionOf(const WriteOp& op) {
  const Condition* c = nullptr;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, ConditionCheckOp>) {
          c = &o.condition;
        } else if (o.condition) {
          c = &*o.condition;
        }
      },
      op);
  return c;
}

}  // namespace

bool IsItemSizeMessage(const std::string& message) {
  return message.find("size") != std::string::npos && message.find("exceeded") != std::string::npos;
}

Status MapClientError(const dynamodb::Error& e, const std::string& context) {
  if (e.Is("ValidationException") && IsItemSizeMessage(e.message)) {
    return ItemTooLarge(context, e.ToString());
  }
  return e.ToStatus().WithContext(context);
}

Status ConditionFailedStatus(const Key& key, const Condition& condition) {
  return Status::ConditionFailed("condition failed for item " + DescribeKey(key) + ": " +
                                 condition.DebugString());
}

Status MapTransactionError(const dynamodb::Error& e, std::span<const WriteOp> ops,
                           TransactionFailure* failure) {
  if (!e.IsTransactionCanceled()) return MapClientError(e, "transaction");
  const auto& reasons = e.cancellation_reasons;
  auto context = [](size_t i) { return "transaction op " + std::to_string(i); };
  for (size_t i = 0; i < reasons.size() && i < ops.size(); ++i) {
    if (reasons[i].code != "ConditionalCheckFailed") continue;
    if (failure) {
      failure->failed_index = static_cast<int>(i);
      failure->old_item = reasons[i].item;
    }
    Key scratch;
    const Key& key = OpKey(ops[i], &scratch);
    const Condition* c = ConditionOf(ops[i]);
    Status s = c ? ConditionFailedStatus(key, *c)
                 : Status::ConditionFailed("condition failed for item " + DescribeKey(key));
    return s.WithContext(context(i));
  }
  for (const auto& r : reasons) {
    if (r.code == "TransactionConflict") {
      return Status::TransactionCanceled(
          "transaction canceled by a concurrent write to one of its items (retryable): " +
          e.ToString());
    }
  }
  for (size_t i = 0; i < reasons.size(); ++i) {
    const auto& r = reasons[i];
    if (r.code == "ValidationError") {
      if (IsItemSizeMessage(r.message)) return ItemTooLarge(context(i), r.message);
      return Status::InvalidArgument(context(i) + ": " + r.message);
    }
    if (r.code == "ThrottlingError" || r.code == "ProvisionedThroughputExceeded" ||
        r.code == "RequestLimitExceeded") {
      return Status::Throttled(context(i) + ": " + e.ToString());
    }
  }
  return Status::TransactionCanceled(e.ToString());
}

}  // namespace dynaflow::table::internal
