// How the DynamoDB backend turns client errors into Table statuses.
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>

#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/error.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

// True for DynamoDB's messages about an item over 400 KB ("Item size has exceeded the maximum
// allowed size", "Item size to update has exceeded the maximum allowed size").
bool IsItemSizeMessage(const std::string& message);

// e.ToStatus() prefixed with `context` ("<context>: <status message>"), except that a
// ValidationException about the item size is kLimitExceeded.
Status MapClientError(const dynamodb::Error& e, const std::string& context);

// "condition failed for item <key>: <condition>" (the message every backend uses).
Status ConditionFailedStatus(const Key& key, const Condition& condition);

// The outcome of a failed TransactWriteItems for `ops` (the ops of the request, in order).
// TransactionCanceledException:
//   - a ConditionalCheckFailed reason: kConditionFailed "transaction op <i>: condition failed
//     for item ...", *failure = {i, that reason's Item} for the first such reason i (checked
//     before any other reason: a false condition fails the transaction whatever else happened);
//   - else a TransactionConflict reason: kTransactionCanceled (retryable);
//   - else a ValidationError reason: kLimitExceeded for the item size, kInvalidArgument
//     otherwise, prefixed with "transaction op <i>: ";
//   - else a throttling reason (ThrottlingError, ProvisionedThroughputExceeded,
//     RequestLimitExceeded): kThrottled;
//   - else kTransactionCanceled.
// Any other error: MapClientError(e, "transaction"). `failure` may be null; it is left alone
// unless a condition failed.
Status MapTransactionError(const dynamodb::Error& e, std::span<const WriteOp> ops,
                           TransactionFailure* failure);

}  // namespace dynaflow::table::internal
