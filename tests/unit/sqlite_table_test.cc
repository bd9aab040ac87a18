// The SQLite backend: the Table conformance suite (a fresh database file per test), plus what
// only the SQLite backend has: persistence across reopen, rejection of foreign files, the
// on-disk layout and its indexes, corrupt blobs, lock timeouts, and concurrency.
#include "dynaflow/store/table/sqlite_table.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dynaflow/store/table/internal/sqlite_query.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/table_conformance.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::table {
namespace {

using V = AttributeValue;
namespace fs = std::filesystem;

std::unique_ptr<Table> OpenOrDie(const std::string& path, const SqliteTableOptions& o = {}) {
  auto t = OpenSqliteTable(path, o);
  EXPECT_OK(t);
  return t.ok() ? std::move(t).value() : nullptr;
}

DYNAFLOW_INSTANTIATE_TABLE_CONFORMANCE(Sqlite, ::dynaflow::test::BackendFactory{
                                                   "sqlite", [](const TableOptions& o) {
                                                     SqliteTableOptions so;
                                                     so.table = o;
                                                     return OpenOrDie(
                                                         test::BinaryTempDir().NewFile("t", ".db"),
                                                         so);
                                                   }});

Item MakeItem(const std::string& pk, const std::string& sk, Item attrs = {}) {
  attrs[kPk] = V::S(pk);
  attrs[kSk] = V::S(sk);
  return attrs;
}

// A raw SQLite handle on the same file, for inspecting and tampering with it.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  // Column `col` of every result row, as text.
  std::vector<std::string> Column(const std::string& sql, int col = 0) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, col);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

Item RichItem() {
  return MakeItem("RUN#1", "STEP#a",
                  {{kGsi1Pk, V::S("WORKFLOW#w")},
                   {kGsi1Sk, V::S("2024-01-01")},
                   {kTtl, V::N("99999999999.5")},
                   {"n", V::N("-12.50e3")},
                   {"b", V::B(std::string("\0\xff\x01", 3))},
                   {"flag", V::Bool(true)},
                   {"nothing", V::Null()},
                   {"ss", V::SS({"x", "y"})},
                   {"ns", V::NS({"1", "2.5"})},
                   {"bs", V::BS({std::string("\0", 1)})},
                   {"l", V::L({V::S("a"), V::N(1), V::M({{"k", V::Bool(false)}})})},
                   {"m", V::M({{"inner", V::L({})}, {"e", V::S("")}})}});
}

TEST(SqliteTableTest, ReopeningTheFileKeepsEveryAttribute) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  {
    auto t = OpenOrDie(path);
    ASSERT_OK(t->Put(RichItem()));
  }
  auto t = OpenOrDie(path);
  auto got = t->Get({"RUN#1", "STEP#a"});
  ASSERT_OK(got);
  EXPECT_EQ(*got, RichItem());
  QueryRequest q;
  q.index = Index::kGsi1;
  q.partition = "WORKFLOW#w";
  ASSERT_OK_AND_ASSIGN(auto page, t->Query(q));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0], RichItem());
}

TEST(SqliteTableTest, NameIsTheCanonicalPathAndStatsCountCalls) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  auto t = OpenOrDie(path);
  EXPECT_EQ(t->name(), "sqlite:" + fs::canonical(path).string());
  ASSERT_OK(t->Put(MakeItem("p", "a")));
  ASSERT_OK(t->Get({"p", "a"}));
  std::vector<Key> keys = {{"p", "a"}};
  ASSERT_OK(t->BatchGet(keys));
  QueryRequest q;
  q.partition = "p";
  ASSERT_OK(t->Query(q));
  TableStats s = t->stats();
  EXPECT_EQ(s.reads, 2);
  EXPECT_EQ(s.writes, 1);
  EXPECT_EQ(s.queries, 1);
  EXPECT_EQ(s.requests, 4);
}

