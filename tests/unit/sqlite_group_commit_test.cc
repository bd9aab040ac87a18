// Group commit of the SQLite backend (dynaflow/store/table/sqlite_table.h): concurrent writes
// share commits, each caller gets its own result, and every write a caller saw acknowledged
// survives a SIGKILL of the process in the middle of its batches.
//
// Batching is made deterministic by holding the file's write lock from a raw connection: the
// first writer leads a batch of one and waits for the lock, every other writer queues behind it
// (TableStats::writes counts a write when it is queued), then the lock is released.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "dynaflow/store/table/sqlite_table.h"
#include "tests/support/forked_writer.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::table {
namespace {

using V = AttributeValue;

Item MakeItem(const std::string& pk, const std::string& sk) {
  return {{kPk, V::S(pk)}, {kSk, V::S(sk)}, {"pad", V::S(std::string(512, 'p'))}};
}

// Holds the database's write lock from a raw connection until Release() (or destruction).
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~WriteLockHolder() {
    Release();
    sqlite3_close(db_);
  }
  void Release() {
    if (held_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = true;
};

// Polls `done` until it holds or a generous deadline passes; returns whether it held.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class SqliteGroupCommitTest : public ::testing::Test {
 protected:
  std::unique_ptr<Table> Open(size_t max_batch_writes = 64) {
    return OpenAt(path_, max_batch_writes);
  }
  std::unique_ptr<Table> OpenAt(const std::string& path, size_t max_batch_writes = 64) {
    SqliteTableOptions o;
    o.busy_timeout = std::chrono::seconds(60);
    o.max_batch_writes = max_batch_writes;
    auto t = OpenSqliteTable(path, o);
    EXPECT_OK(t);
    return t.ok() ? std::move(t).value() : nullptr;
  }

  // Runs calls[i] on thread i while the write lock is held; releases it once all are queued.
  void RunQueuedBehindLock(Table* table, const std::vector<std::function<void()>>& calls) {
    const int64_t writes_before = table->stats().writes;
    WriteLockHolder lock(path_);
    std::vector<std::thread> threads;
    for (const auto& call : calls) threads.emplace_back(call);
    EXPECT_TRUE(WaitFor([&] {
      return table->stats().writes == writes_before + static_cast<int64_t>(calls.size());
    })) << "the writers never all queued";
    lock.Release();
    for (auto& t : threads) t.join();
  }

  test::TempDir dir_{"dynaflow-group"};
  const std::string path_ = dir_.File("group.db");
};

TEST_F(SqliteGroupCommitTest, ConcurrentWritesShareCommits) {
  constexpr int kWriters = 16;
  auto table = Open();
  std::vector<Status> results(kWriters, Status::Internal("not run"));
  std::vector<std::function<void()>> calls;
  for (int i = 0; i < kWriters; ++i) {
    calls.push_back([&, i] { results[i] = table->Put(MakeItem("RUN#" + std::to_string(i), "S")); });
  }
  const int64_t commits_before = table->stats().commits;
  RunQueuedBehindLock(table.get(), calls);
  for (int i = 0; i < kWriters; ++i) EXPECT_OK(results[i]) << "writer " << i;
  // The first writer's batch of one, then one batch of the 15 queued behind it.
  EXPECT_EQ(table->stats().commits - commits_before, 2);
  for (int i = 0; i < kWriters; ++i) EXPECT_OK(table->Get({"RUN#" + std::to_string(i), "S"}));
}

TEST_F(SqliteGroupCommitTest, OneWriteEachWithoutGrouping) {
  constexpr int kWriters = 8;
  auto table = Open(/*max_batch_writes=*/1);
  std::vector<std::function<void()>> calls;
  for (int i = 0; i < kWriters; ++i) {
    calls.push_back([&, i] { EXPECT_OK(table->Put(MakeItem("RUN#" + std::to_string(i), "S"))); });
  }
  const int64_t commits_before = table->stats().commits;
  RunQueuedBehindLock(table.get(), calls);
  EXPECT_EQ(table->stats().commits - commits_before, kWriters);
}

TEST_F(SqliteGroupCommitTest, FailedConditionsFailOnlyTheirOwnCaller) {
  auto table = Open();
  ASSERT_OK(table->Put(MakeItem("taken", "S")));
  constexpr int kWriters = 12;
  std::vector<Status> results(kWriters, Status::Internal("not run"));
  std::vector<std::optional<Item>> old(kWriters);
  TransactionFailure failure;
  Status txn_result = Status::Internal("not run");
  std::vector<std::function<void()>> calls;
  for (int i = 0; i < kWriters; ++i) {
    calls.push_back([&, i] {
      WriteOptions o;
      o.condition = Condition::NotExists(kPk);
      o.old_item_on_condition_failure = &old[i];
      // Odd writers target the existing item: their condition fails.
      results[i] = table->Put(MakeItem(i % 2 ? "taken" : "new" + std::to_string(i), "S"), o);
    });
  }
  // A transaction whose first op writes and whose second op's condition fails: all or nothing.
  calls.push_back([&] {
    std::vector<WriteOp> ops = {PutOp{MakeItem("txn-a", "S"), std::nullopt},
                                ConditionCheckOp{{"taken", "S"}, Condition::NotExists(kPk)}};
    txn_result = table->TransactWrite(ops, &failure);
  });
  const int64_t commits_before = table->stats().commits;
  RunQueuedBehindLock(table.get(), calls);
  for (int i = 0; i < kWriters; ++i) {
    SCOPED_TRACE("writer " + std::to_string(i));
    if (i % 2) {
      EXPECT_TRUE(results[i].Is(StatusCode::kConditionFailed)) << results[i].ToString();
      ASSERT_TRUE(old[i].has_value());
      EXPECT_EQ(old[i]->at(kPk), V::S("taken"));
    } else {
      EXPECT_OK(results[i]);
      EXPECT_OK(table->Get({"new" + std::to_string(i), "S"}));
    }
  }
  EXPECT_TRUE(txn_result.Is(StatusCode::kConditionFailed)) << txn_result.ToString();
  EXPECT_EQ(failure.failed_index, 1);
  EXPECT_TRUE(table->Get({"txn-a", "S"}).status().Is(StatusCode::kNotFound))
      << "the failed transaction's first op was committed";
  EXPECT_EQ(table->stats().commits - commits_before, 2);
}

// The acknowledgement a crash-test child writes on its pipe after a Put returned OK.
struct Ack {
  int32_t thread;
  int32_t n;
};

std::string AckKey(const Ack& a) { return "ACK#" + std::to_string(a.thread); }
std::string AckSort(const Ack& a) { return "N#" + std::to_string(a.n); }

// Child: kThreads threads Put forever; each acknowledges a write on `ack_fd` after Put returned
// OK. Exits only on error (status 2 or 3).
[[noreturn]] void RunAckingWriters(const std::string& path, int threads, int ack_fd) {
  auto opened = OpenSqliteTable(path);
  if (!opened.ok()) _exit(2);
  std::unique_ptr<Table> table = std::move(opened).value();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int32_t n = 0;; ++n) {
        Ack a{t, n};
        if (!table->Put(MakeItem(AckKey(a), AckSort(a))).ok()) _exit(3);
        if (write(ack_fd, &a, sizeof a) != static_cast<ssize_t>(sizeof a)) _exit(2);
      }
    });
  }
  for (auto& w : workers) w.join();
  _exit(2);
}

