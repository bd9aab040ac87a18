// WorkflowContext: what the function of a code workflow (DurableWorkflow,
// dynaflow/engine/durable.h) calls to do durable work. Every call has a position in the run's
// history and an identity: its name plus its occurrence (the 3rd Step("reserve") of a run is
// recorded as "reserve@3").
//
// A call whose record exists returns what was recorded without doing anything (the replay);
// the first call without a record does its work and records it (a step), or parks the run (a
// wait: sleep, event, child). Parking, losing the run, cancellation and worker shutdown stop the
// context: the call returns a kCancelled Status ("run suspended: ..."), stopped() turns true,
// every later call returns the same Status without doing anything, and what the function
// returns is ignored. So: propagate every error (DYNAFLOW_ASSIGN_OR_RETURN), and keep the code
// between calls deterministic (it runs again on every replay; recorded calls never do).
//
// Names: non-empty, at most 200 bytes, valid UTF-8, none of '#', '@', '[', ']' or control
// characters; an invalid name fails its call with kInvalidArgument.
//
// Thread-safety: a context belongs to one execution of the function; call it from the
// function's thread only (Map / All run their branches on other threads themselves).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "dynaflow/engine/codec.h"
#include "dynaflow/engine/erased.h"
#include "dynaflow/engine/retry_policy.h"
#include "dynaflow/engine/step_context.h"
#include "dynaflow/engine/workflow.h"
#include "dynaflow/model/result.h"

namespace dynaflow::engine {

// The output type of a code step body returning R: Result<T> -> T, Status -> Unit, else R.
template <class R>
struct CodeStepOutput {
  using type = std::decay_t<R>;
};
template <class T>
struct CodeStepOutput<Result<T>> {
  using type = T;
};
template <>
struct CodeStepOutput<Status> {
  using type = Unit;
};

// A code step body: (StepContext&) -> Result<Out> | Out | Status.
template <class F>
concept CodeStepFunction = std::copy_constructible<F> && std::invocable<F&, StepContext&> &&
    Encodable<typename CodeStepOutput<std::invoke_result_t<F&, StepContext&>>::type>;

template <class F>
using CodeStepOut = typename CodeStepOutput<std::invoke_result_t<F&, StepContext&>>::type;

// Map's per-item body: (StepContext&, const T&) -> Result<Out> | Out | Status.
template <class F, class T>
concept CodeMapFunction =
    std::copy_constructible<F> && std::invocable<F&, StepContext&, const T&> &&
    Encodable<typename CodeStepOutput<std::invoke_result_t<F&, StepContext&, const T&>>::type>;

template <class F, class T>
using CodeMapOut = typename CodeStepOutput<std::invoke_result_t<F&, StepContext&, const T&>>::type;

// A compensation of a step with output Out: (StepContext&, const Out&) -> Status | void.
template <class C, class Out>
concept CodeCompensation = std::copy_constructible<C> &&
    std::invocable<C&, StepContext&, const Out&> &&
    (std::is_void_v<std::invoke_result_t<C&, StepContext&, const Out&>> ||
     std::same_as<std::invoke_result_t<C&, StepContext&, const Out&>, Status>);

// The erased form of compensation `fn` of a step with output Out.
template <class Out, class C>
std::function<Status(StepContext&, const erased::Value&)> MakeCodeCompensation(C fn) {
  auto c = std::make_shared<C>(std::move(fn));
  return [c](StepContext& ctx, const erased::Value& out) -> Status {
    const Out& o = std::any_cast<const Out&>(out);
    if constexpr (std::is_void_v<std::invoke_result_t<C&, StepContext&, const Out&>>) {
      (*c)(ctx, o);
      return Status::OK();
    } else {
      return (*c)(ctx, o);
    }
  };
}

// A Map item body or an All branch together with its compensation, made by Compensated().
template <class F, class C>
struct CompensatedBody {
  F fn;
  C undo;
};

// `fn` (a Map item body or an All branch) with `undo`, its compensation, called with the
// item's or branch's output: (StepContext&, const Out&) -> Status | void. Registered when that
// item or branch completes, it runs like a Step's .Compensate: persisted as
// "compensate:<name>[<index>]", in reverse order of completion with the run's other
// compensations, when the function fails or the run is cancelled.
template <class F, class C>
CompensatedBody<F, C> Compensated(F fn, C undo) {
  return {std::move(fn), std::move(undo)};
}

template <class B>
struct IsCompensatedBody : std::false_type {};
template <class F, class C>
struct IsCompensatedBody<CompensatedBody<F, C>> : std::true_type {};

// An All branch: a CodeStepFunction, or one wrapped with its compensation by Compensated().
template <class B>
struct CodeBranchTraits {
  using Fn = B;
};
template <class F, class C>
struct CodeBranchTraits<CompensatedBody<F, C>> {
  using Fn = F;
};
template <class B>
concept CodeBranch = CodeStepFunction<typename CodeBranchTraits<B>::Fn> &&
    (!IsCompensatedBody<B>::value ||
     CodeCompensation<decltype(std::declval<B&>().undo),
                      CodeStepOut<typename CodeBranchTraits<B>::Fn>>);
template <class B>
using CodeBranchOut = CodeStepOut<typename CodeBranchTraits<B>::Fn>;

struct MapOptions {
  // Items executed at the same time, on the function's thread plus max_concurrency - 1
  // helper threads (values < 1 count as 1).
  int max_concurrency = 8;
  // Retry policy and attempt timeout of each item (each item is a step of its own).
  StepOptions step = {};
};

// What WorkflowContext::Step returns: the step, executed (or replayed) once, when its result is
// first asked for (ok(), value(), error(), Run(), the conversion to Result<Out>) or else when
// the object is destroyed. DYNAFLOW_ASSIGN_OR_RETURN(auto x, ctx.Step(...)) works with it.
template <Encodable Out>
class [[nodiscard]] CodeStep {
 public:
  CodeStep(erased::CodeHost* host, erased::CodeCall call) : host_(host), call_(std::move(call)) {}
  CodeStep(CodeStep&& other) noexcept
      : host_(std::exchange(other.host_, nullptr)),
        call_(std::move(other.call_)),
        result_(std::move(other.result_)) {}
  CodeStep(const CodeStep&) = delete;
  CodeStep& operator=(const CodeStep&) = delete;
  CodeStep& operator=(CodeStep&&) = delete;
  ~CodeStep() {
    if (host_ != nullptr && !result_) (void)Run();
  }

