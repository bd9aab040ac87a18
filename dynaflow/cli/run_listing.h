// Pages of runs for `dynaflow runs list` and `runs count`, over the workflow store's listings
// (GSI1 by workflow, GSI2 by status). Never scans the table: a query names a workflow, one or
// more statuses, or both.
//
// Sources ("streams"), one per listing the query needs, merged in time order behind one cursor:
//   --workflow W                one ListRunsByWorkflow (GSI1, creation time; each queries
//                               every GSI1 shard)
//   --workflow W --status S...  one ListRunsByWorkflow with a status filter per status
//   --status S...               one ListRunsByStatus per status (GSI2: due time, or finish
//                               time once finished; each queries every GSI2 shard)
// Cost of one page: one store listing call per stream (= one Query per GSI partition:
// gsi1_shards for a workflow, gsi2_shards per status) when the page is filled from the first store
// page of each stream, as it is without --tag; plus one call per stream that was only partly
// consumed (to find the store cursor right after the last run shown). --tag filters on the client,
// so a page may read more (at most kMaxExamined runs per call, then it returns what it found and a
// cursor).
//
// Cursor: "c1.<query fingerprint>.<one position per stream>", where a position is a store
// cursor (signed by the store, bound to the key prefix and its listing), "!" (not started) or
// "~" (exhausted). The fingerprint (FNV-1a of the query's workflow, statuses, time bounds, tags
// and direction) catches a cursor pasted into another query; a store cursor that was tampered
// with, or made under another key prefix, is rejected by the store.
//
// Thread-safety: functions only; the store is thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/model/result.h"
#include "dynaflow/model/workflow_types.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::cli {

struct RunQuery {
  std::string workflow_id;                  // empty: by status only
  std::vector<RunStatus> statuses;          // empty: every status (needs workflow_id)
  std::optional<TimePoint> since;           // inclusive
  std::optional<TimePoint> until;           // exclusive
  std::map<std::string, std::string> tags;  // every one must match
  bool newest_first = true;
  int limit = 20;  // runs per page, >= 1
};

struct RunListPage {
  std::vector<Run> runs;
  std::string next_cursor;  // empty: no more runs
  int store_calls = 0;      // listing calls made for this page
};

// At most this many runs are examined per ListRuns call when --tag filters.
inline constexpr int kMaxExamined = 10000;

// OK unless both time bounds are set and since is not before until. Errors: kInvalidArgument
// naming both times ("--since ... is not before --until ...").
Status CheckTimeRange(const RunQuery& query);

// Errors: kInvalidArgument for a query with neither workflow nor status ("give --workflow or
// --status"), a limit < 1, an inverted time range (CheckTimeRange), or a cursor that is malformed,
// belongs to another query or was rejected by the store (message starts "invalid cursor: "); the
// store's errors otherwise.
Result<RunListPage> ListRuns(store::WorkflowStore& store, const RunQuery& query,
                             const std::string& cursor);

// Runs matching `query` (its limit and order ignored), counted by paging through the listings
// (CountRunsByStatus for a status without workflow, time bounds or tags). Errors: as ListRuns.
Result<int64_t> CountRuns(store::WorkflowStore& store, const RunQuery& query);

}  // namespace dynaflow::cli
