#include "dynaflow/engine/codec.h"

#include <rapidjson/error/en.h>

#include <string>

namespace dynaflow::engine::codec_internal {

namespace {
const char* KindName(const JsonValue& j) {
  switch (j.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "bool";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "unknown";
}
}  // namespace

Status TypeError(std::string_view expected, const JsonValue& got) {
  std::string what = KindName(got);
  if (got.IsNumber()) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    got.Accept(writer);
    what += " ";
    what.append(buffer.GetString(), buffer.GetSize());
  }
  return Status::Serialization("expected " + std::string(expected) + ", got " + what);
}

Result<rapidjson::Document> Parse(std::string_view payload) {
  rapidjson::Document doc;
  // Without kParseStopWhenDoneFlag, content after the root value is an error (a truncated or
  // concatenated payload is rejected).
  doc.Parse<rapidjson::kParseNanAndInfFlag>(payload.data(), payload.size());
  if (doc.HasParseError()) {
    return Status::Serialization("invalid JSON payload at offset " +
                                 std::to_string(doc.GetErrorOffset()) + ": " +
                                 rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

}  // namespace dynaflow::engine::codec_internal
