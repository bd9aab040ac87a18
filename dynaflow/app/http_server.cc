#include "dynaflow/app/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

namespace dynaflow::app {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 4096;

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// Milliseconds until `deadline` for poll (0 when past).
int MillisUntil(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

enum class ReadOutcome { kData, kClosed, kTimeout };

// Appends what `fd` has (up to kReadChunk bytes), waiting until `deadline`.
ReadOutcome ReadSome(int fd, Clock::time_point deadline, std::string* buf) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return ReadOutcome::kTimeout;
    if (ready < 0) return ReadOutcome::kClosed;
    char chunk[kReadChunk];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buf->append(chunk, static_cast<size_t>(n));
      return ReadOutcome::kData;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    return ReadOutcome::kClosed;
  }
}

// Writes all of `data` before `deadline`; false when the peer is gone or too slow.
bool SendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, MillisUntil(deadline)) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool HasToken(std::string_view header_value, std::string_view token) {
  const std::string v = AsciiLower(header_value);
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    if (Trim(std::string_view(v).substr(start, comma - start)) == token) return true;
    start = comma + 1;
  }
  return false;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Why a request is refused before the handler sees it.
struct Refusal {
  int status = 0;
  std::string message;
};

// Parses "METHOD /path?query HTTP/1.x" and the header lines of `head` (without the final CRLF
// CRLF) into `req`; `http10` tells the version.
std::optional<Refusal> ParseHead(std::string_view head, size_t max_lines, HttpRequest* req,
                                 bool* http10) {
  size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Refusal{400, "malformed request line"};
  }
  req->method = std::string(line.substr(0, sp1));
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (req->method.empty() || !std::all_of(req->method.begin(), req->method.end(), IsTokenChar)) {
    return Refusal{400, "malformed request method"};
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Refusal{505, "only HTTP/1.0 and HTTP/1.1 are served"};
  }
  *http10 = version == "HTTP/1.0";
  if (target.empty() || target.front() != '/') {
    return Refusal{400, "the request target must be a path (/...)"};
  }
  const size_t q = target.find('?');
  if (!PercentDecode(target.substr(0, q), false, &req->path)) {
    return Refusal{400, "malformed percent-escape in the path"};
  }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), true, &key) ||
          (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
        return Refusal{400, "malformed percent-escape in the query"};
      }
      req->params.emplace(std::move(key), std::move(value));
    }
  }
  size_t lines = 0;
  while (eol != std::string_view::npos) {
    const size_t start = eol + 2;
    eol = head.find("\r\n", start);
    const std::string_view h =
        head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    if (++lines > max_lines) {
      return Refusal{431, "more than " + std::to_string(max_lines) + " header lines"};
    }
    const size_t colon = h.find(':');
    if (colon == 0 || colon == std::string_view::npos ||
        !std::all_of(h.begin(), h.begin() + static_cast<ptrdiff_t>(colon), IsTokenChar)) {
      return Refusal{400, "malformed header line " + std::to_string(lines)};
    }
    const std::string_view value = h.substr(colon + 1);
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      return Refusal{400, "malformed header line " + std::to_string(lines)};
    }
    req->headers.emplace_back(std::string(h.substr(0, colon)), Trim(value));
  }
  return std::nullopt;
}

// The body length the headers announce. Errors as a refusal.
std::optional<Refusal> BodyLength(const HttpRequest& req, size_t max_body, size_t* length) {
  *length = 0;
  if (req.HasHeader("Transfer-Encoding")) {
    return Refusal{501, "Transfer-Encoding is not supported (send Content-Length)"};
  }
  bool seen = false;
  for (const auto& [name, value] : req.headers) {
    if (AsciiLower(name) != "content-length") continue;
    size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
        (seen && n != *length)) {
      return Refusal{400, "malformed Content-Length"};
    }
    seen = true;
    *length = n;
  }
  if (*length > max_body) {
    return Refusal{413, "request body of " + std::to_string(*length) +
                            " bytes exceeds the limit of " + std::to_string(max_body)};
  }
  return std::nullopt;
}

