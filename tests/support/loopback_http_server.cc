#include "tests/support/loopback_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dynaflow/app/http_server.h"

namespace dynaflow::test {
namespace {

constexpr size_t kMaxHeaderBytes = 1 << 20;
constexpr size_t kMaxBodyBytes = 64 << 20;

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

bool ContainsTokenCi(const std::string& value, std::string_view token) {
  for (size_t i = 0; i + token.size() <= value.size(); ++i) {
    if (strncasecmp(value.data() + i, token.data(), token.size()) == 0) return true;
  }
  return false;
}

// One accepted connection: plain socket or TLS, with a read buffer.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Conn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }

  // Appends at least one byte to buf; false on EOF or error.
  bool Fill() {
    char tmp[16384];
    for (;;) {
      ssize_t n;
      if (ssl_ != nullptr) {
        n = SSL_read(ssl_, tmp, sizeof(tmp));
      } else {
        n = ::recv(fd_, tmp, sizeof(tmp), 0);
        if (n < 0 && errno == EINTR) continue;
      }
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    }
  }

  bool Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
      }
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  std::string buf;

 private:
  int fd_;
  SSL* ssl_;
};

enum class ReadResult { kOk, kEof, kBad };

// Makes sure `conn.buf` holds at least `n` bytes; false on EOF/error.
bool Need(Conn& conn, size_t n) {
  while (conn.buf.size() < n) {
    if (!conn.Fill()) return false;
  }
  return true;
}

// Reads one request from `conn` into `req`. Sends "100 Continue" when the client expects it.
ReadResult ReadRequest(Conn& conn, LoopbackHttpServer::Request* req);

}  // namespace

const std::string* LoopbackHttpServer::Request::Header(std::string_view name) const {
  return dynamodb::FindHeader(headers, name);
}

