// HTTP request/response values and the Transport interface the DynamoDB client sends through.
//
// The transport is the one seam for network faults: tests wrap or replace it to inject
// connection errors, timeouts, 5xx answers and truncated bodies.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynaflow/model/result.h"

namespace dynaflow::dynamodb {

// Header names are kept as given; lookups are case-insensitive.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; nullptr when absent.
const std::string* FindHeader(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute, e.g. "https://dynamodb.eu-central-1.amazonaws.com/"
  HttpHeaders headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

// Per-request limits a transport must honour.
struct TransportTimeouts {
  std::chrono::milliseconds connect{2000};   // TCP + TLS connect
  std::chrono::milliseconds request{10000};  // whole request, connect included
};

// Sends one HTTP request. Thread-safe: called concurrently from many worker threads.
//
// Returns the response for any HTTP status (4xx/5xx are responses, not errors).
// Errors: Status kTimeout when a timeout passed, kUnavailable for connection/DNS/TLS failures.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request,
                                    const TransportTimeouts& timeouts) = 0;
};

}  // namespace dynaflow::dynamodb
