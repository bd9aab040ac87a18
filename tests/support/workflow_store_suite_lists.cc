// WorkflowStore suite, part 5: listings (by workflow, by status over shards), cursors, counts
// and key-prefix isolation.
#include <map>
#include <set>
#include <tuple>

#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using std::chrono::milliseconds;
using std::chrono::seconds;
using store::ListRunsRequest;
using store::NewRun;
using store::RunPage;
using store::WorkflowStore;

namespace {

// Pages through a listing; checks page sizes and that the last page has no cursor.
std::vector<::dynaflow::Run> ListAll(
    const std::function<Result<RunPage>(const ListRunsRequest&)>& list, ListRunsRequest req,
    int* pages) {
  std::vector<::dynaflow::Run> all;
  *pages = 0;
  for (;;) {
    auto page = list(req);
    EXPECT_OK(page);
    if (!page.ok()) return all;
    ++*pages;
    EXPECT_LE(static_cast<int>(page->runs.size()), req.limit);
    if (!page->next_cursor.empty()) {
      EXPECT_EQ(static_cast<int>(page->runs.size()), req.limit);
    }
    all.insert(all.end(), page->runs.begin(), page->runs.end());
    if (page->next_cursor.empty() || *pages > 100) return all;
    req.cursor = page->next_cursor;
  }
}

std::vector<std::string> Ids(const std::vector<::dynaflow::Run>& runs) {
  std::vector<std::string> ids;
  for (const ::dynaflow::Run& r : runs) ids.push_back(r.run_id);
  return ids;
}

}  // namespace