TEST(SqliteTableTest, StoresTheDocumentedLayout) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  auto t = OpenOrDie(path);
  ASSERT_OK(t->Put(RichItem()));
  RawDb raw(path);
  EXPECT_EQ(raw.Column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_EQ(raw.Column("SELECT value FROM meta WHERE key = 'schema_version'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(raw.Column("SELECT pk || '|' || sk || '|' || gsi1pk || '|' || gsi1sk || '|' || "
                       "ifnull(gsi2pk, 'NULL') || '|' || ttl FROM items"),
            std::vector<std::string>{"RUN#1|STEP#a|WORKFLOW#w|2024-01-01|NULL|100000000000"});
  // Key attributes live in their columns only; attrs starts with the blob version byte.
  EXPECT_EQ(raw.Column("SELECT hex(substr(attrs, 1, 1)) FROM items"),
            std::vector<std::string>{"01"});
  auto names = raw.Column("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name");
  EXPECT_NE(std::find(names.begin(), names.end(), "items_gsi1"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "items_gsi2"), names.end());
}

TEST(SqliteTableTest, QueriesSeekWithTheIndexes) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  auto t = OpenOrDie(path);
  RawDb raw(path);
  struct Case {
    Index index;
    std::optional<SortKeyCondition> sort;
    bool forward;
    bool resume;
    const char* expect;  // substring of the plan
  };
  std::vector<Case> cases = {
      {Index::kPrimary, SortKeyCondition::BeginsWith("STEP#"), true, false,
       "(pk=? AND sk>? AND sk<?)"},
      {Index::kPrimary, std::nullopt, false, true, "(pk=? AND sk<?)"},
      {Index::kGsi1, SortKeyCondition::Between("a", "b"), true, true,
       "items_gsi1 (gsi1pk=? AND (gsi1sk,pk,sk)>(?,?,?) AND gsi1sk<?)"},
      {Index::kGsi2, SortKeyCondition::Ge("a"), false, true,
       "items_gsi2 (gsi2pk=? AND gsi2sk>? AND (gsi2sk,pk,sk)<(?,?,?))"},
      {Index::kGsi2, SortKeyCondition::Eq("a"), true, true,
       "items_gsi2 (gsi2pk=? AND gsi2sk=? AND (pk,sk)>(?,?))"},
  };
  for (const Case& c : cases) {
    QueryRequest q;
    q.index = c.index;
    q.sort = c.sort;
    q.forward = c.forward;
    // The plan's text is the fourth column of EXPLAIN QUERY PLAN.
    auto plan = raw.Column("EXPLAIN QUERY PLAN " + internal::BuildSqliteQuerySql(q, c.resume), 3);
    std::string all;
    for (auto& p : plan) all += p + "\n";
    EXPECT_NE(all.find(c.expect), std::string::npos) << all;
    EXPECT_EQ(all.find("TEMP B-TREE"), std::string::npos) << all;  // no sort step
    EXPECT_EQ(all.find("SCAN"), std::string::npos) << all;         // no full scan
  }
}

// Expects `r` to fail with `code` and a message naming `path` and containing `what`.
template <class R>
void ExpectOpenError(const R& r, StatusCode code, const std::string& path,
                     const std::string& what) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status();
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status();
}

TEST(SqliteTableTest, RejectsAFileThatIsNotADatabase) {
  std::string path = test::BinaryTempDir().NewFile("text", ".db");
  std::ofstream(path) << "this is a text file, certainly not SQLite, and long enough to be "
                         "read as a database header by SQLite's pager: "
                      << std::string(200, 'x');
  ExpectOpenError(OpenSqliteTable(path), StatusCode::kInvalidArgument, path,
                  "not a SQLite database");
}

TEST(SqliteTableTest, RejectsASqliteDatabaseOfAnotherApplication) {
  std::string path = test::BinaryTempDir().NewFile("foreign", ".db");
  RawDb(path).Exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
  ExpectOpenError(OpenSqliteTable(path), StatusCode::kInvalidArgument, path,
                  "not a dynaflow table: it has tables but no dynaflow 'meta' table");
}

TEST(SqliteTableTest, RejectsAnotherSchemaVersionOrLayout) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  RawDb(path).Exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  ExpectOpenError(OpenSqliteTable(path), StatusCode::kInvalidArgument, path,
                  "schema version '2', this build supports version 1");
  RawDb(path).Exec(
      "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
      "ALTER TABLE items ADD COLUMN extra TEXT");
  ExpectOpenError(OpenSqliteTable(path), StatusCode::kInvalidArgument, path,
                  "has columns (pk,sk,gsi1pk,gsi1sk,gsi2pk,gsi2sk,ttl,attrs,extra)");
}