  // Undoes the step when the function fails or the run is cancelled after it completed; runs
  // (persisted as "compensate:<step id>", retried per StepOptions::compensation_retry) in
  // reverse order of completion. `fn`: (StepContext&, const Out&) -> Status | void.
  template <CodeCompensation<Out> C>
  CodeStep&& Compensate(C fn) && {
    call_.compensate = MakeCodeCompensation<Out>(std::move(fn));
    return std::move(*this);
  }

  // Executes (or replays) the step once; later calls return the same result.
  Result<Out>& Run() {
    if (!result_) {
      Result<erased::Value> r = host_ ? host_->Call(std::move(call_))
                                      : Result<erased::Value>(Status::Internal("moved from"));
      if (r.ok()) {
        result_.emplace(std::move(std::any_cast<Out&>(*r)));
      } else {
        result_.emplace(std::move(r).error());
      }
    }
    return *result_;
  }
  bool ok() { return Run().ok(); }
  Status error() && { return std::move(Run()).error(); }
  Status status() { return Run().status(); }
  Out value() && { return std::move(Run()).value(); }
  operator Result<Out>() && { return std::move(Run()); }

 private:
  erased::CodeHost* host_;
  erased::CodeCall call_;
  std::optional<Result<Out>> result_;
};

class WorkflowContext {
 public:
  // Built by the engine (and by CheckReplay) only.
  explicit WorkflowContext(erased::CodeHost* host) : host_(host) {}
  WorkflowContext(const WorkflowContext&) = delete;
  WorkflowContext& operator=(const WorkflowContext&) = delete;

  const std::string& run_id() const { return host_->run_id(); }
  // True once the context stopped (see the header comment): return at once.
  bool stopped() const { return host_->stopped(); }
  // True while the calls made so far were all answered from records.
  bool replaying() const { return host_->replaying(); }

