// WorkflowStore suite, part 2: step records (exactly once, fenced), run changes, due work,
// cancel requests.
#include <algorithm>
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using std::chrono::milliseconds;
using std::chrono::seconds;
using store::Fence;
using store::NewRun;
using store::RunChange;
using store::StepRecord;
using store::WorkflowStore;

namespace {

TEST_P(WorkflowStoreTest, RecordStepsAndLoadRun) {
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  TimePoint t0 = clock_.Now();
  StepRecord reserve = Step("reserve", "{\"reservation\":7}");
  reserve.attempt = 2;
  reserve.started_at = t0;
  reserve.finished_at = t0 + milliseconds(15);
  RunChange change;
  change.cursor_step = "charge";
  ASSERT_OK_AND_ASSIGN(auto after, store_->RecordStep(FenceOf(run), reserve, change));
  EXPECT_EQ(after.cursor_step, "charge");
  EXPECT_EQ(after.version, run.version + 1);
  EXPECT_EQ(after.status, RunStatus::kRunning);

  StepRecord charge = Step("charge");  // no output
  charge.status = StepStatus::kFailed;
  charge.error = "card declined";
  ASSERT_OK(store_->RecordStep(FenceOf(run), charge));
  ASSERT_OK(store_->RecordStep(FenceOf(run), Step("audit", "")));  // empty output

  ASSERT_OK_AND_ASSIGN(auto details, store_->LoadRun(run.run_id, true));
  EXPECT_EQ(details.run.version, run.version + 1);  // only the record with a run change
  ASSERT_EQ(details.steps.size(), 3u);
  EXPECT_EQ(details.steps[0].step_id, "audit");  // step id order
  EXPECT_EQ(details.steps[1].step_id, "charge");
  EXPECT_EQ(details.steps[1].status, StepStatus::kFailed);
  EXPECT_EQ(details.steps[1].error, "card declined");
  EXPECT_EQ(details.steps[2].step_id, "reserve");
  EXPECT_EQ(details.steps[2].attempt, 2);
  EXPECT_EQ(details.steps[2].started_at, t0);
  EXPECT_EQ(details.steps[2].finished_at, t0 + milliseconds(15));
  EXPECT_EQ(details.steps[2].output_bytes, 17);
  EXPECT_EQ(details.steps[2].fence_epoch, run.lease.epoch);
  EXPECT_EQ(details.outputs.size(), 2u);
  EXPECT_EQ(details.outputs["reserve"], "{\"reservation\":7}");
  EXPECT_EQ(details.outputs["audit"], "");
  ASSERT_OK_AND_ASSIGN(auto out, store_->GetOutput(run.run_id, "reserve"));
  EXPECT_EQ(out, "{\"reservation\":7}");
  EXPECT_STATUS(store_->GetOutput(run.run_id, "charge").status(), StatusCode::kNotFound);
  EXPECT_STATUS(store_->RecordStep(FenceOf(run), Step("bad#id")).status(),
                StatusCode::kInvalidArgument);
  // A fresh store (another process) reads the same.
  auto other = MakeStore(Options());
  ASSERT_OK_AND_ASSIGN(auto again, other->LoadRun(run.run_id, false));
  EXPECT_EQ(again.steps.size(), 3u);
  EXPECT_TRUE(again.outputs.empty());
}

TEST_P(WorkflowStoreTest, DuplicateStepRecordIsRejectedAndChangesNothing) {
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  ASSERT_OK(store_->RecordStep(FenceOf(run), Step("pay", "first")));
  auto before = RawPartition(RunPk(run.run_id));
  RunChange change;
  change.cursor_step = "should-not-apply";
  EXPECT_STATUS(store_->RecordStep(FenceOf(run), Step("pay", "second"), change).status(),
                StatusCode::kAlreadyExists);
  // Through a store that does not know the run (the conditional write itself rejects it).
  auto other = MakeStore(Options());
  EXPECT_STATUS(other->RecordStep(FenceOf(run), Step("pay", "third"), change).status(),
                StatusCode::kAlreadyExists);
  EXPECT_EQ(RawPartition(RunPk(run.run_id)), before);
  EXPECT_EQ(*store_->GetOutput(run.run_id, "pay"), "first");
  // The owner's writes still work afterwards.
  EXPECT_OK(store_->RecordStep(FenceOf(run), Step("ship")));
}

TEST_P(WorkflowStoreTest, FencedOwnerWritesAreRejectedAndChangeNothing) {
  ::dynaflow::Run a = MustCreateClaimed(*store_, "w", "a");
  ASSERT_OK(store_->RecordStep(FenceOf(a), Step("one", "1")));
  clock_.Advance(seconds(31));
  auto other = MakeStore(Options());
  ASSERT_OK_AND_ASSIGN(auto b, other->ClaimRun(a.run_id, "b", seconds(30)));
  ASSERT_EQ(b.lease.epoch, a.lease.epoch + 1);
  auto before = RawPartition(RunPk(a.run_id));
  // `store_` still believes A holds the lease (its cache is stale). A step record is one put
  // that no run condition guards, so A's record of a step B has not recorded lands (first
  // writer wins); see "Fencing" in workflow_store.h.
  ASSERT_OK(store_->RecordStep(FenceOf(a), Step("two", "2")).status());
  // A store that never saw the run reads it first and learns of the new epoch.
  auto fresh = MakeStore(Options());
  EXPECT_STATUS(fresh->RecordStep(FenceOf(a), Step("three", "3")).status(), StatusCode::kFenced);
  // Every run-level write of A is rejected.
  RunChange c;
  c.cursor_step = "x";
  EXPECT_STATUS(store_->UpdateRun(FenceOf(a), c).status(), StatusCode::kFenced);
  EXPECT_STATUS(store_->ExtendLease(FenceOf(a), seconds(30)).status(), StatusCode::kFenced);
  EXPECT_STATUS(store_->ReleaseRun(FenceOf(a)), StatusCode::kFenced);
  EXPECT_STATUS(store_->FinishRun(FenceOf(a), {}).status(), StatusCode::kFenced);
  EXPECT_STATUS(store_->RecordStepAndFinish(FenceOf(a), Step("three"), {}).status(),
                StatusCode::kFenced);
  EXPECT_STATUS(store_->RecordStep(FenceOf(a), Step("four"), c).status(), StatusCode::kFenced);
  // The only change is A's step item; nothing recorded before changed.
  auto after = RawPartition(RunPk(a.run_id));
  ASSERT_EQ(after.size(), before.size() + 1);
  for (const Item& item : before) {
    EXPECT_NE(std::find(after.begin(), after.end(), item), after.end());
  }
  // B cannot overwrite it: its record of "two" is rejected and A's stands.
  EXPECT_STATUS(other->RecordStep(FenceOf(b), Step("two", "2b")).status(),
                StatusCode::kAlreadyExists);
  EXPECT_EQ(*other->GetOutput(a.run_id, "two"), "2");
  // B's writes work.
  auto rec = other->RecordStep(FenceOf(b), Step("five", "5b"));
  ASSERT_OK(rec);
  EXPECT_EQ(*other->GetOutput(a.run_id, "five"), "5b");
  auto fin = other->RecordStepAndFinish(FenceOf(b), Step("six", "6b"), {});
  ASSERT_OK(fin);
  ASSERT_OK_AND_ASSIGN(auto details, other->LoadRun(a.run_id, true));
  ASSERT_EQ(details.steps.size(), 4u);  // five, one, six (final, in the run item), two
  EXPECT_EQ(details.outputs["six"], "6b");
}

TEST_P(WorkflowStoreTest, ConcurrentWritersOfOneOwnerAllLand) {
  // A heartbeat thread and a step thread share one store and one fence: version conflicts
  // between them are retried inside the store.
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  std::thread heartbeat([&] {
    for (int i = 0; i < 20; ++i) {
      auto r = store_->ExtendLease(FenceOf(run), seconds(30));
      EXPECT_OK(r);
      std::this_thread::sleep_for(milliseconds(10));  // real time: heartbeats are periodic
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto r = store_->RecordStep(FenceOf(run), Step("s" + std::to_string(100 + i)));
    EXPECT_OK(r);
  }
  heartbeat.join();
  ASSERT_OK_AND_ASSIGN(auto details, store_->LoadRun(run.run_id, false));
  EXPECT_EQ(details.steps.size(), 20u);
  EXPECT_EQ(details.run.version, run.version + 20);  // step records write no run item
}

TEST_P(WorkflowStoreTest, UpdateRunMovesStatusAndDueTime) {
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  RunChange sleep;
  sleep.status = RunStatus::kSleeping;
  sleep.due_at = clock_.Now() + std::chrono::minutes(5);
  sleep.release_lease = true;
  ASSERT_OK_AND_ASSIGN(auto slept, store_->UpdateRun(FenceOf(run), sleep));
  EXPECT_EQ(slept.status, RunStatus::kSleeping);
  EXPECT_EQ(slept.due_at, *sleep.due_at);
  EXPECT_TRUE(slept.lease.owner.empty());
  auto due = store_->FindDueRuns(10);
  ASSERT_OK(due);
  EXPECT_TRUE(due->empty());
  clock_.Advance(std::chrono::minutes(5));
  due = store_->FindDueRuns(10);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].status, RunStatus::kSleeping);
  ASSERT_OK_AND_ASSIGN(auto woke, store_->ClaimRun(run.run_id, "worker2", seconds(30)));
  EXPECT_EQ(woke.status, RunStatus::kRunning);
  RunChange bad;
  bad.status = RunStatus::kCompleted;
  EXPECT_STATUS(store_->UpdateRun(FenceOf(woke), bad).status(), StatusCode::kInvalidArgument);
  RunChange err;
  err.error = "transient";
  err.status = RunStatus::kCompensating;
  ASSERT_OK_AND_ASSIGN(auto comp, store_->UpdateRun(FenceOf(woke), err));
  EXPECT_EQ(comp.error, "transient");
  EXPECT_EQ(comp.status, RunStatus::kCompensating);
  EXPECT_EQ(comp.due_at, woke.lease.expires_at);  // leased: due = lease expiry
}

TEST_P(WorkflowStoreTest, FindDueRunsCoversEveryKindInDueOrder) {
  store::WorkflowStoreOptions o = Options();
  o.gsi2_shards = 3;
  auto store = MakeStore(o);
  TimePoint now = clock_.Now();
  // PENDING due in the past and in the future.
  ::dynaflow::Run p_due = MustCreate(*store, Starting(Wf("w"), now - seconds(50)));
  MustCreate(*store, Starting(Wf("w"), now + seconds(50)));
  // SLEEPING, woken and not.
  ::dynaflow::Run s_due = MustCreateClaimed(*store, "w", "x");
  ::dynaflow::Run s_later = MustCreateClaimed(*store, "w", "x");
  RunChange sleep = ToStatus(RunStatus::kSleeping);
  sleep.due_at = now - seconds(40);
  sleep.release_lease = true;
  ASSERT_OK(store->UpdateRun(FenceOf(s_due), sleep));
  sleep.due_at = now + seconds(40);
  ASSERT_OK(store->UpdateRun(FenceOf(s_later), sleep));
  // RUNNING with a lease that expires 10 s from now, and one with a 100 s lease.
  NewRun leased = Wf("w");
  leased.owner = "y";
  leased.lease_duration = seconds(10);
  ::dynaflow::Run r_expiring = MustCreate(*store, leased);
  leased.lease_duration = seconds(100);
  MustCreate(*store, leased);
  // COMPENSATING with a 20 s lease.
  leased.lease_duration = seconds(20);
  ::dynaflow::Run c = MustCreate(*store, leased);
  ASSERT_OK(store->UpdateRun(FenceOf(c), ToStatus(RunStatus::kCompensating)));
  // Finished runs are never due.
  ::dynaflow::Run done = MustCreateClaimed(*store, "w", "z");
  ASSERT_OK(store->FinishRun(FenceOf(done), {}));

  auto due = store->FindDueRuns(100);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].run_id, p_due.run_id);
  EXPECT_EQ((*due)[1].run_id, s_due.run_id);

  clock_.Advance(seconds(30));  // the 10 s and 20 s leases expired
  due = store->FindDueRuns(100);
  ASSERT_OK(due);
  std::vector<std::string> ids;
  for (const ::dynaflow::Run& r : *due) ids.push_back(r.run_id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{p_due.run_id, s_due.run_id, r_expiring.run_id, c.run_id}));
  ASSERT_OK_AND_ASSIGN(auto two, store->FindDueRuns(2));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ((two)[1].run_id, s_due.run_id);
  EXPECT_STATUS(store->FindDueRuns(0).status(), StatusCode::kInvalidArgument);
}

