#include "dynaflow/store/dynamodb/client/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "dynaflow/store/dynamodb/client/internal/client_logger.h"
#include "dynaflow/store/dynamodb/client/sigv4.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {
namespace {

constexpr size_t kBatchWriteMaxItems = 25;
constexpr size_t kBatchGetMaxKeys = 100;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

double Units(const std::optional<ConsumedCapacity>& c) { return c ? c->capacity_units : 0.0; }
double Units(const std::vector<ConsumedCapacity>& cs) {
  double total = 0;
  for (const auto& c : cs) total += c.capacity_units;
  return total;
}

template <class Response>
double CapacityOf(const Response& r) {
  if constexpr (requires { r.consumed_capacity; }) {
    return Units(r.consumed_capacity);
  } else {
    return 0.0;
  }
}

Error ClientError(const char* type, std::string message) {
  Error e;
  e.type = type;
  e.message = std::move(message);
  return e;
}

std::string RandomToken(Random* random) {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                static_cast<unsigned long long>(random->Next64()),
                static_cast<unsigned long long>(random->Next64()));
  return std::string(buf, 32);
}

}  // namespace

// ---- CallScope -------------------------------------------------------------------------------

namespace {
thread_local CallScope* t_call_scope = nullptr;
}  // namespace

CallScope::CallScope() : parent_(t_call_scope) { t_call_scope = this; }
CallScope::~CallScope() { t_call_scope = parent_; }

// ---- RequestCounters -------------------------------------------------------------------------

void RequestCounters::RecordAttempt(const std::string& op) {
  for (CallScope* s = t_call_scope; s != nullptr; s = s->parent_) s->attempts_++;
  std::lock_guard<std::mutex> lock(mu_);
  stats_[op].attempts++;
}

void RequestCounters::RecordCall(const std::string& op, bool ok, double capacity_units) {
  for (CallScope* s = t_call_scope; s != nullptr; s = s->parent_) {
    s->capacity_units_ += capacity_units;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto& s = stats_[op];
  s.calls++;
  if (!ok) s.errors++;
  s.capacity_units += capacity_units;
}

RequestCounters::OperationStats RequestCounters::Get(const std::string& op) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stats_.find(op);
  return it == stats_.end() ? OperationStats{} : it->second;
}

std::map<std::string, RequestCounters::OperationStats> RequestCounters::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

int64_t RequestCounters::TotalAttempts() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const auto& [op, s] : stats_) n += s.attempts;
  return n;
}

int64_t RequestCounters::TotalCalls() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const auto& [op, s] : stats_) n += s.calls;
  return n;
}

void RequestCounters::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.clear();
}

// ---- Client ----------------------------------------------------------------------------------

Result<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (options.region.empty()) {
    return Status::InvalidArgument(
        "DynamoDB client: no region configured (set the region in the configuration, or "
        "AWS_REGION / AWS_DEFAULT_REGION)");
  }
  if (!options.endpoint.empty() && !StartsWith(options.endpoint, "http://") &&
      !StartsWith(options.endpoint, "https://")) {
    return Status::InvalidArgument("DynamoDB client: endpoint '" + options.endpoint +
                                   "' is not an http:// or https:// URL");
  }
  if (options.retry.max_attempts < 1) {
    return Status::InvalidArgument("DynamoDB client: retry.max_attempts must be >= 1, got " +
                                   std::to_string(options.retry.max_attempts));
  }
  if (!options.clock) options.clock = Clock::Real();
  if (!options.random) options.random = Random::Real();
  if (!options.transport) options.transport = std::make_shared<CurlTransport>();
  if (!options.credentials) options.credentials = NewDefaultCredentialsProviderChain();
  return std::unique_ptr<Client>(new Client(std::move(options)));
}

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      retry_(std::make_unique<RetryStrategy>(options_.retry, options_.random)),
      signing_keys_(std::make_unique<SigningKeyCache>()) {
  url_ = options_.endpoint.empty() ? "https://dynamodb." + options_.region + ".amazonaws.com/"
                                   : options_.endpoint;
  // The path of a DynamoDB request is always "/".
  if (url_.find('/', url_.find("://") + 3) == std::string::npos) url_ += "/";
}

Client::~Client() = default;