TEST_F(SqliteGroupCommitTest, KilledMidBatchKeepsEveryAcknowledgedWrite) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string path = dir_.File("crash" + std::to_string(round) + ".db");
    test::ForkedWriter child =
        test::ForkWriter([&](int fd) { RunAckingWriters(path, kThreads, fd); });
    ASSERT_GE(child.pid, 0);
    std::vector<Ack> acked;
    auto read_ack = [&] {
      Ack a{};
      size_t got = 0;
      while (got < sizeof a) {
        ssize_t r = read(child.read_fd, reinterpret_cast<char*>(&a) + got, sizeof a - got);
        if (r <= 0) return false;
        got += static_cast<size_t>(r);
      }
      acked.push_back(a);
      return true;
    };
    // Kill after a number of acknowledgements that differs per round: the writers are inside
    // their batches nearly all the time.
    const size_t kill_after = 500 + 700 * static_cast<size_t>(round);
    while (acked.size() < kill_after) ASSERT_TRUE(read_ack()) << "the writer died by itself";
    ASSERT_NO_FATAL_FAILURE(test::KillAndReap(child.pid));
    while (read_ack()) {
    }  // acknowledgements still in the pipe
    close(child.read_fd);

    auto table = OpenAt(path);
    ASSERT_NE(table, nullptr);
    for (const Ack& a : acked) {
      ASSERT_OK(table->Get({AckKey(a), AckSort(a)}))
          << "acknowledged write " << a.thread << "/" << a.n << " is missing";
    }
  }
}

}  // namespace
}  // namespace dynaflow::table
