// WorkflowStore suite, part 1: the fixture, creating runs, business keys, leases.
#include "tests/support/workflow_store_suite.h"

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "dynaflow/model/clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {

using std::chrono::milliseconds;
using std::chrono::seconds;
using store::Fence;
using store::NewRun;
using store::WorkflowStore;

void WorkflowStoreTest::SetUp() {
  table::TableOptions options;
  options.clock = &clock_;
  options.cursor_secret = "workflow-store-suite";
  table_ = GetParam().make(options);
  ASSERT_NE(table_, nullptr) << "backend " << GetParam().name << " is not available";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "T%016llx/",
                static_cast<unsigned long long>(Random::Real()->Next64()));
  prefix_ = buf;
  store_ = MakeStore(Options());
  ASSERT_NE(store_, nullptr);
}

store::WorkflowStoreOptions WorkflowStoreTest::Options(const std::string& suffix) const {
  store::WorkflowStoreOptions o;
  o.key_prefix = prefix_ + suffix;
  o.clock = const_cast<FakeClock*>(&clock_);
  o.cursor_secret = "suite-cursor-secret";
  return o;
}

store::WorkflowStoreOptions WorkflowStoreTest::SmallChunkOptions() const {
  store::WorkflowStoreOptions o = Options();
  o.payload_chunk_bytes = 4096;
  o.inline_output_max_bytes = 4096;
  return o;
}

std::unique_ptr<WorkflowStore> WorkflowStoreTest::MakeStore(
    const store::WorkflowStoreOptions& options) {
  auto s = WorkflowStore::Create(table_, options);
  EXPECT_OK(s);
  return s.ok() ? std::move(s).value() : nullptr;
}

std::vector<Item> WorkflowStoreTest::RawPartition(const std::string& pk) {
  std::vector<Item> all;
  table::QueryRequest q;
  q.partition = pk;
  q.consistent = true;
  q.limit = 1000;
  for (;;) {
    auto page = table_->Query(q);
    EXPECT_OK(page);
    if (!page.ok()) return all;
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (page->next_cursor.empty()) return all;
    q.cursor = page->next_cursor;
  }
}

::dynaflow::Run WorkflowStoreTest::MustCreate(WorkflowStore& store, NewRun nr) {
  auto run = store.CreateRun(nr);
  EXPECT_OK(run);
  return run.ok() ? *run : ::dynaflow::Run{};
}

::dynaflow::Run WorkflowStoreTest::MustCreateClaimed(WorkflowStore& store,
                                                     const std::string& workflow_id,
                                                     const std::string& owner) {
  NewRun nr;
  nr.workflow_id = workflow_id;
  ::dynaflow::Run created = MustCreate(store, nr);
  auto run = store.ClaimRun(created.run_id, owner, seconds(30));
  EXPECT_OK(run);
  return run.ok() ? *run : ::dynaflow::Run{};
}

Fence WorkflowStoreTest::FenceOf(const ::dynaflow::Run& run) {
  return Fence{run.run_id, run.lease.owner, run.lease.epoch};
}

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

store::NewRun Wf(std::string workflow_id, std::string business_key, std::string run_id) {
  store::NewRun nr;
  nr.workflow_id = std::move(workflow_id);
  nr.business_key = std::move(business_key);
  nr.run_id = std::move(run_id);
  return nr;
}

store::NewRun Starting(store::NewRun new_run, TimePoint start_at) {
  new_run.start_at = start_at;
  return new_run;
}

store::RunChange ToStatus(RunStatus status) {
  store::RunChange c;
  c.status = status;
  return c;
}

store::RunFinish Finish(RunStatus status, std::optional<std::string> result, std::string error) {
  store::RunFinish f;
  f.status = status;
  f.result = std::move(result);
  f.error = std::move(error);
  return f;
}

store::StepRecord Step(const std::string& step_id, std::optional<std::string> output) {
  store::StepRecord s;
  s.step_id = step_id;
  s.output = std::move(output);
  return s;
}

std::string PayloadBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x & 0xff);
  }
  return out;
}

