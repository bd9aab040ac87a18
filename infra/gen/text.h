// Small text helpers of the infra generator.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dynaflow::infra {

// The parts joined with `separator` between them.
std::string Join(const std::vector<std::string>& parts, const std::string& separator);

// `text` with every @NAME@ (NAME: A-Z and _) replaced by values.at("NAME"); any other '@' is
// kept as it is. A placeholder without a value, or a value no placeholder uses, is a bug of
// the generator: it aborts with a message.
std::string Fill(const std::string& text, const std::map<std::string, std::string>& values);

// `text` as a JSON string literal, quotes included.
std::string JsonString(const std::string& text);

}  // namespace dynaflow::infra
