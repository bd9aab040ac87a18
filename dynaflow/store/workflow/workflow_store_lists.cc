// WorkflowStore: listings (GSI1 and GSI2 fan-out over their shards), counts and due work.
#include <algorithm>
#include <iterator>
#include <span>

#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/merge.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

namespace {

constexpr RunStatus kDueStatuses[] = {RunStatus::kPending, RunStatus::kSleeping,
                                      RunStatus::kRunning, RunStatus::kCompensating};

void AppendField(std::string* out, std::string_view field) {
  *out += std::to_string(field.size());
  *out += ':';
  *out += field;
}

std::string OptionalMs(const std::optional<TimePoint>& t) {
  return t ? std::to_string(ToUnixMillis(*t)) : "-";
}

// Everything that shapes a listing (but not limit or cursor), plus the key prefix and the shard
// count of the listed index. One shard adds nothing, so cursors of the seed layout keep their
// binding; any other count makes a cursor of another count fail authentication.
std::string Binding(std::string_view kind, std::string_view prefix, int shards,
                    const ListRunsRequest& r) {
  std::string b;
  AppendField(&b, kind);
  AppendField(&b, prefix);
  if (shards > 1) AppendField(&b, "shards=" + std::to_string(shards));
  AppendField(&b, r.workflow_id);
  AppendField(&b, r.status ? RunStatusName(*r.status) : "-");
  AppendField(&b, OptionalMs(r.from));
  AppendField(&b, OptionalMs(r.to));
  AppendField(&b, r.newest_first ? "desc" : "asc");
  return b;
}

Status CheckLimit(int limit) {
  if (limit < 1 || limit > 1000) {
    return Status::InvalidArgument("limit must be 1..1000, got " + std::to_string(limit));
  }
  return Status::OK();
}

}  // namespace

Result<RunPage> WorkflowStoreImpl::List(const ListRunsRequest& r, table::Index index,
                                        std::vector<std::string> partitions,
                                        const std::string& binding) {
  DYNAFLOW_RETURN_IF_ERROR(CheckLimit(r.limit));
  MergeRequest m;
  m.index = index;
  m.partitions = std::move(partitions);
  m.ascending = !r.newest_first;
  m.limit = r.limit;
  if (r.from) m.bounds.lower = Pad13(ToUnixMillis(*r.from));
  if (r.to) {
    m.bounds.upper = Pad13(ToUnixMillis(*r.to));
    m.bounds.upper_exclusive = true;
  }
  if (!r.cursor.empty()) {
    DYNAFLOW_ASSIGN_OR_RETURN(std::string last, cursors_.Decode(binding, r.cursor));
    // Resume strictly after the last key emitted (it lies inside [from, to) already).
    if (r.newest_first) {
      m.bounds.upper = last;
      m.bounds.upper_exclusive = true;
    } else {
      m.bounds.lower = last;
      m.bounds.lower_exclusive = true;
    }
  }
  // GSI1 has no status: a status filter on a workflow listing is applied here, examining at
  // most 10 pages' worth per call (the cursor continues after the last item examined).
  const bool filtered = index == table::Index::kGsi1 && r.status.has_value();
  if (filtered) {
    std::string want(RunStatusName(*r.status));
    m.filter = [want](const Item& item) { return GetSOr(item, attr::kStatus) == want; };
    m.max_examined = 10000;
    // Up to max_examined items read in all, at most 1000 per Query page.
    m.page_limit = std::clamp(m.max_examined / static_cast<int>(m.partitions.size()), 100, 1000);
  } else {
    m.page_limit = std::min(1000, r.limit + 2);  // +2: the exclusive ends dropped client-side
  }
  DYNAFLOW_ASSIGN_OR_RETURN(MergeResult merged, MergePartitions(*table_, m));
  RunPage page;
  for (const Item& item : merged.items) {
    DYNAFLOW_ASSIGN_OR_RETURN(Run run, RunFromItem(item));
    Remember(item);
    page.runs.push_back(std::move(run));
  }
  if (merged.resume_after) page.next_cursor = cursors_.Encode(binding, *merged.resume_after);
  return page;
}

