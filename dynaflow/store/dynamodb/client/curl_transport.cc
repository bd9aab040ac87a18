#include "dynaflow/store/dynamodb/client/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <vector>

namespace dynaflow::dynamodb {
namespace {

// curl_global_init is not thread-safe and must run once per process, before any other call.
bool GlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_FAILED_INIT;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result == CURLE_OK;
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Sink {
  HttpResponse* response;
  size_t max_body;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  const size_t n = size * nmemb;
  if (sink->response->body.size() + n > sink->max_body) {
    sink->too_large = true;
    return 0;  // != n: curl aborts with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, n);
  return n;
}

// Called once per header line, status lines included, for every response block (1xx interim
// responses, proxy CONNECT answers, the final response, trailers).
size_t OnHeader(char* data, size_t size, size_t nitems, void* userdata) {
  auto* headers = &static_cast<Sink*>(userdata)->response->headers;
  const size_t n = size * nitems;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {  // a new response block starts: keep only the last one
    headers->clear();
    return n;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {  // obsolete folding
    std::string_view more = TrimWs(line);
    if (!headers->empty() && !more.empty()) {
      headers->back().second.append(" ").append(more);
    }
    return n;
  }
  line = TrimWs(line);
  const size_t colon = line.find(':');
  if (line.empty() || colon == std::string_view::npos || colon == 0) return n;
  headers->emplace_back(std::string(line.substr(0, colon)),
                        std::string(TrimWs(line.substr(colon + 1))));
  return n;
}

// "scheme://host:port" of `url`, or an error for a malformed URL. The URL itself never goes into
// an error message: a presigned query carries a signature.
Result<std::string> Origin(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return Status::Internal("curl_url() failed");
  std::string out;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  const bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
                  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
                  curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
  if (ok) out = std::string(scheme) + "://" + host + ":" + port;
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  if (!ok) return Status::InvalidArgument("malformed request URL");
  if (out.rfind("http://", 0) != 0 && out.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("unsupported URL scheme (only http and https)");
  }
  return out;
}

Status MapCurlError(CURLcode rc, const char* errbuf, const std::string& method,
                    const std::string& origin, bool too_large, size_t max_body) {
  std::string msg = method + " " + origin + ": ";
  if (too_large) {
    return Status::Unavailable(msg + "response body exceeds " + std::to_string(max_body) +
                               " bytes");
  }
  msg += curl_easy_strerror(rc);
  if (errbuf != nullptr && errbuf[0] != '\0') msg += std::string(" (") + errbuf + ")";
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::Timeout(std::move(msg));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return Status::InvalidArgument(std::move(msg));
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
      return Status::Internal(std::move(msg));
    default:
      // COULDNT_RESOLVE_HOST/PROXY, COULDNT_CONNECT, SSL_CONNECT_ERROR,
      // PEER_FAILED_VERIFICATION, SEND_ERROR, RECV_ERROR, GOT_NOTHING, PARTIAL_FILE, ...
      return Status::Unavailable(std::move(msg));
  }
}

bool HasCrLf(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n') return true;
  }
  return false;
}

// kInvalidArgument when a header name is empty or holds ':', or a name or value holds CR/LF.
Status ValidateHeaders(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasCrLf(name) || HasCrLf(value) || name.find(':') != std::string::npos) {
      DYNAFLOW_ASSIGN_OR_RETURN(const std::string origin, Origin(request.url));
      return Status::InvalidArgument("invalid request header name or value (" + origin + ")");
    }
  }
  return Status::OK();
}

// Why the pool gave no handle: the request's deadline passed first, or creating one failed.
Status NoHandle(const HttpRequest& request, const TransportTimeouts& timeouts) {
  DYNAFLOW_ASSIGN_OR_RETURN(const std::string origin, Origin(request.url));
  return timeouts.request.count() > 0
             ? Status::Timeout(request.method + " " + origin + ": no free connection within " +
                               std::to_string(timeouts.request.count()) + " ms")
             : Status::Internal("curl_easy_init failed");
}

