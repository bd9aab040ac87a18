// Text that is not valid UTF-8: error messages from step code are recorded sanitized (U+FFFD for
// each bad sequence), so a run always records its failure; strings given to the API (run id,
// business key, tags, state keys) are rejected with kInvalidArgument naming the field, and
// nothing is created. On the memory, SQLite and DynamoDB Local backends (DynamoDB, like
// dynaflow/model/utf8.h, accepts only valid UTF-8; the Table layer enforces that on every backend).
#include <stdexcept>
#include <string>

#include "dynaflow/model/utf8.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

const std::string kBad = "disk \xFF\xFE full";                    // two invalid bytes
const std::string kClean = "disk \xEF\xBF\xBD\xEF\xBF\xBD full";  // each one U+FFFD

class EngineUtf8Test : public EngineTest {
 protected:
  // Runs `wf` with input 1 to its end and returns the finished run.
  ::dynaflow::Run RunToEnd(Engine& engine, const Workflow& wf) {
    EXPECT_OK(engine.Register(wf));
    auto worker = StartWorker(engine);
    auto started = engine.Start(wf, 1);
    if (!started.ok()) {
      ADD_FAILURE() << started.error();
      return {};
    }
    run_id_ = started->run_id;
    return Wait(engine, run_id_);
  }

  // The run's error and every step error are valid UTF-8; returns the step errors by step.
  std::map<std::string, std::string> CheckedStepErrors(Engine& engine, const ::dynaflow::Run& r) {
    EXPECT_TRUE(IsValidUtf8(r.error)) << r.error;
    std::map<std::string, std::string> errors;
    for (const auto& [id, step] : Steps(engine, run_id_)) {
      EXPECT_TRUE(IsValidUtf8(step.error)) << id << ": " << step.error;
      errors[id] = step.error;
    }
    return errors;
  }

  std::string run_id_;
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_P(EngineUtf8Test, ReturnedErrorIsRecordedSanitized) {
  auto engine = OpenEngine();
  auto wf =
      WorkflowBuilder("utf8-returned", 1)
          .Step<int, int>(
              "fail",
              [](StepContext&, const int&) -> Result<int> { return Status::Unavailable(kBad); },
              NoRetries())
          .Build()
          .value();
  ::dynaflow::Run run = RunToEnd(*engine, wf);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "Unavailable: " + kClean));
  auto errors = CheckedStepErrors(*engine, run);
  EXPECT_EQ(errors["fail"], "Unavailable: " + kClean);
  // What the store holds (read afresh) is the same.
  ASSERT_OK_AND_ASSIGN(auto stored, engine->store().GetRun(run_id_));
  EXPECT_EQ(stored.status, RunStatus::kFailed);
  EXPECT_EQ(stored.error, run.error);
}

TEST_P(EngineUtf8Test, ExceptionTextIsRecordedSanitized) {
  auto engine = OpenEngine();
  auto wf = WorkflowBuilder("utf8-thrown", 1)
                .Step<int, int>(
                    "throw",
                    [](StepContext&, const int&) -> Result<int> { throw std::runtime_error(kBad); },
                    NoRetries())
                .Build()
                .value();
  ::dynaflow::Run run = RunToEnd(*engine, wf);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, kClean));
  auto errors = CheckedStepErrors(*engine, run);
  EXPECT_TRUE(Contains(errors["throw"], "step threw an exception: " + kClean)) << errors["throw"];
}

// A failing step whose compensation fails too: both texts end up in the record, sanitized.
TEST_P(EngineUtf8Test, CompensationErrorIsRecordedSanitized) {
  auto engine = OpenEngine();
  auto reserve =
      MakeStep<int, int>("reserve", [](StepContext&, const int& i) -> Result<int> { return i; })
          .Retry(RetryPolicy::None())
          .Compensate([](StepContext&, const int&, const int&) -> Status {
            return Status::Internal("refund \xC0\xAF lost");
          });
  StepOptions o = NoRetries();
  o.compensation_retry = RetryPolicy::None();
  reserve.Options(o);
  auto wf =
      WorkflowBuilder("utf8-saga", 1)
          .Step(reserve)
          .Step<int, int>(
              "ship",
              [](StepContext&, const int&) -> Result<int> { return Status::InvalidArgument(kBad); },
              NoRetries())
          .Build()
          .value();
  ::dynaflow::Run run = RunToEnd(*engine, wf);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  const std::string refund = "refund \xEF\xBF\xBD\xEF\xBF\xBD lost";  // C0 and AF: one each
  EXPECT_TRUE(Contains(run.error, kClean)) << run.error;
  EXPECT_TRUE(Contains(run.error, refund)) << run.error;
  auto errors = CheckedStepErrors(*engine, run);
  EXPECT_EQ(errors["ship"], "InvalidArgument: " + kClean);
  EXPECT_EQ(errors["compensate:reserve"], "Internal: " + refund);
}

