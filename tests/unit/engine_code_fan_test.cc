// Compensation of Map items and All branches (Compensated(), dynaflow/engine/workflow_context.h):
// a Map whose item fails undoes the completed items once each in reverse completion order; a
// cancel during a Map undoes the items recorded so far; a run resumed after a sleep registers
// the compensations of its replayed items again; an All branch's compensation runs when another
// branch fails. On the memory, SQLite and DynamoDB Local backends.
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/engine/durable.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineCodeFanTest : public EngineTest {
 protected:
  // Blocks until `engine` shows run `run_id`'s record `step_id` (true), or 10 s passed.
  static bool Recorded(Engine& engine, const std::string& run_id, const std::string& step_id) {
    return Eventually([&] { return Steps(engine, run_id).count(step_id) > 0; });
  }
  static bool Recorded(const std::unique_ptr<Engine>& engine, const std::string& run_id,
                       const std::string& step_id) {
    return Recorded(*engine, run_id, step_id);
  }

  // Map "pack" over `items` (item i outputs i * 10), each item undone by "undo <output>"; item
  // `after[i]`, when set, starts its work only once item after[i] is recorded, so the items
  // complete in a chosen order. Item `fail_item` fails (no retries) once it may start.
  Workflow Packer(Engine& engine, std::vector<int> after, int fail_item, int max_concurrency) {
    return DurableWorkflow<std::vector<int>, int>(
               "packer", 1,
               [this, &engine, after, fail_item, max_concurrency](
                   WorkflowContext& ctx, const std::vector<int>& items) -> Result<int> {
                 MapOptions mo;
                 mo.max_concurrency = max_concurrency;
                 mo.step = NoRetries();
                 DYNAFLOW_ASSIGN_OR_RETURN(
                     auto out, ctx.Map("pack", items,
                                       Compensated(
                                           [this, &engine, after, fail_item](
                                               StepContext& s, const int& item) -> Result<int> {
                                             const int prior = after[item];
                                             if (prior >= 0 &&
                                                 !Recorded(engine, s.run_id(),
                                                           "pack[" + std::to_string(prior) + "]")) {
                                               return Status::Internal("item " +
                                                                       std::to_string(prior) +
                                                                       " was never recorded");
                                             }
                                             calls_.Hit("pack " + std::to_string(item));
                                             if (item == fail_item)
                                               return Status::Unavailable("no box");
                                             return item * 10;
                                           },
                                           [this](StepContext&, const int& packed) {
                                             journal_.Add("undo " + std::to_string(packed));
                                           }),
                                       mo));
                 int sum = 0;
                 for (int v : out) sum += v;
                 return sum;
               })
        .value();
  }

  Calls calls_;
  Journal journal_;
};

TEST_P(EngineCodeFanTest, FailedItemUndoesTheCompletedItemsOnceEachInReverseCompletionOrder) {
  auto engine = OpenEngine();
  // Completion order 4, 1, 0, 2; item 3 fails last.
  Workflow wf = Packer(*engine, /*after=*/{1, 4, 0, 2, -1}, /*fail_item=*/3,
                       /*max_concurrency=*/5);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, std::vector<int>{0, 1, 2, 3, 4});
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompensated, "Unavailable: no box"));
  EXPECT_EQ(journal_.entries(),
            (std::vector<std::string>{"undo 20", "undo 0", "undo 10", "undo 40"}));
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps.at("pack[3]").status, StepStatus::kFailed);
  for (int i : {0, 1, 2, 4}) {
    const std::string id = "pack[" + std::to_string(i) + "]";
    EXPECT_EQ(steps.at(id).status, StepStatus::kCompleted) << id;
    EXPECT_EQ(steps.at("compensate:" + id).status, StepStatus::kCompensated) << id;
    EXPECT_EQ(calls_.Count("pack " + std::to_string(i)), 1) << id;
  }
  EXPECT_EQ(steps.count("compensate:pack[3]"), 0u);
  EXPECT_EQ(steps.size(), 9u);  // 5 items, 4 compensations
}