// The rotating scan (FindDueRuns(limit, scan)) returns the due runs of one status at a time,
// taking the statuses in turn, and starts at PENDING again after finding nothing.
TEST_P(WorkflowStoreTest, RotatingDueScanTakesStatusesInTurn) {
  store::WorkflowStoreOptions o = Options();
  o.gsi2_shards = 2;
  auto store = MakeStore(o);
  TimePoint now = clock_.Now();
  store::DueScan scan;
  scan.next = 2;
  ASSERT_OK_AND_ASSIGN(auto none, store->FindDueRuns(10, scan));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(scan.next, 0);

  ::dynaflow::Run p1 = MustCreate(*store, Starting(Wf("w"), now - seconds(20)));
  ::dynaflow::Run p2 = MustCreate(*store, Starting(Wf("w"), now - seconds(10)));
  ::dynaflow::Run s = MustCreateClaimed(*store, "w", "x");
  RunChange sleep = ToStatus(RunStatus::kSleeping);
  sleep.due_at = now - seconds(5);
  sleep.release_lease = true;
  ASSERT_OK(store->UpdateRun(FenceOf(s), sleep));
  NewRun leased = Wf("w");
  leased.owner = "y";
  leased.lease_duration = seconds(10);
  ::dynaflow::Run r = MustCreate(*store, leased);
  clock_.Advance(seconds(30));  // r's lease expired

  auto ids = [&](int limit) {
    std::vector<std::string> out;
    auto due = store->FindDueRuns(limit, scan);
    EXPECT_OK(due);
    if (due.ok()) {
      for (const ::dynaflow::Run& run : *due) out.push_back(run.run_id);
    }
    return out;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids(1), Ids{p1.run_id});  // oldest first, at most limit
  EXPECT_EQ(scan.next, 1);
  EXPECT_EQ(ids(10), Ids{s.run_id});
  EXPECT_EQ(scan.next, 2);
  EXPECT_EQ(ids(10), Ids{r.run_id});
  EXPECT_EQ(scan.next, 3);
  EXPECT_EQ(ids(10), (Ids{p1.run_id, p2.run_id}));  // nothing COMPENSATING: on to PENDING
  EXPECT_EQ(scan.next, 1);
  EXPECT_STATUS(store->FindDueRuns(0, scan).status(), StatusCode::kInvalidArgument);
}