LoopbackHttpServer::Response LoopbackHttpServer::Response::Typed(int status,
                                                                 std::string content_type,
                                                                 std::string body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

LoopbackHttpServer::Response LoopbackHttpServer::Response::Text(int status, std::string body) {
  return Typed(status, "text/plain", std::move(body));
}

LoopbackHttpServer::Response LoopbackHttpServer::Response::Json(int status, std::string body) {
  return Typed(status, "application/x-amz-json-1.0", std::move(body));
}

LoopbackHttpServer::LoopbackHttpServer(Handler handler, Options options)
    : options_(std::move(options)), handler_(std::move(handler)) {
  if (!options_.tls_cert_pem.empty() || !options_.tls_key_pem.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(options_.tls_cert_pem.data(),
                              static_cast<int>(options_.tls_cert_pem.size()));
    BIO* kb =
        BIO_new_mem_buf(options_.tls_key_pem.data(), static_cast<int>(options_.tls_key_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    bool ok = ctx != nullptr && cert != nullptr && key != nullptr &&
              SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    if (!ok) {
      SSL_CTX_free(ctx);
      start_status_ = Status::InvalidArgument("LoopbackHttpServer: bad TLS certificate or key");
      return;
    }
    ssl_ctx_ = ctx;
  }
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    start_status_ = Status::Internal(std::string("pipe: ") + std::strerror(errno));
    return;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    start_status_ = Status::Internal(std::string("socket: ") + std::strerror(errno));
    return;
  }
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    start_status_ = Status::Internal(std::string("bind/listen: ") + std::strerror(errno));
    return;
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread(&LoopbackHttpServer::AcceptLoop, this);
}

LoopbackHttpServer::~LoopbackHttpServer() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
  if (ssl_ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::string LoopbackHttpServer::base_url() const {
  return std::string(ssl_ctx_ != nullptr ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_);
}

std::string LoopbackHttpServer::url(std::string_view target) const {
  return base_url() + std::string(target);
}

void LoopbackHttpServer::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

int LoopbackHttpServer::requests_received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(requests_.size());
}

std::vector<LoopbackHttpServer::Request> LoopbackHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void LoopbackHttpServer::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (const auto& [id, fd] : live_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  cv_.notify_all();
  if (wake_pipe_[1] >= 0) {
    char c = 'x';
    [[maybe_unused]] ssize_t n = ::write(wake_pipe_[1], &c, 1);
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Connections accepted between the first sweep and the accept thread's exit.
    for (const auto& [id, fd] : live_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& w : workers) {
    if (w.thread.joinable()) w.thread.join();
  }
}

void LoopbackHttpServer::ReapFinishedLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

bool LoopbackHttpServer::Sleep(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void LoopbackHttpServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    const uint64_t id = static_cast<uint64_t>(++connections_);
    live_fds_[id] = fd;
    ReapFinishedLocked();
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back(
        {std::thread(&LoopbackHttpServer::ServeConnection, this, fd, id, done), done});
  }
}

void LoopbackHttpServer::ServeConnection(int fd, uint64_t id,
                                         std::shared_ptr<std::atomic<bool>> done) {
  // A write to a socket the client already closed must fail with EPIPE, not kill the test.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  SSL* ssl = nullptr;
  bool ready = true;
  if (ssl_ctx_ != nullptr) {
    ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    ready = ssl != nullptr && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1;
    ERR_clear_error();
  }
  {
    Conn conn(fd, ssl);
    int index = 0;
    while (ready) {
      Request req;
      ReadResult rr = ReadRequest(conn, &req);
      if (rr == ReadResult::kEof) break;
      if (rr == ReadResult::kBad) {
        conn.Write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        break;
      }
      req.connection_id = id;
      req.index_on_connection = ++index;
      Handler handler;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) break;
        requests_.push_back(req);
        handler = handler_;
      }
      Response resp = handler ? handler(req) : Response::Text(500, "no handler");
      if (resp.delay.count() > 0 && !Sleep(resp.delay)) break;
      if (resp.close == Close::kBeforeResponse) break;

      const std::string* conn_hdr = req.Header("Connection");
      const bool client_close =
          (conn_hdr != nullptr && ContainsTokenCi(*conn_hdr, "close")) || req.version == "HTTP/1.0";
      const bool close_after = resp.close != Close::kNo || client_close;
      const bool no_body = req.method == "HEAD" || resp.status == 204 || resp.status == 304;

      std::string head = resp.interim + "HTTP/1.1 " + std::to_string(resp.status) + " " +
                         std::string(app::HttpReason(resp.status)) + "\r\n";
      size_t announced = resp.body.size();
      if (resp.close == Close::kMidBody) announced = std::max<size_t>(announced, 1);
      for (const auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
      if (dynamodb::FindHeader(resp.headers, "Content-Length") == nullptr && resp.status != 204 &&
          resp.status != 304) {
        head += "Content-Length: " + std::to_string(announced) + "\r\n";
      }
      if (close_after) head += "Connection: close\r\n";
      head += "\r\n";
      if (resp.close == Close::kMidBody) {
        conn.Write(head + resp.body.substr(0, resp.body.size() / 2));
        break;
      }
      if (!conn.Write(no_body ? head : head + resp.body)) break;
      if (close_after) break;
    }
  }  // frees the SSL object before the socket is closed
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_fds_.erase(id);
    ::close(fd);
  }
  done->store(true);
}

