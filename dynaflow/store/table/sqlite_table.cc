#include "dynaflow/store/table/sqlite_table.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <system_error>
#include <type_traits>
#include <utility>

#include "dynaflow/store/table/internal/cursor.h"
#include "dynaflow/store/table/internal/paging.h"
#include "dynaflow/store/table/internal/sqlite_connection.h"
#include "dynaflow/store/table/internal/sqlite_group_commit.h"
#include "dynaflow/store/table/internal/sqlite_query.h"
#include "dynaflow/store/table/internal/sqlite_schema.h"
#include "dynaflow/store/table/internal/table_counters.h"
#include "dynaflow/store/table/internal/ttl.h"
#include "dynaflow/store/table/internal/validation.h"

namespace dynaflow::table {
namespace {

using internal::DescribeKey;
using internal::SqliteConnection;
using internal::SqliteStatement;

// Reads an item row (columns as kSqliteItemColumns) from the current row of `stmt`.
Result<Item> ReadRow(const SqliteStatement& stmt) {
  auto opt = [&](int col) -> std::optional<std::string_view> {
    if (stmt.IsNull(col)) return std::nullopt;
    return stmt.ColumnText(col);
  };
  return internal::RowToItem(stmt.ColumnText(0), stmt.ColumnText(1), opt(2), opt(3), opt(4), opt(5),
                             stmt.ColumnBlob(6));
}

Status ConditionFailed(const Key& key, const Condition& c) {
  return Status::ConditionFailed("condition failed for item " + DescribeKey(key) + ": " +
                                 c.DebugString());
}

class SqliteTable final : public Table {
 public:
  SqliteTable(std::string path, const SqliteTableOptions& options,
              std::unique_ptr<internal::SqlitePool> pool)
      : name_("sqlite:" + path),
        clock_(options.table.clock ? options.table.clock : Clock::Real()),
        signer_(options.table.cursor_secret),
        pool_(std::move(pool)),
        group_(pool_.get(), options.max_batch_writes, &counters_) {}

  Result<Item> Get(const Key& key) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKey(key));
    Count(&counters_.reads);
    DYNAFLOW_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
    DYNAFLOW_ASSIGN_OR_RETURN(std::optional<Item> item, ReadLive(conn.get(), key, clock_->Now()));
    if (!item) return Status::NotFound("item " + DescribeKey(key) + " not found");
    return std::move(*item);
  }

