// Key formats of the workflow store's single-table design (see workflow_store.h for the layout).
//
// Every function is pure (thread-safe) and takes the deployment's key prefix where a partition
// key is built. Sort keys carry no prefix: they only need to be unique inside a partition.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/status.h"
#include "dynaflow/model/workflow_types.h"

namespace dynaflow::store::internal {

// Zero-padded 13-digit decimal milliseconds (years 1970..2286 sort correctly as strings).
// Negative values are clamped to 0.
std::string Pad13(int64_t ms);

// Partition and sort keys.
std::string RunPk(std::string_view prefix, std::string_view run_id);  // <prefix>RUN#<runId>
std::string RunSk(std::string_view run_id);                           // RUN#<runId>
inline constexpr char kInputSk[] = "INPUT";
inline constexpr char kResultSk[] = "RESULT";
std::string StepSk(std::string_view step_id);    // STEP#<stepId>
std::string OutputSk(std::string_view step_id);  // OUTPUT#<stepId>
std::string StateSk(std::string_view key);       // STATE#<key>
inline constexpr char kStepSkPrefix[] = "STEP#";
inline constexpr char kStateSkPrefix[] = "STATE#";
// EVENT#<name>#<eventId>: an event sent to the run (outside LoadRun's key range).
std::string EventSk(std::string_view name, std::string_view event_id);
std::string EventSkPrefix(std::string_view name);  // EVENT#<name>#
// RUN#<runId>#CHILD#<childRunId>: a child link in the parent's partition (inside LoadRun's
// range: RUN#<runId> < RUN#<runId>#CHILD#... < STATE#).
std::string ChildSk(std::string_view run_id, std::string_view child_run_id);
std::string ChildSkPrefix(std::string_view run_id);  // RUN#<runId>#CHILD#
// An extra chunk of a payload whose head item has sort key `head_sk`:
// <head_sk>#<tag>#<nnnn> (nnnn from 0001).
std::string ChunkSk(std::string_view head_sk, std::string_view tag, int index);
// <prefix>BKEY#<workflowId>#<businessKey> (PK and SK of the business-key item).
std::string BusinessKeyPk(std::string_view prefix, std::string_view workflow_id,
                          std::string_view business_key);

// GSI1: runs of a workflow by creation time. <prefix>WORKFLOW#<workflowId>, plus #<nn> (two
// digits) when shards > 1.
std::string WorkflowGsiPk(std::string_view prefix, std::string_view workflow_id, int shard,
                          int shards);
// GSI1SK and GSI2SK: <ms13>#<runId>.
std::string TimeSortKey(int64_t ms, std::string_view run_id);
// GSI2: <prefix>STATUS#<status>, plus #<nn> (two digits) when shards > 1.
std::string StatusGsiPk(std::string_view prefix, RunStatus status, int shard, int shards);
// Stable shard of a run: FNV-1a 64 of the run id modulo `shards` (0 when shards <= 1). Used
// for GSI1 and GSI2 alike (each with its own shard count).
int ShardOf(std::string_view run_id, int shards);

// Validation of caller-supplied names. kInvalidArgument naming `what` on failure, e.g.
// "business key is not valid UTF-8 (byte 3)" (zero-based offset of the first bad byte).
// Run, workflow and step ids: 1..max bytes, valid UTF-8, no '#' (it separates key parts), no
// control characters.
Status ValidateId(std::string_view what, std::string_view id, size_t max_bytes);
// State keys, business keys, owners: 1..max bytes, valid UTF-8, no control characters ('#'
// allowed).
Status ValidateName(std::string_view what, std::string_view name, size_t max_bytes);

inline constexpr size_t kMaxRunIdBytes = 128;
inline constexpr size_t kMaxWorkflowIdBytes = 128;
inline constexpr size_t kMaxStepIdBytes = 255;
inline constexpr size_t kMaxStateKeyBytes = 512;
inline constexpr size_t kMaxBusinessKeyBytes = 512;
inline constexpr size_t kMaxOwnerBytes = 256;
inline constexpr size_t kMaxKeyPrefixBytes = 256;
inline constexpr size_t kMaxEventNameBytes = 255;
inline constexpr size_t kMaxEventIdBytes = 128;
// Write shards of an index partition key (gsi1_shards, gsi2_shards): 1..kMaxShards, so the
// shard suffix is always two digits.
inline constexpr int kMaxShards = 100;

// A time-ordered unique run id: 48-bit Unix milliseconds then 80 random bits, 26 characters of
// Crockford base32 (ULID layout), so ids sort by creation time as strings.
std::string NewRunId(TimePoint now, Random& random);

// A random 8-character lowercase hex tag naming one write's payload chunks.
std::string NewChunkTag(Random& random);

// Names the writes of one WorkflowStore (see WriteIds). Thread-safe.
class WriteIds {
 public:
  // `instance`: 48 bits that tell this store's writes from every other store's (drawn from
  // Random::Real(), so stores built with one seeded Random still differ).
  explicit WriteIds(uint64_t instance);
  // A new id, unique among this store's writes: 12 hex digits of the instance, '.', a counter
  // in hex (at most 29 characters).
  std::string Next();

 private:
  const std::string instance_;
  std::atomic<uint64_t> next_{1};
};

}  // namespace dynaflow::store::internal
