// DelayingTable: a Table decorator that waits one simulated round trip (rtt + seeded jitter,
// dynaflow/store/dynamodb/client/simulated_latency.h) before forwarding each call to the inner
// table, so an embedded backend answers like a store across a network. Every call is one round
// trip: Get, Put, Update, Delete, TransactWrite, BatchGet, BatchDelete and one Query page each
// wait once. stats() and name() are the inner table's.
//
// For a DynamoDB table, delay its client's transport instead (DelayingTransport): that delays
// every HTTP request, retries and multi-request batches included.
//
// Thread-safety: every method may be called concurrently; concurrent calls wait concurrently.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dynaflow/store/dynamodb/client/simulated_latency.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table {

class DelayingTable final : public Table {
 public:
  DelayingTable(std::shared_ptr<Table> inner, dynamodb::SimulatedLatencyOptions options)
      : inner_(std::move(inner)), latency_(options) {}

  Result<Item> Get(const Key& key) override {
    latency_.Wait();
    return inner_->Get(key);
  }
  Status Put(const Item& item, const WriteOptions& options = {}) override {
    latency_.Wait();
    return inner_->Put(item, options);
  }
  Result<Item> Update(const Key& key, const table::Update& update,
                      const WriteOptions& options = {}) override {
    latency_.Wait();
    return inner_->Update(key, update, options);
  }
  Status Delete(const Key& key, const WriteOptions& options = {}) override {
    latency_.Wait();
    return inner_->Delete(key, options);
  }
  Status TransactWrite(std::span<const WriteOp> ops,
                       TransactionFailure* failure = nullptr) override {
    latency_.Wait();
    return inner_->TransactWrite(ops, failure);
  }
  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const Key> keys) override {
    latency_.Wait();
    return inner_->BatchGet(keys);
  }
  Status BatchDelete(std::span<const Key> keys) override {
    latency_.Wait();
    return inner_->BatchDelete(keys);
  }
  Result<QueryPage> Query(const QueryRequest& request) override {
    latency_.Wait();
    return inner_->Query(request);
  }
  TableStats stats() const override { return inner_->stats(); }
  std::string name() const override { return inner_->name(); }

  // The round trips waited so far (one per call) and their delays.
  const dynamodb::SimulatedLatency& latency() const { return latency_; }

 private:
  const std::shared_ptr<Table> inner_;
  dynamodb::SimulatedLatency latency_;
};

}  // namespace dynaflow::table
