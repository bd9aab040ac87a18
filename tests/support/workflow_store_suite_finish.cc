// WorkflowStore suite, part 3: finishing runs, retention (no orphans), deleting runs.
#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using std::chrono::seconds;
using store::NewRun;
using store::RunFinish;
using store::StepRecord;
using store::WorkflowStore;

namespace {

const AttributeValue* Ttl(const Item& item) { return FindAttribute(item, table::kTtl); }

std::string Sk(const Item& item) {
  const AttributeValue* v = FindAttribute(item, table::kSk);
  return v && v->is_s() ? *v->AsS() : "";
}

TEST_P(WorkflowStoreTest, FinishRunRecordsResultAndIsTerminal) {
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  auto done = store_->FinishRun(FenceOf(run), Finish(RunStatus::kCompleted, "{\"ok\":true}"));
  ASSERT_OK(done);
  EXPECT_EQ(done->status, RunStatus::kCompleted);
  EXPECT_EQ(done->finished_at, clock_.Now());
  EXPECT_TRUE(done->lease.owner.empty());
  EXPECT_EQ(done->result, "{\"ok\":true}");
  auto got = store_->GetRun(run.run_id);
  ASSERT_OK(got);
  EXPECT_EQ(got->result, "{\"ok\":true}");
  EXPECT_EQ(got->status, RunStatus::kCompleted);
  EXPECT_STATUS(store_->FinishRun(FenceOf(run), {}).status(), StatusCode::kConditionFailed);
  EXPECT_STATUS(store_->ClaimRun(run.run_id, "other", seconds(5)).status(),
                StatusCode::kConditionFailed);
  ::dynaflow::Run other = MustCreateClaimed(*store_, "w", "worker");
  EXPECT_STATUS(store_->FinishRun(FenceOf(other), Finish(RunStatus::kRunning)).status(),
                StatusCode::kInvalidArgument);
  // A large result lives in its own RESULT item.
  std::string big = PayloadBytes(200 * 1024, 7);
  auto failed = store_->FinishRun(FenceOf(other), Finish(RunStatus::kFailed, big, "step x failed"));
  ASSERT_OK(failed);
  got = store_->GetRun(other.run_id);
  ASSERT_OK(got);
  EXPECT_EQ(got->result, big);
  EXPECT_EQ(got->error, "step x failed");
  EXPECT_EQ(got->status, RunStatus::kFailed);
  ::dynaflow::Run third = MustCreateClaimed(*store_, "w", "worker");
  EXPECT_STATUS(
      store_->FinishRun(FenceOf(third), Finish(RunStatus::kCompleted, std::string(400 * 1024, 'x')))
          .status(),
      StatusCode::kLimitExceeded);
}

TEST_P(WorkflowStoreTest, RetentionHidesTheWholeRunAtOnceAndExpiresEveryItem) {
  store::WorkflowStoreOptions o = SmallChunkOptions();
  o.inline_input_max_bytes = 0;  // the input in INPUT and chunk items too
  auto store = MakeStore(o);
  NewRun nr = Wf("w", "order-1");
  nr.input = PayloadBytes(10000, 1);  // INPUT + 2 chunks
  nr.retention = seconds(3600);
  nr.owner = "worker";
  ::dynaflow::Run run = MustCreate(*store, nr);
  ASSERT_OK(store->RecordStep(FenceOf(run), Step("a", PayloadBytes(9000, 2))));
  ASSERT_OK(store->RecordStep(FenceOf(run), Step("b")));
  ASSERT_OK(store->PutState(run.run_id, "cart", "3 items"));
  ASSERT_OK(store->PutState(run.run_id, "coupon", "X1"));
  ASSERT_OK(store->DeleteState(run.run_id, "coupon"));
  auto done = store->RecordStepAndFinish(FenceOf(run), Step("c", PayloadBytes(5000, 3)),
                                         Finish(RunStatus::kCompleted, PayloadBytes(3000, 4)));
  ASSERT_OK(done);

  auto items = RawPartition(RunPk(run.run_id));
  // run (with c as its final step), INPUT + 2 chunks, a: step + 3 output chunks, b: step,
  // c: 2 output chunks, state cart, RESULT.
  EXPECT_EQ(items.size(), 13u);
  const Item* run_item = nullptr;
  for (const Item& item : items) {
    if (Sk(item) == "RUN#" + run.run_id) run_item = &item;
  }
  ASSERT_NE(run_item, nullptr);
  ASSERT_NE(Ttl(*run_item), nullptr);
  const int64_t ttl = *Ttl(*run_item)->AsInt64();
  EXPECT_EQ(ttl, (ToUnixMillis(clock_.Now()) + 999) / 1000 + 3600);
  const int64_t items_ttl = *FindAttribute(*run_item, "itemsTtl")->AsInt64();
  // Every other item expires no earlier than the run, and no later than its itemsTtl.
  for (const Item& item : items) {
    ASSERT_NE(Ttl(item), nullptr) << Sk(item) << " has no ttl: it would be orphaned";
    const int64_t t = *Ttl(item)->AsInt64();
    EXPECT_GE(t, ttl) << Sk(item);
    EXPECT_LE(t, items_ttl) << Sk(item);
  }
  std::string bkey = prefix_ + "BKEY#w#order-1";
  auto key_item = table_->Get({bkey, bkey});
  ASSERT_OK(key_item);
  ASSERT_NE(Ttl(*key_item), nullptr);
  EXPECT_GE(*Ttl(*key_item)->AsInt64(), ttl);

  // Just before the run's ttl everything is readable; at it, nothing is.
  clock_.SetNow(FromUnixMillis(ttl * 1000 - 1));
  ASSERT_OK(store->GetRun(run.run_id));
  EXPECT_EQ(*store->GetOutput(run.run_id, "a"), PayloadBytes(9000, 2));
  EXPECT_EQ(*store->GetOutput(run.run_id, "c"), PayloadBytes(5000, 3));
  clock_.SetNow(FromUnixMillis(ttl * 1000));
  EXPECT_STATUS(store->GetRun(run.run_id).status(), StatusCode::kNotFound);
  EXPECT_STATUS(store->LoadRun(run.run_id, true).status(), StatusCode::kNotFound);
  EXPECT_STATUS(store->GetOutput(run.run_id, "a").status(), StatusCode::kNotFound);
  EXPECT_STATUS(store->GetState(run.run_id, "cart").status(), StatusCode::kNotFound);
  EXPECT_TRUE(store->ListState(run.run_id)->empty());
  EXPECT_EQ(*store->CountRunsByStatus(RunStatus::kCompleted), 0);
  store::ListRunsRequest by_wf;
  by_wf.workflow_id = "w";
  EXPECT_TRUE(store->ListRunsByWorkflow(by_wf)->runs.empty());
  // The business key is free again (its item names a run that is gone).
  NewRun again = Wf("w", "order-1");
  ASSERT_OK_AND_ASSIGN(auto second, store->CreateRun(again));
  EXPECT_NE(second.run_id, run.run_id);
  // By itemsTtl every item of the first run has expired: nothing is orphaned.
  clock_.SetNow(FromUnixMillis(items_ttl * 1000));
  EXPECT_TRUE(RawPartition(RunPk(run.run_id)).empty());
}

TEST_P(WorkflowStoreTest, RetentionZeroKeepsEverythingWithoutTtl) {
  auto store = MakeStore(SmallChunkOptions());
  NewRun nr = Wf("w", "k");
  nr.retention = seconds(0);
  nr.owner = "worker";
  nr.input = PayloadBytes(5000, 9);
  ::dynaflow::Run run = MustCreate(*store, nr);
  ASSERT_OK(store->RecordStep(FenceOf(run), Step("a", PayloadBytes(9000, 2))));
  ASSERT_OK(store->FinishRun(FenceOf(run), {}));
  auto items = RawPartition(RunPk(run.run_id));
  EXPECT_EQ(items.size(), 7u);  // run, INPUT + 1 chunk, a: step + 3 chunks
  for (const Item& item : items) EXPECT_EQ(Ttl(item), nullptr) << Sk(item);
  clock_.Advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(*store->GetOutput(run.run_id, "a"), PayloadBytes(9000, 2));
  EXPECT_EQ(store->LoadRun(run.run_id, false)->input, PayloadBytes(5000, 9));
  // State stays writable on a run kept forever.
  EXPECT_OK(store->PutState(run.run_id, "note", "archived"));
}

TEST_P(WorkflowStoreTest, LongLivedRunRestampsItsItemsBeforeTheyCouldExpire) {
  store::WorkflowStoreOptions o = Options();
  o.item_ttl_margin = std::chrono::hours(1);
  auto store = MakeStore(o);
  NewRun nr = Wf("w");
  nr.owner = "worker";
  nr.retention = seconds(60);
  ::dynaflow::Run run = MustCreate(*store, nr);
  for (int i = 0; i < 70; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "step%03d", i);
    ASSERT_OK(store->RecordStep(FenceOf(run), Step(id, i % 2 ? "out" : "")));
  }
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(store->PutState(run.run_id, "key" + std::to_string(i), "v"));
  }
  // Past half the margin the next lease renewal re-stamps every item with a later ttl...
  clock_.Advance(std::chrono::minutes(40));
  ASSERT_OK(store->ExtendLease(FenceOf(run), seconds(30)));
  // ...so they are all there after the first itemsTtl (created + 60 s + 1 h) has passed.
  clock_.Advance(std::chrono::minutes(25));
  ASSERT_OK(store->ExtendLease(FenceOf(run), seconds(30)));
  ASSERT_OK_AND_ASSIGN(auto details, store->LoadRun(run.run_id, true));
  EXPECT_EQ(details.steps.size(), 70u);
  EXPECT_EQ(details.state.size(), 30u);
  EXPECT_EQ(details.outputs.size(), 70u);
  ASSERT_OK(store->FinishRun(FenceOf(run), {}));
  auto items = RawPartition(RunPk(run.run_id));
  ASSERT_EQ(items.size(), 1u + 70 + 30);
  for (const Item& item : items) ASSERT_NE(Ttl(item), nullptr) << Sk(item);
  // The finish set the run's ttl; no item outlives the run by more than the margin.
  clock_.Advance(seconds(61));
  EXPECT_STATUS(store->GetRun(run.run_id).status(), StatusCode::kNotFound);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_TRUE(RawPartition(RunPk(run.run_id)).empty());
}

