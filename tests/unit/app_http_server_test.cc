// app::HttpServer (dynaflow/app/http_server.h) against clients that misbehave: oversized bodies and
// headers, headers that never finish, more connections than allowed; and the loopback rule
// (dynaflow/app/loopback.h). Raw sockets (tests/support/raw_http_client.h), no HTTP library.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dynaflow/app/http_server.h"
#include "dynaflow/app/loopback.h"
#include "tests/support/raw_http_client.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::app {
namespace {

using namespace std::chrono_literals;
using test::RawHttpConnection;
using test::RawHttpResponse;
using test::Trickle;

// A server on 127.0.0.1 whose handler answers 200 "hello <path>" and counts its calls.
class Served {
 public:
  explicit Served(HttpLimits limits = {}) {
    HttpServerOptions o;
    o.limits = limits;
    auto s = HttpServer::Bind(o, [this](const HttpRequest& r) {
      ++calls;
      HttpResponse res;
      res.body = "hello " + r.path + " " + std::to_string(r.body.size());
      return res;
    });
    EXPECT_OK(s);
    if (!s.ok()) return;
    server = std::move(*s);
    thread = std::thread([this] { EXPECT_OK(server->Run()); });
  }
  ~Served() {
    if (server == nullptr) return;
    server->Stop();
    thread.join();
  }
  int port() const { return server->port(); }
  std::string Get(const std::string& path) const {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) + "\r\n";
  }

  std::atomic<int> calls{0};
  std::unique_ptr<HttpServer> server;
  std::thread thread;
};