Outcome<HttpResponse> Client::Send(const char* operation, const std::string& body) {
  auto credentials = options_.credentials->GetCredentials();
  if (!credentials.ok()) {
    return ClientError(kCredentialsError, credentials.status().message());
  }
  HttpRequest request;
  request.method = "POST";
  request.url = url_;
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", std::string("DynamoDB_20120810.") + operation}};
  request.body = body;
  Status signed_ok = SignDynamoDbRequest(request, *credentials, options_.region,
                                         options_.clock->Now(), signing_keys_.get());
  if (!signed_ok.ok()) return ClientError(kCredentialsError, signed_ok.message());

  counters_.RecordAttempt(operation);
  auto response = options_.transport->Send(request, options_.timeouts);
  if (!response.ok()) {
    const Status& s = response.status();
    return ClientError(s.code() == StatusCode::kTimeout ? kTimeoutError : kNetworkError,
                       s.message());
  }
  HttpResponse http = std::move(response).value();
  if (Status crc = VerifyCrc32(http.headers, http.body); !crc.ok()) {
    Error e = ClientError(kCrc32MismatchError, crc.message());
    e.http_status = http.status;
    if (const auto* id = FindHeader(http.headers, "x-amzn-RequestId")) e.request_id = *id;
    return e;
  }
  if (http.status < 200 || http.status > 299) {
    return ParseErrorResponse(http.status, http.headers, http.body);
  }
  return http;
}

template <class Response, class Request>
Outcome<Response> Client::Call(const char* operation, const Request& request) {
  const std::string body = ToJson(request);
  // DynamoDB would reject a string that is not UTF-8; fail here, naming it, and send nothing.
  if (Status utf8 = CheckRequestUtf8(operation, body); !utf8.ok()) {
    counters_.RecordCall(operation, false, 0);
    return ClientError(kInvalidRequestError, utf8.message());
  }
  int acquired = 0;
  for (int attempt = 1;; ++attempt) {
    auto http = Send(operation, body);
    if (http.ok()) {
      Response response;
      Status parsed = ParseResponse(http->body, &response);
      if (!parsed.ok()) {
        Error e = ClientError(kSerializationError, parsed.message());
        e.http_status = http->status;
        if (const auto* id = FindHeader(http->headers, "x-amzn-RequestId")) e.request_id = *id;
        e.attempts = attempt;
        counters_.RecordCall(operation, false, 0);
        return e;
      }
      retry_->OnSuccess(acquired);
      counters_.RecordCall(operation, true, CapacityOf(response));
      return response;
    }
    Error error = std::move(http).error();
    error.attempts = attempt;
    RetryStrategy::Decision decision = retry_->OnFailure(error, attempt);
    if (!decision.retry) {
      if (decision.quota_exhausted) {
        error.message += error.message.empty() ? "" : "; ";
        error.message += "not retried: " + decision.reason;
      }
      ClientLogger()->debug("{} failed for good: {} ({})", operation, error.ToString(),
                            decision.reason);
      counters_.RecordCall(operation, false, 0);
      return error;
    }
    ClientLogger()->debug("{} attempt {} failed: {}; retrying in {} ms", operation, attempt,
                          error.type, decision.delay.count());
    acquired = decision.acquired_tokens;
    options_.clock->SleepFor(decision.delay);
  }
}

// The operations that are one signed call each (no client-side splitting or tokens).
#define DYNAFLOW_ONE_CALL_OPERATION(Op)                          \
  Outcome<Op##Response> Client::Op(const Op##Request& request) { \
    return Call<Op##Response>(#Op, request);                     \
  }
DYNAFLOW_ONE_CALL_OPERATION(GetItem)
DYNAFLOW_ONE_CALL_OPERATION(PutItem)
DYNAFLOW_ONE_CALL_OPERATION(UpdateItem)
DYNAFLOW_ONE_CALL_OPERATION(DeleteItem)
DYNAFLOW_ONE_CALL_OPERATION(Query)
DYNAFLOW_ONE_CALL_OPERATION(Scan)
DYNAFLOW_ONE_CALL_OPERATION(TransactGetItems)
DYNAFLOW_ONE_CALL_OPERATION(CreateTable)
DYNAFLOW_ONE_CALL_OPERATION(DescribeTable)
DYNAFLOW_ONE_CALL_OPERATION(DeleteTable)
DYNAFLOW_ONE_CALL_OPERATION(UpdateTimeToLive)
DYNAFLOW_ONE_CALL_OPERATION(DescribeTimeToLive)
#undef DYNAFLOW_ONE_CALL_OPERATION

Outcome<TransactWriteItemsResponse> Client::TransactWriteItems(
    const TransactWriteItemsRequest& request) {
  if (request.client_request_token) {
    return Call<TransactWriteItemsResponse>("TransactWriteItems", request);
  }
  TransactWriteItemsRequest with_token = request;
  with_token.client_request_token = RandomToken(options_.random);
  return Call<TransactWriteItemsResponse>("TransactWriteItems", with_token);
}

