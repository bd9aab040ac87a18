#include "dynaflow/store/dynamodb/client/http.h"

#include <strings.h>

namespace dynaflow::dynamodb {

const std::string* FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
      return &v;
    }
  }
  return nullptr;
}

}  // namespace dynaflow::dynamodb
