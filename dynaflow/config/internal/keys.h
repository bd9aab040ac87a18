// Setting one configuration key from any layer (file, environment, flag), with the checks and
// messages of config.h. Private to the configuration library (dynaflow/config/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dynaflow/config/config.h"

namespace dynaflow::config::internal {

// A value as a layer provides it. TOML values are typed; environment and flag values are text
// and converted per the key's type.
struct RawValue {
  enum class Kind { kText, kString, kInteger, kBoolean, kOther };
  Kind kind = Kind::kText;
  std::string text;            // kText, kString
  int64_t integer = 0;         // kInteger
  bool boolean = false;        // kBoolean
  std::string_view type_name;  // kOther: "a float", "an array", "a table", "a date", ...
};

// Sets `key` in `*config` and records `where` as its origin. Errors:
// "<where>: [<section>] <key>: <what was expected>" (never quoting a secret value).
Status SetKey(const KeyInfo& key, const RawValue& value, const std::string& where, Config* config);

// "type, table, key-prefix, ..." for `section`.
std::string ValidKeysOf(std::string_view section);

// "[store], [worker]".
std::string ValidSections();

// True for "store" and "worker".
bool IsSection(std::string_view name);

}  // namespace dynaflow::config::internal
