// CurlTransport: the production Transport, HTTP/1.1 over libcurl.
//
// Connection reuse and threading: a pool of CURL easy handles guarded by a mutex. A Send() takes
// an idle handle (most recently used first, so a warm connection is preferred), performs the
// request on it and puts it back. A handle keeps its options between requests: those that never
// change are set once, the URL is parsed only when it differs from the handle's previous one,
// and the header list is rebuilt in storage the handle keeps, so a request on a warm handle sets
// only its body, headers and timeouts and allocates nothing for them; a handle keeps its connection
// open between requests, so consecutive requests from any thread reuse keep-alive connections. At
// most `max_connections` requests are in flight; further callers wait for a free handle within
// their request timeout. All handles share one CURLSH for the DNS cache and TLS session tickets (so
// a new handle resumes TLS instead of a full handshake). The connection cache itself is per handle
// rather than shared, which keeps each connection used by one thread at a time without relying on
// libcurl's cross-thread connection sharing.
//
// Security: for https, peer certificate and host name verification are always on; there is no
// option to turn them off (use `ca_bundle_path` to trust a private CA). Only the http and https
// protocols are allowed and redirects are not followed. Error messages name the scheme, host and
// port and curl's error text, never the request's headers (they carry the SigV4 signature and the
// session token), path or query (a presigned query carries a signature too).
//
// Requests: the request's headers are sent as given; curl adds Host (unless given) and
// Content-Length. curl's own "Expect: 100-continue", "Accept" and default form Content-Type are
// suppressed. GET/HEAD send no body; other methods send `body` (possibly empty).
//
// Responses: any HTTP status is a response. Headers are those of the final response (interim
// 1xx blocks such as "100 Continue" are discarded). Transfer/content codings are not requested.
//
// Errors (Send):
//   kTimeout          connect or request deadline passed (CURLE_OPERATION_TIMEDOUT), or no
//                     pooled handle became free within the request timeout
//   kUnavailable      DNS, connect, TLS handshake/verification, send/receive failures, empty reply,
//                     a response cut short, a response over max_response_bytes
//   kInvalidArgument  malformed URL or unsupported scheme (retrying cannot help)
//   kInternal         libcurl could not be initialised
//
// Proxies: libcurl's usual environment variables (https_proxy, no_proxy, ...) are honoured.
//
// Thread-safety: Send() may be called concurrently from any number of threads. The transport must
// outlive every Send() in progress.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct CurlTransportOptions {
  // Maximum requests in flight at once = maximum pooled easy handles = maximum open connections
  // (each handle caches one connection). Beyond it Send() waits for a free handle.
  int max_connections = 50;
  // A cached connection idle for longer than this is closed instead of reused (so requests do
  // not land on a connection the server or a NAT already dropped). Whole seconds; >= 1.
  std::chrono::seconds max_idle_time{50};
  // TCP keep-alive probes on every connection, first after `tcp_keepalive_idle` of silence, then
  // every `tcp_keepalive_interval`.
  bool tcp_keepalive = true;
  std::chrono::seconds tcp_keepalive_idle{30};
  std::chrono::seconds tcp_keepalive_interval{15};
  // PEM file of CA certificates used to verify https peers; empty = libcurl's system default.
  // Verification itself cannot be disabled.
  std::string ca_bundle_path;
  // Responses with a larger body fail with kUnavailable instead of exhausting memory. DynamoDB
  // answers stay below 16 MB (BatchGetItem's limit), so 64 MiB is generous.
  size_t max_response_bytes = size_t{64} << 20;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // See the error list above. Timeouts: `timeouts.connect` bounds TCP + TLS connect (0 = libcurl's
  // default of 300 s), `timeouts.request` bounds the whole call, pool wait included (0 = none).
  Result<HttpResponse> Send(const HttpRequest& request, const TransportTimeouts& timeouts) override;

  const CurlTransportOptions& options() const { return options_; }

 private:
  struct Impl;
  struct Handle;  // a pooled easy handle and the request state it keeps
  void SetUp(Handle* handle, const std::string& method) const;
  Status Target(Handle* handle, const HttpRequest& request) const;
  Result<HttpResponse> Perform(Handle* handle, const HttpRequest& request) const;
  const CurlTransportOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dynaflow::dynamodb
