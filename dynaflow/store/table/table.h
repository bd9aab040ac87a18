// Table: the item table every backend implements (DynamoDB, SQLite, memory).
//
// The single-table design (docs/table-layout.md; dynaflow/store/workflow/) is
// written once above this interface; a backend is only an item table with string keys PK/SK,
// two global secondary indexes (GSI1PK/GSI1SK, GSI2PK/GSI2SK, projecting ALL, sparse: an item
// without GSIxPK is not in the index), a numeric TTL attribute `ttl` (epoch seconds), typed
// conditions, transactions and cursors.
//
// Every backend enforces DynamoDB's limits so what works embedded works on DynamoDB:
// item <= 400 KB (counted as DynamoDB counts), transaction <= 100 items and 4 MB, query pages
// <= 1 MB, partition keys <= 2048 bytes, sort keys <= 1024 bytes. Breaking one returns
// kLimitExceeded naming the limit; nothing is truncated silently.
//
// Expired items (ttl <= now) are never returned by reads, on every backend.
//
// Thread-safety: every method may be called concurrently from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/table/condition.h"

namespace dynaflow::table {

inline constexpr char kPk[] = "PK";
inline constexpr char kSk[] = "SK";
inline constexpr char kGsi1Pk[] = "GSI1PK";
inline constexpr char kGsi1Sk[] = "GSI1SK";
inline constexpr char kGsi2Pk[] = "GSI2PK";
inline constexpr char kGsi2Sk[] = "GSI2SK";
inline constexpr char kTtl[] = "ttl";
inline constexpr char kGsi1Name[] = "GSI1";
inline constexpr char kGsi2Name[] = "GSI2";

inline constexpr size_t kMaxItemBytes = 400 * 1024;
inline constexpr size_t kMaxTransactionItems = 100;
inline constexpr size_t kMaxTransactionBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxPageBytes = 1024 * 1024;
inline constexpr size_t kMaxPartitionKeyBytes = 2048;
inline constexpr size_t kMaxSortKeyBytes = 1024;

struct Key {
  std::string pk;
  std::string sk;
  friend bool operator==(const Key&, const Key&) = default;
};

// Options of a single-item write.
struct WriteOptions {
  // The write applies only if this holds for the item as stored (absent item: see
  // Condition::Evaluate). Failure: kConditionFailed.
  std::optional<Condition> condition = std::nullopt;
  // When non-null and the condition fails, receives the stored item (nullopt when absent).
  // Not owned; must outlive the call.
  std::optional<Item>* old_item_on_condition_failure = nullptr;
};

struct PutOp {
  Item item;  // must hold string PK and SK
  std::optional<Condition> condition = std::nullopt;
};
struct UpdateOp {
  Key key;
  Update update;
  std::optional<Condition> condition = std::nullopt;
};
struct DeleteOp {
  Key key;
  std::optional<Condition> condition = std::nullopt;
};
struct ConditionCheckOp {
  Key key;
  Condition condition;
};
using WriteOp = std::variant<PutOp, UpdateOp, DeleteOp, ConditionCheckOp>;

// Why a transaction did not apply.
struct TransactionFailure {
  int failed_index = -1;         // the first op whose condition failed, -1 when none did
  std::optional<Item> old_item;  // that op's stored item (nullopt when absent)
};

enum class Index { kPrimary, kGsi1, kGsi2 };
std::string_view IndexName(Index index);  // "primary", "GSI1", "GSI2"
// The key attributes of an index: "PK"/"SK", "GSI1PK"/"GSI1SK", "GSI2PK"/"GSI2SK".
std::string_view IndexPartitionAttribute(Index index);
std::string_view IndexSortAttribute(Index index);

// Condition on the sort key of the queried index.
struct SortKeyCondition {
  enum class Op { kEq, kBeginsWith, kBetween, kLt, kLe, kGt, kGe };
  Op op = Op::kEq;
  std::string value;
  std::string upper;  // kBetween only (inclusive)

