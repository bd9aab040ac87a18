// The memory backend: the Table conformance suite, plus memory-specific behaviour.
#include "dynaflow/store/table/memory_table.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tests/support/table_conformance.h"

namespace dynaflow::table {
namespace {

DYNAFLOW_INSTANTIATE_TABLE_CONFORMANCE(Memory, ::dynaflow::test::BackendFactory{
                                                   "memory", [](const TableOptions& o) {
                                                     return NewMemoryTable(o);
                                                   }});

Item MakeItem(const std::string& pk, const std::string& sk) {
  return {{kPk, AttributeValue::S(pk)}, {kSk, AttributeValue::S(sk)}};
}

TEST(MemoryTableTest, NameAndStatsCountCalls) {
  auto table = NewMemoryTable();
  EXPECT_EQ(table->name(), "memory");
  ASSERT_OK(table->Put(MakeItem("p", "a")));
  ASSERT_OK(table->Get({"p", "a"}));
  std::vector<Key> keys = {{"p", "a"}, {"p", "b"}};
  ASSERT_OK(table->BatchGet(keys));
  QueryRequest q;
  q.partition = "p";
  ASSERT_OK(table->Query(q));
  ASSERT_OK(table->Delete({"p", "a"}));
  TableStats s = table->stats();
  EXPECT_EQ(s.reads, 2);
  EXPECT_EQ(s.writes, 2);
  EXPECT_EQ(s.queries, 1);
  EXPECT_EQ(s.requests, 5);
}

TEST(MemoryTableTest, CursorsOfAnotherSecretAreRejected) {
  TableOptions a, b;
  a.cursor_secret = "one";
  b.cursor_secret = "two";
  auto ta = NewMemoryTable(a), tb = NewMemoryTable(b);
  for (auto* t : {ta.get(), tb.get()}) {
    for (const char* sk : {"1", "2", "3"}) ASSERT_OK(t->Put(MakeItem("p", sk)));
  }
  QueryRequest q;
  q.partition = "p";
  q.limit = 1;
  ASSERT_OK_AND_ASSIGN(auto page, ta->Query(q));
  q.cursor = page.next_cursor;
  EXPECT_OK(ta->Query(q));
  auto other = tb->Query(q);
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(other.status().message().find("authentication"), std::string::npos) << other.status();
}

// A memory table on a fake clock, for the tests of item expiry (TTL).
class MemoryTableTtlTest : public ::testing::Test {
 protected:
  // The clock's time in whole seconds since the epoch, as TTL attributes hold it.
  int64_t NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
        .count();
  }

  static TableOptions OnClock(Clock* clock) {
    TableOptions o;
    o.clock = clock;
    return o;
  }

  dynaflow::test::FakeClock clock_;
  std::unique_ptr<Table> table_ = NewMemoryTable(OnClock(&clock_));
};

TEST_F(MemoryTableTtlTest, NoCursorWhenOnlyExpiredItemsRemain) {
  const int64_t now = NowSeconds();
  ASSERT_OK(table_->Put(MakeItem("p", "1")));
  Item expired = MakeItem("p", "2");
  expired[kTtl] = AttributeValue::N(now - 1);
  ASSERT_OK(table_->Put(expired));
  QueryRequest q;
  q.partition = "p";
  q.limit = 1;
  ASSERT_OK_AND_ASSIGN(auto page, table_->Query(q));
  EXPECT_EQ(page.items.size(), 1u);
  EXPECT_TRUE(page.next_cursor.empty()) << "the memory backend looks ahead past expired items";
}

TEST_F(MemoryTableTtlTest, ExpiredItemsBehaveAsDeletedForWrites) {
  const int64_t now = NowSeconds();
  Item item = MakeItem("p", "a");
  item[kTtl] = AttributeValue::N(now + 10);
  item["old"] = AttributeValue::S("x");
  ASSERT_OK(table_->Put(item));
  clock_.Advance(std::chrono::seconds(10));
  WriteOptions create;
  create.condition = Condition::NotExists(kPk);
  Update u;
  u.Set("fresh", AttributeValue::S("y"));
  auto r = table_->Update({"p", "a"}, u, create);
  ASSERT_OK(r);
  EXPECT_EQ(*r, (Item{{kPk, AttributeValue::S("p")},
                      {kSk, AttributeValue::S("a")},
                      {"fresh", AttributeValue::S("y")}}));
}

}  // namespace
}  // namespace dynaflow::table
