// Workflow definitions: compile-time checks of step callables, Build() validation of names and
// of the data flow between nodes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dynaflow/engine/workflow.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine {
namespace {

using namespace std::chrono_literals;

int ToInt(StepContext&, const std::string& s) { return static_cast<int>(s.size()); }
Result<std::string> ToStr(StepContext&, const int& i) { return std::to_string(i); }
Status Effect(StepContext&, const int&) { return Status::OK(); }

// Compile-time checks of what a step may be.
static_assert(StepFunction<decltype(&ToInt), std::string, int>);
static_assert(StepFunction<decltype(&ToStr), int, std::string>);
static_assert(StepFunction<decltype(&Effect), int, Unit>);
static_assert(!StepFunction<decltype(&Effect), int, int>);  // Status only for Unit outputs
static_assert(!StepFunction<decltype(&ToInt), int, int>);   // wrong input type
static_assert(!StepFunction<decltype(&ToStr), int, int>);   // Result<string> is not Result<int>
static_assert(
    StepFunction<decltype([](StepContext&, const int& i) -> int64_t { return i; }), int, int64_t>);
static_assert(!StepFunction<decltype([](const int& i) { return i; }), int, int>);  // no context
static_assert(
    CompensationFunction<decltype([](StepContext&, const int&, const int&) {}), int, int>);
static_assert(!CompensationFunction<decltype([](StepContext&, const int&) {}), int, int>);
static_assert(StepPredicate<decltype([](StepContext&, const int& i) { return i > 0; }), int>);
static_assert(
    !StepPredicate<decltype([](StepContext&, const int&) { return std::string(); }), int>);

// TypeName(typeid(std::string)) with libstdc++.
const std::string kStringName =
    "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";

std::string ErrorOf(const Result<Workflow>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().ToString();
}

TEST(EngineWorkflow, BuildsSequenceAndListsSteps) {
  ASSERT_OK_AND_ASSIGN(auto wf, WorkflowBuilder("orders", 3)
                                    .Step<std::string, int>("len", ToInt)
                                    .Step<int, std::string>("str", ToStr)
                                    .Sleep("pause", 5s)
                                    .Step<std::string, int>("len2", ToInt)
                                    .Build());
  EXPECT_EQ(wf.id(), "orders");
  EXPECT_EQ(wf.version(), 3);
  EXPECT_EQ(wf.input_type(), typeid(std::string));
  EXPECT_EQ(wf.step_names(), (std::vector<std::string>{"len", "str", "pause", "len2"}));
}

TEST(EngineWorkflow, RejectsTypeMismatchBetweenSteps) {
  auto r = WorkflowBuilder("w")
               .Step<std::string, int>("len", ToInt)
               .Step<std::string, int>("again", ToInt)
               .Build();
  std::string e = ErrorOf(r);
  EXPECT_NE(e.find("InvalidArgument"), std::string::npos);
  EXPECT_NE(e.find("\"again\""), std::string::npos);
  EXPECT_EQ(e, "InvalidArgument: step \"again\" takes " + kStringName +
                   " but the node before it passes on int");
}

TEST(EngineWorkflow, CheckInputNamesBothTypesReadably) {
  ASSERT_OK_AND_ASSIGN(auto wf,
                       WorkflowBuilder("orders").Step<std::string, int>("len", ToInt).Build());
  EXPECT_EQ(wf.input_type_name(), kStringName);
  EXPECT_OK(wf.CheckInput(typeid(std::string)));
  EXPECT_EQ(wf.CheckInput(typeid(int)).ToString(),
            "InvalidArgument: workflow orders takes " + kStringName + ", not int");
  EXPECT_EQ(Workflow().CheckInput(typeid(int)).ToString(), "InvalidArgument: empty workflow");
}

TEST(EngineWorkflow, UnitInputAcceptsAnything) {
  auto r = WorkflowBuilder("w")
               .Step<std::string, int>("len", ToInt)
               .Step<Unit, int>("fresh", [](StepContext&, const Unit&) { return 7; })
               .Build();
  EXPECT_OK(r);
}

TEST(EngineWorkflow, ConditionalStepWithOtherOutputTypePassesOnUnit) {
  auto maybe = MakeStep<int, std::string>("maybe", ToStr).When([](StepContext&, const int& i) {
    return i > 1;
  });
  // After a conditional int -> string step the next node cannot know what it gets.
  auto bad = WorkflowBuilder("w")
                 .Step<std::string, int>("len", ToInt)
                 .Step(maybe)
                 .Step<std::string, int>("len2", ToInt)
                 .Build();
  EXPECT_NE(ErrorOf(bad).find("\"len2\""), std::string::npos);
  auto good = WorkflowBuilder("w")
                  .Step<std::string, int>("len", ToInt)
                  .Step(maybe)
                  .Step<Unit, int>("after", [](StepContext&, const Unit&) { return 1; })
                  .Build();
  EXPECT_OK(good);
  // Same input and output type: the value passes through either way.
  auto same =
      WorkflowBuilder("w")
          .Step<std::string, int>("len", ToInt)
          .Step(MakeStep<int, int>("double", [](StepContext&, const int& i) { return i * 2; })
                    .When([](StepContext&, const int& i) { return i > 1; }))
          .Step<int, std::string>("str", ToStr)
          .Build();
  EXPECT_OK(same);
}

TEST(EngineWorkflow, ParallelJoinsIntoVectorWhenBranchesAgree) {
  auto same =
      WorkflowBuilder("w")
          .Step<std::string, int>("len", ToInt)
          .Parallel("fan", MakeStep<int, std::string>("a", ToStr),
                    MakeStep<int, std::string>("b", ToStr))
          .Step<std::vector<std::string>, int>("join",
                                               [](StepContext&, const std::vector<std::string>& v) {
                                                 return static_cast<int>(v.size());
                                               })
          .Build();
  EXPECT_OK(same);
  auto mixed_bad =
      WorkflowBuilder("w")
          .Step<std::string, int>("len", ToInt)
          .Parallel("fan", MakeStep<int, std::string>("a", ToStr), MakeStep<int, Unit>("b", Effect))
          .Step<std::vector<std::string>, int>(
              "join", [](StepContext&, const std::vector<std::string>&) { return 0; })
          .Build();
  EXPECT_NE(ErrorOf(mixed_bad).find("\"join\""), std::string::npos);
}

TEST(EngineWorkflow, RejectsBadNames) {
  auto step = [](std::string name) {
    return WorkflowBuilder("w").Step<std::string, int>(std::move(name), ToInt).Build();
  };
  EXPECT_NE(ErrorOf(step("")).find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf(step("a#b")).find("'#'"), std::string::npos);
  EXPECT_NE(ErrorOf(step("compensate:x")).find("reserved"), std::string::npos);
  EXPECT_NE(ErrorOf(step(std::string(201, 'x'))).find("longer"), std::string::npos);
  auto dup = WorkflowBuilder("w").Step<std::string, int>("s", ToInt).Sleep("s", 1s).Build();
  EXPECT_NE(ErrorOf(dup).find("duplicate"), std::string::npos);
  EXPECT_NE(ErrorOf(WorkflowBuilder("bad#id").Step<std::string, int>("s", ToInt).Build())
                .find("workflow"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(WorkflowBuilder("w", 0).Step<std::string, int>("s", ToInt).Build()).find("version"),
      std::string::npos);
  EXPECT_NE(ErrorOf(WorkflowBuilder("w").Build()).find("no steps"), std::string::npos);
  EXPECT_NE(ErrorOf(WorkflowBuilder("w")
                        .Sleep("z", 1s)
                        .Step<Unit, int>("s", [](StepContext&, const Unit&) { return 1; })
                        .Build())
                .find("first node"),
            std::string::npos);
}

TEST(EngineWorkflow, RejectsBadPolicies) {
  StepOptions o;
  o.retry.multiplier = 0.5;
  EXPECT_NE(ErrorOf(WorkflowBuilder("w").Step<std::string, int>("s", ToInt, o).Build())
                .find("multiplier"),
            std::string::npos);
  StepOptions t;
  t.attempt_timeout = Duration(0);
  EXPECT_NE(
      ErrorOf(WorkflowBuilder("w").Step<std::string, int>("s", ToInt, t).Build()).find("timeout"),
      std::string::npos);
}

TEST(EngineWorkflow, SleepUntilChecksItsInputType) {
  auto bad = WorkflowBuilder("w")
                 .Step<std::string, int>("len", ToInt)
                 .SleepUntil<std::string>(
                     "nap", [](StepContext& ctx, const std::string&) { return ctx.now(); })
                 .Build();
  EXPECT_NE(ErrorOf(bad).find("\"nap\""), std::string::npos);
  auto good =
      WorkflowBuilder("w")
          .Step<std::string, int>("len", ToInt)
          .SleepUntil<int>("nap", [](StepContext& ctx,
                                     const int& i) { return ctx.now() + std::chrono::seconds(i); })
          .Step<int, std::string>("str", ToStr)  // the sleep passes its input on
          .Build();
  EXPECT_OK(good);
}

}  // namespace
}  // namespace dynaflow::engine
