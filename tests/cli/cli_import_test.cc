// End-to-end tests of `dynaflow runs import`: runs exported from one store, imported into a fresh
// one (another key prefix of the same table or file), read back equal. The real binary, on
// SQLite and DynamoDB Local; see cli_e2e_fixture.h.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cli/cli_e2e_fixture.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

class CliImport : public CliEndToEnd {
 protected:
  // `dynaflow` on the fresh store: the same table under the key prefix "copy/".
  CliResult Copy(std::vector<std::string> args) {
    args.insert(args.begin(), "--store.key-prefix=copy/");
    return Cli(std::move(args));
  }
};

TEST_P(CliImport, ExportedRunsImportIntoAFreshStoreAndReadBackEqual) {
  const std::string approved = StartApproval("trip-3");
  ASSERT_OK(engine_->SendEvent(approved, "approved", 41));
  ASSERT_EQ(Finish(approved), RunStatus::kCompleted);
  const std::vector<std::string> orders = StartOrders(6, 8);  // 7 ends COMPENSATED
  const std::string file = dir_ + "/archive.jsonl";
  ASSERT_EQ(Cli({"runs", "export", "-w", "order", "--file", file}).exit_code, 0);
  ASSERT_EQ(Cli({"runs", "export", approved, "--event", "approved", "--file", file, "--append"})
                .exit_code,
            0);
  const std::string archive = ReadAll(file);
  WriteAll(file, archive + "{\"next_cursor\":\"ignored\"}\n");  // an export stopped early ends so

  CliResult imported = Copy({"runs", "import", file});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(Contains(imported.err, "runs import: 4 imported, 0 skipped, 0 failed"))
      << imported.err;
  std::vector<std::string> all = orders;
  all.push_back(approved);
  for (const std::string& id : all) {
    EXPECT_TRUE(Contains(imported.out, id)) << imported.out;
    // The same run, field for field, and the same archive line when exported again.
    CliResult was = Cli({"runs", "show", id, "--payloads", "-o", "json"});
    CliResult is = Copy({"runs", "show", id, "--payloads", "-o", "json"});
    ASSERT_EQ(is.exit_code, 0) << is.err;
    EXPECT_EQ(is.out, was.out) << id;
  }
  CliResult again = Copy({"runs", "export", "-w", "order"});
  CliResult approved_again = Copy({"runs", "export", approved, "--event", "approved"});
  EXPECT_EQ(again.out + approved_again.out, archive);
  // Listed by status and found by business key in the fresh store.
  CliResult listed = Copy({"runs", "count", "-s", "COMPENSATED", "-o", "json"});
  EXPECT_EQ(Parse(listed.out)["total"].GetInt64(), 1);

  // A rerun skips every run (identical) and says so, one line per run.
  CliResult rerun = Copy({"runs", "import", file, "-o", "jsonl"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(Contains(rerun.err, "runs import: 0 imported, 4 skipped, 0 failed")) << rerun.err;
  auto results = ParseLines(rerun.out);
  ASSERT_EQ(results.size(), 4u) << rerun.out;
  for (const auto& r : results) {
    EXPECT_STREQ(r["outcome"].GetString(), "skipped");
    EXPECT_TRUE(r["ok"].GetBool());
  }

  // A run that exists but differs is refused and named; the others still go in.
  std::vector<std::string> lines = Lines(archive);
  ASSERT_EQ(lines.size(), 4u);
  const std::string changed = dir_ + "/changed.jsonl";
  std::string first = lines[0];
  const size_t tag = first.find("\"batch\":\"");
  ASSERT_NE(tag, std::string::npos) << first;
  first.insert(tag + 9, "x");
  WriteAll(changed, first + "\n");
  CliResult refused = Copy({"runs", "import", changed, "-o", "json"});
  EXPECT_EQ(refused.exit_code, 1);
  auto doc = Parse(refused.out);
  ASSERT_EQ(doc["imported"].Size(), 1u) << refused.out;
  EXPECT_FALSE(doc["imported"][0]["ok"].GetBool());
  EXPECT_TRUE(Contains(doc["imported"][0]["error"].GetString(), "differs from the archive"))
      << refused.out;
}

TEST_P(CliImport, FormatErrorsNameTheLine) {
  const std::vector<std::string> orders = StartOrders(1, 2);
  CliResult exported = Cli({"runs", "export", "-w", "order"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::vector<std::string> lines = Lines(exported.out);
  ASSERT_EQ(lines.size(), 2u);
  std::string v2 = lines[1];
  v2.replace(v2.find("dynaflow.run.v1"), 15, "dynaflow.run.v2");
  const std::string file = dir_ + "/bad.jsonl";
  WriteAll(file, lines[0] + "\n\n" + v2 + "\n" + lines[1] + "\n");
  CliResult bad = Copy({"runs", "import", file});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(
      Contains(bad.err, file + " line 3: format \"dynaflow.run.v2\" is not dynaflow.run.v1"))
      << bad.err;
  EXPECT_TRUE(Contains(bad.err, "1 imported")) << bad.err;  // the line before it went in

  WriteAll(file, "{\"format\":\"dynaflow.run.v1\",\"run\":{}}\nnot json\n");
  bad = Copy({"runs", "import", file});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(Contains(bad.err, "line 1: run.run_id: missing")) << bad.err;
  EXPECT_EQ(Copy({"runs", "import"}).exit_code, 2);
  CliResult missing = Copy({"runs", "import", dir_ + "/absent.jsonl"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "cannot read " + dir_ + "/absent.jsonl")) << missing.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, CliImport,
                         ::testing::Values(CliBackend::kSqlite, CliBackend::kDynamoDbLocal),
                         [](const auto& info) {
                           return info.param == CliBackend::kSqlite ? "Sqlite" : "DynamoDbLocal";
                         });

}  // namespace
}  // namespace dynaflow::test
