// End-to-end tests of the operator commands of `dynaflow` (events, schedules, runs cancel /
// retry by filter, runs export) and of the output rules every command follows (typed JSON, the
// jsonl cursor line, usage errors that name the mistake). The real binary, on SQLite (label
// unit) and DynamoDB Local (label integration); see cli_e2e_fixture.h.
#include <string>
#include <vector>

#include "tests/cli/cli_e2e_fixture.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_P(CliEndToEnd, JsonlEndsWithTheNextCursorAndInvertedRangesAreUsageErrors) {
  StartOrders(1, 5);
  CliResult page = Cli({"runs", "list", "-w", "order", "-n", "2", "-o", "jsonl"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  auto lines = ParseLines(page.out);
  ASSERT_EQ(lines.size(), 3u) << page.out;
  ASSERT_TRUE(lines[2].HasMember("next_cursor"));
  EXPECT_EQ(lines[2].MemberCount(), 1u);
  const std::string cursor = lines[2]["next_cursor"].GetString();
  // Following the cursor lines to the end: 5 runs, and no cursor line on the last page.
  int runs = 2;
  std::string next = cursor;
  while (!next.empty()) {
    CliResult more =
        Cli({"runs", "list", "-w", "order", "-n", "2", "-o", "jsonl", "--cursor", next});
    ASSERT_EQ(more.exit_code, 0) << more.err;
    next.clear();
    for (auto& l : ParseLines(more.out)) {
      if (l.HasMember("next_cursor")) {
        next = l["next_cursor"].GetString();
      } else {
        ++runs;
      }
    }
  }
  EXPECT_EQ(runs, 5);

  CliResult inverted = Cli({"runs", "list", "-w", "order", "--since", "1h", "--until", "2h"});
  EXPECT_EQ(inverted.exit_code, 2);
  EXPECT_TRUE(Contains(inverted.err, "is not before --until")) << inverted.err;
  EXPECT_TRUE(inverted.out.empty());
}

TEST(CliCommand, UnknownCommandsNameTheClosestAndHelpListsOnlyUsedFlags) {
  CliResult top = RunCli({"runz"});
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_TRUE(
      Contains(top.err, "unknown command \"runz\" for \"dynaflow\" (did you mean \"runs\"?)"))
      << top.err;
  CliResult sub = RunCli({"--store.type", "memory", "runs", "lsit", "-w", "x"});
  EXPECT_EQ(sub.exit_code, 2);
  EXPECT_TRUE(
      Contains(sub.err, "unknown command \"lsit\" for \"dynaflow runs\" (did you mean \"list\"?)"))
      << sub.err;
  CliResult help = RunCli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_FALSE(Contains(help.out, "--worker.")) << help.out;
  EXPECT_TRUE(Contains(help.out, "--store.type")) << help.out;
  // Still accepted (one configuration for workers and the command).
  EXPECT_EQ(
      RunCli({"--store.type=memory", "--worker.threads=2", "runs", "list", "-w", "x"}).exit_code,
      0);
}

}  // namespace
}  // namespace dynaflow::test