// The connect timeout, what is left of the request's `deadline` (nullptr: none) and, for
// methods that send one, the body.
void SetTimeoutsAndBody(CURL* h, const HttpRequest& request, const TransportTimeouts& timeouts,
                        const std::chrono::steady_clock::time_point* deadline) {
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(0, timeouts.connect.count())));
  long timeout_ms = 0;  // none
  if (deadline != nullptr) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        *deadline - std::chrono::steady_clock::now());
    timeout_ms = static_cast<long>(std::max<int64_t>(1, remaining.count()));
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  if (request.method != "GET" && request.method != "HEAD") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  }
}

}  // namespace

// One pooled easy handle plus what it keeps from one request to the next, so that a request on
// a warm handle sets only what changes (body, headers, timeouts) and allocates nothing it can
// keep: the options that never change are set once, the URL is parsed (and handed to curl) only
// when it differs from the previous request's, and the header list is rebuilt in place over
// storage the handle keeps.
struct CurlTransport::Handle {
  CURL* h = nullptr;
  std::string method;  // the method the handle's options are set up for; empty: not set up
  std::string url;     // the URL last handed to curl, and its "scheme://host:port"
  std::string origin;
  std::vector<std::string> lines;  // header lines; capacity kept across requests
  std::vector<curl_slist> nodes;   // the list over `lines` given to CURLOPT_HTTPHEADER
  Sink sink{nullptr, 0};
  char errbuf[CURL_ERROR_SIZE] = {};

  ~Handle() {
    if (h != nullptr) curl_easy_cleanup(h);
  }

  // Line `n` of the header list, emptied for reuse.
  std::string& Line(size_t n) {
    if (n == lines.size()) lines.emplace_back();
    lines[n].clear();
    return lines[n];
  }

  // Links lines [0, n) into `nodes`; the head, or nullptr for none.
  curl_slist* LinkLines(size_t n) {
    nodes.resize(n);
    for (size_t i = 0; i < n; ++i) {
      nodes[i].data = lines[i].data();
      nodes[i].next = i + 1 < n ? &nodes[i + 1] : nullptr;
    }
    return n == 0 ? nullptr : nodes.data();
  }

  // Hands curl the request's headers, plus empty ones suppressing curl's own Expect, Accept and
  // Content-Type when the request has none.
  void SetHeaders(const HttpHeaders& headers) {
    size_t n = 0;
    for (const auto& [name, value] : headers) {
      // "Name;" is curl's syntax for a header with an empty value ("Name:" would delete it).
      std::string& line = Line(n++);
      line.append(name);
      if (value.empty()) {
        line.push_back(';');
      } else {
        line.append(": ").append(value);
      }
    }
    for (const char* suppressed : {"Expect", "Accept", "Content-Type"}) {
      if (FindHeader(headers, suppressed) == nullptr) Line(n++).append(suppressed).push_back(':');
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, LinkLines(n));
  }
};

struct CurlTransport::Impl {
  bool init_ok = false;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<CurlTransport::Handle>>
      idle;       // guarded by mu; back = most recently used
  int total = 0;  // guarded by mu; handles created and not destroyed

  ~Impl() {
    idle.clear();  // before the share they are attached to
    if (share != nullptr) curl_share_cleanup(share);
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Impl*>(self)->share_locks[static_cast<size_t>(data) % CURL_LOCK_DATA_LAST].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Impl*>(self)->share_locks[static_cast<size_t>(data) % CURL_LOCK_DATA_LAST].unlock();
  }