// 250 runs of one workflow (plus one of another) listed by workflow and by status, in pages of
// `limit`, on a store with `shards` GSI1 and GSI2 shards (its own key prefix). Pages cross
// shard boundaries: every page merges runs of many shards.
void WorkflowStoreTest::CheckShardedListings(int shards, int limit) {
  SCOPED_TRACE("shards " + std::to_string(shards) + ", limit " + std::to_string(limit));
  store::WorkflowStoreOptions o =
      Options("s" + std::to_string(shards) + "l" + std::to_string(limit) + "/");
  o.gsi1_shards = shards;
  o.gsi2_shards = shards;
  auto store = MakeStore(o);
  ASSERT_NE(store, nullptr);
  const std::string prefix = o.key_prefix;
  const int want_pages = (250 + limit - 1) / limit;
  TimePoint base = clock_.Now();
  std::vector<::dynaflow::Run> runs;
  for (int i = 0; i < 250; ++i) {
    NewRun nr = Wf("bulk");
    // Creation times tie in threes (ties are ordered by run id); due times are distinct and
    // not in creation order.
    nr.start_at = base + seconds((i * 37) % 250);
    runs.push_back(MustCreate(*store, nr));
    if (i % 3 == 2) clock_.Advance(milliseconds(1));
  }
  MustCreate(*store, Wf("other"));
  ASSERT_FALSE(HasFailure());

  // Expected orders.
  std::vector<::dynaflow::Run> by_created = runs;
  std::sort(by_created.begin(), by_created.end(),
            [](const ::dynaflow::Run& a, const ::dynaflow::Run& b) {
              return std::tie(a.created_at, a.run_id) < std::tie(b.created_at, b.run_id);
            });
  std::vector<::dynaflow::Run> by_due = runs;
  std::sort(by_due.begin(), by_due.end(), [](const ::dynaflow::Run& a, const ::dynaflow::Run& b) {
    return std::tie(a.due_at, a.run_id) < std::tie(b.due_at, b.run_id);
  });

  auto by_wf = [&](const ListRunsRequest& r) { return store->ListRunsByWorkflow(r); };
  auto by_status = [&](const ListRunsRequest& r) { return store->ListRunsByStatus(r); };
  ListRunsRequest req;
  req.workflow_id = "bulk";
  req.limit = limit;
  int pages = 0;
  // Newest first (the default).
  std::vector<std::string> want = Ids(by_created);
  std::reverse(want.begin(), want.end());
  EXPECT_EQ(Ids(ListAll(by_wf, req, &pages)), want);
  EXPECT_EQ(pages, want_pages);
  req.newest_first = false;
  EXPECT_EQ(Ids(ListAll(by_wf, req, &pages)), Ids(by_created));
  // A status filter over the shards: every "bulk" run is PENDING, none RUNNING.
  ListRunsRequest filtered = req;
  filtered.status = RunStatus::kPending;
  EXPECT_EQ(Ids(ListAll(by_wf, filtered, &pages)), Ids(by_created));
  filtered.status = RunStatus::kRunning;
  EXPECT_TRUE(ListAll(by_wf, filtered, &pages).empty());

  // The runs really are spread over every shard of both indexes (one shard: the seed keys).
  std::set<std::string> gsi1, gsi2, want_gsi1, want_gsi2;
  for (const ::dynaflow::Run& r : runs) {
    auto item = table_->Get({prefix + "RUN#" + r.run_id, "RUN#" + r.run_id});
    ASSERT_OK(item);
    gsi1.insert(*FindAttribute(*item, table::kGsi1Pk)->AsS());
    gsi2.insert(*FindAttribute(*item, table::kGsi2Pk)->AsS());
  }
  for (int i = 0; i < shards; ++i) {
    const std::string suffix =
        shards == 1 ? "" : std::string(i < 10 ? "#0" : "#") + std::to_string(i);
    want_gsi1.insert(prefix + "WORKFLOW#bulk" + suffix);
    want_gsi2.insert(prefix + "STATUS#PENDING" + suffix);
  }
  EXPECT_EQ(gsi1, want_gsi1);
  EXPECT_EQ(gsi2, want_gsi2);
  ListRunsRequest st;
  st.status = RunStatus::kPending;
  st.limit = limit;
  st.newest_first = false;
  std::vector<std::string> with_other = Ids(ListAll(by_status, st, &pages));
  ASSERT_EQ(with_other.size(), 251u);  // the "other" run is PENDING too (due at base+83 ms)
  std::vector<std::string> bulk_only;
  std::set<std::string> bulk_ids(want.begin(), want.end());
  for (const auto& id : with_other) {
    if (bulk_ids.count(id)) bulk_only.push_back(id);
  }
  EXPECT_EQ(bulk_only, Ids(by_due));
  EXPECT_EQ(pages, (251 + limit - 1) / limit);
  st.newest_first = true;
  std::vector<std::string> desc = Ids(ListAll(by_status, st, &pages));
  std::reverse(desc.begin(), desc.end());
  EXPECT_EQ(desc, with_other);
  EXPECT_EQ(*store->CountRunsByStatus(RunStatus::kPending), 251);
  EXPECT_EQ(*store->CountRunsByStatus(RunStatus::kRunning), 0);

  // Time ranges: due in [base+100 s, base+150 s).
  st.from = base + seconds(100);
  st.to = base + seconds(150);
  st.newest_first = false;
  std::vector<std::string> ranged = Ids(ListAll(by_status, st, &pages));
  std::vector<std::string> want_ranged;
  for (const ::dynaflow::Run& r : by_due) {
    if (r.due_at >= *st.from && r.due_at < *st.to) want_ranged.push_back(r.run_id);
  }
  EXPECT_EQ(ranged, want_ranged);
  EXPECT_EQ(ranged.size(), 50u);
  // Creation-time ranges on the workflow listing: created in [base+20 ms, base+50 ms).
  req.from = base + milliseconds(20);
  req.to = base + milliseconds(50);
  req.newest_first = true;
  std::vector<std::string> created_ranged = Ids(ListAll(by_wf, req, &pages));
  std::vector<std::string> want_created;
  for (const ::dynaflow::Run& r : by_created) {
    if (r.created_at >= *req.from && r.created_at < *req.to) want_created.push_back(r.run_id);
  }
  std::reverse(want_created.begin(), want_created.end());
  EXPECT_EQ(created_ranged, want_created);
  EXPECT_EQ(created_ranged.size(), 90u);  // 30 ms of creation, three runs per ms
}

namespace {

TEST_P(WorkflowStoreTest, ListsTwoHundredFiftyRunsByWorkflowAndByStatusInPages) {
  CheckShardedListings(4, 20);
}

TEST_P(WorkflowStoreTest, ShardedListingsMergeOneSixteenShardsAcrossPageBoundaries) {
  CheckShardedListings(1, 20);
  CheckShardedListings(16, 20);
  CheckShardedListings(16, 7);  // pages that end mid-shard, 36 of them
}

TEST_P(WorkflowStoreTest, WorkflowListingFiltersByStatusAndTime) {
  std::vector<::dynaflow::Run> runs;
  for (int i = 0; i < 30; ++i) {
    runs.push_back(MustCreate(*store_, Wf("wf")));
    clock_.Advance(milliseconds(10));
  }
  // Every third run is claimed (RUNNING).
  std::set<std::string> running;
  for (int i = 0; i < 30; i += 3) {
    ASSERT_OK(store_->ClaimRun(runs[i].run_id, "w", seconds(30)));
    running.insert(runs[i].run_id);
  }
  ListRunsRequest req;
  req.workflow_id = "wf";
  req.status = RunStatus::kRunning;
  req.limit = 3;
  int pages = 0;
  auto list = [&](const ListRunsRequest& r) { return store_->ListRunsByWorkflow(r); };
  std::vector<::dynaflow::Run> got = ListAll(list, req, &pages);
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].run_id, runs[27 - 3 * i].run_id);
    EXPECT_EQ(got[i].status, RunStatus::kRunning);
  }
  req.status.reset();
  req.from = runs[5].created_at;
  req.to = runs[15].created_at;
  req.limit = 4;
  got = ListAll(list, req, &pages);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got.front().run_id, runs[14].run_id);
  EXPECT_EQ(got.back().run_id, runs[5].run_id);
  EXPECT_STATUS(store_->ListRunsByWorkflow(ListRunsRequest{}).status(),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->ListRunsByStatus(ListRunsRequest{}).status(), StatusCode::kInvalidArgument);
  req.limit = 0;
  EXPECT_STATUS(store_->ListRunsByWorkflow(req).status(), StatusCode::kInvalidArgument);
}

