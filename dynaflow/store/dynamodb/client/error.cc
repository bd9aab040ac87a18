#include "dynaflow/store/dynamodb/client/error.h"

#include <string_view>

namespace dynaflow::dynamodb {

bool Error::IsThrottling() const {
  static constexpr std::string_view kThrottling[] = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  for (auto name : kThrottling) {
    if (type == name) return true;
  }
  return false;
}

Status Error::ToStatus() const {
  StatusCode code = StatusCode::kInternal;
  if (IsConditionalCheckFailed()) {
    code = StatusCode::kConditionFailed;
  } else if (IsTransactionCanceled()) {
    code = StatusCode::kTransactionCanceled;
  } else if (IsThrottling()) {
    code = StatusCode::kThrottled;
  } else if (IsResourceNotFound()) {
    code = StatusCode::kNotFound;
  } else if (type == kNetworkError || type == kRetryQuotaExceeded ||
             (http_status >= 500 && http_status <= 599)) {
    code = StatusCode::kUnavailable;
  } else if (type == kTimeoutError) {
    code = StatusCode::kTimeout;
  } else if (type == kSerializationError || type == kCrc32MismatchError) {
    code = StatusCode::kSerialization;
  } else if (type == "ValidationException" || type == kInvalidRequestError ||
             type == "SerializationException") {
    code = StatusCode::kInvalidArgument;
  } else if (type == "ItemCollectionSizeLimitExceededException") {
    code = StatusCode::kLimitExceeded;
  } else if (type == "ResourceInUseException") {
    code = StatusCode::kAlreadyExists;
  } else if (type == kCredentialsError || type == "AccessDeniedException" ||
             type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
             type == "MissingAuthenticationTokenException" || type == "ExpiredTokenException" ||
             type == "IncompleteSignatureException") {
    code = StatusCode::kPermissionDenied;
  } else if (type == kUnprocessedError) {
    code = StatusCode::kUnavailable;
  }
  return Status(code, ToString());
}

std::string Error::ToString() const {
  std::string out = type.empty() ? std::string("UnknownError") : type;
  if (http_status != 0 || !request_id.empty()) {
    out += " (";
    if (http_status != 0) out += "HTTP " + std::to_string(http_status);
    if (!request_id.empty()) {
      if (http_status != 0) out += ", ";
      out += "request " + request_id;
    }
    out += ")";
  }
  if (!message.empty()) out += ": " + message;
  if (!cancellation_reasons.empty()) {
    out += " [reasons:";
    for (size_t i = 0; i < cancellation_reasons.size(); ++i) {
      out += (i ? ", " : " ") + std::to_string(i) + "=" + cancellation_reasons[i].code;
    }
    out += "]";
  }
  if (attempts > 1) out += " after " + std::to_string(attempts) + " attempts";
  return out;
}

}  // namespace dynaflow::dynamodb
