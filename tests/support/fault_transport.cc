#include "tests/support/fault_transport.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dynaflow::test {

using dynamodb::HttpHeaders;
using dynamodb::HttpRequest;
using dynamodb::HttpResponse;
using dynamodb::TransportTimeouts;

Result<HttpResponse> TransportWrapper::Send(const HttpRequest& request,
                                            const TransportTimeouts& timeouts) {
  if (target_ == nullptr) return Status::Internal("TransportWrapper has no target");
  return target_->Send(request, timeouts);
}

void FaultTransport::Push(Entry e) {
  std::lock_guard<std::mutex> lock(mu_);
  script_.push_back(std::move(e));
}

void FaultTransport::PushResponse(int status, std::string body, HttpHeaders headers) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  PushResponse(std::move(r));
}

void FaultTransport::PushResponse(HttpResponse response) {
  Push({[response = std::move(response)](const HttpRequest&) -> Result<HttpResponse> {
    return response;
  }});
}

void FaultTransport::PushResponses(size_t n, int status, const std::string& body,
                                   const HttpHeaders& headers) {
  for (size_t i = 0; i < n; ++i) PushResponse(status, body, headers);
}

void FaultTransport::PushConnectionError(std::string message) {
  PushStatus(Status::Unavailable(std::move(message)));
}

void FaultTransport::PushTimeout(std::string message) {
  PushStatus(Status::Timeout(std::move(message)));
}

void FaultTransport::PushTruncatedBody(int status, std::string full_body, size_t keep_bytes,
                                       HttpHeaders headers) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = full_body.substr(0, std::min(keep_bytes, full_body.size()));
  PushResponse(std::move(r));
}

void FaultTransport::PushStatus(Status status) {
  if (status.ok()) status = Status::Internal("FaultTransport::PushStatus given OK");
  Push({[status = std::move(status)](const HttpRequest&) -> Result<HttpResponse> {
    return status;
  }});
}

void FaultTransport::PushForward() { Push({nullptr}); }

void FaultTransport::PushHandler(std::function<Result<HttpResponse>(const HttpRequest&)> fn) {
  Push({std::move(fn)});
}

Result<HttpResponse> FaultTransport::Send(const HttpRequest& request,
                                          const TransportTimeouts& timeouts) {
  Step step;
  bool scripted = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!script_.empty()) {
      step = std::move(script_.front().step);
      script_.pop_front();
      scripted = true;
    }
    recorded_.push_back({request, timeouts, (!scripted || !step) && inner_ != nullptr});
  }
  if (scripted && step) return step(request);
  if (inner_ == nullptr) {
    return Status::Unavailable("FaultTransport: no scripted outcome and no inner transport");
  }
  return Forward(request, timeouts);
}

Result<HttpResponse> FaultTransport::Forward(const HttpRequest& request,
                                             const TransportTimeouts& timeouts) {
  return inner_->Send(request, timeouts);
}

std::vector<FaultTransport::Recorded> FaultTransport::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

size_t FaultTransport::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_.size();
}

HttpRequest FaultTransport::last_request() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (recorded_.empty()) {
    ADD_FAILURE() << "FaultTransport::last_request: no request was sent";
    return {};
  }
  return recorded_.back().request;
}

size_t FaultTransport::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return script_.size();
}

void FaultTransport::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  script_.clear();
  recorded_.clear();
}

}  // namespace dynaflow::test
