// dynamodb::Client: typed DynamoDB operations over HTTP (JSON protocol 1.0, SigV4).
//
// Every call signs the request, sends it through the Transport, retries per the standard
// retry mode (RetryStrategy) and returns Outcome<Response> = Result<Response, Error>.
// A request holding a string that is not valid UTF-8 is never sent: error kInvalidRequestError
// (Status kInvalidArgument) with CheckRequestUtf8's message (wire.h).
// No exception crosses this API. Thread-safe: one Client is shared by all worker threads.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/dynamodb/client/error.h"
#include "dynaflow/store/dynamodb/client/http.h"
#include "dynaflow/store/dynamodb/client/operations.h"
#include "dynaflow/store/dynamodb/client/retry_strategy.h"

namespace dynaflow::dynamodb {

struct ClientOptions {
  // AWS region used for signing and for the regional endpoint. Required.
  std::string region;
  // Endpoint override, e.g. "http://127.0.0.1:8000". Empty: https://dynamodb.<region>.amazonaws.com
  std::string endpoint;
  // Where credentials come from. Null: the default chain (NewDefaultCredentialsProviderChain:
  // environment, web identity, shared files, container, IMDSv2, behind a refreshing cache).
  std::shared_ptr<CredentialsProvider> credentials;
  // HTTP transport. Null: a CurlTransport with default options.
  std::shared_ptr<Transport> transport;
  // Per-request connect and total timeouts.
  TransportTimeouts timeouts;
  // Retry behaviour (standard mode defaults, see retry_strategy.h).
  RetryOptions retry;
  // Clock for signing dates and backoff sleeps. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Randomness for jitter and ClientRequestTokens. Null: Random::Real(). Not owned.
  Random* random = nullptr;
  // Maximum rounds BatchWriteItem/BatchGetItem re-send unprocessed items/keys (with backoff).
  int max_unprocessed_rounds = 8;
  // Poll interval and limit of WaitUntilActive.
  std::chrono::milliseconds wait_poll_interval{500};
  std::chrono::milliseconds wait_timeout{120000};
};

// Requests sent, by operation, plus consumed capacity when DynamoDB returns it. Thread-safe.
// One logical call counts once per HTTP attempt (retries included) under `attempts`, and once
// under `requests` per successful or finally failed call.
class RequestCounters {
 public:
  struct OperationStats {
    int64_t calls = 0;          // logical calls (what callers asked for)
    int64_t attempts = 0;       // HTTP requests actually sent (retries included)
    int64_t errors = 0;         // calls that finally failed
    double capacity_units = 0;  // sum of ConsumedCapacity.CapacityUnits
  };
  void RecordAttempt(const std::string& op);
  void RecordCall(const std::string& op, bool ok, double capacity_units);
  OperationStats Get(const std::string& op) const;
  std::map<std::string, OperationStats> Snapshot() const;
  // Total HTTP requests sent across operations.
  int64_t TotalAttempts() const;
  int64_t TotalCalls() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::map<std::string, OperationStats> stats_;
};

// Per-thread accounting of the calls one caller makes on a shared Client (the Table layer counts
// its own requests with it). While a CallScope lives, every HTTP attempt (retries included) and
// the consumed capacity of every call made on the constructing thread, through any
// RequestCounters, are added to it and to the scopes enclosing it. Not thread-safe: use and
// destroy it on the thread that created it, innermost scope first.
class CallScope {
 public:
  CallScope();
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  int64_t attempts() const { return attempts_; }
  double capacity_units() const { return capacity_units_; }

 private:
  friend class RequestCounters;
  CallScope* parent_;
  int64_t attempts_ = 0;
  double capacity_units_ = 0;
};

class Client {
 public:
  // Errors: InvalidArgument when the region is empty or the endpoint is not an http(s) URL.
  static Result<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();

  Outcome<GetItemResponse> GetItem(const GetItemRequest& request);
  Outcome<PutItemResponse> PutItem(const PutItemRequest& request);
  Outcome<UpdateItemResponse> UpdateItem(const UpdateItemRequest& request);
  Outcome<DeleteItemResponse> DeleteItem(const DeleteItemRequest& request);
  Outcome<QueryResponse> Query(const QueryRequest& request);
  Outcome<ScanResponse> Scan(const ScanRequest& request);
  // Re-sends UnprocessedKeys with backoff until none remain (or max_unprocessed_rounds; then
  // error kUnprocessedError). The response merges all rounds.
  Outcome<BatchGetItemResponse> BatchGetItem(const BatchGetItemRequest& request);
  // Re-sends UnprocessedItems with backoff until none remain (or max_unprocessed_rounds; then
  // error kUnprocessedError naming how many remain).
  Outcome<BatchWriteItemResponse> BatchWriteItem(const BatchWriteItemRequest& request);
  // Generates a ClientRequestToken when the request has none, so retries are idempotent.
  Outcome<TransactWriteItemsResponse> TransactWriteItems(const TransactWriteItemsRequest& request);
  Outcome<TransactGetItemsResponse> TransactGetItems(const TransactGetItemsRequest& request);
  Outcome<CreateTableResponse> CreateTable(const CreateTableRequest& request);
  Outcome<DescribeTableResponse> DescribeTable(const DescribeTableRequest& request);
  Outcome<DeleteTableResponse> DeleteTable(const DeleteTableRequest& request);
  Outcome<UpdateTimeToLiveResponse> UpdateTimeToLive(const UpdateTimeToLiveRequest& request);
  Outcome<DescribeTimeToLiveResponse> DescribeTimeToLive(const DescribeTimeToLiveRequest& request);
  // Polls DescribeTable until the table and all its GSIs are ACTIVE (or wait_timeout: error
  // kTimeoutError).
  Outcome<TableDescription> WaitUntilActive(const std::string& table_name);

  RequestCounters& counters() { return counters_; }
  const ClientOptions& options() const { return options_; }

 private:
  explicit Client(ClientOptions options);
  template <class Response, class Request>
  Outcome<Response> Call(const char* operation, const Request& request);
  Outcome<HttpResponse> Send(const char* operation, const std::string& body);

  ClientOptions options_;
  std::string url_;
  std::unique_ptr<RetryStrategy> retry_;
  std::unique_ptr<class SigningKeyCache> signing_keys_;
  RequestCounters counters_;
};

}  // namespace dynaflow::dynamodb
