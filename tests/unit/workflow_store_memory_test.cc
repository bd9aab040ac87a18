// The workflow store on the memory backend: the WorkflowStore suite, plus the store's pure
// helpers (key formats, run ids, payload chunking, list cursors, fan-out merge, run cache).
#include <gtest/gtest.h>

#include "dynaflow/store/table/memory_table.h"
#include "dynaflow/store/workflow/internal/items.h"
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/list_cursor.h"
#include "dynaflow/store/workflow/internal/merge.h"
#include "dynaflow/store/workflow/internal/payload.h"
#include "dynaflow/store/workflow/internal/run_cache.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::store {
namespace {

DYNAFLOW_INSTANTIATE_WORKFLOW_STORE_SUITE(Memory, ::dynaflow::test::StoreBackend{
                                                      "memory", [](const table::TableOptions& o) {
                                                        return std::shared_ptr<table::Table>(
                                                            table::NewMemoryTable(o));
                                                      }});

using V = AttributeValue;

TEST(WorkflowStoreKeysTest, Formats) {
  EXPECT_EQ(internal::Pad13(1704067200000), "1704067200000");
  EXPECT_EQ(internal::Pad13(42), "0000000000042");
  EXPECT_EQ(internal::Pad13(-5), "0000000000000");
  EXPECT_EQ(internal::RunPk("prod/", "r1"), "prod/RUN#r1");
  EXPECT_EQ(internal::ChunkSk("OUTPUT#s", "0badcafe", 3), "OUTPUT#s#0badcafe#0003");
  EXPECT_EQ(internal::BusinessKeyPk("p/", "wf", "a#b"), "p/BKEY#wf#a#b");
  EXPECT_EQ(internal::StatusGsiPk("", RunStatus::kRunning, 0, 1), "STATUS#RUNNING");
  EXPECT_EQ(internal::StatusGsiPk("x/", RunStatus::kRunning, 7, 16), "x/STATUS#RUNNING#07");
  EXPECT_EQ(internal::TimeSortKey(5, "r"), "0000000000005#r");
  // Stable, spread shards.
  EXPECT_EQ(internal::ShardOf("abc", 1), 0);
  EXPECT_EQ(internal::ShardOf("abc", 8), internal::ShardOf("abc", 8));
  std::vector<int> hits(4, 0);
  for (int i = 0; i < 400; ++i) ++hits[internal::ShardOf("run-" + std::to_string(i), 4)];
  for (int h : hits) EXPECT_GT(h, 60);
  EXPECT_FALSE(internal::ValidateId("id", "a#b", 10).ok());
  EXPECT_FALSE(internal::ValidateId("id", "a\nb", 10).ok());
  EXPECT_FALSE(internal::ValidateId("id", "", 10).ok());
  EXPECT_FALSE(internal::ValidateId("id", "abcdefghijk", 10).ok());
  EXPECT_OK(internal::ValidateName("key", "a#b", 10));
}

TEST(WorkflowStoreKeysTest, RunIdsAreUlidShaped) {
  test::FakeRandom random;
  std::string a = internal::NewRunId(FromUnixMillis(1704067200000), random);
  std::string b = internal::NewRunId(FromUnixMillis(1704067200001), random);
  ASSERT_EQ(a.size(), 26u);
  EXPECT_EQ(a.substr(0, 10), "01HK153X00");  // 1704067200000 ms in Crockford base32
  EXPECT_LT(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
}

TEST(WorkflowStorePayloadTest, SplitsAndReassembles) {
  std::string payload = test::PayloadBytes(10000, 3);
  auto p = internal::SplitPayload("P", "OUTPUT#s", "OUTPUT", payload, 4096, "tag00001", {}, 99);
  EXPECT_EQ(p.ref.Encode(), "2:tag00001");
  ASSERT_EQ(p.chunks.size(), 2u);
  EXPECT_EQ(*FindAttribute(p.chunks[1], "SK")->AsS(), "OUTPUT#s#tag00001#0002");
  EXPECT_EQ(*FindAttribute(p.chunks[0], "ttl")->AsN(), "99");
  EXPECT_EQ(FindAttribute(p.head, "ttl"), nullptr);
  std::vector<std::optional<Item>> chunks(p.chunks.begin(), p.chunks.end());
  EXPECT_EQ(*internal::AssemblePayload(p.head, chunks), payload);
  chunks[1].reset();
  EXPECT_EQ(internal::AssemblePayload(p.head, chunks).status().code(), StatusCode::kSerialization);
  auto empty = internal::SplitPayload("P", "INPUT", "INPUT", "", 4096, "t", {}, std::nullopt);
  EXPECT_EQ(empty.ref.Encode(), "0");
  EXPECT_EQ(FindAttribute(empty.head, "data"), nullptr);
  EXPECT_EQ(*internal::AssemblePayload(empty.head, {}), "");
  for (const char* bad : {"", "x", "1", "0:t", "-1"}) {
    EXPECT_FALSE(internal::PayloadRef::Decode(bad).ok()) << bad;
  }
  EXPECT_FALSE(internal::PayloadRef::Decode("-")->present);
}

TEST(WorkflowStoreCursorTest, BoundToBindingAndSecret) {
  internal::ListCursorSigner signer("s1"), other("s2"), builtin("");
  std::string c = signer.Encode("binding", "0000000000001#r");
  EXPECT_EQ(*signer.Decode("binding", c), "0000000000001#r");
  EXPECT_FALSE(signer.Decode("binding2", c).ok());
  EXPECT_FALSE(other.Decode("binding", c).ok());
  EXPECT_FALSE(builtin.Decode("binding", c).ok());
  EXPECT_OK(builtin.Decode("b", builtin.Encode("b", "k")));
  EXPECT_FALSE(signer.Decode("binding", "").ok());
  EXPECT_FALSE(signer.Decode("binding", c.substr(0, c.size() - 2)).ok());
}

TEST(WorkflowStoreMergeTest, MergesPartitionsInOrderAndResumes) {
  test::FakeClock clock;
  table::TableOptions o;
  o.clock = &clock;
  auto table = table::NewMemoryTable(o);
  // Keys 0..29 spread over three partitions.
  for (int i = 0; i < 30; ++i) {
    Item item{{"PK", V::S("item" + std::to_string(i))},
              {"SK", V::S("x")},
              {"GSI2PK", V::S("part" + std::to_string(i % 3))},
              {"GSI2SK", V::S(internal::Pad13(i))}};
    ASSERT_OK(table->Put(item));
  }
  internal::MergeRequest m;
  m.partitions = {"part0", "part1", "part2"};
  m.limit = 7;
  m.page_limit = 2;  // forces refills
  std::vector<std::string> seen;
  for (int round = 0; round < 10; ++round) {
    auto r = internal::MergePartitions(*table, m);
    ASSERT_OK(r);
    for (const Item& item : r->items) seen.push_back(*FindAttribute(item, "GSI2SK")->AsS());
    if (!r->resume_after) break;
    m.bounds.lower = *r->resume_after;
    m.bounds.lower_exclusive = true;
  }
  ASSERT_EQ(seen.size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(seen[i], internal::Pad13(i));
  // Descending with an exclusive upper bound, and a filter.
  internal::MergeRequest d;
  d.partitions = {"part0", "part1", "part2"};
  d.ascending = false;
  d.bounds.upper = internal::Pad13(10);
  d.bounds.upper_exclusive = true;
  d.bounds.lower = internal::Pad13(3);
  d.limit = 100;
  d.filter = [](const Item& item) {
    return *FindAttribute(item, "GSI2SK")->AsS() != "0000000000005";
  };
  ASSERT_OK_AND_ASSIGN(auto r, internal::MergePartitions(*table, d));
  std::vector<std::string> got;
  for (const Item& item : r.items) got.push_back(*FindAttribute(item, "GSI2SK")->AsS());
  EXPECT_EQ(got,
            (std::vector<std::string>{internal::Pad13(9), internal::Pad13(8), internal::Pad13(7),
                                      internal::Pad13(6), internal::Pad13(4), internal::Pad13(3)}));
  EXPECT_FALSE(r.resume_after.has_value());
  // An empty range never queries (DynamoDB rejects BETWEEN with lower > upper).
  d.bounds.lower = internal::Pad13(20);
  auto before = table->stats().queries;
  ASSERT_OK(internal::MergePartitions(*table, d));
  EXPECT_EQ(table->stats().queries, before);
}

TEST(WorkflowStoreCacheTest, KeepsNewestAndEvictsLeastRecentlyUsed) {
  internal::RunCache cache(2);
  auto item = [](int version, int updated_at) {
    return Item{{"version", V::N(version)}, {"updatedAt", V::N(updated_at)}};
  };
  cache.Put("a", item(2, 0));
  cache.Put("a", item(1, 5));  // older version: ignored
  EXPECT_EQ(*cache.Get("a"), item(2, 0));
  cache.Put("a", item(2, 1));  // same version: the later Put wins
  EXPECT_EQ(*cache.Get("a"), item(2, 1));
  cache.Replace("a", item(1, 0));  // forced
  EXPECT_EQ(*cache.Get("a"), item(1, 0));
  cache.Put("b", item(1, 0));
  cache.Get("a");
  cache.Put("c", item(1, 0));  // evicts b (least recently used)
  EXPECT_TRUE(cache.Get("a").has_value());
  EXPECT_FALSE(cache.Get("b").has_value());
  EXPECT_EQ(cache.size(), 2u);
  cache.Erase("a");
  EXPECT_FALSE(cache.Get("a").has_value());
  internal::RunCache off(0);
  off.Put("x", item(1, 0));
  EXPECT_FALSE(off.Get("x").has_value());
}

TEST(WorkflowStoreMemoryTest, WorksWithoutTheRunCache) {
  test::FakeClock clock;
  table::TableOptions to;
  to.clock = &clock;
  std::shared_ptr<table::Table> table = table::NewMemoryTable(to);
  WorkflowStoreOptions o;
  o.clock = &clock;
  o.run_cache_capacity = 0;
  ASSERT_OK_AND_ASSIGN(auto store, WorkflowStore::Create(table, o));
  NewRun nr;
  nr.workflow_id = "w";
  nr.owner = "me";
  ASSERT_OK_AND_ASSIGN(auto run, (store)->CreateRun(nr));
  Fence f{run.run_id, "me", run.lease.epoch};
  StepRecord s;
  s.step_id = "a";
  auto before = table->stats().requests;
  ASSERT_OK((store)->RecordStep(f, s));
  EXPECT_EQ(table->stats().requests - before, 2);  // GetItem + transaction
  // The same holder recording it again is a retry of its own write: answered as written.
  ASSERT_OK((store)->RecordStep(f, s));
  ASSERT_OK((store)->FinishRun(f, {}));
  EXPECT_EQ((store)->GetRun(run.run_id)->status, RunStatus::kCompleted);
}

}  // namespace
}  // namespace dynaflow::store
