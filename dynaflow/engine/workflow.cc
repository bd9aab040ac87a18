#include "dynaflow/engine/workflow.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "dynaflow/engine/durable.h"
#include "dynaflow/engine/internal/definition.h"
#include "dynaflow/model/utf8.h"

namespace dynaflow::engine {

namespace {

constexpr size_t kMaxNameBytes = 200;

Status CheckName(std::string_view what, const std::string& name) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " name is empty");
  if (size_t at = FindInvalidUtf8(name); at != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " name \"" + SanitizeUtf8(name) +
                                   "\" is not valid UTF-8 (byte " + std::to_string(at) + ")");
  }
  if (name.size() > kMaxNameBytes) {
    return Status::InvalidArgument(std::string(what) + " name \"" + name + "\" is longer than " +
                                   std::to_string(kMaxNameBytes) + " bytes");
  }
  for (char c : name) {
    if (c == '#' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(std::string(what) + " name \"" + name +
                                     "\" contains '#' or a control character");
    }
  }
  if (name.rfind(internal::kCompensatePrefix, 0) == 0) {
    return Status::InvalidArgument(std::string(what) + " name \"" + name +
                                   "\" uses the reserved prefix \"compensate:\"");
  }
  return Status::OK();
}

Status CheckPolicy(const std::string& step, const RetryPolicy& p, std::string_view which) {
  std::string where = "step \"" + step + "\" " + std::string(which) + ": ";
  if (p.initial_backoff.count() < 0 || p.max_backoff.count() < 0) {
    return Status::InvalidArgument(where + "negative backoff");
  }
  if (!(p.multiplier >= 1.0)) return Status::InvalidArgument(where + "multiplier below 1");
  if (!(p.jitter >= 0.0 && p.jitter <= 1.0)) {
    return Status::InvalidArgument(where + "jitter outside 0..1");
  }
  return Status::OK();
}

Status CheckStep(const internal::StepDef& s) {
  DYNAFLOW_RETURN_IF_ERROR(CheckName("step", s.name));
  DYNAFLOW_RETURN_IF_ERROR(CheckPolicy(s.name, s.options.retry, "retry"));
  DYNAFLOW_RETURN_IF_ERROR(CheckPolicy(s.name, s.options.compensation_retry, "compensation"));
  if (s.options.attempt_timeout && s.options.attempt_timeout->count() <= 0) {
    return Status::InvalidArgument("step \"" + s.name + "\": attempt timeout must be positive");
  }
  return Status::OK();
}

// Does a step taking `in` accept the incoming value of type `flow`?
bool Accepts(std::type_index in, std::type_index flow) { return in == flow || in == typeid(Unit); }

Status Mismatch(const std::string& name, const internal::TypeCodec& in, std::type_index flow) {
  return Status::InvalidArgument("step \"" + name + "\" takes " + in.type_name +
                                 " but the node before it passes on " + TypeName(flow));
}

// Checks the nodes of a workflow definition in order: names unique and valid, each node
// accepting the type the node before it passes on. Sets each node's out_type and indexes its
// steps in steps_by_name.
class NodeCheck {
 public:
  explicit NodeCheck(internal::WorkflowDef& def) : def_(def) {}

  // Node i, given the type flowing into it.
  Status Node(size_t i, std::type_index flow) {
    internal::Node& node = def_.nodes[i];
    switch (node.kind) {
      case internal::NodeKind::kStep:
        return Step(i, node, flow);
      case internal::NodeKind::kParallel:
        return Parallel(i, node, flow);
      case internal::NodeKind::kSleep:
        return Sleep(i, node, flow);
      case internal::NodeKind::kAwaitEvent:
        return Await(i, node);
      case internal::NodeKind::kChild:
        return Child(i, node, flow);
    }
    return Status::OK();
  }

 private:
  Status Claim(const std::string& name) {
    if (!names_.insert(name).second) {
      return Status::InvalidArgument("duplicate name \"" + name + "\" in workflow \"" + def_.id +
                                     "\"");
    }
    return Status::OK();
  }
  void Index(const std::string& name, size_t i, size_t b = 0) {
    def_.steps_by_name.emplace(name, std::make_pair(i, b));
  }

