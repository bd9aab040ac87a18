#include "tests/support/raw_http_client.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace dynaflow::test {

namespace {

using SteadyClock = std::chrono::steady_clock;

int MillisUntil(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

RawHttpConnection::~RawHttpConnection() { Close(); }

bool RawHttpConnection::Connect(int port) {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Close();
    return false;
  }
  return true;
}

bool RawHttpConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

RawHttpResponse RawHttpConnection::ReadResponse(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  RawHttpResponse r;
  size_t head_end = std::string::npos;
  size_t body_length = 0;
  for (;;) {
    if (head_end == std::string::npos) {
      head_end = buf_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::string head = buf_.substr(0, head_end);
        size_t eol = head.find("\r\n");
        const std::string status_line = head.substr(0, eol);
        if (status_line.size() >= 12) r.status = std::atoi(status_line.substr(9, 3).c_str());
        while (eol != std::string::npos) {
          const size_t start = eol + 2;
          eol = head.find("\r\n", start);
          const std::string line =
              head.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
          const size_t colon = line.find(':');
          if (colon == std::string::npos) continue;
          size_t v = colon + 1;
          while (v < line.size() && line[v] == ' ') ++v;
          r.headers[Lower(line.substr(0, colon))] = line.substr(v);
        }
        body_length = static_cast<size_t>(std::atoll(r.headers["content-length"].c_str()));
      }
    }
    if (head_end != std::string::npos && buf_.size() >= head_end + 4 + body_length) {
      r.body = buf_.substr(head_end + 4, body_length);
      buf_.erase(0, head_end + 4 + body_length);
      return r;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, MillisUntil(deadline)) <= 0) break;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      r.closed = true;
      break;
    }
    buf_.append(chunk, static_cast<size_t>(n));
  }
  if (head_end == std::string::npos || buf_.size() < head_end + 4 + body_length) r.status = -1;
  return r;
}

bool RawHttpConnection::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, MillisUntil(deadline)) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
  }
}

void RawHttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
}

std::vector<std::unique_ptr<RawHttpConnection>> OpenRawConnections(int port, int n,
                                                                   const std::string& first) {
  std::vector<std::unique_ptr<RawHttpConnection>> out;
  for (int i = 0; i < n; ++i) {
    auto c = std::make_unique<RawHttpConnection>();
    if (!c->Connect(port) || (!first.empty() && !c->Send(first))) break;
    out.push_back(std::move(c));
  }
  return out;
}

Trickle::Trickle(std::vector<std::unique_ptr<RawHttpConnection>>* connections,
                 std::chrono::milliseconds period)
    : thread_([this, connections, period] {
        std::unique_lock<std::mutex> lock(mu_);
        while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
          for (auto& c : *connections) (void)c->Send("x");
        }
      }) {}

Trickle::~Trickle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

RawHttpResponse RawGet(int port, const std::string& path, const std::string& host,
                       std::chrono::milliseconds timeout) {
  RawHttpConnection c;
  if (!c.Connect(port)) return {};
  c.Send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  return c.ReadResponse(timeout);
}

}  // namespace dynaflow::test
