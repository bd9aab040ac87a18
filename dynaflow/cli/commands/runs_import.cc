// dynaflow runs import: write archived runs (dynaflow.run.v1 lines) into the configured store.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/bulk.h"
#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/export_format.h"
#include "dynaflow/engine/run_archive.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Write the runs of an archive (`runs export` lines, format dynaflow.run.v1; a final "
    "{\"next_cursor\": ...} line is ignored) into the configured store, with their steps, "
    "outputs, state, events and result, so archived runs can be inspected again. Only finished "
    "runs; they are kept until deleted (no TTL). A run id that exists is skipped when the "
    "stored run exports to the same line, else refused. FILE or - (stdin). Progress on "
    "stderr, one result line per run. Cost per run: 1 GetItem + 1 PutItem per item.";

struct Flags {
  std::string file;

  void Declare(CLI::App& cmd) {
    cmd.add_option("file", file, "the archive to read, or - for stdin")->required();
  }
};

// Reads one line (without '\n'); false at the end of the input.
bool ReadLine(std::FILE* in, std::string* line) {
  line->clear();
  int c;
  while ((c = std::fgetc(in)) != EOF && c != '\n') line->push_back(static_cast<char>(c));
  return c != EOF || !line->empty();
}

// The names of the events the archive holds for a run.
std::vector<std::string> EventNames(const store::ArchivedRun& run) {
  std::vector<std::string> names;
  for (const store::Event& e : run.events) names.push_back(e.name);
  return names;
}

// Imports one run; a run id that exists is skipped when it exports to the same line.
BulkResult ImportOne(engine::Engine& engine, const store::ArchivedRun& run) {
  BulkResult r;
  r.run_id = run.details.run.run_id;
  Status s = engine.store().ImportRun(run);
  if (s.ok()) {
    r.text = "imported";
    return r;
  }
  r.kind = BulkResult::Kind::kFailed;
  r.text = s.message();
  if (!s.Is(StatusCode::kAlreadyExists)) return r;
  auto stored = CollectRun(engine, r.run_id, EventNames(run));
  if (!stored.ok()) {
    r.text = stored.status().message();
  } else if (ExportLine(*stored) == ExportLine(run)) {
    r.kind = BulkResult::Kind::kSkipped;
    r.text = "an identical run exists";
  } else {
    r.text = "run " + r.run_id + " exists and differs from the archive";
  }
  return r;
}

int Execute(Context& ctx, const Flags& f) {
  std::FILE* in = stdin;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  if (f.file != "-") {
    owned.reset(std::fopen(f.file.c_str(), "rb"));
    if (owned == nullptr) return ctx.Fail(kExitFailure, "cannot read " + f.file);
    in = owned.get();
  }
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  const std::string source = f.file == "-" ? "stdin" : f.file;
  std::vector<BulkResult> results;
  int64_t counts[3] = {0, 0, 0};  // imported, skipped, failed
  std::string bad_line;
  std::string line;
  for (int64_t number = 1; ReadLine(in, &line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = engine::ParseArchiveLine(line);
    if (!parsed.ok()) {
      bad_line = source + " line " + std::to_string(number) + ": " + parsed.status().message();
      break;
    }
    if (!parsed->run) continue;  // the next_cursor line of an export that stopped early
    BulkResult r = ImportOne(*engine, *parsed->run);
    ++counts[static_cast<int>(r.kind)];
    if (ctx.format == OutputFormat::kJsonl) {
      ctx.EndProgress();
      ctx.Print(BulkResultLine(r));
    }
    results.push_back(std::move(r));
    ctx.Progress("runs import: " + std::to_string(results.size()) + " runs read");
  }
  ctx.EndProgress();
  PrintBulkResults(ctx, results, "imported");
  ctx.Message("runs import: " + std::to_string(counts[0]) + " imported, " +
              std::to_string(counts[1]) + " skipped, " + std::to_string(counts[2]) + " failed");
  if (!bad_line.empty()) return ctx.Fail(kExitFailure, bad_line);
  ctx.exit_code = counts[2] == 0 ? kExitOk : kExitFailure;
  return ctx.exit_code;
}

}  // namespace

void AddRunsImport(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "import", kHelp, Execute);
}

}  // namespace dynaflow::cli
