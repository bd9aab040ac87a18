#include "dynaflow/cli/json_input.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace dynaflow::cli {

Result<std::string> ReadJsonArgument(const std::string& flag, const std::string& value) {
  std::string text = value;
  if (!value.empty() && value[0] == '@') {
    const std::string path = value.substr(1);
    if (path == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) return Status::InvalidArgument(flag + ": cannot read " + path);
      std::ostringstream content;
      content << in.rdbuf();
      text = content.str();
    }
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument("malformed JSON input (" + flag +
                                   "): " + rapidjson::GetParseError_En(doc.GetParseError()) +
                                   " at offset " + std::to_string(doc.GetErrorOffset()));
  }
  return text;
}

}  // namespace dynaflow::cli