namespace {

ReadResult ReadRequest(Conn& conn, LoopbackHttpServer::Request* req) {
  std::string& buf = conn.buf;
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    // A request line starts with a method token; anything else (e.g. a TLS ClientHello sent to
    // this plain port) is rejected at once instead of waiting for a header terminator.
    if (!buf.empty() && (buf[0] < 'A' || buf[0] > 'Z')) return ReadResult::kBad;
    if (buf.size() > kMaxHeaderBytes) return ReadResult::kBad;
    if (!conn.Fill()) return buf.empty() ? ReadResult::kEof : ReadResult::kBad;
  }
  std::string_view head(buf.data(), end);
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return ReadResult::kBad;
  req->method = std::string(line.substr(0, sp1));
  req->target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  req->version = std::string(line.substr(sp2 + 1));
  if (req->version.rfind("HTTP/1.", 0) != 0 || req->target.empty()) return ReadResult::kBad;
  size_t q = req->target.find('?');
  req->path = req->target.substr(0, q);
  req->query = q == std::string::npos ? "" : req->target.substr(q + 1);

  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    std::string_view h = head.substr(pos, next - pos);
    pos = next + 2;
    if (!h.empty() && (h[0] == ' ' || h[0] == '\t') && !req->headers.empty()) {
      req->headers.back().second += " " + Trim(h);  // obsolete line folding
      continue;
    }
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return ReadResult::kBad;
    req->headers.emplace_back(std::string(h.substr(0, colon)), Trim(h.substr(colon + 1)));
  }
  buf.erase(0, end + 4);

  const std::string* expect = req->Header("Expect");
  if (expect != nullptr && ContainsTokenCi(*expect, "100-continue") && buf.empty()) {
    if (!conn.Write("HTTP/1.1 100 Continue\r\n\r\n")) return ReadResult::kEof;
  }
  const std::string* te = req->Header("Transfer-Encoding");
  if (te != nullptr && ContainsTokenCi(*te, "chunked")) {
    for (;;) {
      size_t eol;
      while ((eol = buf.find("\r\n")) == std::string::npos) {
        if (!conn.Fill()) return ReadResult::kBad;
      }
      size_t size = 0;
      try {
        size = std::stoul(buf.substr(0, eol), nullptr, 16);
      } catch (...) {
        return ReadResult::kBad;
      }
      buf.erase(0, eol + 2);
      if (size == 0) {  // trailers up to an empty line
        for (;;) {
          while ((eol = buf.find("\r\n")) == std::string::npos) {
            if (!conn.Fill()) return ReadResult::kBad;
          }
          bool last = eol == 0;
          buf.erase(0, eol + 2);
          if (last) return ReadResult::kOk;
        }
      }
      if (req->body.size() + size > kMaxBodyBytes) return ReadResult::kBad;
      if (!Need(conn, size + 2)) return ReadResult::kBad;
      req->body.append(buf, 0, size);
      buf.erase(0, size + 2);
    }
  }
  const std::string* cl = req->Header("Content-Length");
  if (cl != nullptr) {
    size_t n = 0;
    try {
      n = std::stoul(*cl);
    } catch (...) {
      return ReadResult::kBad;
    }
    if (n > kMaxBodyBytes) return ReadResult::kBad;
    if (!Need(conn, n)) return ReadResult::kBad;
    req->body = buf.substr(0, n);
    buf.erase(0, n);
  }
  return ReadResult::kOk;
}

}  // namespace

LoopbackHttpServer::Pem LoopbackHttpServer::MakeSelfSignedCert(
    const std::vector<std::string>& dns_names, const std::vector<std::string>& ip_addresses) {
  Pem out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  bool ok = key != nullptr && x != nullptr;
  if (ok) {
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(::time(nullptr) & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("dynaflow loopback test"), -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    std::string san;
    for (const auto& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const auto& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    if (!san.empty()) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str());
      ok = ext != nullptr && X509_add_ext(x, ext, -1) == 1;
      X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
  }
  if (ok) {
    BIO* cb = BIO_new(BIO_s_mem());
    BIO* kb = BIO_new(BIO_s_mem());
    if (PEM_write_bio_X509(cb, x) == 1 &&
        PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
      char* p = nullptr;
      long n = BIO_get_mem_data(cb, &p);
      out.cert.assign(p, static_cast<size_t>(n));
      n = BIO_get_mem_data(kb, &p);
      out.key.assign(p, static_cast<size_t>(n));
    }
    BIO_free(cb);
    BIO_free(kb);
  }
  X509_free(x);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return out;
}

}  // namespace dynaflow::test
