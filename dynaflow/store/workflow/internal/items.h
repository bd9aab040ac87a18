// Item <-> model mapping of the workflow store: attribute names, the run item and its derived
// index keys, step, state and business-key items, and ItemMutation (an Update whose effect on
// a known item is tracked exactly).
// Thread-safety: pure functions and value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/workflow_types.h"
#include "dynaflow/store/table/condition.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::store::internal {

// Attribute names (top level). Times are Number milliseconds since the Unix epoch.
namespace attr {
inline constexpr char kType[] = "type";  // RUN, STEP, OUTPUT, INPUT, RESULT, CHUNK, STATE, BKEY
inline constexpr char kRunId[] = "runId";
inline constexpr char kWorkflowId[] = "workflowId";
inline constexpr char kWorkflowVersion[] = "workflowVersion";
inline constexpr char kStatus[] = "status";
inline constexpr char kBusinessKey[] = "businessKey";
inline constexpr char kTags[] = "tags";
inline constexpr char kCreatedAt[] = "createdAt";
inline constexpr char kUpdatedAt[] = "updatedAt";
inline constexpr char kDueAt[] = "dueAt";
inline constexpr char kDeadline[] = "deadline";
inline constexpr char kFinishedAt[] = "finishedAt";
inline constexpr char kLeaseOwner[] = "leaseOwner";
inline constexpr char kLeaseExpiresAt[] = "leaseExpiresAt";
inline constexpr char kEpoch[] = "epoch";
inline constexpr char kVersion[] = "version";
inline constexpr char kError[] = "error";
inline constexpr char kCursorStep[] = "cursorStep";
inline constexpr char kResult[] = "result";        // B, inline result
inline constexpr char kResultRef[] = "resultRef";  // S "1": the result is in the RESULT item
inline constexpr char kRetention[] = "retentionSeconds";
inline constexpr char kCancelRequested[] = "cancelRequested";
// S: the id of the write that last wrote the item (run, event, state and business-key items).
// When a write's answer is lost and its retry fails its condition, the stored id tells whether
// the first try committed (WorkflowStoreImpl::WrittenBy).
inline constexpr char kWriteId[] = "writeId";
inline constexpr char kRetriedBy[] = "retriedBy";  // S: the run that retries this FAILED run
inline constexpr char kInput[] = "input";          // B, inline input
inline constexpr char kInputRef[] = "inputRef";    // S, see PayloadRef
inline constexpr char kInputEncoding[] = "inputEncoding";    // S, see payload_encoding.h
inline constexpr char kResultEncoding[] = "resultEncoding";  // S, see payload_encoding.h
// N, epoch seconds: every other item of the run (steps, chunks, input, state, business key)
// carries a ttl >= this; raised (and those items re-stamped) before the run could outlive it.
// Absent for runs kept forever.
inline constexpr char kItemsTtl[] = "itemsTtl";
// M: the run's last step, recorded by the same write that finished the run (the step item's
// attributes without keys).
inline constexpr char kFinalStep[] = "finalStep";
// S: what a SLEEPING run waits for ("EVENT#<name>", "CHILD#<runId>"); SendEvent and a finishing
// child wake the run (due now) only when it names them.
inline constexpr char kWaitingFor[] = "waitingFor";
// S: a child run's parent run and the parent's step that started it.
inline constexpr char kParentRunId[] = "parentRunId";
inline constexpr char kParentStep[] = "parentStep";
// Step items.
inline constexpr char kStepId[] = "stepId";
inline constexpr char kEventId[] = "eventId";  // S, an await node's consumed event
inline constexpr char kPosition[] = "pos";     // N, a code workflow call's place in the history
inline constexpr char kCallKind[] = "kind";    // S, a code workflow call's kind (absent: a step)
inline constexpr char kAttempt[] = "attempt";
inline constexpr char kStartedAt[] = "startedAt";
inline constexpr char kOutputBytes[] = "outputBytes";
inline constexpr char kFenceEpoch[] = "fenceEpoch";
// The run item's createdAt when the step was recorded: a step item left by an expired earlier
// run of the same (caller-chosen) run id does not belong to a new run of that id.
inline constexpr char kRunCreatedAt[] = "runCreatedAt";
inline constexpr char kOutput[] = "output";                  // B, inline output (absent if empty)
inline constexpr char kOutputRef[] = "outputRef";            // S, see StepOutputRef
inline constexpr char kOutputEncoding[] = "outputEncoding";  // S, see payload_encoding.h
// Payload items (INPUT, OUTPUT#<id>, RESULT heads and their CHUNKs).
inline constexpr char kData[] = "data";          // B (absent when empty)
inline constexpr char kSize[] = "size";          // N, total payload bytes
inline constexpr char kChunks[] = "chunks";      // N, extra chunk items
inline constexpr char kChunkTag[] = "chunkTag";  // S, names the extra chunks
inline constexpr char kEncoding[] = "encoding";  // S, see payload_encoding.h (of the whole payload)
// Event items (SK EVENT#<name>#<eventId>).
inline constexpr char kEventName[] = "eventName";
inline constexpr char kSentAt[] = "sentAt";  // N ms
// Child link items (SK RUN#<parentId>#CHILD#<childId>).
inline constexpr char kChildRunId[] = "childRunId";
// State items.
inline constexpr char kKey[] = "key";
inline constexpr char kValue[] = "value";  // B (absent when empty)
}  // namespace attr

