// LostAnswerTable: a Table decorator for fault tests of the embedded backends, where no HTTP
// answer can be lost. For the writes a rule picks, it applies the write to the inner table and
// then answers as if the answer had been lost:
//   kRetried  the write is applied a second time and the second answer is returned: what the
//             DynamoDB client's own retry after a lost answer produces (the retry meets the
//             first try's commit);
//   kFailed   kUnavailable is returned although the write committed: what the caller sees
//             when every try of the client lost its answer (the caller's own retries decide).
//   kDroppedOnTheWire / kServerErrorOnTheWire
//             (an inner DynamoDB table whose client sends through a LostAnswerTransport): the
//             write's first HTTP request is forwarded and its answer replaced by a connection
//             reset / a 500, so the client's own retry meets the commit.
// Reads and the writes no rule picks are forwarded unchanged.
//
// Thread-safety: every method may be called concurrently. The inner table is shared.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dynaflow/store/table/table.h"

namespace dynaflow::test {

// One write as a rule sees it: its kind and the items or keys it touches.
struct TableWrite {
  enum class Kind { kPut, kUpdate, kDelete, kTransaction };
  Kind kind = Kind::kPut;
  // Put: the item. Update: PK, SK and the values the update SETs. Delete: PK and SK.
  // Transaction: one entry per op, built the same way.
  std::vector<Item> items;
  // Update: the attribute names the update sets (for a transaction: of every update op).
  std::vector<std::string> set_attributes;

  // True when any item's SK begins with `prefix`.
  bool TouchesSk(const std::string& prefix) const;
  // True when the write sets attribute `name` (a put's item holds it, or an update sets it).
  bool Sets(const std::string& name) const;
  // True when the write sets string attribute `name` to `value`.
  bool SetsTo(const std::string& name, const std::string& value) const;
};

enum class LostAnswer { kRetried, kFailed, kDroppedOnTheWire, kServerErrorOnTheWire };

class LostAnswerTable final : public table::Table {
 public:
  explicit LostAnswerTable(std::shared_ptr<table::Table> inner) : inner_(std::move(inner)) {}

  // Writes for which `pick` returns true lose their answer as `how`, at most `times` of them
  // (< 0: every one). Rules are tried in the order they were added; the first with budget left
  // that picks a write applies.
  void AddRule(std::function<bool(const TableWrite&)> pick, LostAnswer how, int times = 1);
  // Answers lost so far (over all rules).
  int lost() const { return lost_.load(); }

  Result<Item> Get(const table::Key& key) override { return inner_->Get(key); }
  Status Put(const Item& item, const table::WriteOptions& options = {}) override;
  Result<Item> Update(const table::Key& key, const table::Update& update,
                      const table::WriteOptions& options = {}) override;
  Status Delete(const table::Key& key, const table::WriteOptions& options = {}) override;
  Status TransactWrite(std::span<const table::WriteOp> ops,
                       table::TransactionFailure* failure = nullptr) override;
  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const table::Key> keys) override {
    return inner_->BatchGet(keys);
  }
  Status BatchDelete(std::span<const table::Key> keys) override {
    return inner_->BatchDelete(keys);
  }
  Result<table::QueryPage> Query(const table::QueryRequest& request) override {
    return inner_->Query(request);
  }
  table::TableStats stats() const override { return inner_->stats(); }
  std::string name() const override { return inner_->name(); }

 private:
  struct Rule {
    std::function<bool(const TableWrite&)> pick;
    LostAnswer how;
    int left;
  };
  // The rule's kind for `w` (taking one of its budget), or false when none picks it.
  bool Pick(const TableWrite& w, LostAnswer* how);
  // Runs `write` as the picked rule says: once and answered, or twice, or once and failed.
  template <class R, class W>
  R Apply(const TableWrite& w, W write);

  const std::shared_ptr<table::Table> inner_;
  std::mutex mu_;
  std::vector<Rule> rules_;  // guarded by mu_
  std::atomic<int> lost_{0};
};

}  // namespace dynaflow::test
