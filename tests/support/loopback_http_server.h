// LoopbackHttpServer: a small threaded HTTP/1.1 server on 127.0.0.1 for tests.
//
// Binds an ephemeral port (port 0) at construction and serves until Stop() / destruction. One
// thread accepts; each connection gets its own thread and is kept alive across requests (HTTP/1.1
// default) until the client closes it, sends "Connection: close", or a response asks to close.
// Every request goes to the handler, which sees method, target (path + query), headers and body;
// its Response can also delay the answer (timeout tests) or close the connection before or in the
// middle of the response (fault tests). The server counts accepted TCP connections, so a test can
// prove connection reuse. Optional TLS (HTTPS) with a PEM certificate and key, e.g. from
// MakeSelfSignedCert(), for certificate verification tests.
//
// Useful beyond DynamoDB: tests play STS, IMDS or container-credential endpoints with it.
//
// Thread-safety: all public methods are thread-safe. The handler runs on connection threads and
// may be called concurrently; it must be thread-safe itself. Stop() interrupts pending delays and
// live connections and joins every thread; it must not be called from the handler.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::test {

class LoopbackHttpServer {
 public:
  struct Request {
    std::string method;   // "GET", "POST", "PUT", ...
    std::string target;   // as sent: path + optional "?query"
    std::string path;     // target up to '?'
    std::string query;    // after '?' (without it), "" when absent
    std::string version;  // "HTTP/1.1"
    dynamodb::HttpHeaders headers;
    std::string body;             // de-chunked when sent chunked
    uint64_t connection_id = 0;   // 1-based, in accept order
    int index_on_connection = 0;  // 1-based position of this request on its connection

    // Case-insensitive header lookup; nullptr when absent.
    const std::string* Header(std::string_view name) const;
  };

  enum class Close {
    kNo,              // keep the connection alive (unless the client asked to close)
    kAfterResponse,   // send the response with "Connection: close", then close
    kBeforeResponse,  // close without sending anything (client sees an empty reply)
    kMidBody,         // send headers announcing the full body, half of it, then close
  };

  struct Response {
    int status = 200;
    dynamodb::HttpHeaders headers;  // Content-Length is added when absent
    std::string body;
    std::chrono::milliseconds delay{0};  // wait this long before answering (interrupted by Stop)
    Close close = Close::kNo;
    // Raw bytes sent before the status line, e.g. interim responses such as
    // "HTTP/1.1 100 Continue\r\n\r\n" (sent verbatim; the test owns their syntax).
    std::string interim;

    // `body` with `status` and the header Content-Type: `content_type`.
    static Response Typed(int status, std::string content_type, std::string body);
    static Response Text(int status, std::string body);  // Content-Type: text/plain
    static Response Json(int status, std::string body);  // Content-Type: application/x-amz-json-1.0
  };

  using Handler = std::function<Response(const Request&)>;

  struct Options {
    // HTTPS when both are set: PEM certificate (chain) and PEM private key.
    std::string tls_cert_pem;
    std::string tls_key_pem;
  };

  // Starts listening and serving. Check status() (or port() != 0) before use.
  explicit LoopbackHttpServer(Handler handler, Options options = {});
  ~LoopbackHttpServer();

  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  // OK when listening; otherwise why the server could not start.
  Status status() const { return start_status_; }
  int port() const { return port_; }
  // "http://127.0.0.1:<port>" (or https).
  std::string base_url() const;
  // base_url() + target, e.g. url("/latest/api/token").
  std::string url(std::string_view target) const;

  // Replaces the handler for subsequent requests.
  void SetHandler(Handler handler);

  int connections_accepted() const { return connections_.load(); }
  int requests_received() const;
  // Copies of every request received so far, in arrival order.
  std::vector<Request> requests() const;

  // Stops accepting, closes live connections, interrupts delays and joins all threads.
  // Idempotent; also called by the destructor.
  void Stop();

  struct Pem {
    std::string cert;
    std::string key;
  };
  // A fresh self-signed certificate (EC P-256, valid from one hour ago for a week) whose subject
  // alternative names are exactly `dns_names` and `ip_addresses`. Empty PEMs on failure.
  static Pem MakeSelfSignedCert(const std::vector<std::string>& dns_names,
                                const std::vector<std::string>& ip_addresses);

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void AcceptLoop();
  void ServeConnection(int fd, uint64_t id, std::shared_ptr<std::atomic<bool>> done);
  // Waits `d` or until Stop(); returns false when stopped.
  bool Sleep(std::chrono::milliseconds d);
  void ReapFinishedLocked();

  Options options_;
  Status start_status_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  void* ssl_ctx_ = nullptr;  // SSL_CTX* when TLS is on

  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;             // guarded by mu_
  Handler handler_;                   // guarded by mu_
  std::vector<Request> requests_;     // guarded by mu_
  std::map<uint64_t, int> live_fds_;  // guarded by mu_: connection id -> fd
  std::list<Worker> workers_;         // guarded by mu_
  std::thread accept_thread_;
  std::mutex stop_mu_;  // serialises Stop()
};

}  // namespace dynaflow::test