  Status Step(size_t i, internal::Node& node, std::type_index flow) {
    const internal::StepDef& s = node.steps.front();
    DYNAFLOW_RETURN_IF_ERROR(CheckStep(s));
    DYNAFLOW_RETURN_IF_ERROR(Claim(s.name));
    if (!Accepts(s.in.type, flow)) return Mismatch(s.name, s.in, flow);
    node.out_type = (s.when && s.out.type != flow) ? std::type_index(typeid(Unit)) : s.out.type;
    Index(s.name, i);
    return Status::OK();
  }

  Status Parallel(size_t i, internal::Node& node, std::type_index flow) {
    DYNAFLOW_RETURN_IF_ERROR(CheckName("parallel group", node.name));
    DYNAFLOW_RETURN_IF_ERROR(Claim(node.name));
    if (node.steps.empty()) {
      return Status::InvalidArgument("parallel group \"" + node.name + "\" has no branches");
    }
    for (size_t b = 0; b < node.steps.size(); ++b) {
      const internal::StepDef& s = node.steps[b];
      DYNAFLOW_RETURN_IF_ERROR(CheckStep(s));
      DYNAFLOW_RETURN_IF_ERROR(Claim(s.name));
      if (!Accepts(s.in.type, flow)) return Mismatch(s.name, s.in, flow);
      Index(s.name, i, b);
    }
    return Status::OK();  // out_type was set by Parallel()
  }

  Status Sleep(size_t i, internal::Node& node, std::type_index flow) {
    DYNAFLOW_RETURN_IF_ERROR(CheckName("sleep", node.name));
    DYNAFLOW_RETURN_IF_ERROR(Claim(node.name));
    if (node.wake_at && !Accepts(node.sleep_in_type, flow)) {
      return Status::InvalidArgument("sleep \"" + node.name + "\" takes " +
                                     TypeName(node.sleep_in_type) +
                                     " but the node before it passes on " + TypeName(flow));
    }
    if (!node.wake_at && node.sleep_for.count() < 0) {
      return Status::InvalidArgument("sleep \"" + node.name + "\" has a negative duration");
    }
    node.out_type = flow;
    Index(node.name, i);
    return Status::OK();
  }

  Status Await(size_t i, internal::Node& node) {
    DYNAFLOW_RETURN_IF_ERROR(CheckName("await", node.name));
    DYNAFLOW_RETURN_IF_ERROR(CheckName("event", node.event_name));
    DYNAFLOW_RETURN_IF_ERROR(Claim(node.name));
    if (node.wait_timeout.count() <= 0) {
      return Status::InvalidArgument("await \"" + node.name + "\": timeout must be positive");
    }
    node.out_type = node.steps.front().out.type;
    Index(node.name, i);
    return Status::OK();
  }

  Status Child(size_t i, internal::Node& node, std::type_index flow) {
    DYNAFLOW_RETURN_IF_ERROR(CheckName("child", node.name));
    DYNAFLOW_RETURN_IF_ERROR(Claim(node.name));
    if (!node.child) return Status::InvalidArgument("child \"" + node.name + "\": empty workflow");
    if (!node.child->code && node.child->nodes.back().kind != internal::NodeKind::kStep) {
      return Status::InvalidArgument("child \"" + node.name + "\": the last node of " +
                                     node.child->id + " must be a step (its result)");
    }
    if (node.child_recheck.count() <= 0) {
      return Status::InvalidArgument("child \"" + node.name + "\": recheck must be positive");
    }
    const internal::StepDef& s = node.steps.front();
    if (!Accepts(s.in.type, flow)) return Mismatch(s.name, s.in, flow);
    node.out_type = s.out.type;
    Index(node.name, i);
    return Status::OK();
  }

  internal::WorkflowDef& def_;
  std::set<std::string> names_;
};

}  // namespace