  // A handle, or nullptr when none became free before `deadline` (or creation failed).
  std::unique_ptr<CurlTransport::Handle> Acquire(int max_handles, bool has_deadline,
                                                 std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu);
    auto available = [&] { return !idle.empty() || total < max_handles; };
    if (has_deadline) {
      if (!cv.wait_until(lock, deadline, available)) return nullptr;
    } else {
      cv.wait(lock, available);
    }
    if (!idle.empty()) {
      std::unique_ptr<CurlTransport::Handle> h = std::move(idle.back());
      idle.pop_back();
      return h;
    }
    ++total;
    lock.unlock();
    auto h = std::make_unique<Handle>();
    h->h = curl_easy_init();
    if (h->h == nullptr) {
      lock.lock();
      --total;
      cv.notify_one();
      return nullptr;
    }
    return h;
  }

  void Release(std::unique_ptr<CurlTransport::Handle> h) {
    {
      std::lock_guard<std::mutex> lock(mu);
      idle.push_back(std::move(h));
    }
    cv.notify_one();
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  impl_->init_ok = GlobalInit();
  if (!impl_->init_ok) return;
  impl_->share = curl_share_init();
  if (impl_->share != nullptr) {
    curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
    curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
    curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
    curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
}

CurlTransport::~CurlTransport() = default;

// Sets every option that does not change from request to request of `method` on a handle that
// has none set (fresh or just reset): security, connection reuse, callbacks, the method.
void CurlTransport::SetUp(Handle* ph, const std::string& method) const {
  CURL* h = ph->h;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ph->errbuf);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0 deprecated the bitmask form
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // send the path exactly as signed
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle_path.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle_path.c_str());
  }
  if (impl_->share != nullptr) curl_easy_setopt(h, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(h, CURLOPT_MAXAGE_CONN,
                   static_cast<long>(std::max<int64_t>(1, options_.max_idle_time.count())));
  if (options_.tcp_keepalive) {
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE,
                     static_cast<long>(options_.tcp_keepalive_idle.count()));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL,
                     static_cast<long>(options_.tcp_keepalive_interval.count()));
  }
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ph->sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ph->sink);
  if (method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  ph->method = method;  // CUSTOMREQUEST keeps its own copy
  ph->url.clear();      // the reset dropped the URL too
}

// Points a pooled handle at `request`: its method's fixed options (set up again only when the
// method changes) and its URL (handed to curl only when it changes).
Status CurlTransport::Target(Handle* ph, const HttpRequest& request) const {
  if (ph->method != request.method) {
    if (!ph->method.empty())
      curl_easy_reset(ph->h);  // options only; connection and session survive
    SetUp(ph, request.method);
  }
  if (ph->url != request.url) {
    DYNAFLOW_ASSIGN_OR_RETURN(ph->origin, Origin(request.url));
    curl_easy_setopt(ph->h, CURLOPT_URL, request.url.c_str());  // curl keeps its own copy
    ph->url = request.url;
  }
  return Status::OK();
}

// Runs the request on a targeted handle; the response, or the mapped curl error.
Result<HttpResponse> CurlTransport::Perform(Handle* ph, const HttpRequest& request) const {
  HttpResponse response;
  ph->sink = Sink{&response, options_.max_response_bytes};
  ph->errbuf[0] = '\0';
  const CURLcode rc = curl_easy_perform(ph->h);
  ph->sink.response = nullptr;
  if (rc != CURLE_OK) {
    return MapCurlError(rc, ph->errbuf, request.method, ph->origin, ph->sink.too_large,
                        options_.max_response_bytes);
  }
  long status = 0;
  curl_easy_getinfo(ph->h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request,
                                         const TransportTimeouts& timeouts) {
  if (!impl_->init_ok) return Status::Internal("libcurl global initialisation failed");
  DYNAFLOW_RETURN_IF_ERROR(ValidateHeaders(request));

  const auto start = std::chrono::steady_clock::now();
  const bool has_deadline = timeouts.request.count() > 0;
  const auto deadline = start + timeouts.request;
  std::unique_ptr<CurlTransport::Handle> ph =
      impl_->Acquire(std::max(1, options_.max_connections), has_deadline, deadline);
  if (ph == nullptr) return NoHandle(request, timeouts);
  struct Return {
    Impl* impl;
    std::unique_ptr<CurlTransport::Handle>* ph;
    ~Return() { impl->Release(std::move(*ph)); }
  } give_back{impl_.get(), &ph};

  DYNAFLOW_RETURN_IF_ERROR(Target(ph.get(), request));
  ph->SetHeaders(request.headers);
  SetTimeoutsAndBody(ph->h, request, timeouts, has_deadline ? &deadline : nullptr);
  return Perform(ph.get(), request);
}

}  // namespace dynaflow::dynamodb