// A condition (When) that throws: user text outside a step body is sanitized too.
TEST_P(EngineUtf8Test, ConditionErrorIsRecordedSanitized) {
  auto engine = OpenEngine();
  auto maybe = MakeStep<int, int>("maybe", [](StepContext&, const int& i) -> Result<int> {
                 return i;
               }).When([](StepContext&, const int&) -> bool {
                   throw std::logic_error(kBad);
                 }).Retry(RetryPolicy::None());
  auto wf = WorkflowBuilder("utf8-when", 1).Step(maybe).Build().value();
  ::dynaflow::Run run = RunToEnd(*engine, wf);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  auto errors = CheckedStepErrors(*engine, run);
  EXPECT_TRUE(Contains(errors["maybe"], kClean)) << errors["maybe"];
}

TEST_P(EngineUtf8Test, StartRejectsInvalidStringsAndCreatesNothing) {
  auto engine = OpenEngine();
  auto wf = WorkflowBuilder("utf8-start", 1)
                .Step<int, int>(
                    "one", [](StepContext&, const int& i) -> Result<int> { return i; }, NoRetries())
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  struct Case {
    StartOptions options;
    std::string message;
  };
  std::vector<Case> cases(4);
  cases[0].options.business_key = "order-\xFF";
  cases[0].message = "business key is not valid UTF-8 (byte 6)";
  cases[1].options.run_id = "run-\xC3";
  cases[1].message = "run id is not valid UTF-8 (byte 4)";
  cases[2].options.business_key = "order-1";
  cases[2].options.tags = {{"team", "ok"}, {"te\xED\xA0\x80m", "x"}};
  cases[2].message =
      "tag name \"te\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDm\" is not valid UTF-8 (byte 2)";
  cases[3].options.business_key = "order-1";
  cases[3].options.tags = {{"team", "pay\xF4\x90\x80\x80"}};
  cases[3].message = "value of tag \"team\" is not valid UTF-8 (byte 3)";
  for (const Case& c : cases) {
    auto started = engine->Start(wf, 1, c.options);
    ASSERT_FALSE(started.ok()) << c.message;
    EXPECT_EQ(started.error().code(), StatusCode::kInvalidArgument) << started.error();
    EXPECT_EQ(started.error().message(), c.message);
  }
  // Nothing was created: no run of the workflow, and the business key is still free.
  store::ListRunsRequest list;
  list.workflow_id = "utf8-start";
  ASSERT_OK_AND_ASSIGN(auto runs, engine->ListRunsByWorkflow(list));
  EXPECT_TRUE(runs.runs.empty());
  EXPECT_EQ(engine->metrics().runs_started, 0);
  StartOptions good;
  good.business_key = "order-1";
  good.tags = {{"team", "pay\xC3\xA9"}};
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, 1, good));
  EXPECT_TRUE(started.created);
}

TEST_P(EngineUtf8Test, StateKeysMustBeValidUtf8) {
  auto engine = OpenEngine();
  std::mutex mu;
  Status put_bad, get_bad;
  auto wf = WorkflowBuilder("utf8-state", 1)
                .Step<int, int>(
                    "state",
                    [&](StepContext& ctx, const int& i) -> Result<int> {
                      auto put = ctx.PutState("cart\xFF", "v");
                      auto get = ctx.GetState("cart\xFF");
                      {
                        std::lock_guard<std::mutex> lock(mu);
                        put_bad = put.ok() ? Status::OK() : put.error();
                        get_bad = get.ok() ? Status::OK() : get.error();
                      }
                      auto fine = ctx.PutState("cart\xC3\xA9", "v");
                      if (!fine.ok()) return fine.error();
                      return i;
                    },
                    NoRetries())
                .Build()
                .value();
  ::dynaflow::Run run = RunToEnd(*engine, wf);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(put_bad.code(), StatusCode::kInvalidArgument) << put_bad;
  EXPECT_EQ(put_bad.message(), "state key is not valid UTF-8 (byte 4)");
  EXPECT_EQ(get_bad.code(), StatusCode::kInvalidArgument) << get_bad;
  EXPECT_EQ(get_bad.message(), "state key is not valid UTF-8 (byte 4)");
}

// Workflow and step names become keys and error texts: Build rejects invalid ones up front.
TEST(EngineUtf8NamesTest, BuildRejectsInvalidNames) {
  auto step = [](const std::string& name) {
    return MakeStep<int, int>(name, [](StepContext&, const int& i) -> Result<int> { return i; });
  };
  auto bad_workflow = WorkflowBuilder("orders\xFF", 1).Step(step("one")).Build();
  ASSERT_FALSE(bad_workflow.ok());
  EXPECT_EQ(bad_workflow.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_workflow.error().message(),
            "workflow name \"orders\xEF\xBF\xBD\" is not valid UTF-8 (byte 6)");
  auto bad_step = WorkflowBuilder("orders", 1).Step(step("sh\xC3ip")).Build();
  ASSERT_FALSE(bad_step.ok());
  EXPECT_EQ(bad_step.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_step.error().message(),
            "step name \"sh\xEF\xBF\xBDip\" is not valid UTF-8 (byte 2)");
  EXPECT_OK(WorkflowBuilder("orders-\xC3\xA9", 1).Step(step("ship-\xE2\x82\xAC")).Build());
}

DYNAFLOW_ENGINE_BACKENDS(EngineUtf8Test);

}  // namespace
}  // namespace dynaflow::engine::test