namespace erased {
Result<Workflow> MakeCodeWorkflow(std::string id, int32_t version, TypeCodec input,
                                  TypeCodec output,
                                  std::function<Result<Value>(WorkflowContext&, const Value&)> fn) {
  DYNAFLOW_RETURN_IF_ERROR(CheckName("workflow", id));
  if (version < 1) return Status::InvalidArgument("workflow version must be >= 1");
  auto def = std::make_shared<internal::WorkflowDef>();
  def->id = std::move(id);
  def->version = version;
  def->input = std::move(input);
  def->output = std::move(output);
  def->code = std::move(fn);
  return internal::WorkflowOf(std::move(def));
}
}  // namespace erased

namespace internal {
const std::shared_ptr<const WorkflowDef>& DefinitionOf(const Workflow& workflow) {
  return workflow.def_;
}
Workflow WorkflowOf(std::shared_ptr<const WorkflowDef> def) {
  Workflow w;
  w.def_ = std::move(def);
  return w;
}

std::string ChildRunId(const std::string& parent_run_id, const std::string& step) {
  constexpr size_t kMaxRunIdBytes = 128;  // the store's limit
  std::string id = parent_run_id + "." + step;
  if (id.size() <= kMaxRunIdBytes) return id;
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64 of "<parent>/<step>"
  for (unsigned char c : parent_run_id + "/" + step) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  // Cut on a UTF-8 character boundary.
  size_t keep = std::min(parent_run_id.size(), kMaxRunIdBytes - 1 - 16);
  while (keep > 0 && (static_cast<unsigned char>(parent_run_id[keep]) & 0xC0) == 0x80) --keep;
  return parent_run_id.substr(0, keep) + "." + hex;
}

std::string ResultStep(const WorkflowDef& def) {
  if (def.code) return kCodeResultStep;
  if (def.nodes.empty()) return "";
  const Node& last = def.nodes.back();
  if (last.kind == NodeKind::kSleep || last.kind == NodeKind::kParallel) return "";
  return last.steps.front().name;
}

const StepDef* WorkflowDef::FindStep(std::string_view name) const {
  auto it = steps_by_name.find(name);
  if (it == steps_by_name.end()) return nullptr;
  const Node& node = nodes[it->second.first];
  if (node.kind == NodeKind::kSleep) return nullptr;
  return &node.steps[it->second.second];
}
}  // namespace internal

const std::string& Workflow::id() const { return def_->id; }
int32_t Workflow::version() const { return def_->version; }
std::type_index Workflow::input_type() const { return def_->input.type; }
std::type_index Workflow::result_type() const {
  if (def_->code) return def_->output.type;
  const internal::Node& last = def_->nodes.back();
  if (last.kind == internal::NodeKind::kSleep || last.kind == internal::NodeKind::kParallel) {
    return typeid(void);
  }
  return last.steps.front().out.type;
}
std::string Workflow::input_type_name() const { return def_->input.type_name; }
Status Workflow::CheckInput(const std::type_info& in) const {
  if (!valid()) return Status::InvalidArgument("empty workflow");
  if (input_type() == std::type_index(in)) return Status::OK();
  return Status::InvalidArgument("workflow " + id() + " takes " + input_type_name() + ", not " +
                                 TypeName(in));
}
std::vector<std::string> Workflow::step_names() const {
  std::vector<std::string> names;
  for (const auto& node : def_->nodes) {
    if (node.kind == internal::NodeKind::kSleep) names.push_back(node.name);
    for (const auto& s : node.steps) names.push_back(s.name);
  }
  return names;
}

WorkflowBuilder::WorkflowBuilder(std::string id, int32_t version)
    : id_(std::move(id)), version_(version) {}
WorkflowBuilder::WorkflowBuilder(const WorkflowBuilder& other) = default;
WorkflowBuilder::WorkflowBuilder(WorkflowBuilder&& other) noexcept = default;
WorkflowBuilder& WorkflowBuilder::operator=(const WorkflowBuilder& other) = default;
WorkflowBuilder& WorkflowBuilder::operator=(WorkflowBuilder&& other) noexcept = default;
WorkflowBuilder::~WorkflowBuilder() = default;

