// The memory backend: the Table conformance suite, plus memory-specific behaviour.
#include "store/table/memory_table.h"

#include <gtest/gtest.h>

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
  ASSERT_TRUE(table->Put(MakeItem("p", "a")).ok());
  ASSERT_TRUE(table->Get({"p", "a"}).ok());
  std::vector<Key> keys = {{"p", "a"}, {"p", "b"}};
  ASSERT_TRUE(table->BatchGet(keys).ok());
  QueryRequest q;
  q.partition = "p";
  ASSERT_TRUE(table->Query(q).ok());
  ASSERT_TRUE(table->Delete({"p", "a"}).ok());
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
    for (const char* sk : {"1", "2", "3"}) ASSERT_TRUE(t->Put(MakeItem("p", sk)).ok());
  }
  QueryRequest q;
  q.partition = "p";
  q.limit = 1;
  auto page = ta->Query(q);
  ASSERT_TRUE(page.ok());
  q.cursor = page->next_cursor;
  EXPECT_TRUE(ta->Query(q).ok());
  auto other = tb->Query(q);
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(other.status().message().find("authentication"), std::string::npos) << other.status();
}

TEST(MemoryTableTest, NoCursorWhenOnlyExpiredItemsRemain) {
  dynaflow::test::FakeClock clock;
  TableOptions o;
  o.clock = &clock;
  auto table = NewMemoryTable(o);
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  ASSERT_TRUE(table->Put(MakeItem("p", "1")).ok());
  Item expired = MakeItem("p", "2");
  expired[kTtl] = AttributeValue::N(now - 1);
  ASSERT_TRUE(table->Put(expired).ok());
  QueryRequest q;
  q.partition = "p";
  q.limit = 1;
  auto page = table->Query(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 1u);
  EXPECT_TRUE(page->next_cursor.empty()) << "the memory backend looks ahead past expired items";
}

TEST(MemoryTableTest, ExpiredItemsBehaveAsDeletedForWrites) {
  dynaflow::test::FakeClock clock;
  TableOptions o;
  o.clock = &clock;
  auto table = NewMemoryTable(o);
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  Item item = MakeItem("p", "a");
  item[kTtl] = AttributeValue::N(now + 10);
  item["old"] = AttributeValue::S("x");
  ASSERT_TRUE(table->Put(item).ok());
  clock.Advance(std::chrono::seconds(10));
  WriteOptions create;
  create.condition = Condition::NotExists(kPk);
  Update u;
  u.Set("fresh", AttributeValue::S("y"));
  auto r = table->Update({"p", "a"}, u, create);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (Item{{kPk, AttributeValue::S("p")},
                      {kSk, AttributeValue::S("a")},
                      {"fresh", AttributeValue::S("y")}}));
}

}  // namespace
}  // namespace dynaflow::table