  Status Put(const Item& item, const WriteOptions& options) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateItem(item));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
    Key key = internal::ItemKey(item).value();
    return InWriteTransaction([&](SqliteConnection* conn, TimePoint now) -> Status {
      DYNAFLOW_RETURN_IF_ERROR(CheckCondition(conn, key, options, now, nullptr));
      return WriteRow(conn, item);
    });
  }

  Result<Item> Update(const Key& key, const table::Update& update,
                      const WriteOptions& options) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateUpdate(key, update));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
    Item written;
    DYNAFLOW_RETURN_IF_ERROR(
        InWriteTransaction([&](SqliteConnection* conn, TimePoint now) -> Status {
          std::optional<Item> current;
          DYNAFLOW_RETURN_IF_ERROR(CheckCondition(conn, key, options, now, &current));
          DYNAFLOW_ASSIGN_OR_RETURN(written, Updated(key, update, std::move(current)));
          return WriteRow(conn, written);
        }));
    return written;
  }

  Status Delete(const Key& key, const WriteOptions& options) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKey(key));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
    return InWriteTransaction([&](SqliteConnection* conn, TimePoint now) -> Status {
      DYNAFLOW_RETURN_IF_ERROR(CheckCondition(conn, key, options, now, nullptr));
      return DeleteRow(conn, key);
    });
  }

  Status TransactWrite(std::span<const WriteOp> ops, TransactionFailure* failure) override {
    if (failure) *failure = TransactionFailure{};
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateTransaction(ops));
    return InWriteTransaction([&](SqliteConnection* conn, TimePoint now) -> Status {
      // Keys are distinct (validated), so applying op by op equals checking every condition
      // first: no op sees another's write. Any failure rolls the whole transaction back.
      for (size_t i = 0; i < ops.size(); ++i) {
        Status s = ApplyOp(conn, ops[i], now, static_cast<int>(i), failure);
        if (!s.ok()) return s.WithContext("transaction op " + std::to_string(i));
      }
      return Status::OK();
    });
  }

  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const Key> keys) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKeys(keys));
    Count(&counters_.reads);
    DYNAFLOW_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
    TimePoint now = clock_->Now();
    std::vector<std::optional<Item>> out;
    out.reserve(keys.size());
    for (const Key& key : keys) {
      DYNAFLOW_ASSIGN_OR_RETURN(std::optional<Item> item, ReadLive(conn.get(), key, now));
      out.push_back(std::move(item));
    }
    return out;
  }

  Status BatchDelete(std::span<const Key> keys) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKeys(keys));
    // Chunks of 100 keys per SQLite transaction: atomic per chunk (more than the contract asks),
    // without holding the write lock for an unbounded time.
    for (size_t begin = 0; begin < keys.size(); begin += kMaxTransactionItems) {
      auto chunk = keys.subspan(begin, std::min(kMaxTransactionItems, keys.size() - begin));
      DYNAFLOW_RETURN_IF_ERROR(InWriteTransaction(
          [&](SqliteConnection* conn, TimePoint) {
            for (const Key& key : chunk) DYNAFLOW_RETURN_IF_ERROR(DeleteRow(conn, key));
            return Status::OK();
          },
          begin == 0 ? 1 : 0));  // one call counts as one write
    }
    return Status::OK();
  }

  Result<QueryPage> Query(const QueryRequest& request) override;

  TableStats stats() const override { return counters_.Snapshot(); }

  std::string name() const override { return name_; }

 private:
  void Count(std::atomic<int64_t>* counter) {
    counter->fetch_add(1);
    counters_.requests.fetch_add(1);
  }

  // Runs fn(conn, now) as one write of a group commit (internal/sqlite_group_commit.h): inside
  // its own savepoint of a transaction shared with concurrent writers, returning once that
  // transaction has committed; fn's failure undoes fn's writes only. Counts `counted_writes`.
  template <class Fn>
  Status InWriteTransaction(Fn&& fn, int64_t counted_writes = 1) {
    return group_.Submit([&](SqliteConnection* conn) { return fn(conn, clock_->Now()); },
                         counted_writes);
  }

  // The stored item, or nullopt when absent or expired (expired items count as absent).
  Result<std::optional<Item>> ReadLive(SqliteConnection* conn, const Key& key, TimePoint now) {
    DYNAFLOW_ASSIGN_OR_RETURN(auto stmt,
                              conn->Prepare(std::string("SELECT ") + internal::kSqliteItemColumns +
                                            " FROM items WHERE pk = ?1 AND sk = ?2"));
    stmt.BindText(1, key.pk);
    stmt.BindText(2, key.sk);
    DYNAFLOW_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Item>();
    DYNAFLOW_ASSIGN_OR_RETURN(Item item, ReadRow(stmt));
    if (internal::IsExpired(item, now)) return std::optional<Item>();
    return std::optional<Item>(std::move(item));
  }

  // Reads the live item into *current (when non-null) and checks options.condition against it:
  // kConditionFailed, filling the caller's old item, when it does not hold.
  Status CheckCondition(SqliteConnection* conn, const Key& key, const WriteOptions& options,
                        TimePoint now, std::optional<Item>* current) {
    if (!options.condition && current == nullptr) return Status::OK();
    DYNAFLOW_ASSIGN_OR_RETURN(std::optional<Item> stored, ReadLive(conn, key, now));
    if (options.condition && !options.condition->Evaluate(stored ? &*stored : nullptr)) {
      if (options.old_item_on_condition_failure) {
        *options.old_item_on_condition_failure = std::move(stored);
      }
      return ConditionFailed(key, *options.condition);
    }
    if (current) *current = std::move(stored);
    return Status::OK();
  }

  // The item `update` produces from `current` (from the key alone when absent), validated.
  static Result<Item> Updated(const Key& key, const table::Update& update,
                              std::optional<Item> current) {
    Item next = current ? std::move(*current)
                        : Item{{kPk, AttributeValue::S(key.pk)}, {kSk, AttributeValue::S(key.sk)}};
    DYNAFLOW_RETURN_IF_ERROR(update.ApplyTo(&next).WithContext("update of " + DescribeKey(key)));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateItem(next));
    return next;
  }

  // One transaction op inside an open transaction.
  Status ApplyOp(SqliteConnection* conn, const WriteOp& op, TimePoint now, int index,
                 TransactionFailure* failure) {
    Key scratch;
    const Key& key = internal::OpKey(op, &scratch);
    const Condition* cond = std::visit(
        [](const auto& o) -> const Condition* {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, ConditionCheckOp>) {
            return &o.condition;
          } else {
            return o.condition ? &*o.condition : nullptr;
          }
        },
        op);
    std::optional<Item> current;
    if (cond != nullptr || std::holds_alternative<UpdateOp>(op)) {
      DYNAFLOW_ASSIGN_OR_RETURN(current, ReadLive(conn, key, now));
    }
    if (cond != nullptr && !cond->Evaluate(current ? &*current : nullptr)) {
      if (failure) {
        failure->failed_index = index;
        failure->old_item = std::move(current);
      }
      return ConditionFailed(key, *cond);
    }
    if (const auto* put = std::get_if<PutOp>(&op)) return WriteRow(conn, put->item);
    if (const auto* u = std::get_if<UpdateOp>(&op)) {
      DYNAFLOW_ASSIGN_OR_RETURN(Item next, Updated(key, u->update, std::move(current)));
      return WriteRow(conn, next);
    }
    if (std::holds_alternative<DeleteOp>(op)) return DeleteRow(conn, key);
    return Status::OK();  // condition check only
  }

  static Status WriteRow(SqliteConnection* conn, const Item& item) {
    internal::SqliteRow row = internal::ItemToRow(item);
    DYNAFLOW_ASSIGN_OR_RETURN(
        auto stmt,
        conn->Prepare("INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, "
                      "attrs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    stmt.BindText(1, row.pk);
    stmt.BindText(2, row.sk);
    auto opt = [&](int i, const std::optional<std::string>& v) {
      if (v) {
        stmt.BindText(i, *v);
      } else {
        stmt.BindNull(i);
      }
    };
    opt(3, row.gsi1pk);
    opt(4, row.gsi1sk);
    opt(5, row.gsi2pk);
    opt(6, row.gsi2sk);
    if (row.ttl) {
      stmt.BindInt64(7, *row.ttl);
    } else {
      stmt.BindNull(7);
    }
    stmt.BindBlob(8, row.attrs);
    return stmt.Run();
  }

  static Status DeleteRow(SqliteConnection* conn, const Key& key) {
    DYNAFLOW_ASSIGN_OR_RETURN(auto stmt,
                              conn->Prepare("DELETE FROM items WHERE pk = ?1 AND sk = ?2"));
    stmt.BindText(1, key.pk);
    stmt.BindText(2, key.sk);
    return stmt.Run();
  }

  const std::string name_;
  Clock* const clock_;
  const internal::CursorSigner signer_;
  const std::unique_ptr<internal::SqlitePool> pool_;
  internal::TableCounters counters_;
  internal::SqliteGroupCommit group_;  // after pool_ and counters_, which it uses
};

Result<QueryPage> SqliteTable::Query(const QueryRequest& request) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateQuery(request));
  internal::CursorBinding binding = internal::CursorBinding::For(name(), request);
  std::optional<internal::CursorPosition> after;
  if (!request.cursor.empty()) {
    DYNAFLOW_ASSIGN_OR_RETURN(after, signer_.Decode(binding, request.cursor));
  }
  Count(&counters_.queries);
  DYNAFLOW_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DYNAFLOW_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare(internal::BuildSqliteQuerySql(request, after.has_value())));
  TimePoint now = clock_->Now();
  // One row beyond the limit tells whether another page exists. SQL already drops expired rows,
  // so every fetched row is visible (the assembler re-checks exactly anyway).
  internal::BindSqliteQuery(&stmt, request, after ? &*after : nullptr, ToUnixSeconds(now),
                            request.limit + 1);
  internal::PageAssembler page(request.limit, now);
  std::optional<Item> last;
  bool more = false;
  while (true) {
    DYNAFLOW_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    DYNAFLOW_ASSIGN_OR_RETURN(Item item, ReadRow(stmt));
    if (page.full()) {
      more = true;
      break;
    }
    auto verdict = page.Offer(item);
    if (verdict == internal::PageAssembler::Verdict::kFull) {
      more = true;
      break;
    }
    if (verdict == internal::PageAssembler::Verdict::kTaken) last = std::move(item);
  }
  QueryPage out;
  out.items = page.TakeItems();
  if (more && last) {
    Key key = internal::ItemKey(*last).value();
    std::string index_sk;
    if (request.index != Index::kPrimary) {
      index_sk = *FindAttribute(*last, IndexSortAttribute(request.index))->AsS();
    }
    out.next_cursor = signer_.Encode(binding, internal::CursorPosition{key, index_sk});
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Table>> OpenSqliteTable(const std::string& path,
                                               const SqliteTableOptions& options) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return Status::InvalidArgument("sqlite table path '" + path +
                                   "' must name a file (not empty, ':memory:' or a URI)");
  }
  std::error_code ec;
  if (!options.create_if_missing && !std::filesystem::exists(path, ec)) {
    return Status::NotFound("sqlite database '" + path +
                            "' does not exist (and create_if_missing is false)");
  }
  internal::SqliteConnectionParams params;
  params.path = path;
  params.create_if_missing = options.create_if_missing;
  params.busy_timeout = options.busy_timeout;
  params.synchronous =
      options.synchronous == SqliteTableOptions::Synchronous::kFull ? "FULL" : "NORMAL";
  DYNAFLOW_ASSIGN_OR_RETURN(auto first, SqliteConnection::Open(params));
  DYNAFLOW_RETURN_IF_ERROR(internal::EnsureSqliteSchema(first.get()));
  auto pool =
      std::make_unique<internal::SqlitePool>(params, options.max_connections, std::move(first));
  // name() feeds the cursor binding: the canonical path lets every process that opens the file
  // (through any relative path or link) accept the others' cursors.
  std::string canonical = std::filesystem::canonical(path, ec).string();
  if (ec) canonical = path;
  return std::unique_ptr<Table>(new SqliteTable(canonical, options, std::move(pool)));
}

}  // namespace dynaflow::table
