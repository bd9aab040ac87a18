// CheckRequestUtf8: refuses request bodies DynamoDB would reject for invalid UTF-8.
#include "dynaflow/model/utf8.h"
#include "dynaflow/store/dynamodb/client/internal/json.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {
namespace {

std::string NotUtf8(size_t at) { return " is not valid UTF-8 (byte " + std::to_string(at) + ")"; }

// The first string of `v` in document order (member names included) that is not valid UTF-8,
// as kInvalidArgument "<path>: ...". The body was written by the wire format code, so nesting is
// bounded by what the serializers wrote (recursion depth as in WriteAttributeValue).
Status FindInvalidString(const json::Value& v, const json::Path& at) {
  if (v.IsString()) {
    size_t bad = FindInvalidUtf8(json::StringOf(v));
    if (bad == std::string_view::npos) return Status::OK();
    return Status::InvalidArgument(at.ToString() + ": string" + NotUtf8(bad));
  }
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      std::string_view name = json::StringOf(m->name);
      if (size_t bad = FindInvalidUtf8(name); bad != std::string_view::npos) {
        return Status::InvalidArgument(at.ToString() + ": member name \"" + SanitizeUtf8(name) +
                                       "\"" + NotUtf8(bad));
      }
      DYNAFLOW_RETURN_IF_ERROR(FindInvalidString(m->value, at.Key(name)));
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      DYNAFLOW_RETURN_IF_ERROR(FindInvalidString(v[i], at.Index(i)));
    }
  }
  return Status::OK();
}

}  // namespace

Status CheckRequestUtf8(std::string_view operation, std::string_view body) {
  const size_t bad = FindInvalidUtf8(body);
  if (bad == std::string_view::npos) return Status::OK();  // the common case: one scan
  const std::string prefix = std::string(operation) + " request: ";
  // Locate the offending string for the message. The parser copies non-ASCII bytes as they are
  // (it does not validate the encoding), so the strings keep their bad bytes.
  json::Document doc;
  if (doc.Parse(body).ok()) {
    Status found = FindInvalidString(doc.root(), json::Path());
    if (!found.ok()) return Status::InvalidArgument(prefix + found.message());
  }
  return Status::InvalidArgument(prefix + "body" + NotUtf8(bad));
}

}  // namespace dynaflow::dynamodb
