// WorkflowStore suite, part 4: workflow state (get, put, compare-and-swap, delete, list).
#include <atomic>
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using store::NewRun;
using store::WorkflowStore;

namespace {

TEST_P(WorkflowStoreTest, StateGetPutCasDeleteList) {
  ::dynaflow::Run run = MustCreate(*store_, Wf("w"));
  EXPECT_STATUS(store_->GetState(run.run_id, "cart").status(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto v1, store_->PutState(run.run_id, "cart", "apples"));
  EXPECT_EQ(v1, 1);
  EXPECT_EQ(*store_->PutState(run.run_id, "cart", "apples, pears"), 2);
  ASSERT_OK_AND_ASSIGN(auto got, store_->GetState(run.run_id, "cart"));
  EXPECT_EQ(got.key, "cart");
  EXPECT_EQ(got.value, "apples, pears");
  EXPECT_EQ(got.version, 2);

  EXPECT_STATUS(store_->CompareAndSwapState(run.run_id, "cart", "x", 1).status(),
                StatusCode::kConditionFailed);
  EXPECT_STATUS(store_->CompareAndSwapState(run.run_id, "cart", "x", 0).status(),
                StatusCode::kConditionFailed);
  EXPECT_EQ(*store_->CompareAndSwapState(run.run_id, "cart", "plums", 2), 3);
  EXPECT_EQ(*store_->CompareAndSwapState(run.run_id, "lock#1", "", 0), 1);  // '#' and empty ok
  EXPECT_EQ(store_->GetState(run.run_id, "lock#1")->value, "");
  EXPECT_STATUS(store_->CompareAndSwapState(run.run_id, "lock#1", "y", 0).status(),
                StatusCode::kConditionFailed);
  ASSERT_OK(store_->PutState(run.run_id, "a-first", std::string(1000, 'z')));

  ASSERT_OK_AND_ASSIGN(auto list, store_->ListState(run.run_id));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ((list)[0].key, "a-first");
  EXPECT_EQ((list)[1].key, "cart");
  EXPECT_EQ((list)[1].value, "plums");
  EXPECT_EQ((list)[1].version, 3);
  EXPECT_EQ((list)[2].key, "lock#1");
  ASSERT_OK_AND_ASSIGN(auto details, store_->LoadRun(run.run_id, false));
  EXPECT_EQ(details.state.size(), 3u);

  ASSERT_OK(store_->DeleteState(run.run_id, "cart"));
  ASSERT_OK(store_->DeleteState(run.run_id, "never-written"));
  EXPECT_STATUS(store_->GetState(run.run_id, "cart").status(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListState(run.run_id)->size(), 2u);
  // A deleted key starts again at version 1.
  EXPECT_EQ(*store_->PutState(run.run_id, "cart", "new"), 1);

  EXPECT_STATUS(store_->PutState("no-such-run", "k", "v").status(), StatusCode::kNotFound);
  EXPECT_STATUS(store_->DeleteState("no-such-run", "k"), StatusCode::kNotFound);
  EXPECT_STATUS(store_->PutState(run.run_id, "", "v").status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutState(run.run_id, "big", std::string(401 * 1024, 'b')).status(),
                StatusCode::kLimitExceeded);
  EXPECT_TRUE(store_->ListState("no-such-run")->empty());
}

TEST_P(WorkflowStoreTest, StateWritesDoNotDisturbTheOwnerAndCloseWithTheRun) {
  ::dynaflow::Run run = MustCreateClaimed(*store_, "w", "worker");
  auto other = MakeStore(Options());  // e.g. a step's side process writing state
  ASSERT_OK(other->PutState(run.run_id, "progress", "50%"));
  // The owner's cached run predates the state write; its step record is still one write, and
  // the state item expires with the run's other items (itemsTtl) without the owner knowing it.
  store::StepRecord step;
  step.step_id = "half";
  ASSERT_OK_AND_ASSIGN(auto rec, store_->RecordStep(FenceOf(run), step));
  EXPECT_EQ(rec.version, run.version);  // neither state writes nor step records bump it
  ASSERT_OK(other->PutState(run.run_id, "late", "x"));
  ASSERT_OK(store_->FinishRun(FenceOf(run), {}));
  auto state = table_->Get({RunPk(run.run_id), "STATE#late"});
  ASSERT_OK(state);
  EXPECT_NE(FindAttribute(*state, table::kTtl), nullptr);
  // After the finish (7-day retention) state is read-only.
  EXPECT_STATUS(other->PutState(run.run_id, "after", "x").status(), StatusCode::kConditionFailed);
  EXPECT_STATUS(other->DeleteState(run.run_id, "late"), StatusCode::kConditionFailed);
  EXPECT_EQ(other->GetState(run.run_id, "late")->value, "x");
}

TEST_P(WorkflowStoreTest, ConcurrentCompareAndSwapCountsExactly) {
  ::dynaflow::Run run = MustCreate(*store_, Wf("w"));
  ASSERT_OK(store_->PutState(run.run_id, "counter", "0"));
  constexpr int kThreads = 4, kIncrements = 10;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto store = MakeStore(Options());
      for (int done = 0; done < kIncrements;) {
        auto cur = store->GetState(run.run_id, "counter");
        if (!cur.ok()) {
          ADD_FAILURE() << cur.status();
          return;
        }
        std::string next = std::to_string(std::stoi(cur->value) + 1);
        auto w = store->CompareAndSwapState(run.run_id, "counter", next, cur->version);
        if (w.ok()) {
          ++done;
        } else if (w.status().Is(StatusCode::kConditionFailed) ||
                   w.status().Is(StatusCode::kTransactionCanceled)) {
          conflicts.fetch_add(1);
        } else {
          ADD_FAILURE() << w.status();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(auto final, store_->GetState(run.run_id, "counter"));
  EXPECT_EQ(final.value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(final.version, 1 + kThreads * kIncrements);
}

}  // namespace
}  // namespace dynaflow::test