TEST_P(WorkflowStoreTest, CancelRequestReachesTheOwnerOrFinishesDirectly) {
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  auto operator_store = MakeStore(Options());
  ASSERT_OK_AND_ASSIGN(auto flagged, operator_store->RequestCancel(run.run_id));
  EXPECT_TRUE(flagged.cancel_requested);
  EXPECT_EQ(flagged.status, RunStatus::kRunning);
  // The owner (stale cache) records its step: it lands; its next run-level write (a lease
  // renewal at the latest) tells it about the cancel.
  auto rec = store_->RecordStep(FenceOf(run), Step("done-anyway", "x"));
  ASSERT_OK(rec);
  ASSERT_OK_AND_ASSIGN(auto renewed, store_->ExtendLease(FenceOf(run), seconds(30)));
  EXPECT_TRUE(renewed.cancel_requested);
  ASSERT_OK_AND_ASSIGN(auto fin, store_->FinishRun(FenceOf(run), Finish(RunStatus::kCancelled)));
  EXPECT_EQ(fin.status, RunStatus::kCancelled);
  EXPECT_STATUS(operator_store->RequestCancel(run.run_id).status(), StatusCode::kConditionFailed);

  // Unowned (PENDING) and expired runs are cancelled at once.
  ::dynaflow::Run pending = MustCreate(*store_, Wf("w"));
  auto cancelled = operator_store->RequestCancel(pending.run_id);
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status, RunStatus::kCancelled);
  ASSERT_TRUE(cancelled->finished_at.has_value());
  ::dynaflow::Run expired = MustCreateClaimed(*store_, "w", "worker");
  clock_.Advance(seconds(31));
  cancelled = operator_store->RequestCancel(expired.run_id);
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status, RunStatus::kCancelled);
  // A stale owner's step put may still land, but its run-level writes are all rejected and the
  // run stays CANCELLED.
  (void)store_->RecordStep(FenceOf(expired), Step("late"));
  EXPECT_STATUS(store_->ExtendLease(FenceOf(expired), seconds(30)).status(),
                StatusCode::kConditionFailed);
  EXPECT_STATUS(store_->FinishRun(FenceOf(expired), {}).status(), StatusCode::kConditionFailed);
  EXPECT_EQ(operator_store->GetRun(expired.run_id)->status, RunStatus::kCancelled);
  EXPECT_STATUS(operator_store->RequestCancel("missing").status(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dynaflow::test