// Where a payload lives, as recorded in the run item ("inputRef", "s:<stepId>"):
//   "-"            no payload item (a step without output)
//   "<n>"          a head item with the whole payload (n == 0)
//   "<n>:<tag>"    a head item plus n extra chunk items tagged <tag>
struct PayloadRef {
  bool present = false;
  int chunks = 0;
  std::string tag;

  std::string Encode() const;
  static Result<PayloadRef> Decode(std::string_view s);
};

// Where a step's output is, as its step item (or the run's finalStep) records it in outputRef:
//   absent         no output
//   "0"            inline: attribute `output` of the same item ("" when absent)
//   "<n>:<tag>"    all bytes in n chunk items OUTPUT#<stepId>#<tag>#<nnnn> (see ChunkSk)
//   "result"       (finalStep only) the same bytes as the run's result
// The bytes are encoded as outputEncoding says.
inline constexpr char kOutputIsResult[] = "result";

// Records SET/REMOVE actions both into a table::Update and onto a copy of the item they apply
// to, so the item as written is known without reading it back.
class ItemMutation {
 public:
  explicit ItemMutation(Item base) : item_(std::move(base)) {}
  void Set(const std::string& name, AttributeValue v);
  void Remove(const std::string& name);  // no-op when absent from the tracked item
  const Item& item() const { return item_; }
  const table::Update& update() const { return update_; }

 private:
  Item item_;
  table::Update update_;
};

// Accessors (kSerialization when a required attribute is missing or mistyped).
Result<std::string> GetS(const Item& item, std::string_view name);
Result<int64_t> GetN(const Item& item, std::string_view name);
std::string GetSOr(const Item& item, std::string_view name, std::string fallback = "");
int64_t GetNOr(const Item& item, std::string_view name, int64_t fallback);
// The bytes of a B attribute ("" when absent).
std::string GetBytes(const Item& item, std::string_view name);
AttributeValue Ms(TimePoint t);       // N milliseconds
AttributeValue Bytes(std::string b);  // B

// Sets GSI2PK/GSI2SK (and, for a leased RUNNING/COMPENSATING run, dueAt = leaseExpiresAt) from
// the run item's status, dueAt and finishedAt. `shards`: GSI2 write shards.
void NormalizeRunIndexKeys(std::string_view prefix, int shards, ItemMutation* run);

// The run item's model value. kSerialization for a malformed item.
Result<Run> RunFromItem(const Item& item);
Result<RunStatus> StatusOf(const Item& run_item);

// Step items: keys, type and the StepExecution's fields (output attributes and ttl are added
// by the store). `run_created_ms`: the run item's createdAt.
Item StepItem(std::string_view prefix, std::string_view run_id, const StepExecution& step,
              int64_t run_created_ms);
Result<StepExecution> StepFromItem(const Item& item);

// State items.
Result<StateEntry> StateFromItem(const Item& item);

// Lease helpers on the run item.
bool HasOwner(const Item& run_item);
bool LeaseLive(const Item& run_item, int64_t now_ms);  // owned and expiry > now

// Condition: the item exists and `attr` equals the string/number.
table::Condition EqS(const char* name, const std::string& v);
table::Condition EqN(const char* name, int64_t v);

}  // namespace dynaflow::store::internal