  // A step: `fn` runs (with retries per `options`) when the step has no record, and its output
  // is recorded with one conditional write; a recorded step returns its recorded output (or
  // its recorded error) without running. StepContext::idempotency_key() is "<run>/<step id>".
  template <CodeStepFunction F>
  CodeStep<CodeStepOut<F>> Step(std::string name, F fn, StepOptions options = {}) {
    using Out = CodeStepOut<F>;
    erased::CodeCall call;
    call.name = std::move(name);
    call.options = std::move(options);
    call.out = erased::MakeTypeCodec<Out>();
    auto f = std::make_shared<F>(std::move(fn));
    call.body = [f](StepContext& ctx) { return erased::InvokeCodeBody<Out>(*f, ctx); };
    return CodeStep<Out>(host_, std::move(call));
  }

  // Durable sleep: parks the run (no thread, no lease) until `duration` after the run first
  // reached this call (that wake time is recorded), then returns OK.
  Status Sleep(std::string name, Duration duration) {
    return host_->Sleep(name, duration, std::nullopt);
  }
  Status SleepUntil(std::string name, TimePoint wake) {
    return host_->Sleep(name, std::nullopt, wake);
  }

  // Waits (parked) for the event `event_name` sent to the run (Engine::SendEvent) and returns
  // its payload decoded as T; events of one name are consumed in the order sent, one per call.
  // kTimeout once `timeout` (from when the run first reached this call) passed without one.
  // Recorded as `event_name` (with its occurrence).
  template <Encodable T>
  Result<T> AwaitEvent(std::string event_name, Duration timeout) {
    auto r = host_->AwaitEvent(event_name, event_name, timeout, erased::MakeTypeCodec<T>());
    if (!r.ok()) return std::move(r).error();
    return std::move(std::any_cast<T&>(*r));
  }

  // Starts a run of `child` with `input` (its run id derived from this run's id and the call's
  // id, so a replay never starts a second one), waits for it (parked) and returns its result.
  // A child that ends other than COMPLETED fails the call (kCancelled when it was cancelled,
  // kConditionFailed otherwise). Errors: kInvalidArgument when In / Out are not the child's
  // input / result types.
  template <Encodable Out, Encodable In>
  Result<Out> Child(std::string name, const Workflow& child, const In& input) {
    if (!child.valid()) return Status::InvalidArgument("child \"" + name + "\": empty workflow");
    if (child.input_type() != typeid(In) || child.result_type() != typeid(Out)) {
      return Status::InvalidArgument("child \"" + name + "\": workflow " + child.id() +
                                     " does not take " + typeid(In).name() + " and return " +
                                     typeid(Out).name());
    }
    auto r = host_->Child(name, child, Codec<In>::Encode(input));
    if (!r.ok()) return std::move(r).error();
    return std::move(std::any_cast<Out&>(*r));
  }

  // Runs `fn` for every item of `items` concurrently (bounded by options.max_concurrency), each
  // item a step of its own, recorded as "<name>[<index>]"; a replay runs only the items not
  // recorded. Returns the outputs in item order, or the error of the first item (by index)
  // that failed for good (the other items started are finished and recorded first).
  template <Encodable T, CodeMapFunction<T> F>
  Result<std::vector<CodeMapOut<F, T>>> Map(std::string name, const std::vector<T>& items, F fn,
                                            MapOptions options = {}) {
    return MapCalls<T, F>(std::move(name), items, std::move(fn), {}, std::move(options));
  }
  // Map with a compensation per item: Map(name, items, Compensated(fn, undo), options); the
  // completed items are undone (see Compensated) when the function fails or the run is
  // cancelled -- also when a later item of the same Map failed.
  template <Encodable T, CodeMapFunction<T> F, CodeCompensation<CodeMapOut<F, T>> C>
  Result<std::vector<CodeMapOut<F, T>>> Map(std::string name, const std::vector<T>& items,
                                            CompensatedBody<F, C> body, MapOptions options = {}) {
    return MapCalls<T, F>(std::move(name), items, std::move(body.fn),
                          MakeCodeCompensation<CodeMapOut<F, T>>(std::move(body.undo)),
                          std::move(options));
  }

