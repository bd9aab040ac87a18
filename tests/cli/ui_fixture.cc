#include "tests/cli/ui_fixture.h"

#include "tests/support/status_matchers.h"

namespace dynaflow::test {

using namespace std::chrono_literals;

void UiTest::SetUp() {
  CliEndToEnd::SetUp();
  if (HasFatalFailure()) return;
  // Workers execute what was registered when they were made: register xss, then a new worker.
  worker_->Stop();
  worker_.reset();
  engine::StepOptions no_retries;
  no_retries.retry = engine::RetryPolicy::None();
  engine::StepOptions one_retry;  // render runs twice: the page shows attempt 2
  one_retry.retry.max_attempts = 2;
  one_retry.retry.initial_backoff = Duration(5);
  auto xss =
      engine::WorkflowBuilder("xss", 1)
          .Step(engine::MakeStep<int, int>(
                    "prepare", [](engine::StepContext&, const int& v) -> Result<int> { return v; })
                    .Compensate([](engine::StepContext&, const int&, const int&) -> Status {
                      return Status::OK();
                    })
                    .Options(no_retries))
          .Step(engine::MakeStep<int, int>("render",
                                           [](engine::StepContext&, const int&) -> Result<int> {
                                             return Status::Unavailable(kXssError);
                                           })
                    .Options(one_retry))
          .Build();
  ASSERT_OK(xss);
  xss_ = *xss;
  ASSERT_OK(engine_->Register(xss_));
  StartWorker();
}

void UiTest::StartUi(const std::vector<std::string>& extra, const std::vector<std::string>& env) {
  std::vector<std::string> args = {"ui", "--listen", "127.0.0.1:0"};
  for (const auto& f : StoreFlags()) args.push_back(f);
  args.insert(args.end(), extra.begin(), extra.end());
  ASSERT_TRUE(ui_.Start(args, env)) << ui_.error();
  http_ = std::make_unique<httplib::Client>("127.0.0.1", ui_.port());
  http_->set_read_timeout(30, 0);
}

std::string UiTest::StartXss() {
  engine::StartOptions o;
  o.business_key = kXssKey;
  o.tags["note"] = "<i>tag</i>";
  auto started = engine_->Start(xss_, 1, o);
  EXPECT_OK(started);
  if (!started.ok()) return "";
  EXPECT_EQ(Finish(started->run_id), RunStatus::kCompensated);
  return started->run_id;
}

httplib::Result UiTest::Get(const std::string& path, const httplib::Headers& headers) {
  return http_->Get(path.c_str(), headers);
}

httplib::Result UiTest::Post(const std::string& path, const httplib::Headers& headers) {
  return http_->Post(path.c_str(), headers, "", "text/plain");
}

}  // namespace dynaflow::test
