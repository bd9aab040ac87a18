// The dashboard's defences, attacked through the real `dynaflow ui` binary: DNS-rebinding Host
// values, foreign Origins, oversized bodies and headers, slow headers (slowloris) while another
// client is served, more connections than allowed, the bearer scheme's case, 405s.
#include <memory>
#include <string>
#include <vector>

#include "tests/cli/ui_fixture.h"
#include "tests/support/raw_http_client.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

// One request on a fresh raw connection; its response.
RawHttpResponse Raw(int port, const std::string& request) {
  RawHttpConnection c;
  if (!c.Connect(port)) return {};
  if (!c.Send(request)) return {};
  return c.ReadResponse(30s);
}

std::string Request(const std::string& method, const std::string& path, const std::string& host,
                    const std::string& extra = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra +
         "Content-Length: 0\r\nConnection: close\r\n\r\n";
}

constexpr char kCsrfLine[] = "X-Dynaflow-CSRF: 1\r\n";

TEST_P(UiTest, DnsRebindingHostsAndForeignPortsAre403) {
  engine::StartOptions later;
  later.start_at = std::chrono::system_clock::now() + 1h;
  ASSERT_OK_AND_ASSIGN(auto delayed, engine_->Start(order_, 1, later));
  StartUi();
  const int port = ui_.port();
  const std::string p = std::to_string(port);
  const std::string cancel = "/api/runs/" + delayed.run_id + "/cancel";
  for (const std::string& host : std::vector<std::string>{
           "127.evil.example:" + p, "127.0.0.1.nip.io:" + p, "127.0.0.1:9999", "127.0.0.1",
           "evil.example:" + p, "localhost.:" + p, "[::2]:" + p}) {
    for (const std::string& path :
         std::vector<std::string>{"/", "/api/runs/" + delayed.run_id, "/metrics"}) {
      RawHttpResponse r = Raw(port, Request("GET", path, host));
      EXPECT_EQ(r.status, 403) << host << " " << path;
      EXPECT_NE(r.body.find("unexpected Host header"), std::string::npos) << r.body;
    }
    EXPECT_EQ(Raw(port, Request("POST", cancel, host, kCsrfLine)).status, 403) << host;
  }
  EXPECT_EQ(engine_->store().GetRun(delayed.run_id)->status, RunStatus::kPending);
  for (const std::string& host :
       {"LOCALHOST:" + p, "localhost:" + p, "[::1]:" + p, "127.0.0.2:" + p, "127.0.0.1:" + p}) {
    EXPECT_EQ(Raw(port, Request("GET", "/api/runs/" + delayed.run_id, host)).status, 200) << host;
  }
}