Result<RunPage> WorkflowStoreImpl::ListRunsByWorkflow(const ListRunsRequest& r) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("workflow id", r.workflow_id, kMaxWorkflowIdBytes));
  std::vector<std::string> partitions;
  for (int shard = 0; shard < options_.gsi1_shards; ++shard) {
    partitions.push_back(
        WorkflowGsiPk(options_.key_prefix, r.workflow_id, shard, options_.gsi1_shards));
  }
  return List(r, table::Index::kGsi1, std::move(partitions),
              Binding("workflow", options_.key_prefix, options_.gsi1_shards, r));
}

Result<RunPage> WorkflowStoreImpl::ListRunsByStatus(const ListRunsRequest& r) {
  if (!r.status) return Status::InvalidArgument("ListRunsByStatus needs a status");
  std::vector<std::string> partitions;
  for (int shard = 0; shard < options_.gsi2_shards; ++shard) {
    partitions.push_back(StatusGsiPk(options_.key_prefix, *r.status, shard, options_.gsi2_shards));
  }
  ListRunsRequest unbound = r;
  unbound.workflow_id.clear();  // not part of a status listing
  return List(r, table::Index::kGsi2, std::move(partitions),
              Binding("status", options_.key_prefix, options_.gsi2_shards, unbound));
}

Result<int64_t> WorkflowStoreImpl::CountRunsByStatus(RunStatus status) {
  int64_t n = 0;
  for (int shard = 0; shard < options_.gsi2_shards; ++shard) {
    table::QueryRequest q;
    q.index = table::Index::kGsi2;
    q.partition = StatusGsiPk(options_.key_prefix, status, shard, options_.gsi2_shards);
    DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](const Item&) {
      ++n;
      return Status::OK();
    }));
  }
  return n;
}

Result<std::vector<Run>> WorkflowStoreImpl::FindDueRuns(int limit) {
  DYNAFLOW_RETURN_IF_ERROR(CheckLimit(limit));
  return FindDueIn(limit, kDueStatuses);
}

Result<std::vector<Run>> WorkflowStoreImpl::FindDueRuns(int limit, DueScan& scan) {
  DYNAFLOW_RETURN_IF_ERROR(CheckLimit(limit));
  constexpr int kCount = static_cast<int>(std::size(kDueStatuses));
  int index = ((scan.next % kCount) + kCount) % kCount;
  for (int looked = 0; looked < kCount; ++looked, index = (index + 1) % kCount) {
    DYNAFLOW_ASSIGN_OR_RETURN(std::vector<Run> runs,
                              FindDueIn(limit, std::span(&kDueStatuses[index], 1)));
    if (!runs.empty()) {
      scan.next = (index + 1) % kCount;
      return runs;
    }
  }
  scan.next = 0;  // nothing due anywhere: start at PENDING next time
  return std::vector<Run>{};
}

Result<std::vector<Run>> WorkflowStoreImpl::FindDueIn(int limit,
                                                      std::span<const RunStatus> statuses) {
  const int64_t now_ms = NowMs();
  MergeRequest m;
  m.index = table::Index::kGsi2;
  for (RunStatus status : statuses) {
    for (int shard = 0; shard < options_.gsi2_shards; ++shard) {
      m.partitions.push_back(StatusGsiPk(options_.key_prefix, status, shard, options_.gsi2_shards));
    }
  }
  // Due time <= now  <=>  GSI2SK < Pad13(now + 1) (the key continues with '#').
  m.bounds.upper = Pad13(now_ms + 1);
  m.bounds.upper_exclusive = true;
  m.ascending = true;
  m.limit = limit;
  m.page_limit = limit;
  // The index is eventually consistent: skip a run whose lease is live after all.
  m.filter = [now_ms](const Item& item) { return !LeaseLive(item, now_ms); };
  DYNAFLOW_ASSIGN_OR_RETURN(MergeResult merged, MergePartitions(*table_, m));
  std::vector<Run> runs;
  for (const Item& item : merged.items) {
    DYNAFLOW_ASSIGN_OR_RETURN(Run run, RunFromItem(item));
    Remember(item);
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace dynaflow::store::internal
