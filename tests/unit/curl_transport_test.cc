// CurlTransport against the loopback HTTP(S) server: no network beyond 127.0.0.1.
#include "dynaflow/store/dynamodb/client/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fault_transport.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using test::LoopbackHttpServer;
using Server = LoopbackHttpServer;
using std::chrono::milliseconds;

// Echoes the request: status 200, body "<method> <target> <body>", X-Echo-* headers.
Server::Response Echo(const Server::Request& req) {
  Server::Response r = Server::Response::Text(200, req.method + " " + req.target + " " + req.body);
  r.headers.emplace_back("X-Echo-Method", req.method);
  if (const std::string* v = req.Header("X-Test")) r.headers.emplace_back("X-Echo-Test", *v);
  return r;
}

HttpRequest Request(std::string method, std::string url) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  return r;
}

HttpRequest Get(const std::string& url) { return Request("GET", url); }

TransportTimeouts Timeouts(int connect_ms = 2000, int request_ms = 10000) {
  TransportTimeouts t;
  t.connect = milliseconds(connect_ms);
  t.request = milliseconds(request_ms);
  return t;
}

TEST(CurlTransportTest, GetRoundTripWithHeadersAndQuery) {
  Server server([](const Server::Request& req) {
    Server::Response r = Server::Response::Text(201, "hello " + req.query);
    r.headers.emplace_back("X-Amzn-RequestId", "req-123");
    r.headers.emplace_back("X-Multi", "a");
    r.headers.emplace_back("X-Multi", "b");
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransport transport;
  HttpRequest req = Get(server.url("/path/to?x=1&y=two"));
  req.headers.emplace_back("X-Test", "value 1");
  req.headers.emplace_back("X-Empty", "");
  ASSERT_OK_AND_ASSIGN(auto res, transport.Send(req, Timeouts()));
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "hello x=1&y=two");
  ASSERT_NE(FindHeader(res.headers, "x-amzn-requestid"), nullptr);
  EXPECT_EQ(*FindHeader(res.headers, "x-amzn-requestid"), "req-123");
  int multi = 0;
  for (const auto& [k, v] : res.headers) multi += (k == "X-Multi");
  EXPECT_EQ(multi, 2);

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/path/to");
  EXPECT_EQ(seen[0].query, "x=1&y=two");
  ASSERT_NE(seen[0].Header("X-Test"), nullptr);
  EXPECT_EQ(*seen[0].Header("X-Test"), "value 1");
  ASSERT_NE(seen[0].Header("X-Empty"), nullptr);  // empty-valued headers are sent, not dropped
  EXPECT_EQ(*seen[0].Header("X-Empty"), "");
  EXPECT_EQ(seen[0].Header("Accept"), nullptr);
  EXPECT_TRUE(seen[0].body.empty());
}

TEST(CurlTransportTest, PostSendsBodyExactlyWithoutExpectContinue) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport transport;
  HttpRequest req = Request("POST", server.url("/"));
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                 {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  // Large enough that curl would normally send "Expect: 100-continue".
  req.body = std::string(200000, 'x') + "{\"end\":true}";
  ASSERT_OK_AND_ASSIGN(auto res, transport.Send(req, Timeouts()));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "POST / " + req.body);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, req.body);
  EXPECT_EQ(seen[0].Header("Expect"), nullptr);
  ASSERT_NE(seen[0].Header("Content-Type"), nullptr);
  EXPECT_EQ(*seen[0].Header("Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(*seen[0].Header("Content-Length"), std::to_string(req.body.size()));
}

TEST(CurlTransportTest, PostWithEmptyBodyAndOtherMethods) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport transport;
  HttpRequest post = Request("POST", server.url("/empty"));
  auto res = transport.Send(post, Timeouts());
  ASSERT_OK(res);
  EXPECT_EQ(res->body, "POST /empty ");
  EXPECT_EQ(server.requests().back().Header("Content-Type"), nullptr);  // no form default

  HttpRequest put = post;
  put.method = "PUT";
  put.url = server.url("/latest/api/token");
  put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  res = transport.Send(put, Timeouts());
  ASSERT_OK(res);
  EXPECT_EQ(res->body, "PUT /latest/api/token ");
  EXPECT_EQ(*server.requests().back().Header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");

  HttpRequest head = Get(server.url("/h"));
  head.method = "HEAD";
  res = transport.Send(head, Timeouts());
  ASSERT_OK(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
  ASSERT_NE(FindHeader(res->headers, "X-Echo-Method"), nullptr);
  EXPECT_EQ(*FindHeader(res->headers, "X-Echo-Method"), "HEAD");
}

TEST(CurlTransportTest, ErrorStatusesAreResponses) {
  Server server([](const Server::Request&) {
    return Server::Response::Json(
        400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException"})");
  });
  ASSERT_OK(server.status());
  CurlTransport transport;
  auto res = transport.Send(Get(server.url("/")), Timeouts());
  ASSERT_OK(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("ValidationException"), std::string::npos);
  server.SetHandler([](const Server::Request&) { return Server::Response::Text(503, "busy"); });
  res = transport.Send(Get(server.url("/")), Timeouts());
  ASSERT_OK(res);
  EXPECT_EQ(res->status, 503);
}

TEST(CurlTransportTest, KeepsOnlyTheFinalResponseHeaders) {
  Server server([](const Server::Request&) {
    Server::Response r = Server::Response::Text(200, "final");
    r.interim = "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n";
    r.headers.emplace_back("X-Final", "yes");
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransport transport;
  ASSERT_OK_AND_ASSIGN(auto res, transport.Send(Get(server.url("/")), Timeouts()));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "final");
  EXPECT_EQ(FindHeader(res.headers, "X-Interim"), nullptr);
  ASSERT_NE(FindHeader(res.headers, "X-Final"), nullptr);
  for (const auto& [k, v] : res.headers) EXPECT_EQ(k.rfind("HTTP/", 0), std::string::npos) << k;
}

TEST(CurlTransportTest, ReusesOneConnectionForSequentialRequests) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport transport;
  for (int i = 0; i < 20; ++i) {
    HttpRequest req;
    req.url = server.url("/");
    req.body = "request " + std::to_string(i);
    auto res = transport.Send(req, Timeouts());
    ASSERT_OK(res) << i;
    EXPECT_EQ(res->body, "POST / request " + std::to_string(i));
  }
  EXPECT_EQ(server.connections_accepted(), 1);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(seen[i].connection_id, 1u);
    EXPECT_EQ(seen[i].index_on_connection, i + 1);
  }
}

TEST(CurlTransportTest, ConcurrentUseFromEightThreads) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport transport;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        HttpRequest req;
        req.url = server.url("/t" + std::to_string(t));
        req.body = "thread " + std::to_string(t) + " request " + std::to_string(i);
        auto res = transport.Send(req, Timeouts());
        if (res.ok() && res->status == 200 &&
            res->body == "POST /t" + std::to_string(t) + " " + req.body) {
          ++ok;
        } else {
          ADD_FAILURE() << "thread " << t << " request " << i << ": "
                        << (res.ok() ? res->body : res.status().ToString());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(server.requests_received(), kThreads * kPerThread);
  // Each in-flight request holds one pooled connection: never more than the thread count.
  EXPECT_GE(server.connections_accepted(), 1);
  EXPECT_LE(server.connections_accepted(), kThreads);
}

TEST(CurlTransportTest, MaxConnectionsBoundsOpenConnections) {
  Server server([](const Server::Request& req) {
    Server::Response r = Echo(req);
    r.delay = milliseconds(5);  // make requests overlap
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransportOptions opts;
  opts.max_connections = 2;
  CurlTransport transport(opts);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) ok += transport.Send(Get(server.url("/")), Timeouts()).ok();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 30);
  EXPECT_LE(server.connections_accepted(), 2);
}

TEST(CurlTransportTest, PoolWaitCountsAgainstTheRequestTimeout) {
  Server server([](const Server::Request& req) {
    Server::Response r = Echo(req);
    if (req.path == "/slow") r.delay = milliseconds(1500);
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransportOptions opts;
  opts.max_connections = 1;
  CurlTransport transport(opts);
  std::thread slow([&] { EXPECT_OK(transport.Send(Get(server.url("/slow")), Timeouts())); });
  while (server.requests_received() == 0) std::this_thread::sleep_for(milliseconds(5));
  auto start = std::chrono::steady_clock::now();
  auto res = transport.Send(Get(server.url("/fast")), Timeouts(2000, 200));
  auto elapsed = std::chrono::steady_clock::now() - start;
  slow.join();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kTimeout) << res.status();
  EXPECT_LT(elapsed, milliseconds(1200));
}

TEST(CurlTransportTest, RequestTimeoutIsKTimeout) {
  Server server([](const Server::Request& req) {
    Server::Response r = Echo(req);
    r.delay = milliseconds(3000);
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransport transport;
  auto start = std::chrono::steady_clock::now();
  auto res = transport.Send(Get(server.url("/")), Timeouts(1000, 300));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kTimeout) << res.status();
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(2500));
  EXPECT_NE(res.status().message().find("127.0.0.1:" + std::to_string(server.port())),
            std::string::npos)
      << res.status();
}

TEST(CurlTransportTest, ConnectionRefusedIsUnavailableNamingHostAndPort) {
  // A bound socket that is not listening: connecting to it is refused, and no one else can take
  // the port while the test runs.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  CurlTransport transport;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/secret-path?X-Amz-Signature=abc123";
  req.headers = {{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=deadbeef"},
                 {"X-Amz-Security-Token", "SESSIONTOKENVALUE"}};
  req.body = "{}";
  auto res = transport.Send(req, Timeouts());
  ::close(fd);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();
  const std::string& msg = res.status().message();
  EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << msg;
  for (const char* secret : {"deadbeef", "AKIDEXAMPLE", "SESSIONTOKENVALUE", "abc123", "secret"}) {
    EXPECT_EQ(msg.find(secret), std::string::npos) << "leaked " << secret << ": " << msg;
  }
}

TEST(CurlTransportTest, UnresolvableHostIsUnavailable) {
  CurlTransport transport;
  auto res = transport.Send(Get("http://does-not-exist.invalid:8000/"), Timeouts(1000, 3000));
  ASSERT_FALSE(res.ok());
  EXPECT_TRUE(res.status().code() == StatusCode::kUnavailable ||
              res.status().code() == StatusCode::kTimeout)
      << res.status();
  EXPECT_NE(res.status().message().find("does-not-exist.invalid:8000"), std::string::npos);
}

TEST(CurlTransportTest, ServerClosingMidResponseIsAnErrorAndTheNextRequestWorks) {
  Server server([](const Server::Request& req) {
    Server::Response r = Server::Response::Text(200, std::string(10000, 'a'));
    if (req.path == "/cut") r.close = Server::Close::kMidBody;
    if (req.path == "/nothing") r.close = Server::Close::kBeforeResponse;
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransport transport;
  auto res = transport.Send(Get(server.url("/cut")), Timeouts());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();

  res = transport.Send(Get(server.url("/nothing")), Timeouts());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();

  res = transport.Send(Get(server.url("/ok")), Timeouts());
  ASSERT_OK(res);
  EXPECT_EQ(res->body.size(), 10000u);
  EXPECT_EQ(server.connections_accepted(), 3);  // each close forced a new connection
}

TEST(CurlTransportTest, ServerClosingAfterResponseReconnects) {
  Server server([](const Server::Request& req) {
    Server::Response r = Echo(req);
    r.close = Server::Close::kAfterResponse;
    return r;
  });
  ASSERT_OK(server.status());
  CurlTransport transport;
  for (int i = 0; i < 3; ++i) {
    auto res = transport.Send(Get(server.url("/")), Timeouts());
    ASSERT_OK(res);
  }
  EXPECT_EQ(server.connections_accepted(), 3);
}

TEST(CurlTransportTest, OversizedResponseIsRejected) {
  Server server(
      [](const Server::Request&) { return Server::Response::Text(200, std::string(5000, 'z')); });
  ASSERT_OK(server.status());
  CurlTransportOptions opts;
  opts.max_response_bytes = 1000;
  CurlTransport transport(opts);
  auto res = transport.Send(Get(server.url("/")), Timeouts());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();
  EXPECT_NE(res.status().message().find("1000 bytes"), std::string::npos) << res.status();
}

TEST(CurlTransportTest, RejectsBadUrlsAndHeaderInjection) {
  CurlTransport transport;
  auto res = transport.Send(Get("not a url"), Timeouts());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kInvalidArgument) << res.status();
  res = transport.Send(Get("ftp://127.0.0.1/file"), Timeouts());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kInvalidArgument) << res.status();

  Server server(Echo);
  ASSERT_OK(server.status());
  HttpRequest req = Get(server.url("/"));
  req.headers = {{"X-Test", "a\r\nX-Injected: 1"}};
  res = transport.Send(req, Timeouts());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.requests_received(), 0);
}

TEST(CurlTransportTest, HttpsToAPlainHttpPortFails) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport transport;
  auto res = transport.Send(Get("https://127.0.0.1:" + std::to_string(server.port()) + "/"),
                            Timeouts(2000, 5000));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();
  for (const auto& r : server.requests()) EXPECT_NE(r.method, "GET");  // never fell back to HTTP
}

// Writes `pem` to a fresh temporary file and returns its path.
std::string WriteTempPem(const std::string& pem) {
  char path[] = "/tmp/dynaflow-ca-XXXXXX";
  int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  if (fd >= 0) {
    EXPECT_EQ(::write(fd, pem.data(), pem.size()), static_cast<ssize_t>(pem.size()));
    ::close(fd);
  }
  return path;
}

TEST(CurlTransportTest, TlsPeerVerificationIsAlwaysOn) {
  auto pem = Server::MakeSelfSignedCert({"localhost"}, {"127.0.0.1"});
  ASSERT_FALSE(pem.cert.empty());
  Server server(Echo, {pem.cert, pem.key});
  ASSERT_OK(server.status());
  ASSERT_EQ(server.base_url().rfind("https://", 0), 0u);

  // Default trust store: the self-signed certificate is rejected.
  CurlTransport untrusting;
  auto res = untrusting.Send(Get(server.url("/")), Timeouts(2000, 5000));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();
  EXPECT_EQ(server.requests_received(), 0);

  // Trusting it through ca_bundle_path works.
  const std::string ca = WriteTempPem(pem.cert);
  CurlTransportOptions opts;
  opts.ca_bundle_path = ca;
  CurlTransport trusting(opts);
  res = trusting.Send(Get(server.url("/tls")), Timeouts(2000, 5000));
  ASSERT_OK(res);
  EXPECT_EQ(res->body, "GET /tls ");
  res = trusting.Send(Get(server.url("/tls2")), Timeouts(2000, 5000));
  ASSERT_OK(res);
  EXPECT_EQ(server.connections_accepted(), 2);  // the rejected one + one reused TLS connection
  std::remove(ca.c_str());
}

TEST(CurlTransportTest, TlsHostNameVerificationIsAlwaysOn) {
  // A trusted certificate issued for another name than the one we connect to.
  auto pem = Server::MakeSelfSignedCert({"other.example"}, {});
  ASSERT_FALSE(pem.cert.empty());
  Server server(Echo, {pem.cert, pem.key});
  ASSERT_OK(server.status());
  const std::string ca = WriteTempPem(pem.cert);
  CurlTransportOptions opts;
  opts.ca_bundle_path = ca;
  CurlTransport transport(opts);
  auto res = transport.Send(Get(server.url("/")), Timeouts(2000, 5000));
  std::remove(ca.c_str());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable) << res.status();
  EXPECT_EQ(server.requests_received(), 0);
}