TEST_P(WorkflowStoreTest, DeleteRunRemovesEveryItem) {
  auto store = MakeStore(SmallChunkOptions());
  NewRun nr = Wf("w", "del-me");
  nr.owner = "worker";
  nr.input = PayloadBytes(9000, 5);
  ::dynaflow::Run run = MustCreate(*store, nr);
  ASSERT_OK(store->RecordStep(FenceOf(run), Step("a", PayloadBytes(9000, 6))));
  ASSERT_OK(store->PutState(run.run_id, "s", "v"));
  // run, INPUT + 2 chunks, a: step + 3 output chunks, state s.
  EXPECT_EQ(RawPartition(RunPk(run.run_id)).size(), 9u);
  ASSERT_OK(store->DeleteRun(run.run_id));
  EXPECT_TRUE(RawPartition(RunPk(run.run_id)).empty());
  std::string bkey = prefix_ + "BKEY#w#del-me";
  EXPECT_STATUS(table_->Get({bkey, bkey}).status(), StatusCode::kNotFound);
  EXPECT_STATUS(store->GetRun(run.run_id).status(), StatusCode::kNotFound);
  EXPECT_STATUS(store->DeleteRun(run.run_id), StatusCode::kNotFound);
  EXPECT_STATUS(store->RecordStep(FenceOf(run), Step("b")).status(), StatusCode::kNotFound);
  EXPECT_OK(store->CreateRun(Wf("w", "del-me")));
}

}  // namespace
}  // namespace dynaflow::test