TEST(SqliteTableTest, ReportsPathsThatCannotBeOpened) {
  std::string missing_dir = test::BinaryTempDir().File("no-such-dir/t.db");
  ExpectOpenError(OpenSqliteTable(missing_dir), StatusCode::kUnavailable, missing_dir,
                  "unable to open");
  std::string absent = test::BinaryTempDir().NewFile("absent", ".db");
  SqliteTableOptions no_create;
  no_create.create_if_missing = false;
  ExpectOpenError(OpenSqliteTable(absent, no_create), StatusCode::kNotFound, absent,
                  "does not exist");
  EXPECT_FALSE(fs::exists(absent));
  EXPECT_EQ(OpenSqliteTable(":memory:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSqliteTable("").status().code(), StatusCode::kInvalidArgument);
  // An existing dynaflow file opens without create_if_missing.
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  EXPECT_OK(OpenSqliteTable(path, no_create));
}

TEST(SqliteTableTest, CorruptAttributeBlobIsASerializationError) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  auto t = OpenOrDie(path);
  ASSERT_OK(t->Put(MakeItem("p", "bad", {{"x", V::S("y")}})));
  ASSERT_OK(t->Put(MakeItem("p", "good", {{"x", V::S("y")}})));
  // Version 1, one attribute, name of length 200 that is not there.
  RawDb(path).Exec("UPDATE items SET attrs = x'0101C801' WHERE sk = 'bad'");
  auto got = t->Get({"p", "bad"});
  EXPECT_EQ(got.status().code(), StatusCode::kSerialization) << got.status();
  EXPECT_NE(got.status().message().find("p/bad"), std::string::npos) << got.status();
  QueryRequest q;
  q.partition = "p";
  EXPECT_EQ(t->Query(q).status().code(), StatusCode::kSerialization);
  // A conditional write cannot evaluate against it either, and changes nothing.
  auto upd = t->Update({"p", "bad"}, table::Update().Set("x", V::S("z")));
  EXPECT_EQ(upd.status().code(), StatusCode::kSerialization) << upd.status();
  // The other items are unaffected, and a plain put repairs the item.
  EXPECT_OK(t->Get({"p", "good"}));
  ASSERT_OK(t->Put(MakeItem("p", "bad")));
  EXPECT_OK(t->Get({"p", "bad"}));
}

TEST(SqliteTableTest, WriteLockedLongerThanTheBusyTimeoutIsATimeout) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  SqliteTableOptions o;
  o.busy_timeout = std::chrono::milliseconds(200);
  auto t = OpenOrDie(path, o);
  ASSERT_OK(t->Put(MakeItem("p", "a")));
  {
    RawDb other(path);  // another "process" holding the write lock
    other.Exec("BEGIN IMMEDIATE");
    auto start = std::chrono::steady_clock::now();
    Status s = t->Put(MakeItem("p", "b"));
    auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(s.code(), StatusCode::kTimeout) << s;
    EXPECT_NE(s.message().find(path), std::string::npos) << s;
    EXPECT_GE(waited, std::chrono::milliseconds(200));
    // Readers are not blocked by the writer (WAL).
    EXPECT_OK(t->Get({"p", "a"}));
    other.Exec("ROLLBACK");
  }
  EXPECT_OK(t->Put(MakeItem("p", "b")));
}

TEST(SqliteTableTest, TwoOpenTablesOnOneFileShareDataAndCursors) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  SqliteTableOptions o;
  o.table.cursor_secret = "shared";
  auto a = OpenOrDie(path, o);
  auto b = OpenOrDie(fs::relative(path).string(), o);  // another spelling of the same file
  for (int i = 0; i < 5; ++i) ASSERT_OK(a->Put(MakeItem("p", "k" + std::to_string(i))));
  QueryRequest q;
  q.partition = "p";
  q.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto first, b->Query(q));
  ASSERT_EQ(first.items.size(), 2u);
  q.cursor = first.next_cursor;
  auto second = a->Query(q);
  ASSERT_OK(second);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(*second->items[0].at(kSk).AsS(), "k2");
  // A conditional create through one is seen by the other.
  WriteOptions create;
  create.condition = Condition::NotExists(kPk);
  EXPECT_EQ(b->Put(MakeItem("p", "k0"), create).code(), StatusCode::kConditionFailed);
}