TEST_P(WorkflowStoreTest, CursorsAreBoundToTheirListingPrefixAndSecret) {
  for (int i = 0; i < 5; ++i) {
    MustCreate(*store_, Wf("a"));
    MustCreate(*store_, Wf("b"));
    clock_.Advance(milliseconds(1));
  }
  ListRunsRequest req;
  req.workflow_id = "a";
  req.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto first, store_->ListRunsByWorkflow(req));
  ASSERT_FALSE(first.next_cursor.empty());
  ListRunsRequest next = req;
  next.cursor = first.next_cursor;
  EXPECT_OK(store_->ListRunsByWorkflow(next));
  // Another workflow, direction, status filter: rejected.
  ListRunsRequest other = next;
  other.workflow_id = "b";
  EXPECT_STATUS(store_->ListRunsByWorkflow(other).status(), StatusCode::kInvalidArgument);
  other = next;
  other.newest_first = false;
  EXPECT_STATUS(store_->ListRunsByWorkflow(other).status(), StatusCode::kInvalidArgument);
  other = next;
  other.status = RunStatus::kPending;
  EXPECT_STATUS(store_->ListRunsByStatus(other).status(), StatusCode::kInvalidArgument);
  // Tampered.
  other = next;
  other.cursor[other.cursor.size() / 2] = other.cursor[other.cursor.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_STATUS(store_->ListRunsByWorkflow(other).status(), StatusCode::kInvalidArgument);
  other.cursor = "!!";
  EXPECT_STATUS(store_->ListRunsByWorkflow(other).status(), StatusCode::kInvalidArgument);
  // Another prefix (same secret) or another secret (same prefix).
  auto prefixed = MakeStore(Options("tenant2/"));
  EXPECT_STATUS(prefixed->ListRunsByWorkflow(next).status(), StatusCode::kInvalidArgument);
  store::WorkflowStoreOptions o = Options();
  o.cursor_secret = "another-secret";
  auto resigned = MakeStore(o);
  EXPECT_STATUS(resigned->ListRunsByWorkflow(next).status(), StatusCode::kInvalidArgument);
  // The same prefix and secret in another store instance (another process) accept it.
  EXPECT_OK(MakeStore(Options())->ListRunsByWorkflow(next));
}

