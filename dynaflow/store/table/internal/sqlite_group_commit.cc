#include "dynaflow/store/table/internal/sqlite_group_commit.h"

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

namespace dynaflow::table::internal {

SqliteGroupCommit::SqliteGroupCommit(SqlitePool* pool, size_t max_batch, TableCounters* counters)
    : pool_(pool), max_batch_(std::max<size_t>(max_batch, 1)), counters_(counters) {}

Status SqliteGroupCommit::Submit(const Write& write, int64_t counted_writes) {
  Pending mine{&write, Status::OK()};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&mine);
  counters_->writes.fetch_add(counted_writes);
  counters_->requests.fetch_add(counted_writes);
  while (true) {
    cv_.wait(lock, [&] { return mine.done || !leading_; });
    if (mine.done) return std::move(mine.result);
    // Lead one batch (it holds `mine` unless more than max_batch writes queued before it).
    leading_ = true;
    const size_t n = std::min(queue_.size(), max_batch_);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    leading_ = false;
    cv_.notify_all();
  }
}

void SqliteGroupCommit::RunBatch(std::span<Pending* const> batch) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) {
    for (Pending* p : batch) p->result = conn.status();
    return;
  }
  for (size_t next = 0; next < batch.size();) next = RunTransaction(conn->get(), batch, next);
}

namespace {

// Runs `write`, mapping an escaping exception (allocation failure) to kInternal so that the
// leader always finishes its batch.
Status RunGuarded(const SqliteGroupCommit::Write& write, SqliteConnection* conn) {
  try {
    return write(conn);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("sqlite write on '") + conn->path() +
                            "' threw: " + e.what());
  }
}

Status RunSql(SqliteConnection* conn, const char* sql) {
  DYNAFLOW_ASSIGN_OR_RETURN(auto stmt, conn->Prepare(sql));
  return stmt.Run();
}

}  // namespace

size_t SqliteGroupCommit::RunTransaction(SqliteConnection* conn, std::span<Pending* const> batch,
                                         size_t first) {
  SqliteWriteTransaction txn(conn);
  Status begun = txn.Begin();
  if (!begun.ok()) {
    for (size_t i = first; i < batch.size(); ++i) batch[i]->result = begun;
    return batch.size();
  }
  std::vector<Pending*> applied;
  for (size_t i = first; i < batch.size(); ++i) {
    Pending* p = batch[i];
    Status s = RunSql(conn, "SAVEPOINT dynaflow_write");
    bool lost = !s.ok();
    if (s.ok()) {
      s = RunGuarded(*p->write, conn);
      if (!conn->InTransaction()) {
        lost = true;  // SQLite rolled the whole transaction back (I/O error, disk full, ...)
      } else if (s.ok()) {
        s = RunSql(conn, "RELEASE dynaflow_write");
        lost = !s.ok();
      } else {
        Status undone = RunSql(conn, "ROLLBACK TO dynaflow_write");
        if (undone.ok()) undone = RunSql(conn, "RELEASE dynaflow_write");
        lost = !undone.ok();
      }
    }
    if (lost) {
      Status why = s.ok() ? Status::Unavailable("sqlite transaction on '" + conn->path() +
                                                "' was rolled back by SQLite")
                          : s;
      p->result = why;
      for (Pending* a : applied) {
        a->result = why.WithContext("shared transaction of " + std::to_string(i - first + 1) +
                                    " writes rolled back");
      }
      return i + 1;  // txn's destructor rolls back what remains open
    }
    p->result = std::move(s);
    if (p->result.ok()) applied.push_back(p);
  }
  Status committed = txn.Commit();
  if (committed.ok()) {
    counters_->commits.fetch_add(1);
  } else {
    for (Pending* a : applied) a->result = committed;
  }
  return batch.size();
}

}  // namespace dynaflow::table::internal
