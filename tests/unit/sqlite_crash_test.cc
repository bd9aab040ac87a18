// The SQLite backend across processes: a writer killed with SIGKILL in the middle of its
// transactions leaves a consistent, writable table; two processes doing compare-and-set on one
// counter never lose an update.
//
// Children are fork()ed before the parent opens the file (SQLite connections must not cross a
// fork) and leave with _exit() so they never run the rest of the test binary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "dynaflow/store/table/sqlite_table.h"
#include "tests/support/forked_writer.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::table {
namespace {

using V = AttributeValue;

constexpr int kGroups = 16;
constexpr int kGroupSize = 10;

class SqliteCrashTest : public ::testing::Test {
 protected:
  test::TempDir dir_{"dynaflow-crash"};
  const std::string path_ = dir_.File("crash.db");
};

std::string Group(int g) { return "GROUP#" + std::to_string(g); }

// Child: writes whole groups forever, each group in one transaction with one counter value.
// Writes one byte to `ready_fd` after its first commit. Exits only on error (status 2 or 3).
[[noreturn]] void RunWriter(const std::string& path, int64_t first_counter, int ready_fd) {
  auto opened = OpenSqliteTable(path);
  if (!opened.ok()) _exit(2);
  std::unique_ptr<Table> table = std::move(opened).value();
  std::string pad(4096, 'p');
  for (int64_t counter = first_counter;; ++counter) {
    std::vector<WriteOp> ops;
    int g = static_cast<int>(counter % kGroups);
    for (int j = 0; j < kGroupSize; ++j) {
      ops.push_back(PutOp{{{kPk, V::S(Group(g))},
                           {kSk, V::S("ITEM#" + std::to_string(j))},
                           {"counter", V::N(counter)},
                           {"pad", V::B(pad)}},
                          std::nullopt});
    }
    if (!table->TransactWrite(ops).ok()) _exit(3);
    if (counter == first_counter) {
      char b = 1;
      if (write(ready_fd, &b, 1) != 1) _exit(2);
    }
  }
}

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST_F(SqliteCrashTest, KilledWriterLeavesEveryTransactionWholeOrAbsent) {
  unsigned seed = std::random_device()();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int64_t first_counter = (round + 1) * int64_t{1'000'000};
    test::ForkedWriter child =
        test::ForkWriter([&](int fd) { RunWriter(path_, first_counter, fd); });
    ASSERT_GE(child.pid, 0);
    char b = 0;
    ASSERT_EQ(read(child.read_fd, &b, 1), 1) << "the writer failed before its first commit";
    close(child.read_fd);
    // Kill at a random point of its steady state: it spends nearly all its time inside
    // transactions (and sometimes in WAL checkpoints).
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 150));
    ASSERT_NO_FATAL_FAILURE(test::KillAndReap(child.pid));

    auto opened = OpenSqliteTable(path_);
    ASSERT_OK(opened);
    std::unique_ptr<Table> table = std::move(opened).value();
    int written_this_round = 0;
    for (int g = 0; g < kGroups; ++g) {
      QueryRequest q;
      q.partition = Group(g);
      ASSERT_OK_AND_ASSIGN(auto page, table->Query(q));
      if (page.items.empty()) continue;
      ASSERT_EQ(page.items.size(), static_cast<size_t>(kGroupSize)) << Group(g);
      const V& counter = page.items[0].at("counter");
      for (const Item& item : page.items) {
        EXPECT_EQ(item.at("counter"), counter) << Group(g) << " mixes two transactions";
      }
      if (*counter.AsInt64() >= first_counter) ++written_this_round;
    }
    EXPECT_GT(written_this_round, 0);
    EXPECT_EQ(IntegrityCheck(path_), "ok");
    // Still writable, transactions included.
    std::vector<WriteOp> ops = {
        PutOp{{{kPk, V::S("after")}, {kSk, V::S("round" + std::to_string(round))}}, std::nullopt},
        UpdateOp{{"after", "count"}, Update().Add("n", 1), std::nullopt}};
    ASSERT_OK(table->TransactWrite(ops));
  }
  ASSERT_OK_AND_ASSIGN(auto table, OpenSqliteTable(path_));
  QueryRequest q;
  q.partition = "after";
  EXPECT_EQ((table)->Query(q)->items.size(), static_cast<size_t>(kRounds + 1));
  auto count = (table)->Get({"after", "count"});
  ASSERT_OK(count);
  EXPECT_EQ(*count->at("n").AsInt64(), kRounds);
}

// Child: `n` compare-and-set increments of the counter; exit 0 when done, 3 on an error.
[[noreturn]] void RunIncrementer(const std::string& path, int n, int go_fd) {
  char b;
  if (read(go_fd, &b, 1) != 1) _exit(2);
  auto opened = OpenSqliteTable(path);
  if (!opened.ok()) _exit(2);
  std::unique_ptr<Table> table = std::move(opened).value();
  for (int done = 0; done < n;) {
    auto cur = table->Get({"counter", "counter"});
    if (!cur.ok()) _exit(3);
    const V& value = cur->at("n");
    WriteOptions cas;
    cas.condition = Condition::Eq("n", value);
    Status s =
        table->Update({"counter", "counter"}, Update().Set("n", V::N(*value.AsInt64() + 1)), cas)
            .status();
    if (s.ok()) {
      ++done;
    } else if (!s.Is(StatusCode::kConditionFailed)) {
      _exit(3);
    }
  }
  table.reset();
  _exit(0);
}

TEST_F(SqliteCrashTest, TwoProcessesCompareAndSetOneCounterExactly) {
  constexpr int kN = 300;
  {
    ASSERT_OK_AND_ASSIGN(auto table, OpenSqliteTable(path_));
    ASSERT_OK((table)->Put({{kPk, V::S("counter")}, {kSk, V::S("counter")}, {"n", V::N(0)}}));
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pids[2];
  for (pid_t& pid : pids) {
    pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[1]);
      RunIncrementer(path_, kN, fds[0]);
    }
  }
  close(fds[0]);
  ASSERT_EQ(write(fds[1], "gg", 2), 2);  // start both at once
  close(fds[1]);
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  ASSERT_OK_AND_ASSIGN(auto table, OpenSqliteTable(path_));
  auto counter = (table)->Get({"counter", "counter"});
  ASSERT_OK(counter);
  EXPECT_EQ(*counter->at("n").AsInt64(), 2 * kN);
}

}  // namespace
}  // namespace dynaflow::table
