#include "tests/support/lost_answer_transport.h"

#include <strings.h>

#include <chrono>
#include <optional>
#include <thread>

namespace dynaflow::test {

using dynamodb::HttpRequest;
using dynamodb::HttpResponse;
using dynamodb::TransportTimeouts;

namespace {

HttpResponse ErrorResponse(int status, const std::string& type) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + type +
           R"(","message":"injected by the test transport"})";
  return r;
}

Result<HttpResponse> Lose(AnswerLoss how) {
  if (how == AnswerLoss::kDropped) {
    return Status::Unavailable("injected: connection reset after the request was sent");
  }
  return ErrorResponse(500, "InternalServerError");
}

thread_local std::optional<AnswerLoss> pending_loss;

}  // namespace

void LoseNextAnswerOnThisThread(AnswerLoss how) { pending_loss = how; }
bool AnswerLossPendingOnThisThread() { return pending_loss.has_value(); }
void CancelAnswerLossOnThisThread() { pending_loss.reset(); }

std::string OperationOf(const HttpRequest& request) {
  const std::string* target = dynamodb::FindHeader(request.headers, "X-Amz-Target");
  if (target == nullptr) return "";
  auto dot = target->rfind('.');
  return dot == std::string::npos ? *target : target->substr(dot + 1);
}

void LostAnswerTransport::AddRule(std::string operation, std::vector<std::string> body_parts,
                                  AnswerLoss how, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(Rule{std::move(operation), std::move(body_parts), how, times});
}

Result<HttpResponse> LostAnswerTransport::Send(const HttpRequest& request,
                                               const TransportTimeouts& timeouts) {
  bool picked = pending_loss.has_value();
  AnswerLoss how = pending_loss.value_or(AnswerLoss::kDropped);
  pending_loss.reset();
  if (!picked) {
    const std::string op = OperationOf(request);
    std::lock_guard<std::mutex> lock(mu_);
    for (Rule& r : rules_) {
      if (r.left == 0 || r.operation != op) continue;
      bool all = true;
      for (const std::string& part : r.body_parts) {
        all = all && request.body.find(part) != std::string::npos;
      }
      if (!all) continue;
      if (r.left > 0) --r.left;
      picked = true;
      how = r.how;
      break;
    }
  }
  Result<HttpResponse> answer = TransportWrapper::Send(request, timeouts);
  if (!picked || !answer.ok()) return answer;
  ++lost_;
  return Lose(how);
}

ChaosTransport::ChaosTransport(dynamodb::Transport* target, double fault_fraction, uint64_t seed)
    : TransportWrapper(target), fraction_(fault_fraction), state_(seed | 1) {}

bool ChaosTransport::Draw(Fault* fault) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = [&] {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  };
  const double u = static_cast<double>(next() >> 11) / static_cast<double>(1ull << 53);
  if (u >= fraction_) return false;
  *fault = static_cast<Fault>(next() % kFaultKinds);
  ++counts_[*fault];
  return true;
}

std::map<ChaosTransport::Fault, int> ChaosTransport::faults() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

Result<HttpResponse> ChaosTransport::Send(const HttpRequest& request,
                                          const TransportTimeouts& timeouts) {
  ++requests_;
  Fault fault;
  if (!Draw(&fault)) return TransportWrapper::Send(request, timeouts);
  switch (fault) {
    case Fault::kServerErrorBefore:
      return ErrorResponse(500, "InternalServerError");
    case Fault::kThrottleBefore:
      return ErrorResponse(400, "ThrottlingException");
    case Fault::kResetBefore:
      return Status::Unavailable("injected: connection reset before the request was sent");
    case Fault::kTimeoutBefore:
      return Status::Timeout("injected: request timed out before it was sent");
    case Fault::kDelay:
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
      return TransportWrapper::Send(request, timeouts);
    case Fault::kDropAfter:
    case Fault::kServerErrorAfter:
    case Fault::kCorruptCrcAfter:
      break;
  }
  Result<HttpResponse> answer = TransportWrapper::Send(request, timeouts);
  if (!answer.ok()) return answer;
  if (fault == Fault::kDropAfter) return Lose(AnswerLoss::kDropped);
  if (fault == Fault::kServerErrorAfter) return Lose(AnswerLoss::kServerError);
  // A checksum that cannot match (the body is never empty): the client must not trust it.
  bool replaced = false;
  for (auto& [name, value] : answer->headers) {
    if (strcasecmp(name.c_str(), "x-amz-crc32") == 0) {
      value = "0";
      replaced = true;
    }
  }
  if (!replaced) answer->headers.emplace_back("x-amz-crc32", "0");
  return answer;
}

}  // namespace dynaflow::test