TEST(HttpServer, ServesKeepAliveRequestsWithQueryAndBody) {
  Served s;
  RawHttpConnection c;
  ASSERT_TRUE(c.Connect(s.port()));
  ASSERT_TRUE(c.Send(s.Get("/a%20b?x=1") + "\r\n"));
  RawHttpResponse r = c.ReadResponse(30s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello /a b 0");
  EXPECT_EQ(r.headers["connection"], "keep-alive");
  ASSERT_TRUE(c.Send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde"));
  r = c.ReadResponse(30s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello /p 5");
  EXPECT_EQ(s.calls.load(), 2);
}

TEST(HttpServer, RefusesABodyOverTheLimitBeforeReadingIt) {
  Served s;
  RawHttpConnection c;
  ASSERT_TRUE(c.Connect(s.port()));
  // 400 MB announced, none of it sent: the answer comes anyway, and the connection is closed.
  ASSERT_TRUE(c.Send(s.Get("/") + "Content-Length: 400000000\r\n\r\n"));
  RawHttpResponse r = c.ReadResponse(30s);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("65536"), std::string::npos) << r.body;
  EXPECT_TRUE(c.WaitClosed(30s));
  EXPECT_EQ(s.calls.load(), 0);

  // Just over a configured limit, and chunked bodies (no length to check up front).
  HttpLimits small;
  small.max_body_bytes = 10;
  Served t(small);
  ASSERT_TRUE(c.Connect(t.port()));
  ASSERT_TRUE(c.Send(t.Get("/") + "Content-Length: 11\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse(30s).status, 413);
  ASSERT_TRUE(c.Connect(t.port()));
  ASSERT_TRUE(c.Send(t.Get("/") + "Content-Length: 10\r\n\r\n0123456789"));
  EXPECT_EQ(c.ReadResponse(30s).status, 200);
  ASSERT_TRUE(c.Connect(t.port()));
  ASSERT_TRUE(c.Send(t.Get("/") + "Transfer-Encoding: chunked\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse(30s).status, 501);
  EXPECT_EQ(t.calls.load(), 1);
}

TEST(HttpServer, RefusesTooManyOrTooLargeHeaders) {
  Served s;
  RawHttpConnection c;
  // 5,000 headers of 4 KB: refused once 16 KiB arrived (the rest may not even be sent).
  ASSERT_TRUE(c.Connect(s.port()));
  std::string request = s.Get("/");
  const std::string filler(4000, 'a');
  for (int i = 0; i < 5000 && c.Send(request); ++i)
    request = "X-Filler-" + std::to_string(i) + ": " + filler + "\r\n";
  RawHttpResponse r = c.ReadResponse(30s);
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("16384 bytes"), std::string::npos) << r.body;

  // 101 short header lines: over the count, under the size.
  ASSERT_TRUE(c.Connect(s.port()));
  request = s.Get("/");
  for (int i = 0; i < 100; ++i) request += "X-" + std::to_string(i) + ": 1\r\n";
  ASSERT_TRUE(c.Send(request + "\r\n"));
  r = c.ReadResponse(30s);
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("100 header lines"), std::string::npos) << r.body;
  // 99 of them (100 with Host): served.
  ASSERT_TRUE(c.Connect(s.port()));
  request = s.Get("/");
  for (int i = 0; i < 99; ++i) request += "X-" + std::to_string(i) + ": 1\r\n";
  ASSERT_TRUE(c.Send(request + "\r\n"));
  EXPECT_EQ(c.ReadResponse(30s).status, 200);
  EXPECT_EQ(s.calls.load(), 1);
}

TEST(HttpServer, MalformedRequestsAre400) {
  Served s;
  for (const std::string bad :
       {"GET\r\n\r\n", "GET http://x/ HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: x\r\n\r\n", "GET /%zz HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"}) {
    RawHttpConnection c;
    ASSERT_TRUE(c.Connect(s.port()));
    ASSERT_TRUE(c.Send(bad));
    EXPECT_EQ(c.ReadResponse(30s).status, 400) << bad;
  }
  RawHttpConnection c;
  ASSERT_TRUE(c.Connect(s.port()));
  ASSERT_TRUE(c.Send("GET / HTTP/2.0\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse(30s).status, 505);
  EXPECT_EQ(s.calls.load(), 0);
}

TEST(HttpServer, SlowHeadersAreCutOffAndDelayNobodyElse) {
  HttpLimits limits;
  limits.header_timeout = 500ms;
  Served s(limits);
  // 12 clients that send a header byte every 50 ms and never finish.
  auto slow = test::OpenRawConnections(s.port(), 12, s.Get("/") + "X-Slow: ");
  ASSERT_EQ(slow.size(), 12u);
  {
    Trickle trickle(&slow, 50ms);
    // Meanwhile another client is answered (on the httplib server it waited for a free thread).
    RawHttpConnection c;
    ASSERT_TRUE(c.Connect(s.port()));
    ASSERT_TRUE(c.Send(s.Get("/other") + "\r\n"));
    RawHttpResponse r = c.ReadResponse(30s);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello /other 0");
    // And the slow ones are answered 408 and disconnected although they keep sending.
    for (auto& conn : slow) {
      RawHttpResponse cut = conn->ReadResponse(30s);
      EXPECT_EQ(cut.status, 408);
      EXPECT_NE(cut.body.find("500 ms"), std::string::npos) << cut.body;
    }
  }
  for (auto& conn : slow) EXPECT_TRUE(conn->WaitClosed(30s));
  EXPECT_EQ(s.calls.load(), 1);
}

TEST(HttpServer, ConnectionsOverTheCapAre503) {
  HttpLimits limits;
  limits.max_connections = 2;
  Served s(limits);
  RawHttpConnection a, b, c;
  ASSERT_TRUE(a.Connect(s.port()));
  ASSERT_TRUE(a.Send(s.Get("/a") + "\r\n"));
  EXPECT_EQ(a.ReadResponse(30s).status, 200);  // a is being served (kept alive)
  ASSERT_TRUE(b.Connect(s.port()));
  ASSERT_TRUE(b.Send(s.Get("/b") + "\r\n"));
  EXPECT_EQ(b.ReadResponse(30s).status, 200);
  ASSERT_TRUE(c.Connect(s.port()));
  RawHttpResponse r = c.ReadResponse(30s);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("limit 2"), std::string::npos) << r.body;
  EXPECT_TRUE(c.WaitClosed(30s));
  // Once one closes, a new connection is served again.
  a.Close();
  bool served = false;
  for (int attempt = 0; attempt < 3000 && !served; ++attempt) {
    ASSERT_TRUE(c.Connect(s.port()));
    ASSERT_TRUE(c.Send(s.Get("/c") + "\r\n"));
    served = c.ReadResponse(30s).status == 200;
  }
  EXPECT_TRUE(served);
}

TEST(HttpServer, StopEndsRunWithOpenConnections) {
  auto s = std::make_unique<Served>();
  RawHttpConnection idle;
  ASSERT_TRUE(idle.Connect(s->port()));
  ASSERT_TRUE(idle.Send("GET / HTT"));
  s.reset();  // Stop + join: returns although the connection never finished its request
  EXPECT_TRUE(idle.WaitClosed(30s));
}

TEST(HttpServer, BadLimitsAndAddressesAreErrors) {
  HttpServerOptions o;
  o.limits.max_connections = 0;
  auto handler = [](const HttpRequest&) { return HttpResponse{}; };
  EXPECT_FALSE(HttpServer::Bind(o, handler).ok());
  o = HttpServerOptions();
  o.host = "256.0.0.1";
  auto bad = HttpServer::Bind(o, handler);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("256.0.0.1"), std::string::npos);
}

TEST(Loopback, OnlyLiteralLoopbackAddressesAndLocalhost) {
  for (const char* yes : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "0:0:0:0:0:0:0:1",
                          "localhost", "LOCALHOST", "LocalHost"}) {
    EXPECT_TRUE(IsLoopbackHost(yes)) << yes;
  }
  for (const char* no :
       {"127.evil.example", "127.0.0.1.nip.io", "127.", "127.0.0.1.", "128.0.0.1", "0.0.0.0",
        "10.1.2.3", "::", "::2", "localhost.", "localhost.evil", "127.0.0.01", "", "[::1]"}) {
    EXPECT_FALSE(IsLoopbackHost(no)) << no;
  }
}

TEST(Loopback, HostHeaderNeedsALoopbackHostAndThePort) {
  for (const char* yes :
       {"127.0.0.1:8080", "127.9.9.9:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"}) {
    EXPECT_TRUE(IsLoopbackHostHeader(yes, 8080)) << yes;
  }
  for (const char* no : {"127.evil.example:8080", "127.0.0.1.nip.io:8080", "127.0.0.1:9999",
                         "127.0.0.1", "localhost", "127.0.0.1:", "127.0.0.1:8080x", "::1:8080",
                         "[::1]", "[127.0.0.1]:8080", "evil.example:8080", "localhost.:8080", ""}) {
    EXPECT_FALSE(IsLoopbackHostHeader(no, 8080)) << no;
  }
}

}  // namespace
}  // namespace dynaflow::app