TEST(CurlTransportTest, FaultTransportInjectsThenForwardsToTheRealTransport) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport curl;
  test::FaultTransport faults(&curl);
  faults.PushConnectionError();
  faults.PushTruncatedBody(200, "{\"Item\":{}}", 4, {{"x-amz-crc32", "123"}});
  faults.PushForward();
  HttpRequest req = Get(server.url("/forwarded"));
  auto r1 = faults.Send(req, Timeouts());
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), StatusCode::kUnavailable);
  ASSERT_OK_AND_ASSIGN(auto r2, faults.Send(req, Timeouts()));
  EXPECT_EQ(r2.body, "{\"It");
  auto r3 = faults.Send(req, Timeouts());  // explicit forward
  ASSERT_OK(r3);
  EXPECT_EQ(r3->body, "GET /forwarded ");
  auto r4 = faults.Send(req, Timeouts(1000, 1234));  // script empty: forwards
  ASSERT_OK(r4);
  EXPECT_EQ(server.requests_received(), 2);
  auto seen = faults.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_FALSE(seen[0].forwarded);
  EXPECT_FALSE(seen[1].forwarded);
  EXPECT_TRUE(seen[2].forwarded);
  EXPECT_TRUE(seen[3].forwarded);
  EXPECT_EQ(seen[3].timeouts.request, milliseconds(1234));
}

// LevelDB EnvWrapper style: override one method, forward the rest.
class FailEveryOther : public test::TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  Result<HttpResponse> Send(const HttpRequest& request, const TransportTimeouts& t) override {
    if (calls_++ % 2 == 0) return Status::Unavailable("injected");
    return TransportWrapper::Send(request, t);
  }

 private:
  std::atomic<int> calls_{0};
};

TEST(CurlTransportTest, TransportWrapperForwardsUnlessOverridden) {
  Server server(Echo);
  ASSERT_OK(server.status());
  CurlTransport curl;
  FailEveryOther wrapper(&curl);
  int ok = 0;
  for (int i = 0; i < 6; ++i) ok += wrapper.Send(Get(server.url("/")), Timeouts()).ok();
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(server.requests_received(), 3);
}

}  // namespace
}  // namespace dynaflow::dynamodb