WorkflowBuilder& WorkflowBuilder::AddStep(erased::StepDef step) {
  internal::Node node;
  node.kind = internal::NodeKind::kStep;
  node.name = step.name;
  node.steps.push_back(std::move(step));
  return Add(std::move(node));
}

WorkflowBuilder& WorkflowBuilder::AddParallel(
    std::string group, std::vector<erased::StepDef> branches,
    std::function<erased::Value(std::vector<erased::Value>)> join, std::type_index out_type) {
  internal::Node node;
  node.kind = internal::NodeKind::kParallel;
  node.name = std::move(group);
  node.steps = std::move(branches);
  node.join = std::move(join);
  node.out_type = out_type;
  return Add(std::move(node));
}

WorkflowBuilder& WorkflowBuilder::AddSleepUntil(
    std::string name, std::function<Result<TimePoint>(StepContext&, const erased::Value&)> wake_at,
    std::type_index in_type) {
  internal::Node node;
  node.kind = internal::NodeKind::kSleep;
  node.name = std::move(name);
  node.wake_at = std::move(wake_at);
  node.sleep_in_type = in_type;
  return Add(std::move(node));
}

WorkflowBuilder& WorkflowBuilder::AddAwaitEvent(std::string name, std::string event_name,
                                                Duration timeout, erased::TypeCodec payload) {
  internal::Node node;
  node.kind = internal::NodeKind::kAwaitEvent;
  node.name = std::move(name);
  node.event_name = std::move(event_name);
  node.wait_timeout = timeout;
  erased::StepDef s;
  s.name = node.name;
  s.in = erased::MakeTypeCodec<Unit>();
  s.out = std::move(payload);
  node.steps.push_back(std::move(s));
  return Add(std::move(node));
}

WorkflowBuilder& WorkflowBuilder::Add(internal::Node node) {
  nodes_.push_back(std::move(node));
  return *this;
}

WorkflowBuilder& WorkflowBuilder::Sleep(std::string name, Duration duration) {
  internal::Node node;
  node.kind = internal::NodeKind::kSleep;
  node.name = std::move(name);
  node.sleep_for = duration;
  return Add(std::move(node));
}

WorkflowBuilder& WorkflowBuilder::Child(std::string name, const Workflow& child, Duration recheck) {
  internal::Node node;
  node.kind = internal::NodeKind::kChild;
  node.name = std::move(name);
  node.child = internal::DefinitionOf(child);
  node.child_recheck = recheck;
  internal::StepDef s;
  s.name = node.name;
  if (node.child) {
    s.in = node.child->input;
    if (node.child->code) {
      s.out = node.child->output;
    } else if (node.child->nodes.back().kind == internal::NodeKind::kStep) {
      s.out = node.child->nodes.back().steps.front().out;
    }
  }
  node.steps.push_back(std::move(s));
  return Add(std::move(node));
}

Result<Workflow> WorkflowBuilder::Build() const {
  DYNAFLOW_RETURN_IF_ERROR(CheckName("workflow", id_));
  if (version_ < 1) return Status::InvalidArgument("workflow version must be >= 1");
  if (nodes_.empty()) return Status::InvalidArgument("workflow \"" + id_ + "\" has no steps");
  if (nodes_.front().kind == internal::NodeKind::kSleep) {
    return Status::InvalidArgument("the first node of workflow \"" + id_ +
                                   "\" must be a step or a parallel group");
  }
  auto def = std::make_shared<internal::WorkflowDef>();
  def->id = id_;
  def->version = version_;
  def->nodes = nodes_;
  def->input = def->nodes.front().steps.empty() ? internal::TypeCodec{}
                                                : def->nodes.front().steps.front().in;
  NodeCheck check(*def);
  std::type_index flow = def->input.type;
  for (size_t i = 0; i < def->nodes.size(); ++i) {
    DYNAFLOW_RETURN_IF_ERROR(check.Node(i, flow));
    flow = def->nodes[i].out_type;
  }
  return internal::WorkflowOf(std::move(def));
}

}  // namespace dynaflow::engine