namespace {

std::string S(const Item& item, const char* name) {
  const AttributeValue* v = FindAttribute(item, name);
  return v && v->is_s() ? *v->AsS() : "";
}

TEST_P(WorkflowStoreTest, CreateRunStoresEveryFieldAndSeedKeys) {
  NewRun nr;
  nr.workflow_id = "orders";
  nr.workflow_version = 3;
  nr.tags = {{"region", "eu"}, {"tier", "gold"}};
  nr.input = "{\"order\":42}";
  nr.deadline = clock_.Now() + std::chrono::hours(1);
  ASSERT_OK_AND_ASSIGN(auto created, store_->CreateRun(nr));
  const ::dynaflow::Run& run = created;
  EXPECT_EQ(run.run_id.size(), 26u);
  EXPECT_EQ(run.status, RunStatus::kPending);
  EXPECT_EQ(run.version, 1);
  EXPECT_EQ(run.lease.epoch, 0);
  EXPECT_TRUE(run.lease.owner.empty());
  EXPECT_EQ(run.created_at, clock_.Now());
  EXPECT_EQ(run.due_at, clock_.Now());
  EXPECT_EQ(run.retention_seconds, 7 * 24 * 3600);
  EXPECT_EQ(run.inline_input, nr.input);  // small: in the run item, known without a read

  ASSERT_OK_AND_ASSIGN(auto got, store_->GetRun(run.run_id));
  EXPECT_EQ(got.workflow_id, "orders");
  EXPECT_EQ(got.workflow_version, 3);
  EXPECT_EQ(got.tags, nr.tags);
  EXPECT_EQ(got.deadline, nr.deadline);
  EXPECT_EQ(got.version, 1);
  EXPECT_EQ(got.inline_input, nr.input);
  ASSERT_OK_AND_ASSIGN(auto details, store_->LoadRun(run.run_id, false));
  EXPECT_EQ(details.input, nr.input);
  EXPECT_TRUE(details.steps.empty());

  // One shard: exactly the seed's keys (behind the prefix).
  auto items = RawPartition(RunPk(run.run_id));
  ASSERT_EQ(items.size(), 1u);  // small input inline: the run item only
  const Item& item = items[0];
  EXPECT_EQ(S(item, "SK"), "RUN#" + run.run_id);
  EXPECT_EQ(S(item, "GSI1PK"), prefix_ + "WORKFLOW#orders");
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%013lld", static_cast<long long>(ToUnixMillis(clock_.Now())));
  EXPECT_EQ(S(item, "GSI1SK"), std::string(ms) + "#" + run.run_id);
  EXPECT_EQ(S(item, "GSI2PK"), prefix_ + "STATUS#PENDING");
  EXPECT_EQ(S(item, "GSI2SK"), std::string(ms) + "#" + run.run_id);
  // A claim returns the inline input too (a worker needs no second read).
  ASSERT_OK_AND_ASSIGN(auto claimed,
                       MakeStore(Options())->ClaimRun(run.run_id, "w", std::chrono::seconds(1)));
  EXPECT_EQ(claimed.inline_input, nr.input);
}

TEST_P(WorkflowStoreTest, RunIdsAreTimeOrderedAndUnique) {
  std::set<std::string> ids;
  std::string last;
  for (int i = 0; i < 20; ++i) {
    ::dynaflow::Run r = MustCreate(*store_, Wf("w"));
    EXPECT_GT(r.run_id, last);
    last = r.run_id;
    ids.insert(r.run_id);
    clock_.Advance(milliseconds(1));
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_P(WorkflowStoreTest, CreateRunValidatesAndRejectsDuplicates) {
  EXPECT_STATUS(store_->CreateRun(Wf("")).status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->CreateRun(Wf("a#b")).status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->CreateRun(Wf("w", "", "x#y")).status(), StatusCode::kInvalidArgument);
  ::dynaflow::Run r = MustCreate(*store_, Wf("w", "", "fixed-id"));
  EXPECT_EQ(r.run_id, "fixed-id");
  std::string holder;
  EXPECT_STATUS(store_->CreateRun(Wf("w", "", "fixed-id"), &holder).status(),
                StatusCode::kAlreadyExists);
  EXPECT_EQ(holder, "fixed-id");
  EXPECT_STATUS(store_->GetRun("missing").status(), StatusCode::kNotFound);

  store::WorkflowStoreOptions bad = Options();
  bad.gsi2_shards = 0;
  EXPECT_STATUS(WorkflowStore::Create(table_, bad).status(), StatusCode::kInvalidArgument);
  bad = Options();
  bad.payload_chunk_bytes = 400 * 1024;
  EXPECT_STATUS(WorkflowStore::Create(table_, bad).status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(WorkflowStore::Create(nullptr, Options()).status(), StatusCode::kInvalidArgument);
}

TEST_P(WorkflowStoreTest, FindRunByBusinessKeyReturnsTheHolderWithinItsPrefix) {
  NewRun nr;
  nr.workflow_id = "payments";
  nr.business_key = "invoice-7";
  ::dynaflow::Run r = MustCreate(*store_, nr);
  auto found = store_->FindRunByBusinessKey("payments", "invoice-7");
  ASSERT_OK(found);
  EXPECT_EQ(found->run_id, r.run_id);
  EXPECT_EQ(found->business_key, "invoice-7");
  // Another workflow, another key, another prefix: not found.
  EXPECT_STATUS(store_->FindRunByBusinessKey("refunds", "invoice-7").status(),
                StatusCode::kNotFound);
  EXPECT_STATUS(store_->FindRunByBusinessKey("payments", "invoice-8").status(),
                StatusCode::kNotFound);
  auto other = MakeStore(Options("other"));
  ASSERT_NE(other, nullptr);
  EXPECT_STATUS(other->FindRunByBusinessKey("payments", "invoice-7").status(),
                StatusCode::kNotFound);
  EXPECT_STATUS(store_->FindRunByBusinessKey("a#b", "k").status(), StatusCode::kInvalidArgument);
}

TEST_P(WorkflowStoreTest, EightThreadsStartingOneBusinessKeyGetOneRun) {
  constexpr int kThreads = 8;
  std::vector<std::string> created(kThreads), existing(kThreads);
  std::vector<Status> statuses(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      // Each thread has its own store (own cache), like separate workers.
      auto store = WorkflowStore::Create(table_, Options());
      if (!store.ok()) {
        statuses[i] = store.status();
        return;
      }
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      NewRun nr;
      nr.workflow_id = "payments";
      nr.business_key = "invoice-2024-0042";
      nr.input = "thread " + std::to_string(i);
      auto r = (*store)->CreateRun(nr, &existing[i]);
      statuses[i] = r.status();
      if (r.ok()) created[i] = r->run_id;
    });
  }
  for (auto& t : threads) t.join();
  std::string winner;
  int wins = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (statuses[i].ok()) {
      ++wins;
      winner = created[i];
    } else {
      EXPECT_TRUE(statuses[i].Is(StatusCode::kAlreadyExists)) << statuses[i];
    }
  }
  ASSERT_EQ(wins, 1);
  for (int i = 0; i < kThreads; ++i) {
    if (!statuses[i].ok()) {
      EXPECT_EQ(existing[i], winner) << "thread " << i;
    }
  }
  store::ListRunsRequest req;
  req.workflow_id = "payments";
  ASSERT_OK_AND_ASSIGN(auto page, store_->ListRunsByWorkflow(req));
  ASSERT_EQ(page.runs.size(), 1u);
  EXPECT_EQ(page.runs[0].run_id, winner);
  EXPECT_EQ(page.runs[0].business_key, "invoice-2024-0042");
  // The same key under another workflow is another key.
  NewRun other = Wf("refunds", "invoice-2024-0042");
  EXPECT_OK(store_->CreateRun(other));
}

TEST_P(WorkflowStoreTest, ClaimTakesUnownedExpiredOrOwnLeases) {
  ::dynaflow::Run r = MustCreate(*store_, Wf("w"));
  EXPECT_STATUS(store_->ClaimRun("nope", "a", seconds(10)).status(), StatusCode::kNotFound);
  EXPECT_STATUS(store_->ClaimRun(r.run_id, "a", seconds(10), 7).status(),
                StatusCode::kConditionFailed);
  auto a = store_->ClaimRun(r.run_id, "a", seconds(10), 1);
  ASSERT_OK(a);
  EXPECT_EQ(a->status, RunStatus::kRunning);
  EXPECT_EQ(a->lease.owner, "a");
  EXPECT_EQ(a->lease.epoch, 1);
  EXPECT_EQ(a->lease.expires_at, clock_.Now() + seconds(10));
  EXPECT_EQ(a->due_at, a->lease.expires_at);
  EXPECT_EQ(a->version, 2);

  // Another worker with its own store: the lease is live.
  auto other = MakeStore(Options());
  EXPECT_STATUS(other->ClaimRun(r.run_id, "b", seconds(10)).status(), StatusCode::kConditionFailed);
  // The owner may re-claim: the epoch moves on, fencing its own older fence.
  ASSERT_OK_AND_ASSIGN(auto again, store_->ClaimRun(r.run_id, "a", seconds(10)));
  EXPECT_EQ(again.lease.epoch, 2);
  EXPECT_STATUS(store_->ExtendLease(FenceOf(*a), seconds(5)).status(), StatusCode::kFenced);
  // Expiry is judged against the stored expiry: at expiry - 1 ms it is still held.
  clock_.Advance(seconds(10) - milliseconds(1));
  EXPECT_STATUS(other->ClaimRun(r.run_id, "b", seconds(10)).status(), StatusCode::kConditionFailed);
  clock_.Advance(milliseconds(1));
  auto b = other->ClaimRun(r.run_id, "b", seconds(10));
  ASSERT_OK(b);
  EXPECT_EQ(b->lease.owner, "b");
  EXPECT_EQ(b->lease.epoch, 3);
}

TEST_P(WorkflowStoreTest, ExtendAndReleaseLease) {
  ::dynaflow::Run a = MustCreateClaimed(*store_, "w", "a");
  clock_.Advance(seconds(20));
  ASSERT_OK_AND_ASSIGN(auto ext, store_->ExtendLease(FenceOf(a), seconds(30)));
  EXPECT_EQ(ext.lease.expires_at, clock_.Now() + seconds(30));
  EXPECT_EQ(ext.due_at, ext.lease.expires_at);
  EXPECT_EQ(ext.lease.epoch, a.lease.epoch);
  // A lease may be extended after expiry as long as nobody claimed the run.
  clock_.Advance(seconds(40));
  ASSERT_OK(store_->ExtendLease(FenceOf(a), seconds(30)));
  EXPECT_STATUS(
      store_->ExtendLease(Fence{a.run_id, "intruder", a.lease.epoch}, seconds(1)).status(),
      StatusCode::kFenced);

  ASSERT_OK(store_->ReleaseRun(FenceOf(a)));
  ASSERT_OK_AND_ASSIGN(auto got, store_->GetRun(a.run_id));
  EXPECT_EQ(got.status, RunStatus::kPending);
  EXPECT_TRUE(got.lease.owner.empty());
  EXPECT_EQ(got.due_at, clock_.Now());
  EXPECT_STATUS(store_->ExtendLease(FenceOf(a), seconds(1)).status(), StatusCode::kFenced);
  ASSERT_OK_AND_ASSIGN(auto due, store_->FindDueRuns(10));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ((due)[0].run_id, a.run_id);
}

TEST_P(WorkflowStoreTest, ClaimKeepsCompensatingAndCreateWithOwnerLeases) {
  NewRun nr = Wf("w");
  nr.owner = "creator";
  nr.lease_duration = seconds(5);
  ::dynaflow::Run r = MustCreate(*store_, nr);
  EXPECT_EQ(r.status, RunStatus::kRunning);
  EXPECT_EQ(r.lease.owner, "creator");
  EXPECT_EQ(r.lease.epoch, 1);
  EXPECT_EQ(r.lease.expires_at, clock_.Now() + seconds(5));
  store::RunChange c;
  c.status = RunStatus::kCompensating;
  ASSERT_OK_AND_ASSIGN(auto comp, store_->UpdateRun(FenceOf(r), c));
  EXPECT_EQ(comp.status, RunStatus::kCompensating);
  // A fresh store (no cache) claims the expired run: it stays COMPENSATING.
  clock_.Advance(seconds(6));
  auto other = MakeStore(Options());
  ASSERT_OK_AND_ASSIGN(auto claimed, other->ClaimRun(r.run_id, "second", seconds(5)));
  EXPECT_EQ(claimed.status, RunStatus::kCompensating);
  EXPECT_EQ(claimed.lease.owner, "second");
  EXPECT_EQ(claimed.lease.epoch, 2);
  ASSERT_OK_AND_ASSIGN(auto due, other->FindDueRuns(10));
  EXPECT_TRUE(due.empty());
}

}  // namespace
}  // namespace dynaflow::test
