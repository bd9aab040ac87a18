// Transports that lose answers after the request reached DynamoDB (fault tests of the DynamoDB
// backend; the embedded backends use tests/support/lost_answer_table.h).
//
// LostAnswerTransport forwards every request to its target; for the requests a rule picks (or
// the next one of a thread that asked with LoseNextAnswerOnThisThread) it
// then throws the answer away and returns instead
//   kDropped      a connection reset (kUnavailable), as if the connection died after the write,
//   kServerError  HTTP 500 InternalServerError,
// both of which the client retries, so the retry meets the first try's commit.
//
// ChaosTransport injects, for a seeded fraction of requests, one fault drawn from every kind a
// real network and service produce: before forwarding (500, throttling 400, connection reset,
// timeout, a delay) or after (the answer dropped, replaced by a 500, or its CRC corrupted).
//
// Thread-safety: both may be used from many threads. The target is not owned.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "dynaflow/model/clock.h"
#include "tests/support/fault_transport.h"

namespace dynaflow::test {

// The DynamoDB operation of a request ("PutItem", "UpdateItem", ...), from X-Amz-Target.
std::string OperationOf(const dynamodb::HttpRequest& request);

enum class AnswerLoss { kDropped, kServerError };

// Makes the next request this thread sends through any LostAnswerTransport lose its answer as
// `how` (tests/support/lost_answer_table.h picks table writes this way); the pending loss is
// consumed by that request. Pending: not consumed yet. Cancel: forget it.
void LoseNextAnswerOnThisThread(AnswerLoss how);
bool AnswerLossPendingOnThisThread();
void CancelAnswerLossOnThisThread();

class LostAnswerTransport final : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;

  // Requests of `operation` whose body contains every string of `body_parts` lose their answer
  // as `how` after being forwarded, at most `times` of them (< 0: every one).
  void AddRule(std::string operation, std::vector<std::string> body_parts, AnswerLoss how,
               int times = 1);
  int lost() const { return lost_.load(); }

  Result<dynamodb::HttpResponse> Send(const dynamodb::HttpRequest& request,
                                      const dynamodb::TransportTimeouts& timeouts) override;

 private:
  struct Rule {
    std::string operation;
    std::vector<std::string> body_parts;
    AnswerLoss how;
    int left;
  };
  std::mutex mu_;
  std::vector<Rule> rules_;  // guarded by mu_
  std::atomic<int> lost_{0};
};

class ChaosTransport final : public TransportWrapper {
 public:
  enum class Fault {
    kServerErrorBefore,  // 500 without forwarding
    kThrottleBefore,     // 400 ThrottlingException without forwarding
    kResetBefore,        // connection reset without forwarding
    kTimeoutBefore,      // transport timeout without forwarding
    kDelay,              // forwarded after a short delay, answered normally
    kDropAfter,          // forwarded, answer lost (connection reset)
    kServerErrorAfter,   // forwarded, answered 500
    kCorruptCrcAfter,    // forwarded, answered with a wrong x-amz-crc32
  };
  static constexpr int kFaultKinds = 8;

  // `fault_fraction` of requests (0..1) get a fault, drawn with `seed`.
  ChaosTransport(dynamodb::Transport* target, double fault_fraction, uint64_t seed);

  Result<dynamodb::HttpResponse> Send(const dynamodb::HttpRequest& request,
                                      const dynamodb::TransportTimeouts& timeouts) override;
  // Faults injected so far, by kind, and requests seen.
  std::map<Fault, int> faults() const;
  int requests() const { return requests_.load(); }

 private:
  // The fault for the next request, or false for none.
  bool Draw(Fault* fault);

  const double fraction_;
  mutable std::mutex mu_;
  uint64_t state_;               // xorshift64*, guarded by mu_
  std::map<Fault, int> counts_;  // guarded by mu_
  std::atomic<int> requests_{0};
};

}  // namespace dynaflow::test
