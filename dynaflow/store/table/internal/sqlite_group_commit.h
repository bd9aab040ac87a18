// Group commit for the SQLite Table backend: concurrent writes of different callers share one
// write transaction and one COMMIT (so one WAL fsync with synchronous=FULL).
//
// Contract of Submit(write):
// - It returns only after the transaction holding the write has committed, so a write that
//   returned OK is as durable as a write committed alone at the same synchronous setting.
// - Its result is the write's own. Each write runs inside its own SAVEPOINT of the shared
//   transaction: a write that fails (a condition, a limit, an SQL error) is rolled back to its
//   savepoint alone and returns its error; the writes before and after it still commit.
// - When the shared transaction itself fails (BEGIN or COMMIT fails, or an error after which
//   SQLite rolled the whole transaction back), nothing of it is applied and every write of it
//   that had succeeded returns that error; writes of the batch not yet run go on in a new
//   transaction.
// - Writes apply in the order they were queued: a write sees every earlier write of its batch.
//
// Batching: there is no background thread. One caller at a time leads: it takes the queued
// writes (at most max_batch, oldest first), runs them on one pooled connection in one
// transaction, commits and wakes their callers. Writes queued meanwhile form the next batch, led
// by one of their own callers. A lone writer therefore commits alone, without waiting.
//
// Thread-safety: Submit may be called concurrently; `write` runs on the leader's thread (the
// caller is blocked meanwhile, so it may use the caller's memory).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>

#include "dynaflow/model/result.h"
#include "dynaflow/store/table/internal/sqlite_connection.h"
#include "dynaflow/store/table/internal/table_counters.h"

namespace dynaflow::table::internal {

class SqliteGroupCommit {
 public:
  // Runs inside an open transaction; must not commit or roll back itself.
  using Write = std::function<Status(SqliteConnection*)>;

  // `pool` and `counters` are not owned and must outlive this. max_batch 0 counts as 1 (every
  // write in its own transaction).
  SqliteGroupCommit(SqlitePool* pool, size_t max_batch, TableCounters* counters);

  // Queues `write` (counting it as `counted_writes` writes and requests in the counters, at the
  // moment it is queued), waits until it has been committed or has failed, returns its result.
  Status Submit(const Write& write, int64_t counted_writes);

 private:
  struct Pending {
    const Write* write;
    Status result;
    bool done = false;
  };

  void RunBatch(std::span<Pending* const> batch);
  // Runs batch[first..] in one transaction until it ends or the transaction is lost; returns the
  // index of the first write not yet run.
  size_t RunTransaction(SqliteConnection* conn, std::span<Pending* const> batch, size_t first);

  SqlitePool* const pool_;
  const size_t max_batch_;
  TableCounters* const counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leading_ = false;        // guarded by mu_: a caller is running a batch
};

}  // namespace dynaflow::table::internal
