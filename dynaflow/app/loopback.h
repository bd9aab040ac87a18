// The loopback rule of the operator endpoints (`dynaflow ui`, a worker's /metrics): which listen
// addresses count as loopback, and which Host headers a loopback server answers. A server on a
// loopback address answers only requests whose Host names a loopback address literally, or
// localhost, with the server's own port, so that a page on another origin whose name resolves to
// 127.0.0.1 (DNS rebinding) is refused.
#pragma once

#include <string_view>

namespace dynaflow::app {

// True for an IPv4 literal in 127.0.0.0/8 (dotted decimal: "127.0.0.1", "127.1.2.3"), the IPv6
// literal ::1 (any spelling, without brackets) and the name localhost in any case. Names that
// merely start with "127." ("127.evil.example") are not loopback.
bool IsLoopbackHost(std::string_view host);

// True when `host_header` (a request's Host) is "HOST:PORT" with HOST an IsLoopbackHost (an IPv6
// one in brackets: "[::1]:8080") and PORT equal to `port`. No port, another port, a trailing dot
// or any other name is false.
bool IsLoopbackHostHeader(std::string_view host_header, int port);

}  // namespace dynaflow::app