Outcome<BatchWriteItemResponse> Client::BatchWriteItem(const BatchWriteItemRequest& request) {
  // Flatten, then send in chunks of at most 25; re-send what comes back unprocessed.
  std::vector<std::pair<std::string, WriteRequest>> pending;
  for (const auto& [table, writes] : request.request_items) {
    for (const auto& w : writes) pending.emplace_back(table, w);
  }
  BatchWriteItemResponse merged;
  int round = 0;
  while (!pending.empty()) {
    std::vector<std::pair<std::string, WriteRequest>> retry_later;
    for (size_t start = 0; start < pending.size(); start += kBatchWriteMaxItems) {
      BatchWriteItemRequest chunk;
      chunk.return_consumed_capacity = request.return_consumed_capacity;
      size_t end = std::min(pending.size(), start + kBatchWriteMaxItems);
      for (size_t i = start; i < end; ++i) {
        chunk.request_items[pending[i].first].push_back(pending[i].second);
      }
      auto response = Call<BatchWriteItemResponse>("BatchWriteItem", chunk);
      if (!response.ok()) return std::move(response).error();
      for (auto& c : response->consumed_capacity) merged.consumed_capacity.push_back(c);
      for (auto& [table, writes] : response->unprocessed_items) {
        for (auto& w : writes) retry_later.emplace_back(table, std::move(w));
      }
    }
    pending = std::move(retry_later);
    if (pending.empty()) break;
    if (++round >= options_.max_unprocessed_rounds) {
      for (auto& [table, w] : pending) merged.unprocessed_items[table].push_back(std::move(w));
      Error e = ClientError(kUnprocessedError, std::to_string(pending.size()) +
                                                   " write requests still unprocessed after " +
                                                   std::to_string(round) + " rounds");
      return e;
    }
    auto delay = retry_->BackoffDelay(options_.retry.throttling_base_delay, round);
    ClientLogger()->debug("BatchWriteItem: {} unprocessed, round {}, waiting {} ms", pending.size(),
                          round, delay.count());
    options_.clock->SleepFor(delay);
  }
  return merged;
}

Outcome<BatchGetItemResponse> Client::BatchGetItem(const BatchGetItemRequest& request) {
  struct PendingKey {
    std::string table;
    Item key;
  };
  std::vector<PendingKey> pending;
  for (const auto& [table, ka] : request.request_items) {
    for (const auto& k : ka.keys) pending.push_back({table, k});
  }
  BatchGetItemResponse merged;
  int round = 0;
  while (!pending.empty()) {
    std::vector<PendingKey> retry_later;
    for (size_t start = 0; start < pending.size(); start += kBatchGetMaxKeys) {
      BatchGetItemRequest chunk;
      chunk.return_consumed_capacity = request.return_consumed_capacity;
      size_t end = std::min(pending.size(), start + kBatchGetMaxKeys);
      for (size_t i = start; i < end; ++i) {
        auto [it, inserted] = chunk.request_items.try_emplace(pending[i].table);
        if (inserted) {
          const KeysAndAttributes& original = request.request_items.at(pending[i].table);
          it->second.consistent_read = original.consistent_read;
          it->second.projection_expression = original.projection_expression;
          it->second.expression_attribute_names = original.expression_attribute_names;
        }
        it->second.keys.push_back(pending[i].key);
      }
      auto response = Call<BatchGetItemResponse>("BatchGetItem", chunk);
      if (!response.ok()) return std::move(response).error();
      for (auto& c : response->consumed_capacity) merged.consumed_capacity.push_back(c);
      for (auto& [table, items] : response->responses) {
        auto& out = merged.responses[table];
        for (auto& item : items) out.push_back(std::move(item));
      }
      for (auto& [table, ka] : response->unprocessed_keys) {
        for (auto& k : ka.keys) retry_later.push_back({table, std::move(k)});
      }
    }
    pending = std::move(retry_later);
    if (pending.empty()) break;
    if (++round >= options_.max_unprocessed_rounds) {
      return ClientError(kUnprocessedError, std::to_string(pending.size()) +
                                                " keys still unprocessed after " +
                                                std::to_string(round) + " rounds");
    }
    auto delay = retry_->BackoffDelay(options_.retry.throttling_base_delay, round);
    options_.clock->SleepFor(delay);
  }
  return merged;
}

Outcome<TableDescription> Client::WaitUntilActive(const std::string& table_name) {
  const auto deadline = options_.clock->SteadyNow() + options_.wait_timeout;
  for (;;) {
    auto described = DescribeTable({table_name});
    if (!described.ok()) return std::move(described).error();
    const TableDescription& t = described->table;
    bool active = t.table_status == "ACTIVE";
    for (const auto& gsi : t.global_secondary_indexes) {
      if (!gsi.index_status.empty() && gsi.index_status != "ACTIVE") active = false;
    }
    if (active) return t;
    if (options_.clock->SteadyNow() >= deadline) {
      return ClientError(kTimeoutError, "table " + table_name + " not ACTIVE after " +
                                            std::to_string(options_.wait_timeout.count()) +
                                            " ms (status " + t.table_status + ")");
    }
    options_.clock->SleepFor(options_.wait_poll_interval);
  }
}

}  // namespace dynaflow::dynamodb