TEST(SqliteTableTest, SortsKeysInUtf8ByteOrder) {
  auto t = OpenOrDie(test::BinaryTempDir().NewFile("t", ".db"));
  // Byte order: "Z" < "a" < "\x7f" < "é" (C3 A9) < "\xef\xbf\xbd" < "𝄞" (F0 9D 84 9E).
  std::vector<std::string> sorted = {
      "Z", "a", "a\x01", "\x7f", "\xc3\xa9", "\xef\xbf\xbd", "\xf0\x9d\x84\x9e"};
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
    ASSERT_OK(t->Put(MakeItem("p", *it, {{kGsi2Pk, V::S("g")}, {kGsi2Sk, V::S(*it)}})));
  }
  for (Index index : {Index::kPrimary, Index::kGsi2}) {
    QueryRequest q;
    q.index = index;
    q.partition = index == Index::kPrimary ? "p" : "g";
    ASSERT_OK_AND_ASSIGN(auto page, t->Query(q));
    std::vector<std::string> got;
    for (const Item& item : page.items) got.push_back(*item.at(kSk).AsS());
    EXPECT_EQ(got, sorted);
  }
}

TEST(SqliteTableTest, FractionalTtlExpiresExactlyAtItsSecond) {
  dynaflow::test::FakeClock clock(FromUnixMillis(1000'000));  // t = 1000 s
  SqliteTableOptions o;
  o.table.clock = &clock;
  auto t = OpenOrDie(test::BinaryTempDir().NewFile("t", ".db"), o);
  ASSERT_OK(t->Put(MakeItem("p", "a", {{kTtl, V::N("1000.5")}})));
  QueryRequest q;
  q.partition = "p";
  clock.SetNow(FromUnixMillis(1000'900));  // 1000.9 s: truncated to 1000 < 1000.5
  EXPECT_OK(t->Get({"p", "a"}));
  EXPECT_EQ(t->Query(q)->items.size(), 1u);
  clock.SetNow(FromUnixMillis(1001'000));  // 1001 s >= 1000.5: expired
  EXPECT_EQ(t->Get({"p", "a"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(t->Query(q)->items.size(), 0u);
  // Expired counts as absent for conditions too.
  WriteOptions create;
  create.condition = Condition::NotExists(kPk);
  EXPECT_OK(t->Put(MakeItem("p", "a"), create));
}

TEST(SqliteTableTest, EightThreadsReadAndWriteConcurrently) {
  std::string path = test::BinaryTempDir().NewFile("t", ".db");
  auto t = OpenOrDie(path);
  ASSERT_OK(t->Put(MakeItem("c", "counter", {{"n", V::N(0)}})));
  constexpr int kThreads = 8, kIncrements = 50;
  std::atomic<int> conflicts{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int done = 0; done < kIncrements;) {
        auto cur = t->Get({"c", "counter"});
        if (!cur.ok()) {
          ++errors;
          return;
        }
        const V& n = cur->at("n");
        WriteOptions cas;
        cas.condition = Condition::Eq("n", n);
        Item next = *cur;
        next["n"] = V::N(*n.AsInt64() + 1);
        Status s = t->Put(next, cas);
        if (s.ok()) {
          ++done;
          // Each thread also writes and queries its own partition meanwhile.
          std::string p = "t" + std::to_string(i);
          if (!t->Put(MakeItem(p, std::to_string(1000 + done))).ok()) ++errors;
          QueryRequest q;
          q.partition = p;
          q.limit = 1000;
          auto page = t->Query(q);
          if (!page.ok() || static_cast<int>(page->items.size()) != done) ++errors;
        } else if (s.code() == StatusCode::kConditionFailed) {
          ++conflicts;
        } else {
          ++errors;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  auto final_item = t->Get({"c", "counter"});
  ASSERT_OK(final_item);
  EXPECT_EQ(*final_item->at("n").AsInt64(), kThreads * kIncrements);
  std::cout << "CAS conflicts among 8 threads: " << conflicts.load() << "\n";
}

}  // namespace
}  // namespace dynaflow::table
