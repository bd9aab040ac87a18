#include "dynaflow/cli/json_out.h"

#include <rapidjson/memorystream.h>

namespace dynaflow::cli {

bool IsJson(std::string_view text) {
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::BaseReaderHandler<> ignore;
  if (!reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag>(
          ms, ignore)) {
    return false;
  }
  // Only whitespace may follow the value.
  for (size_t i = ms.Tell(); i < text.size(); ++i) {
    char c = text[i];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

std::string PrettyPayload(std::string_view payload) {
  if (IsJson(payload)) return RelayoutJson(JsonLayout::kPretty, payload);
  if (IsValidUtf8(payload)) return std::string(payload);
  return "<" + std::to_string(payload.size()) + " bytes, not UTF-8>";
}

std::string JsonFields(const std::vector<JsonField>& fields) {
  return RenderJson(JsonLayout::kCompact,
                    [&](auto& w) {
                      w.StartObject();
                      for (const JsonField& f : fields) WriteField(w, f);
                      w.EndObject();
                    }) +
         "\n";
}

}  // namespace dynaflow::cli