std::string Serialize(const HttpResponse& res, bool head_only, bool close) {
  std::string out =
      "HTTP/1.1 " + std::to_string(res.status) + " " + std::string(HttpReason(res.status)) + "\r\n";
  out += "Content-Type: " + res.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
  for (const auto& [name, value] : res.headers) {
    if (AsciiLower(name) == "connection") continue;
    out += name + ": " + value + "\r\n";
  }
  out += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  if (!head_only) out += res.body;
  return out;
}

// {"error": message}, like the dashboard's API errors.
HttpResponse RefusalResponse(const Refusal& r) {
  HttpResponse res;
  res.status = r.status;
  res.content_type = "application/json";
  res.body = "{\"error\":\"";
  for (char c : r.message) {
    if (c == '"' || c == '\\') res.body.push_back('\\');
    res.body.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  res.body += "\"}";
  return res;
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else if (c == '%') {
      unsigned value = 0;
      if (i + 2 >= in.size()) return false;
      auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
      if (ec != std::errc() || end != in.data() + i + 3) return false;
      out->push_back(static_cast<char>(value));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string HttpRequest::Header(std::string_view name) const {
  const std::string want = AsciiLower(name);
  for (const auto& [n, v] : headers) {
    if (AsciiLower(n) == want) return v;
  }
  return "";
}

bool HttpRequest::HasHeader(std::string_view name) const {
  const std::string want = AsciiLower(name);
  for (const auto& h : headers) {
    if (AsciiLower(h.first) == want) return true;
  }
  return false;
}

std::string_view HttpReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

// The connections being served: their threads and sockets.
struct HttpServer::Connections {
  struct Entry {
    std::thread thread;
    int fd = -1;
  };
  std::mutex mu;
  std::map<uint64_t, Entry> open;
  std::vector<uint64_t> finished;  // ended, to be joined
  uint64_t next_id = 0;

  // Joins the threads of ended connections.
  void Reap() {
    std::vector<std::thread> done;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (uint64_t id : finished) {
        auto it = open.find(id);
        done.push_back(std::move(it->second.thread));
        open.erase(it);
      }
      finished.clear();
    }
    for (auto& t : done) t.join();
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      connections_(std::make_unique<Connections>()) {}

HttpServer::~HttpServer() {
  Stop();
  CloseFd(&listen_fd_);
  CloseFd(&wake_fds_[0]);
  CloseFd(&wake_fds_[1]);
}

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(HttpServerOptions options,
                                                     HttpHandler handler) {
  const HttpLimits& l = options.limits;
  if (l.header_timeout.count() <= 0 || l.max_connections <= 0 || l.max_header_bytes == 0 ||
      l.max_header_lines == 0) {
    return Status::InvalidArgument(
        "HTTP server limits must be positive (header timeout, connections, header bytes and "
        "lines)");
  }
  const std::string where = options.host + ":" + std::to_string(options.port);
  std::unique_ptr<HttpServer> s(new HttpServer(std::move(options), std::move(handler)));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(s->options_.port);
  const int gai = ::getaddrinfo(s->options_.host.c_str(), port_text.c_str(), &hints, &found);
  if (gai != 0) {
    return Status::Unavailable("cannot listen on " + where + ": " + ::gai_strerror(gai));
  }
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr && s->listen_fd_ < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    s->listen_fd_ = fd;
  }
  ::freeaddrinfo(found);
  if (s->listen_fd_ < 0) return Status::Unavailable("cannot listen on " + where + ": " + error);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  s->port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (::pipe2(s->wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::Unavailable(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  return s;
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fds_[1] >= 0) {
    const char byte = 'x';
    (void)!::write(wake_fds_[1], &byte, 1);
  }
}

Status HttpServer::Run() {
  Status result = Status::OK();
  while (!stopping_.load()) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    const int ready = ::poll(p, 2, -1);
    connections_->Reap();
    if (ready < 0) {
      if (errno == EINTR) continue;
      result = Status::Unavailable(std::string("poll failed: ") + std::strerror(errno));
      break;
    }
    if (p[1].revents != 0) break;
    if ((p[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;  // the client went away, or out of descriptors for now
    std::lock_guard<std::mutex> lock(connections_->mu);
    if (connections_->open.size() >= static_cast<size_t>(options_.limits.max_connections)) {
      HttpResponse busy =
          RefusalResponse({503, "too many connections (limit " +
                                    std::to_string(options_.limits.max_connections) + ")"});
      busy.headers.emplace_back("Retry-After", "1");
      const std::string bytes = Serialize(busy, false, true);
      (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::shutdown(fd, SHUT_WR);
      ::close(fd);
      continue;
    }
    const uint64_t id = connections_->next_id++;
    Connections::Entry& e = connections_->open[id];
    e.fd = fd;
    e.thread = std::thread([this, fd, id] {
      Serve(fd);
      std::lock_guard<std::mutex> l(connections_->mu);
      ::close(fd);
      connections_->open.at(id).fd = -1;
      connections_->finished.push_back(id);
    });
  }
  {
    std::lock_guard<std::mutex> lock(connections_->mu);
    for (auto& [id, e] : connections_->open) {
      if (e.fd >= 0) ::shutdown(e.fd, SHUT_RDWR);
    }
  }
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(connections_->mu);
    for (auto& [id, e] : connections_->open) threads.push_back(std::move(e.thread));
  }
  for (auto& t : threads) t.join();
  std::lock_guard<std::mutex> lock(connections_->mu);
  connections_->open.clear();
  connections_->finished.clear();
  return result;
}

void HttpServer::Serve(int fd) {
  std::string buf;
  while (!stopping_.load()) {
    auto deadline = Clock::now() + options_.limits.header_timeout;
    size_t head_end = std::string::npos;
    for (;;) {
      head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos || buf.size() >= options_.limits.max_header_bytes + 4)
        break;
      const ReadOutcome got = ReadSome(fd, deadline, &buf);
      if (got == ReadOutcome::kClosed) return;
      if (got == ReadOutcome::kTimeout) {
        if (!buf.empty()) {
          (void)SendAll(
              fd,
              Serialize(
                  RefusalResponse({408, "request headers not received within " +
                                            std::to_string(options_.limits.header_timeout.count()) +
                                            " ms"}),
                  false, true),
              Clock::now() + options_.limits.header_timeout);
        }
        return;
      }
    }
    HttpRequest req;
    bool http10 = false;
    std::optional<Refusal> refused;
    if (head_end == std::string::npos || head_end > options_.limits.max_header_bytes) {
      refused = Refusal{431, "request line and headers exceed " +
                                 std::to_string(options_.limits.max_header_bytes) + " bytes"};
    } else {
      refused = ParseHead(std::string_view(buf).substr(0, head_end),
                          options_.limits.max_header_lines, &req, &http10);
    }
    size_t body_length = 0;
    if (!refused) refused = BodyLength(req, options_.limits.max_body_bytes, &body_length);
    if (refused) {
      (void)SendAll(fd, Serialize(RefusalResponse(*refused), false, true),
                    Clock::now() + options_.limits.header_timeout);
      ::shutdown(fd, SHUT_WR);
      return;
    }
    buf.erase(0, head_end + 4);
    deadline = Clock::now() + options_.limits.header_timeout;
    while (buf.size() < body_length) {
      const ReadOutcome got = ReadSome(fd, deadline, &buf);
      if (got == ReadOutcome::kClosed) return;
      if (got == ReadOutcome::kTimeout) {
        (void)SendAll(
            fd, Serialize(RefusalResponse({408, "request body not received in time"}), false, true),
            Clock::now() + options_.limits.header_timeout);
        return;
      }
    }
    req.body = buf.substr(0, body_length);
    buf.erase(0, body_length);

    const std::string connection = req.Header("Connection");
    bool close = http10 ? !HasToken(connection, "keep-alive") : HasToken(connection, "close");
    HttpResponse res;
    try {
      res = handler_(req);
    } catch (const std::exception& e) {
      res = RefusalResponse({500, std::string("internal error: ") + e.what()});
    }
    for (const auto& [name, value] : res.headers) {
      if (AsciiLower(name) == "connection" && HasToken(value, "close")) close = true;
    }
    if (!SendAll(fd, Serialize(res, req.method == "HEAD", close),
                 Clock::now() + options_.limits.header_timeout) ||
        close) {
      ::shutdown(fd, SHUT_WR);
      return;
    }
  }
}

}  // namespace dynaflow::app
