// A small HTTP/1.1 server for the operator endpoints (the `dynaflow ui` dashboard and a worker's
// /metrics), built on POSIX sockets with limits that hold before a request is authenticated:
//   - the request line and headers must arrive within header_timeout (408, closed);
//   - they may total max_header_bytes and max_header_lines lines (431, closed);
//   - a body longer than max_body_bytes (Content-Length) is refused with 413 before any of it is
//     read, and the connection is closed; Transfer-Encoding is refused (501);
//   - at most max_connections connections are served at once; more are answered 503 and closed.
// Those refusals (and malformed requests, 400) are answered by the server with a JSON body
// {"error": "<what was wrong>"}; the handler sees only complete, well-formed requests.
// Each connection has its own thread (so a slow client delays nobody else); a connection is
// kept alive between requests unless the client or the handler says "Connection: close".
//
//   HttpServerOptions o;  o.host = "127.0.0.1";  o.port = 0;
//   auto server = HttpServer::Bind(o, [](const HttpRequest& r) { ... return HttpResponse{}; });
//   std::thread t([&] { (void)(*server)->Run(); });  ...  (*server)->Stop();  t.join();
//
// Thread-safety: the handler is called concurrently from the connections' threads; Stop may be
// called from any thread, before or during Run.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::app {

// What a client may send and how slowly. The defaults suit a dashboard or metrics endpoint.
struct HttpLimits {
  // Request line plus header lines, in bytes. Default 16 KiB.
  size_t max_header_bytes = 16 * 1024;
  // Header lines per request. Default 100.
  size_t max_header_lines = 100;
  // Request body (Content-Length). Default 64 KiB; 0 refuses every body.
  size_t max_body_bytes = 64 * 1024;
  // Time for a request's line and headers (from the connection's start or the previous response)
  // and, separately, for its body. Default 10 s.
  Duration header_timeout = Duration(10000);
  // Connections served at once. Default 64.
  int max_connections = 64;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // the address to listen on (an IP literal or a name)
  int port = 0;                    // 0: any free port (see HttpServer::port)
  HttpLimits limits;
};

struct HttpRequest {
  std::string method;                              // as sent, e.g. "GET"
  std::string path;                                // the target's path, percent-decoded
  std::multimap<std::string, std::string> params;  // the query, decoded (a key may repeat)
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;

  // The first header named `name` (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/-Length
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// The standard reason phrase of `status` ("Not Found"); "Status" for codes it does not know.
std::string_view HttpReason(int status);
// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view s);
// Decodes %XX (and '+' as space when `plus_is_space`); false on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

class HttpServer {
 public:
  // Binds the listening socket. Errors: kInvalidArgument (a negative limit or timeout),
  // kUnavailable naming the address that cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Bind(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  const HttpServerOptions& options() const { return options_; }

  // Accepts and serves connections until Stop; returns once every connection has ended.
  // Errors: kUnavailable when accepting fails.
  [[nodiscard]] Status Run();
  // Makes Run return (closing the open connections); idempotent.
  void Stop();

 private:
  struct Connections;
  HttpServer(HttpServerOptions options, HttpHandler handler);
  void Serve(int fd);

  HttpServerOptions options_;
  HttpHandler handler_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // a pipe: Stop writes, Run's poll wakes
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Connections> connections_;
};

}  // namespace dynaflow::app
