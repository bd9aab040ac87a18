// The dashboard in a real browser: headless Chromium (/usr/bin/chromium) loads the page served
// by `dynaflow ui` over runs made by a real worker, lets its JavaScript fetch and render
// (--virtual-time-budget), and dumps the DOM. Label `browser`; skipped when Chromium is not
// installed. Screenshots go to build/test-logs/ (and to docs/ when DYNAFLOW_UPDATE_SCREENSHOTS
// is 1: the pictures of docs/dashboard.md).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/cli/ui_fixture.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

extern char** environ;

namespace dynaflow::test {
namespace {

namespace fs = std::filesystem;
constexpr char kChromium[] = "/usr/bin/chromium";

struct Browser {
  int exit_code = -1;
  std::string out;  // stdout: the DOM with --dump-dom
  std::string err;
};

// Runs headless Chromium with `args` (and a new profile dir), killed after 90 s.
Browser RunChromium(const std::vector<std::string>& args) {
  static int counter = 0;
  const fs::path base =
      fs::temp_directory_path() /
      ("dynaflow_chromium_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(base / "profile");
  std::vector<std::string> argv_s = {kChromium,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-quic",
                                     "--no-first-run",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--disable-dev-shm-usage",
                                     "--user-data-dir=" + (base / "profile").string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (base / "out").string(), err = (base / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: kill its helpers too
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  Browser b;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    b.err = "posix_spawn failed";
    return b;
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      b.err = "chromium did not finish within 90 s; ";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers it left behind, if any
  if (WIFEXITED(status)) b.exit_code = WEXITSTATUS(status);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  b.out = slurp(out);
  b.err += slurp(err);
  fs::remove_all(base);
  return b;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class UiBrowser : public UiTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium)) {
      GTEST_SKIP() << "no " << kChromium
                   << ": install it with infra/bootstrap.sh (apt-get install chromium)";
    }
    UiTest::SetUp();
  }

  std::string Url(const std::string& rest) const {
    return "http://127.0.0.1:" + std::to_string(ui_.port()) + rest;
  }

  // The DOM of `url` after its scripts rendered.
  std::string Dom(const std::string& url) {
    Browser b = RunChromium({"--virtual-time-budget=5000", "--dump-dom", url});
    EXPECT_EQ(b.exit_code, 0) << b.err;
    EXPECT_TRUE(Has(b.out, "data-rendered=\"true\"")) << "the page did not finish rendering:\n"
                                                      << b.out << "\n"
                                                      << b.err;
    return b.out;
  }

  // Saves a 1280x900 screenshot of `url` as build/test-logs/<name> (and docs/<name>).
  void Screenshot(const std::string& url, const std::string& name) {
    fs::create_directories(DYNAFLOW_TEST_LOG_DIR);
    const std::string file = std::string(DYNAFLOW_TEST_LOG_DIR) + "/" + name;
    fs::remove(file);
    Browser b = RunChromium({"--virtual-time-budget=5000", "--hide-scrollbars",
                             "--window-size=1280,900", "--screenshot=" + file, url});
    EXPECT_EQ(b.exit_code, 0) << b.err;
    ASSERT_TRUE(fs::exists(file)) << b.err;
    EXPECT_GT(fs::file_size(file), 10000u);
    const char* update = std::getenv("DYNAFLOW_UPDATE_SCREENSHOTS");
    if (update != nullptr && std::string(update) == "1") {
      fs::create_directories(std::string(DYNAFLOW_SOURCE_DIR) + "/docs");
      fs::copy_file(file, std::string(DYNAFLOW_SOURCE_DIR) + "/docs/" + name,
                    fs::copy_options::overwrite_existing);
    }
  }
};

TEST_P(UiBrowser, BrowserShowsRunsTimelineAndKeepsStoreTextAsText) {
  const std::vector<std::string> orders = StartOrders(1, 14);  // 7, 13, 14 COMPENSATED
  ASSERT_EQ(orders.size(), 14u);
  const std::string xss = StartXss();
  ASSERT_FALSE(xss.empty());
  StartUi();

  // The run list, filtered by workflow: every order, the compensated one with its status.
  const std::string list = Dom(Url("/?workflow=order"));
  for (const auto& id : orders) EXPECT_TRUE(Has(list, "data-run=\"" + id + "\"")) << id;
  EXPECT_TRUE(Has(list, "<span class=\"status s-COMPENSATED\">COMPENSATED</span>")) << list;
  EXPECT_TRUE(Has(list, "data-status=\"COMPENSATED\">COMPENSATED <b>3</b>")) << list;

  // The run page of compensated order 7: its timeline with the failed step and the
  // compensation.
  const std::string run = Dom(Url("/?run=" + orders[6]));
  EXPECT_TRUE(Has(run, "id=\"timeline\"")) << run;
  EXPECT_TRUE(Has(run, "class=\"step failed\" data-step=\"charge\"")) << run;
  EXPECT_TRUE(Has(run, "class=\"step compensation\" data-step=\"compensate:reserve\"")) << run;
  EXPECT_TRUE(Has(run, "payment declined for order 7")) << run;
  EXPECT_TRUE(Has(run, "order-7"));

  // The XSS run: its error text, business key and tag are text, never markup.
  const std::string x = Dom(Url("/?run=" + xss));
  EXPECT_TRUE(Has(x, "&lt;script&gt;document.title='pwned'&lt;/script&gt;")) << x;
  EXPECT_TRUE(Has(x, "&lt;b id=\"injected\"&gt;key&lt;/b&gt;")) << x;
  EXPECT_TRUE(Has(x, "note=&lt;i&gt;tag&lt;/i&gt;")) << x;
  EXPECT_FALSE(Has(x, "<b id=\"injected\">")) << x;
  EXPECT_FALSE(Has(x, "<img src=\"x\"")) << x;
  EXPECT_FALSE(Has(x, "pwned</title>")) << x;
  EXPECT_TRUE(Has(x, "<title>dynaflow</title>"));
  EXPECT_TRUE(Has(x, "render (attempt 2, 1 retry)")) << x;

  Screenshot(Url("/?workflow=order"), "dashboard-runs.png");
  Screenshot(Url("/?run=" + orders[6]), "dashboard-run.png");
}

TEST_P(UiBrowser, BrowserAsksForTheTokenAndThenShowsTheRuns) {
  StartOrders(1, 2);
  StartUi({"--payload-preview-bytes", "1"}, {"DYNAFLOW_UI_AUTH_TOKEN=s3cret"});
  const std::string without = Dom(Url("/"));
  EXPECT_TRUE(Has(without, "id=\"token-form\"")) << without;
  EXPECT_FALSE(Has(without, "id=\"run-table\"")) << without;
  const std::string with = Dom(Url("/?workflow=order#token=s3cret"));
  EXPECT_FALSE(Has(with, "id=\"token-form\"")) << with;
  EXPECT_TRUE(Has(with, "id=\"run-table\"")) << with;
  EXPECT_TRUE(Has(with, "data-status=\"COMPLETED\">COMPLETED <b>2</b>")) << with;
}

TEST_P(UiBrowser, BrowserShowsSleepingRetriedAndSelectedStatuses) {
  const std::string sleeping = StartApproval();
  ASSERT_OK_AND_ASSIGN(auto failed, engine_->Start(flaky_, 1));
  ASSERT_EQ(Finish(failed.run_id), RunStatus::kFailed);
  flaky_fails = false;
  ASSERT_OK_AND_ASSIGN(auto retry, engine_->RetryFailedRun(failed.run_id));
  ASSERT_EQ(Finish(retry.run_id), RunStatus::kCompleted);
  StartUi();

  // A sleeping run: its due time and the event it waits for; no literal "null" anywhere.
  const std::string s = Dom(Url("/?run=" + sleeping));
  EXPECT_TRUE(Has(s, "<dt>Waiting for</dt><dd>event \"approved\"</dd>")) << s;
  EXPECT_TRUE(Has(s, "<dt>Due</dt>")) << s;
  EXPECT_FALSE(Has(s, ">null<")) << s;
  // The failed run links its retry and offers no second retry; the retry links back.
  const std::string f = Dom(Url("/?run=" + failed.run_id));
  EXPECT_TRUE(Has(f, "id=\"retried-by\"")) << f;
  EXPECT_TRUE(Has(f, "href=\"/?run=" + retry.run_id + "\"")) << f;
  EXPECT_FALSE(Has(f, "id=\"retry\"")) << f;
  const std::string r = Dom(Url("/?run=" + retry.run_id));
  EXPECT_TRUE(Has(r, "dynaflow.retry_of=<a href=\"/?run=" + failed.run_id + "\"")) << r;
  // Every bar starts inside the chart (copied steps began before the retry was created).
  EXPECT_FALSE(Has(r, "x=\"-")) << r;
  // Several statuses at once, both chips marked.
  const std::string list = Dom(Url("/?status=COMPLETED,SLEEPING"));
  EXPECT_TRUE(Has(list, "data-run=\"" + sleeping + "\"")) << list;
  EXPECT_TRUE(Has(list, "data-run=\"" + retry.run_id + "\"")) << list;
  EXPECT_FALSE(Has(list, "data-run=\"" + failed.run_id + "\"")) << list;
  EXPECT_TRUE(Has(list, "data-status=\"SLEEPING\" class=\"selected\"")) << list;
  EXPECT_TRUE(Has(list, "data-status=\"COMPLETED\" class=\"selected\"")) << list;
  EXPECT_TRUE(Has(list, "data-status=\"FAILED\">")) << list;
}

TEST_P(UiBrowser, BrowserShowsSchedulesWithPauseUnlessReadOnly) {
  engine::ScheduleOptions o;
  o.schedule_id = "nightly";
  o.cron = "0 2 * * *";
  ASSERT_OK(engine_->CreateSchedule(order_, 5, o));
  o.schedule_id = "hourly";
  o.cron = "@hourly";
  o.paused = true;
  ASSERT_OK(engine_->CreateSchedule(order_, 6, o));
  StartUi();
  const std::string page = Dom(Url("/?page=schedules"));
  EXPECT_TRUE(Has(page, "data-schedule=\"nightly\"")) << page;
  EXPECT_TRUE(Has(page, "data-schedule=\"hourly\"")) << page;
  EXPECT_TRUE(Has(page, ">Pause</button>")) << page;
  EXPECT_TRUE(Has(page, ">Resume</button>")) << page;
  EXPECT_TRUE(Has(page, "<span class=\"status s-PAUSED\">PAUSED</span>")) << page;
  Screenshot(Url("/?page=schedules"), "dashboard-schedules.png");
  ui_.Stop();
  StartUi({"--read-only"});
  const std::string read_only = Dom(Url("/?page=schedules"));
  EXPECT_TRUE(Has(read_only, "disabled=\"\"")) << read_only;
}

// DNS rebinding as Chromium does it: a page on http://127.evil.example:PORT (the name resolves to
// 127.0.0.1) calls the dashboard same-origin. The "attacker" server serves that page and passes
// every /api/ request on to the dashboard unchanged but for the port, so the dashboard sees what
// it would see if the attacker's name had been rebound to 127.0.0.1 on the dashboard's port:
// Host and Origin 127.evil.example:<dashboard port>.
TEST_P(UiBrowser, BrowserOnARebindingOriginCanNeitherReadNorCancel) {
  engine::StartOptions later;
  later.start_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  ASSERT_OK_AND_ASSIGN(auto delayed, engine_->Start(order_, 4242, later));
  StartUi();
  const std::string rebound = "127.evil.example:" + std::to_string(ui_.port());
  const std::string page =
      "<!doctype html><html><body><pre id=\"out\"></pre><script>\n"
      "(async () => {\n"
      "  const out = document.getElementById('out');\n"
      "  try {\n"
      "    const r = await fetch('/api/runs/" +
      delayed.run_id +
      "');\n"
      "    out.textContent += 'read=' + r.status + ' ' + (await r.text()) + '\\n';\n"
      "    const c = await fetch('/api/runs/" +
      delayed.run_id +
      "/cancel', {method: 'POST', headers: {'X-Dynaflow-CSRF': '1'}});\n"
      "    out.textContent += 'cancel=' + c.status + ' ' + (await c.text()) + '\\n';\n"
      "  } catch (e) { out.textContent += 'error ' + e; }\n"
      "  document.body.dataset.done = 'true';\n"
      "})();\n"
      "</script></body></html>";
  LoopbackHttpServer attacker([&](const LoopbackHttpServer::Request& req) {
    if (req.path.rfind("/api/", 0) != 0) {
      return LoopbackHttpServer::Response::Typed(200, "text/html", page);
    }
    httplib::Client dashboard("127.0.0.1", ui_.port());
    httplib::Headers headers = {{"Host", rebound}};
    if (req.Header("Origin") != nullptr) headers.emplace("Origin", "http://" + rebound);
    if (req.Header("X-Dynaflow-CSRF") != nullptr) {
      headers.emplace("X-Dynaflow-CSRF", *req.Header("X-Dynaflow-CSRF"));
    }
    auto r = req.method == "POST" ? dashboard.Post(req.target.c_str(), headers, "", "text/plain")
                                  : dashboard.Get(req.target.c_str(), headers);
    if (!r) return LoopbackHttpServer::Response::Text(502, "dashboard unreachable");
    return LoopbackHttpServer::Response::Typed(r->status, "application/json", r->body);
  });
  ASSERT_OK(attacker.status());
  Browser b = RunChromium({"--virtual-time-budget=5000",
                           "--host-resolver-rules=MAP 127.evil.example 127.0.0.1", "--dump-dom",
                           "http://127.evil.example:" + std::to_string(attacker.port()) + "/"});
  EXPECT_EQ(b.exit_code, 0) << b.err;
  ASSERT_TRUE(Has(b.out, "data-done=\"true\"")) << b.out << b.err;
  EXPECT_TRUE(Has(b.out, "read=403")) << b.out;
  EXPECT_TRUE(Has(b.out, "cancel=403")) << b.out;
  EXPECT_FALSE(Has(b.out, "4242")) << "the run's input reached the page: " << b.out;
  EXPECT_EQ(engine_->store().GetRun(delayed.run_id)->status, RunStatus::kPending);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, UiBrowser, ::testing::Values(CliBackend::kSqlite),
                         [](const auto&) { return std::string("Sqlite"); });

}  // namespace dynaflow::test