TEST_P(EngineCodeFanTest, CancelDuringAMapUndoesTheRecordedItemsInReverseCompletionOrder) {
  auto engine = OpenEngine();
  Gate entered;
  // Items complete in the order 2, 0, 1; item 3 waits for the cancel.
  auto wf =
      DurableWorkflow<int, int>(
          "cancel-map", 1,
          [this, &engine, &entered](WorkflowContext& ctx, const int& n) -> Result<int> {
            std::vector<int> items(n);
            for (int i = 0; i < n; ++i) items[i] = i;
            const std::vector<int> after = {2, 0, -1, 1};
            DYNAFLOW_ASSIGN_OR_RETURN(
                auto out,
                ctx.Map(
                    "hold", items,
                    Compensated(
                        [&engine, &entered, after](StepContext& s, const int& item) -> Result<int> {
                          const int prior = after[item];
                          if (prior >= 0 && !Recorded(engine, s.run_id(),
                                                      "hold[" + std::to_string(prior) + "]")) {
                            return Status::Internal("never recorded");
                          }
                          if (item < 3) return item;
                          entered.Open();
                          while (!s.cancelled()) std::this_thread::sleep_for(2ms);
                          return Status::Cancelled("saw the cancel");
                        },
                        [this](StepContext&, const int& h) {
                          journal_.Add("undo " + std::to_string(h));
                        }),
                    {.max_concurrency = 4}));
            return static_cast<int>(out.size());
          })
          .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 4).value();
  ASSERT_TRUE(entered.Wait());
  ASSERT_OK(engine->Cancel(started.run_id));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCancelled));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo 1", "undo 0", "undo 2"}));
  auto steps = Steps(*engine, started.run_id);
  EXPECT_EQ(steps.count("hold[3]"), 0u);
  EXPECT_EQ(steps.at("compensate:hold[2]").status, StepStatus::kCompensated);
}

TEST_P(EngineCodeFanTest, ItemsReplayedAfterASleepAreUndoneWhenALaterStepFails) {
  auto engine = OpenEngine();
  auto wf = DurableWorkflow<int, int>(
                "pack-then-charge", 1,
                [this](WorkflowContext& ctx, const int& n) -> Result<int> {
                  std::vector<int> items(n);
                  for (int i = 0; i < n; ++i) items[i] = i;
                  DYNAFLOW_ASSIGN_OR_RETURN(auto out,
                                            ctx.Map("pack", items,
                                                    Compensated(
                                                        [this](StepContext&, const int& item) {
                                                          calls_.Hit("pack");
                                                          return item;
                                                        },
                                                        [this](StepContext&, const int& h) {
                                                          journal_.Add("undo " + std::to_string(h));
                                                        }),
                                                    {.max_concurrency = 1}));
                  DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("nap", 10ms));
                  DYNAFLOW_ASSIGN_OR_RETURN(int charged,
                                            ctx.Step(
                                                "charge",
                                                [](StepContext&) -> Result<int> {
                                                  return Status::PermissionDenied("card declined");
                                                },
                                                NoRetries()));
                  return charged + static_cast<int>(out.size());
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 3);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompensated, "card declined"));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo 2", "undo 1", "undo 0"}));
  EXPECT_EQ(calls_.Count("pack"), 3);  // the replay after the sleep ran no item again
}

TEST_P(EngineCodeFanTest, AllBranchIsUndoneWhenAnotherBranchFails) {
  auto engine = OpenEngine();
  auto wf =
      DurableWorkflow<int, std::string>(
          "notify", 1,
          [this, &engine](WorkflowContext& ctx, const int& n) -> Result<std::string> {
            DYNAFLOW_ASSIGN_OR_RETURN(
                auto both, ctx.All("send",
                                   Compensated([n](StepContext&) { return n + 1; },
                                               [this](StepContext&, const int& sent) -> Status {
                                                 journal_.Add("recall " + std::to_string(sent));
                                                 return Status::OK();
                                               }),
                                   [&engine](StepContext& s) -> Result<std::string> {
                                     if (!Recorded(engine, s.run_id(), "send[0]")) {
                                       return Status::Internal("send[0] was never recorded");
                                     }
                                     return Status::InvalidArgument("no sms gateway");
                                   }));
            return std::get<1>(both) + std::to_string(std::get<0>(both));
          })
          .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 41);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompensated, "no sms gateway"));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"recall 42"}));
  EXPECT_EQ(Steps(*engine, run.run_id).at("compensate:send[0]").status, StepStatus::kCompensated);
}

}  // namespace

DYNAFLOW_ENGINE_BACKENDS(EngineCodeFanTest);

}  // namespace dynaflow::engine::test