  // Runs heterogeneous branches concurrently, each a step recorded as "<name>[<index>]";
  // returns their outputs as a tuple, or the first failing branch's error. A branch is a
  // CodeStepFunction, or Compensated(fn, undo) to register its compensation.
  template <CodeBranch... B>
  Result<std::tuple<CodeBranchOut<B>...>> All(std::string name, B... branches_in) {
    std::vector<erased::CodeCall> branches;
    (branches.push_back(BranchCall(std::move(branches_in))), ...);
    const int n = static_cast<int>(branches.size());
    auto r = host_->Fan(name, std::move(branches), n);
    if (!r.ok()) return std::move(r).error();
    return TupleOf<CodeBranchOut<B>...>(*r, std::index_sequence_for<B...>{});
  }

  // Workflow state of this run, each call recorded (a replay returns what the first execution
  // read or wrote). Errors as StepContext's state calls, recorded too.
  Result<StateEntry> GetState(const std::string& key);
  Result<int64_t> PutState(const std::string& key, const std::string& value);
  Result<int64_t> CompareAndSwapState(const std::string& key, const std::string& value,
                                      int64_t expected_version);

  // The engine clock's time, a random number and a new unique id, each recorded when first
  // taken (one write each) so a replay sees the same values. A stopped context returns the
  // zero value.
  TimePoint Now();
  uint64_t Random();
  std::string NewId();

  // True when this run takes the path of change `change_id`: a run that reaches this call for
  // the first time records the marker and gets true; a run whose history was recorded by code
  // without the call (a record of another call at this position) gets false and replays the
  // old path. Answered once per run and id (later calls with the same id repeat the answer).
  bool Patched(const std::string& change_id) { return host_->Patched(change_id); }

  // Ends the run COMPLETED and starts its successor: a run of the same workflow and version
  // with `input` (run id "<this run's id>~<n>"; tags link both ways). Return what it returns.
  template <Encodable In>
  Status ContinueAsNew(const In& input) {
    return host_->ContinueAsNew(Codec<In>::Encode(input));
  }

 private:
  template <class T, class F>
  Result<std::vector<CodeMapOut<F, T>>> MapCalls(
      std::string name, const std::vector<T>& items, F fn,
      std::function<Status(StepContext&, const erased::Value&)> compensate, MapOptions options) {
    using Out = CodeMapOut<F, T>;
    auto f = std::make_shared<F>(std::move(fn));
    std::vector<erased::CodeCall> branches;
    branches.reserve(items.size());
    for (const T& item : items) {
      erased::CodeCall call;
      call.options = options.step;
      call.out = erased::MakeTypeCodec<Out>();
      auto held = std::make_shared<const T>(item);
      call.body = [f, held](StepContext& ctx) {
        return erased::InvokeCodeBody<Out>(*f, ctx, *held);
      };
      call.compensate = compensate;
      branches.push_back(std::move(call));
    }
    auto r = host_->Fan(name, std::move(branches), options.max_concurrency);
    if (!r.ok()) return std::move(r).error();
    std::vector<Out> out;
    out.reserve(r->size());
    for (auto& v : *r) out.push_back(std::move(std::any_cast<Out&>(v)));
    return out;
  }

  template <class F>
  static erased::CodeCall BranchCall(F fn) {
    using Out = CodeStepOut<F>;
    erased::CodeCall call;
    call.out = erased::MakeTypeCodec<Out>();
    auto f = std::make_shared<F>(std::move(fn));
    call.body = [f](StepContext& ctx) { return erased::InvokeCodeBody<Out>(*f, ctx); };
    return call;
  }
  template <class F, class C>
  static erased::CodeCall BranchCall(CompensatedBody<F, C> body) {
    erased::CodeCall call = BranchCall(std::move(body.fn));
    call.compensate = MakeCodeCompensation<CodeStepOut<F>>(std::move(body.undo));
    return call;
  }
  template <class... Outs, size_t... I>
  static std::tuple<Outs...> TupleOf(std::vector<erased::Value>& values,
                                     std::index_sequence<I...>) {
    return std::tuple<Outs...>(std::move(std::any_cast<Outs&>(values[I]))...);
  }

  erased::CodeHost* host_;
};

}  // namespace dynaflow::engine
