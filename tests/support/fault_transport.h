// Test transports: a forwarding wrapper and a scriptable fault injector.
//
// TransportWrapper (LevelDB EnvWrapper style): forwards every Send() to a target transport; a
// test derives from it and overrides Send() to inject one fault, calling
// TransportWrapper::Send() for the rest.
//
// FaultTransport: answers Send() from a FIFO script of canned outcomes (a response, a connection
// error, a timeout, a truncated body, any Status, or "forward this one"); when the script is
// empty it forwards to the inner transport, or fails with kUnavailable "no scripted outcome" when
// there is none. Every request it receives is recorded (scripted or forwarded).
//
// Thread-safety: both classes may be used from many threads. Ownership: the inner/target
// transport is not owned and must outlive the wrapper.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::test {

class TransportWrapper : public dynamodb::Transport {
 public:
  explicit TransportWrapper(dynamodb::Transport* target) : target_(target) {}
  Result<dynamodb::HttpResponse> Send(const dynamodb::HttpRequest& request,
                                      const dynamodb::TransportTimeouts& timeouts) override;
  dynamodb::Transport* target() const { return target_; }

 private:
  dynamodb::Transport* const target_;
};

class FaultTransport : public dynamodb::Transport {
 public:
  // `inner` may be nullptr (script-only).
  explicit FaultTransport(dynamodb::Transport* inner = nullptr) : inner_(inner) {}

  struct Recorded {
    dynamodb::HttpRequest request;
    dynamodb::TransportTimeouts timeouts;
    bool forwarded = false;  // sent to the inner transport rather than answered from the script
  };

  // ---- script (consumed in order, one entry per Send) ----
  // A complete response.
  void PushResponse(int status, std::string body, dynamodb::HttpHeaders headers = {});
  void PushResponse(dynamodb::HttpResponse response);
  // A connection failure: Status kUnavailable with `message`.
  void PushConnectionError(std::string message = "injected connection reset");
  // A transport deadline: Status kTimeout.
  void PushTimeout(std::string message = "injected request timeout");
  // A response whose body is cut to its first `keep_bytes` bytes while the headers (e.g.
  // x-amz-crc32, Content-Length) still describe `full_body`: what a broken proxy or a
  // close-delimited body cut short looks like to the client.
  void PushTruncatedBody(int status, std::string full_body, size_t keep_bytes,
                         dynamodb::HttpHeaders headers = {});
  // Any Status (must be non-OK).
  void PushStatus(Status status);
  // Forward the next request to the inner transport (e.g. "fail, fail, then real").
  void PushForward();
  // A callback that decides the outcome from the request (e.g. to echo or inspect it).
  void PushHandler(std::function<Result<dynamodb::HttpResponse>(const dynamodb::HttpRequest&)> fn);
  // Appends `n` copies of the same response / connection error / timeout.
  void PushResponses(size_t n, int status, const std::string& body,
                     const dynamodb::HttpHeaders& headers = {});

  Result<dynamodb::HttpResponse> Send(const dynamodb::HttpRequest& request,
                                      const dynamodb::TransportTimeouts& timeouts) override;

  // ---- inspection ----
  std::vector<Recorded> requests() const;
  size_t request_count() const;
  // The last recorded request; records a test failure and returns {} when there is none.
  dynamodb::HttpRequest last_request() const;
  // Script entries not consumed yet.
  size_t pending() const;
  // Drops the script and the recorded requests.
  void Reset();

 protected:
  // Sends to the inner transport; overridable to interpose on forwarded requests only.
  virtual Result<dynamodb::HttpResponse> Forward(const dynamodb::HttpRequest& request,
                                                 const dynamodb::TransportTimeouts& timeouts);

 private:
  using Step = std::function<Result<dynamodb::HttpResponse>(const dynamodb::HttpRequest&)>;
  struct Entry {
    Step step;  // empty: forward to the inner transport
  };
  void Push(Entry e);

  dynamodb::Transport* const inner_;
  mutable std::mutex mu_;
  std::deque<Entry> script_;
  std::vector<Recorded> recorded_;
};

}  // namespace dynaflow::test
