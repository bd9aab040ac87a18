// RecordingTable: a Table that forwards every call to another table and reports each write
// that succeeded (with the items as they were before and after it) and each query page (with
// the bytes it returned) to a sink. The capacity model bills these records the way DynamoDB
// bills them (billing.h); tests compare that bill with what DynamoDB Local reports.
//
// To know an item "before", every write first reads the items it touches from the inner table
// (a Get, a BatchGet for batch deletes), and a transaction reads its updated items back after
// it applied. Failed writes (condition failed, conflicts) are not reported.
//
// Thread-safety: as safe as the inner table, but the before/after reads and the reported
// capacity are exact only when one thread writes the items at a time (the model and the tests
// drive it from one thread).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/store/table/table.h"

namespace dynaflow::capacity {

// One item written by a request.
struct ItemWrite {
  std::optional<Item> before;  // nullopt: absent (a create)
  std::optional<Item> after;   // nullopt: deleted, or a transaction's condition check
  bool condition_check = false;
};

struct WriteRecord {
  // "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems" or "BatchWriteItem".
  std::string request;
  bool transactional = false;
  std::vector<ItemWrite> items;
  // Write units the inner table reported for the request (TableStats::write_units; DynamoDB:
  // ConsumedCapacity with INDEXES; 0 on the embedded backends).
  double reported_units = 0;
};

struct ReadRecord {
  table::Index index = table::Index::kPrimary;
  std::string partition;
  size_t items = 0;
  size_t bytes = 0;  // ItemSizeBytes summed over the page
  bool consistent = false;
};

struct RecordingSinks {
  std::function<void(const WriteRecord&)> on_write;  // nullptr: writes are not reported
  std::function<void(const ReadRecord&)> on_query;   // nullptr: queries are not reported
};

class RecordingTable final : public table::Table {
 public:
  RecordingTable(std::shared_ptr<table::Table> inner, RecordingSinks sinks)
      : inner_(std::move(inner)), sinks_(std::move(sinks)) {}

  Result<Item> Get(const table::Key& key) override { return inner_->Get(key); }
  Status Put(const Item& item, const table::WriteOptions& options) override;
  Result<Item> Update(const table::Key& key, const table::Update& update,
                      const table::WriteOptions& options) override;
  Status Delete(const table::Key& key, const table::WriteOptions& options) override;
  Status TransactWrite(std::span<const table::WriteOp> ops,
                       table::TransactionFailure* failure) override;
  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const table::Key> keys) override {
    return inner_->BatchGet(keys);
  }
  Status BatchDelete(std::span<const table::Key> keys) override;
  Result<table::QueryPage> Query(const table::QueryRequest& request) override;
  table::TableStats stats() const override { return inner_->stats(); }
  std::string name() const override { return "recording:" + inner_->name(); }

 private:
  std::optional<Item> Current(const table::Key& key);
  void Report(WriteRecord record, double units_before);

  std::shared_ptr<table::Table> inner_;
  RecordingSinks sinks_;
};

}  // namespace dynaflow::capacity