TEST_P(UiTest, OriginMustEqualTheAcceptedHost) {
  engine::StartOptions later;
  later.start_at = std::chrono::system_clock::now() + 1h;
  ASSERT_OK_AND_ASSIGN(auto delayed, engine_->Start(order_, 1, later));
  StartUi();
  const int port = ui_.port();
  const std::string p = std::to_string(port);
  const std::string cancel = "/api/runs/" + delayed.run_id + "/cancel";
  const std::string host = "127.0.0.1:" + p;
  for (const std::string& origin : std::vector<std::string>{
           "http://127.evil.example:" + p, "http://127.0.0.1:9999", "https://127.0.0.1:" + p,
           "http://localhost:" + p, "null", "http://127.0.0.1:" + p + ".evil.example"}) {
    RawHttpResponse r = Raw(
        port, Request("POST", cancel, host, std::string(kCsrfLine) + "Origin: " + origin + "\r\n"));
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_NE(r.body.find("cross-origin"), std::string::npos) << r.body;
  }
  EXPECT_EQ(engine_->store().GetRun(delayed.run_id)->status, RunStatus::kPending);
  // The same origin, spelled in another case by the browser than in Host: accepted.
  RawHttpResponse ok =
      Raw(port, Request("POST", cancel, "LOCALHOST:" + p,
                        std::string(kCsrfLine) + "Origin: http://localhost:" + p + "\r\n"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(engine_->store().GetRun(delayed.run_id)->status, RunStatus::kCancelled);
}

TEST_P(UiTest, OversizedBodiesAndHeadersAreRefusedBeforeTheyAreRead) {
  StartUi({"--max-body-bytes", "100", "--max-header-lines", "20"});
  const int port = ui_.port();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  // 400 MB announced and never sent: refused at once (the server does not wait for it).
  RawHttpConnection c;
  ASSERT_TRUE(c.Connect(port));
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 400000000\r\n\r\n"));
  RawHttpResponse big = c.ReadResponse(30s);
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("limit of 100"), std::string::npos) << big.body;
  EXPECT_TRUE(c.WaitClosed(30s));
  // Just over and at the limit, with the body sent.
  EXPECT_EQ(Raw(port, "POST /api/runs/x/cancel HTTP/1.1\r\nHost: " + host +
                          "\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'a'))
                .status,
            413);
  EXPECT_EQ(Raw(port, "POST /api/runs/x/cancel HTTP/1.1\r\nHost: " + host + "\r\n" + kCsrfLine +
                          "Content-Length: 100\r\n\r\n" + std::string(100, 'a'))
                .status,
            404);
  // 5,000 headers of 4 KB: refused once the default 16 KiB arrived.
  ASSERT_TRUE(c.Connect(port));
  std::string chunk = "GET / HTTP/1.1\r\nHost: " + host + "\r\n";
  for (int i = 0; i < 5000 && c.Send(chunk); ++i) {
    chunk = "X-" + std::to_string(i) + ": " + std::string(4000, 'h') + "\r\n";
  }
  EXPECT_EQ(c.ReadResponse(30s).status, 431);
  // 21 short header lines: over --max-header-lines.
  std::string many;
  for (int i = 0; i < 20; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
  EXPECT_EQ(Raw(port, Request("GET", "/", host, many)).status, 431);
  // The server is still fine.
  EXPECT_EQ(Raw(port, Request("GET", "/api/info", host)).status, 200);
}

TEST_P(UiTest, SlowHeadersDoNotStarveOtherClients) {
  StartUi({"--header-timeout", "2s"});
  const int port = ui_.port();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  // 12 connections that send a header line and then one byte every 100 ms, never finishing.
  auto slow = OpenRawConnections(port, 12, "GET / HTTP/1.1\r\nHost: " + host + "\r\nX-Slow: ");
  ASSERT_EQ(slow.size(), 12u);
  Trickle trickle(&slow, 100ms);
  // Another client is answered while they are open (cpp-httplib's 8 threads were all taken).
  RawHttpResponse r = Raw(port, Request("GET", "/api/info", host));
  EXPECT_EQ(r.status, 200) << r.body;
  // The slow ones are cut off (408) although they keep sending.
  for (auto& s : slow) EXPECT_EQ(s->ReadResponse(60s).status, 408);
}

TEST_P(UiTest, ConnectionsBeyondTheCapAre503) {
  StartUi({"--max-connections", "3"});
  const int port = ui_.port();
  const std::string host = "127.0.0.1:" + std::to_string(port);
  auto open = OpenRawConnections(port, 3, "GET /api/info HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  ASSERT_EQ(open.size(), 3u);
  for (auto& c : open) EXPECT_EQ(c->ReadResponse(30s).status, 200);  // served, kept alive
  RawHttpConnection extra;
  ASSERT_TRUE(extra.Connect(port));
  RawHttpResponse r = extra.ReadResponse(30s);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("too many connections"), std::string::npos) << r.body;
}

TEST_P(UiTest, BearerSchemeIsCaseInsensitiveAnd405sNameTheAllowedMethods) {
  StartUi({}, {"DYNAFLOW_UI_AUTH_TOKEN=s3cret-token"});
  EXPECT_EQ(Get("/api/info", {{"Authorization", "bearer s3cret-token"}})->status, 200);
  EXPECT_EQ(Get("/api/info", {{"Authorization", "BEARER  s3cret-token"}})->status, 200);
  EXPECT_EQ(Get("/api/info", {{"Authorization", "Bearers3cret-token"}})->status, 401);
  EXPECT_EQ(Get("/api/info", {{"Authorization", "Basic s3cret-token"}})->status, 401);
  const httplib::Headers auth = {{"Authorization", "Bearer s3cret-token"}};
  auto info = Get("/api/info", auth);
  EXPECT_NE(info->body.find("\"auth\":true"), std::string::npos) << info->body;

  auto get_cancel = Get("/api/runs/some-run/cancel", auth);
  EXPECT_EQ(get_cancel->status, 405);
  EXPECT_EQ(get_cancel->get_header_value("Allow"), "POST");
  auto post_runs = Post("/api/runs", auth);
  EXPECT_EQ(post_runs->status, 405);
  EXPECT_EQ(post_runs->get_header_value("Allow"), "GET, HEAD");
  auto del = http_->Delete("/", auth);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  EXPECT_EQ(del->get_header_value("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace dynaflow::test
