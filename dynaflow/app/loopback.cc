#include "dynaflow/app/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <string>

#include "dynaflow/app/http_server.h"

namespace dynaflow::app {

bool IsLoopbackHost(std::string_view host) {
  if (AsciiLower(host) == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool IsLoopbackHostHeader(std::string_view host_header, int port) {
  const size_t colon = host_header.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = host_header.substr(0, colon);
  const std::string_view port_text = host_header.substr(colon + 1);
  int n = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), n);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      n != port) {
    return false;
  }
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    return host.find(':') != std::string_view::npos && IsLoopbackHost(host);
  }
  return host.find(':') == std::string_view::npos && IsLoopbackHost(host);
}

}  // namespace dynaflow::app
