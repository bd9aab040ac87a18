// ParseArchiveLine: the dynaflow.run.v1 lines of `dynaflow runs export` read back.
#include "dynaflow/engine/run_archive.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace dynaflow::engine {
namespace {

constexpr char kLine[] =
    R"({"format":"dynaflow.run.v1","run":{"run_id":"r1","workflow_id":"order","workflow_version":2,)"
    R"("status":"COMPLETED","business_key":"o-1","tags":{"json":"t","region":"eu"},)"
    R"("created_at":"2024-01-01T10:00:00.000Z","updated_at":"2024-01-01T10:00:01.500Z",)"
    R"("finished_at":"2024-02-29T23:59:59.999Z","cancel_requested":false,"retried_by":"r2",)"
    R"("version":7},"input":{"json":{"amount":19.90,"n":[1,2e3,-0.0],"s":"x"}},)"
    R"("result":{"text":"{\"ok\": true}"},)"
    R"("steps":[{"step":{"step_id":"pay","status":"FAILED","attempt":3,)"
    R"("started_at":"2024-01-01T10:00:00.010Z","finished_at":"2024-01-01T10:00:00.020Z",)"
    R"("duration_ms":10,"error":"declined","output_bytes":2,"compensation":false,)"
    R"("position":4,"kind":"step"},"output":{"base64":"AP8="}},)"
    R"({"step":{"step_id":"ship","status":"SKIPPED","attempt":1,)"
    R"("started_at":"2024-01-01T10:00:00.030Z","finished_at":"2024-01-01T10:00:00.030Z",)"
    R"("duration_ms":0,"output_bytes":0,"compensation":false}}],)"
    R"("state":[{"key":"k","version":3,"value":{"json":12.50}}],)"
    R"("children":[{"run_id":"c1","step":"sub","workflow_id":"child"}],)"
    R"("events":[{"event_id":"e1","name":"approved","sent_at":"2024-01-01T10:00:00.005Z",)"
    R"("payload":{"json":"yes"}}]})";

TEST(RunArchive, ReadsEveryFieldAndKeepsPayloadsExactly) {
  auto line = ParseArchiveLine(kLine);
  ASSERT_OK(line);
  ASSERT_TRUE(line->run.has_value());
  EXPECT_FALSE(line->next_cursor.has_value());
  const store::ArchivedRun& a = *line->run;
  const ::dynaflow::Run& r = a.details.run;
  EXPECT_EQ(r.run_id, "r1");
  EXPECT_EQ(r.workflow_version, 2);
  EXPECT_EQ(r.status, RunStatus::kCompleted);
  EXPECT_EQ(r.business_key, "o-1");
  EXPECT_EQ(r.tags, (std::map<std::string, std::string>{{"json", "t"}, {"region", "eu"}}));
  EXPECT_EQ(ToUnixMillis(r.updated_at), 1704103201500);
  ASSERT_TRUE(r.finished_at.has_value());
  EXPECT_EQ(ToUnixMillis(*r.finished_at), 1709251199999);  // a leap day
  EXPECT_EQ(r.retried_by, "r2");
  EXPECT_EQ(r.version, 7);
  // Numbers exactly as written, compactly.
  EXPECT_EQ(a.details.input, R"({"amount":19.90,"n":[1,2e3,-0.0],"s":"x"})");
  EXPECT_EQ(a.result, std::optional<std::string>("{\"ok\": true}"));
  ASSERT_EQ(a.details.steps.size(), 2u);
  const StepExecution& pay = a.details.steps[0];
  EXPECT_EQ(pay.step_id, "pay");
  EXPECT_EQ(pay.status, StepStatus::kFailed);
  EXPECT_EQ(pay.attempt, 3);
  EXPECT_EQ(pay.error, "declined");
  EXPECT_EQ(pay.position, 4);
  EXPECT_EQ(pay.kind, "");  // "step" is how a code workflow's plain step is written
  EXPECT_EQ(a.details.outputs.at("pay"), std::string("\x00\xff", 2));
  EXPECT_EQ(a.details.outputs.count("ship"), 0u);
  EXPECT_EQ(a.details.steps[1].status, StepStatus::kSkipped);
  ASSERT_EQ(a.details.state.size(), 1u);
  EXPECT_EQ(a.details.state[0].value, "12.50");
  EXPECT_EQ(a.details.state[0].version, 3);
  ASSERT_EQ(a.details.children.size(), 1u);
  EXPECT_EQ(a.details.children[0].workflow_id, "child");
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].payload, "\"yes\"");
  EXPECT_EQ(ToUnixMillis(a.events[0].sent_at), 1704103200005);
}

TEST(RunArchive, TheCursorLineIsNotARun) {
  auto line = ParseArchiveLine(R"({"next_cursor":"abc"})");
  ASSERT_OK(line);
  EXPECT_FALSE(line->run.has_value());
  EXPECT_EQ(line->next_cursor, std::optional<std::string>("abc"));
}

void ExpectError(std::string line, const std::string& message) {
  auto parsed = ParseArchiveLine(line);
  ASSERT_FALSE(parsed.ok()) << line;
  EXPECT_TRUE(parsed.status().Is(StatusCode::kInvalidArgument));
  EXPECT_NE(parsed.status().message().find(message), std::string::npos)
      << parsed.status().message();
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(RunArchive, ErrorsNameTheField) {
  ExpectError("not json", "not JSON");
  ExpectError(std::string(kLine) + " x", "not JSON");
  ExpectError("[1]", "not a JSON object");
  ExpectError(Replaced(kLine, "dynaflow.run.v1", "dynaflow.run.v2"),
              "format \"dynaflow.run.v2\" is not dynaflow.run.v1");
  ExpectError(Replaced(kLine, R"("run_id":"r1",)", ""), "run.run_id: missing");
  ExpectError(Replaced(kLine, R"("version":7)", R"("version":"7")"), "run.version: not an integer");
  ExpectError(Replaced(kLine, "2024-02-29T23", "2023-02-29T23"),
              "run.finished_at: \"2023-02-29T23:59:59.999Z\" is not a valid time");
  ExpectError(Replaced(kLine, "10:00:01.500Z", "10:00:01Z"), "run.updated_at:");
  ExpectError(Replaced(kLine, R"("status":"SKIPPED")", R"("status":"LOST")"),
              "steps[1].step.status:");
  ExpectError(Replaced(kLine, R"({"base64":"AP8="})", R"({"base64":"*"})"),
              "steps[0].output.base64: not base64");
  ExpectError(Replaced(kLine, R"({"json":12.50})", "12.50"), "state[0].value: not a payload");
}

}  // namespace
}  // namespace dynaflow::engine
