// A raw TCP client for tests that send what a well-behaved HTTP client would not: oversized or
// never-finished headers, a Content-Length without the body, bytes trickled slowly (the attacks
// the operator endpoints must withstand, dynaflow/app/http_server.h).
//
//   RawHttpConnection c;
//   ASSERT_TRUE(c.Connect(port));
//   c.Send("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n");
//   RawHttpResponse r = c.ReadResponse(30s);  // r.status 200, r.headers, r.body
//
// Thread-safety: a connection is used from one thread at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dynaflow::test {

struct RawHttpResponse {
  int status = -1;                             // -1: no (complete) response before close/deadline
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool closed = false;  // the server closed the connection after (or instead of) the response
};

class RawHttpConnection {
 public:
  RawHttpConnection() = default;
  ~RawHttpConnection();
  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

  // Connects to 127.0.0.1:`port`; false when it cannot.
  bool Connect(int port);
  // Writes all of `bytes`; false when the server closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads one response (status line, headers, Content-Length body) waiting up to `timeout`.
  RawHttpResponse ReadResponse(std::chrono::milliseconds timeout);
  // True when the server closes the connection (EOF or reset) within `timeout`; bytes it sends
  // before are discarded.
  bool WaitClosed(std::chrono::milliseconds timeout);
  void Close();

 private:
  int fd_ = -1;
  std::string buf_;
};

// `n` connections to 127.0.0.1:`port`, each having sent `first` (empty: nothing); fewer when one
// could not connect or send (the caller checks the size).
std::vector<std::unique_ptr<RawHttpConnection>> OpenRawConnections(int port, int n,
                                                                   const std::string& first);

// A slow client's header (slowloris): sends one byte to each of `connections` every `period`,
// on its own thread, until destroyed.
class Trickle {
 public:
  Trickle(std::vector<std::unique_ptr<RawHttpConnection>>* connections,
          std::chrono::milliseconds period);
  ~Trickle();
  Trickle(const Trickle&) = delete;
  Trickle& operator=(const Trickle&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// "GET `path` HTTP/1.1" with Host `host` (and Connection: close), one response read.
RawHttpResponse RawGet(int port, const std::string& path, const std::string& host,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace dynaflow::test