TEST_P(WorkflowStoreTest, CursorsAreBoundToTheShardCount) {
  // One table, one prefix, stores of 1, 4 and 16 shards (GSI1 and GSI2 alike).
  auto with_shards = [&](int gsi1, int gsi2) {
    store::WorkflowStoreOptions o = Options();
    o.gsi1_shards = gsi1;
    o.gsi2_shards = gsi2;
    return MakeStore(o);
  };
  auto four = with_shards(4, 4);
  for (int i = 0; i < 6; ++i) {
    MustCreate(*four, Wf("a"));
    clock_.Advance(milliseconds(1));
  }
  ListRunsRequest by_wf;
  by_wf.workflow_id = "a";
  by_wf.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto first, four->ListRunsByWorkflow(by_wf));
  ASSERT_EQ(first.runs.size(), 2u);
  ListRunsRequest next = by_wf;
  next.cursor = first.next_cursor;
  ASSERT_FALSE(next.cursor.empty());
  // Another store with the same counts (another process) resumes it.
  ASSERT_OK_AND_ASSIGN(auto again, with_shards(4, 4)->ListRunsByWorkflow(next));
  EXPECT_EQ(again.runs.size(), 2u);
  // Another GSI1 shard count rejects it; the GSI2 count does not matter to a workflow listing.
  EXPECT_STATUS(with_shards(1, 4)->ListRunsByWorkflow(next).status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(with_shards(16, 4)->ListRunsByWorkflow(next).status(),
                StatusCode::kInvalidArgument);
  EXPECT_OK(with_shards(4, 16)->ListRunsByWorkflow(next));

  ListRunsRequest by_status;
  by_status.status = RunStatus::kPending;
  by_status.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto page, four->ListRunsByStatus(by_status));
  by_status.cursor = page.next_cursor;
  ASSERT_FALSE(by_status.cursor.empty());
  EXPECT_OK(with_shards(16, 4)->ListRunsByStatus(by_status));
  EXPECT_STATUS(with_shards(4, 1)->ListRunsByStatus(by_status).status(),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(with_shards(4, 16)->ListRunsByStatus(by_status).status(),
                StatusCode::kInvalidArgument);

  // The seed layout (one shard) adds nothing to the binding: its cursors are those of a store
  // that predates sharding, and a sharded store rejects them.
  auto one = with_shards(1, 1);
  ListRunsRequest seed = by_wf;
  seed.workflow_id = "b";
  for (int i = 0; i < 3; ++i) MustCreate(*one, Wf("b"));
  ASSERT_OK_AND_ASSIGN(auto seed_page, one->ListRunsByWorkflow(seed));
  seed.cursor = seed_page.next_cursor;
  ASSERT_FALSE(seed.cursor.empty());
  EXPECT_OK(with_shards(1, 16)->ListRunsByWorkflow(seed));
  EXPECT_STATUS(with_shards(4, 1)->ListRunsByWorkflow(seed).status(), StatusCode::kInvalidArgument);
}

TEST_P(WorkflowStoreTest, ShardCountsAreCheckedAtCreate) {
  for (auto [gsi1, gsi2, ok] :
       {std::tuple{1, 1, true}, std::tuple{100, 100, true}, std::tuple{0, 1, false},
        std::tuple{101, 1, false}, std::tuple{1, 0, false}, std::tuple{1, 101, false}}) {
    store::WorkflowStoreOptions o = Options();
    o.gsi1_shards = gsi1;
    o.gsi2_shards = gsi2;
    auto created = WorkflowStore::Create(table_, o);
    EXPECT_EQ(created.ok(), ok) << gsi1 << " " << gsi2;
    if (!ok) {
      EXPECT_STATUS(created.status(), StatusCode::kInvalidArgument);
    }
  }
}

TEST_P(WorkflowStoreTest, KeyPrefixesIsolateDeployments) {
  auto prod = MakeStore(Options("prod/"));
  auto dev = MakeStore(Options("dev/"));
  ::dynaflow::Run p = MustCreate(*prod, Wf("wf", "bk", "same-id"));
  // The same run id and business key in another deployment are another run.
  ::dynaflow::Run d = MustCreate(*dev, Wf("wf", "bk", "same-id"));
  ASSERT_OK(prod->PutState("same-id", "k", "prod"));
  EXPECT_EQ(*prod->CountRunsByStatus(RunStatus::kPending), 1);
  EXPECT_EQ(*dev->CountRunsByStatus(RunStatus::kPending), 1);
  ASSERT_OK(dev->ClaimRun("same-id", "w", seconds(10)));
  EXPECT_EQ(prod->GetRun("same-id")->status, RunStatus::kPending);
  EXPECT_EQ(dev->GetRun("same-id")->status, RunStatus::kRunning);
  EXPECT_STATUS(dev->GetState("same-id", "k").status(), StatusCode::kNotFound);
  ListRunsRequest req;
  req.workflow_id = "wf";
  EXPECT_EQ(prod->ListRunsByWorkflow(req)->runs.size(), 1u);
  EXPECT_EQ(dev->ListRunsByWorkflow(req)->runs.size(), 1u);
  EXPECT_EQ(store_->ListRunsByWorkflow(req)->runs.size(), 0u);  // the bare test prefix
  ASSERT_OK_AND_ASSIGN(auto due, prod->FindDueRuns(10));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(dev->FindDueRuns(10)->empty());
  ASSERT_OK(dev->DeleteRun("same-id"));
  EXPECT_OK(prod->GetRun("same-id"));
  EXPECT_EQ(prod->GetState("same-id", "k")->value, "prod");
  for (const Item& item : RawPartition(prefix_ + "prod/RUN#same-id")) {
    EXPECT_EQ(FindAttribute(item, table::kPk)->AsS()->rfind(prefix_ + "prod/", 0), 0u);
  }
  (void)d;
}

}  // namespace
}  // namespace dynaflow::test