  static SortKeyCondition Eq(std::string v) { return {Op::kEq, std::move(v), {}}; }
  static SortKeyCondition BeginsWith(std::string v) { return {Op::kBeginsWith, std::move(v), {}}; }
  static SortKeyCondition Between(std::string lo, std::string hi) {
    return {Op::kBetween, std::move(lo), std::move(hi)};
  }
  static SortKeyCondition Lt(std::string v) { return {Op::kLt, std::move(v), {}}; }
  static SortKeyCondition Le(std::string v) { return {Op::kLe, std::move(v), {}}; }
  static SortKeyCondition Gt(std::string v) { return {Op::kGt, std::move(v), {}}; }
  static SortKeyCondition Ge(std::string v) { return {Op::kGe, std::move(v), {}}; }

  friend bool operator==(const SortKeyCondition&, const SortKeyCondition&) = default;
};
// "=", "begins_with", "between", "<", "<=", ">", ">=".
std::string_view SortKeyOpName(SortKeyCondition::Op op);

struct QueryRequest {
  Index index = Index::kPrimary;
  std::string partition;  // value of PK / GSI1PK / GSI2PK
  std::optional<SortKeyCondition> sort;
  bool forward = true;  // ascending sort key order (byte order of the UTF-8 strings)
  // Maximum items per page (1..1000). A page may hold fewer (1 MB limit, expired items).
  int limit = 100;
  // Opaque cursor from a previous page of the SAME query; empty for the first page.
  std::string cursor;
  // Strongly consistent read (primary index only; GSIs are eventually consistent on DynamoDB).
  bool consistent = false;
};

struct QueryPage {
  std::vector<Item> items;
  // Opaque, URL-safe; empty when there are no more pages.
  std::string next_cursor;
};

// Counters of one table, readable by callers (request budgets are tested with them).
struct TableStats {
  int64_t reads = 0;     // get / batch-get calls (DynamoDB: requests sent)
  int64_t writes = 0;    // put / update / delete / transaction calls
  int64_t queries = 0;   // query pages fetched
  int64_t requests = 0;  // backend requests in total (DynamoDB: HTTP calls, retries incl.)
  // SQLite: write transactions committed. Concurrent writes share one (group commit), so this
  // can be far below `writes`. 0 on the other backends.
  int64_t commits = 0;
  // Capacity units DynamoDB reported (ConsumedCapacity, index writes included when the table
  // asks for INDEXES): by writes (put, update, delete, transaction, batch delete) and by reads
  // (get, batch get, query). 0 on the embedded backends.
  double write_units = 0;
  double read_units = 0;
};

class Table {
 public:
  virtual ~Table() = default;

  // Strongly consistent read. Errors: kNotFound when absent or expired.
  virtual Result<Item> Get(const Key& key) = 0;

  // Creates or replaces. Errors: kConditionFailed, kLimitExceeded, kInvalidArgument (missing or
  // non-string keys, bad GSI key types).
  virtual Status Put(const Item& item, const WriteOptions& options = {}) = 0;

  // Applies `update` to the item (creating it when absent and the condition allows) and
  // returns the item as written. Errors: like Put.
  virtual Result<Item> Update(const Key& key, const Update& update,
                              const WriteOptions& options = {}) = 0;

  // Deletes (absent is not an error unless the condition requires existence).
  virtual Status Delete(const Key& key, const WriteOptions& options = {}) = 0;

  // All ops apply or none does. At most one op per key. Errors: kConditionFailed (with
  // failure->failed_index / old_item), kLimitExceeded (> 100 items or > 4 MB),
  // kTransactionCanceled (conflict with a concurrent transaction; retryable).
  virtual Status TransactWrite(std::span<const WriteOp> ops,
                               TransactionFailure* failure = nullptr) = 0;

  // Strongly consistent batch read; result[i] is keys[i]'s item or nullopt. Any number of keys.
  virtual Result<std::vector<std::optional<Item>>> BatchGet(std::span<const Key> keys) = 0;

  // Deletes many items without conditions (not atomic as a whole; each delete is).
  virtual Status BatchDelete(std::span<const Key> keys) = 0;

  // One page of a query. Errors: kInvalidArgument for a cursor of another query or a
  // tampered cursor, or a limit outside 1..1000.
  virtual Result<QueryPage> Query(const QueryRequest& request) = 0;

  virtual TableStats stats() const = 0;

  // Human-readable backend name: "memory", "sqlite:<path>", "dynamodb:<table>".
  virtual std::string name() const = 0;
};

}  // namespace dynaflow::table
