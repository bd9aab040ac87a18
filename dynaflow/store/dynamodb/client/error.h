// dynamodb::Error: the one error type of the DynamoDB client.
//
// `type` is the DynamoDB exception name (the part of `__type` after '#', e.g.
// "ConditionalCheckFailedException"), or one of the client-side kinds below when no service
// error was received. Errors are values: every client call returns Outcome<T> = Result<T, Error>.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"

namespace dynaflow::dynamodb {

// Client-side error kinds (no DynamoDB exception was received).
inline constexpr const char* kNetworkError = "NetworkError";                // connect/DNS/TLS/reset
inline constexpr const char* kTimeoutError = "RequestTimeout";              // transport timeout
inline constexpr const char* kSerializationError = "SerializationError";    // bad/truncated body
inline constexpr const char* kCrc32MismatchError = "Crc32Mismatch";         // x-amz-crc32 differs
inline constexpr const char* kRetryQuotaExceeded = "RetryQuotaExceeded";    // token bucket empty
inline constexpr const char* kInvalidRequestError = "InvalidRequest";       // rejected client-side
inline constexpr const char* kCredentialsError = "CredentialsError";        // no usable credentials
inline constexpr const char* kUnprocessedError = "UnprocessedItemsRemain";  // batch gave up

// One entry of TransactionCanceledException.CancellationReasons, in request order.
struct CancellationReason {
  std::string code;          // "None", "ConditionalCheckFailed", "TransactionConflict", ...
  std::string message;       // may be empty
  std::optional<Item> item;  // old item when ReturnValuesOnConditionCheckFailure=ALL_OLD
};

struct Error {
  std::string type;        // exception name or a client-side kind above
  int http_status = 0;     // 0 when no HTTP response was received
  std::string request_id;  // x-amzn-RequestId, when received
  std::string message;     // from "message" or "Message"
  std::vector<CancellationReason> cancellation_reasons;  // TransactionCanceledException only
  std::optional<Item> item;  // old item of a failed condition (ReturnValuesOnConditionCheckFailure)
  int attempts = 1;          // how many attempts were made before giving up

  bool Is(const char* exception_name) const { return type == exception_name; }
  bool IsConditionalCheckFailed() const { return type == "ConditionalCheckFailedException"; }
  bool IsTransactionCanceled() const { return type == "TransactionCanceledException"; }
  bool IsThrottling() const;
  bool IsResourceNotFound() const { return type == "ResourceNotFoundException"; }

  // Maps to a dynaflow Status (e.g. ConditionalCheckFailed -> kConditionFailed,
  // throttling -> kThrottled, network -> kUnavailable), message = ToString().
  Status ToStatus() const;
  // "<type> (HTTP <status>, request <id>): <message>"; never contains credentials.
  std::string ToString() const;
};

template <class T>
using Outcome = Result<T, Error>;

}  // namespace dynaflow::dynamodb
