#include "dynaflow/model/status.h"

#include "dynaflow/model/enum_names.h"

namespace dynaflow {

namespace {
constexpr EnumName<StatusCode> kStatusCodeNames[] = {
    {StatusCode::kOk, "OK"},
    {StatusCode::kNotFound, "NotFound"},
    {StatusCode::kConditionFailed, "ConditionFailed"},
    {StatusCode::kAlreadyExists, "AlreadyExists"},
    {StatusCode::kFenced, "Fenced"},
    {StatusCode::kInvalidArgument, "InvalidArgument"},
    {StatusCode::kLimitExceeded, "LimitExceeded"},
    {StatusCode::kThrottled, "Throttled"},
    {StatusCode::kUnavailable, "Unavailable"},
    {StatusCode::kTimeout, "Timeout"},
    {StatusCode::kSerialization, "Serialization"},
    {StatusCode::kTransactionCanceled, "TransactionCanceled"},
    {StatusCode::kPermissionDenied, "PermissionDenied"},
    {StatusCode::kCancelled, "Cancelled"},
    {StatusCode::kInternal, "Internal"}};
}  // namespace

std::string_view StatusCodeName(StatusCode code) {
  return NameOf(kStatusCodeNames, code, "Unknown");
}

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) {
    rep_ = std::make_shared<const Rep>(Rep{code, std::move(message)});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += rep_->message;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += rep_->message;
  return Status(rep_->code, std::move(msg));
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }
std::ostream& operator<<(std::ostream& os, StatusCode code) { return os << StatusCodeName(code); }

}  // namespace dynaflow
