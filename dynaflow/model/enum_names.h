// One table per enum that has names: the enum's values with the name each has in text (config
// files, flags, the CLI, stored items), so the name of a value and the value of a name come from
// the same place.
//
//   inline constexpr EnumName<StoreType> kStoreTypeNames[] = {
//       {StoreType::kSqlite, "sqlite"}, {StoreType::kDynamoDb, "dynamodb"}};
//   NameOf(kStoreTypeNames, StoreType::kSqlite, "unknown");  // "sqlite"
//   ValueOf(kStoreTypeNames, "dynamodb");                    // StoreType::kDynamoDb
//
// Thread-safety: pure functions over constant tables.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dynaflow {

template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

// The name of `value` in `table`, or `unknown` when the table does not list it.
template <typename Enum, size_t N>
constexpr std::string_view NameOf(const EnumName<Enum> (&table)[N], Enum value,
                                  std::string_view unknown) {
  for (const EnumName<Enum>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return unknown;
}

// The value named `name` in `table` (exact, case-sensitive match), or nullopt.
template <typename Enum, size_t N>
constexpr std::optional<Enum> ValueOf(const EnumName<Enum> (&table)[N], std::string_view name) {
  for (const EnumName<Enum>& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

// The names of `table` in its order, each quoted and separated by `separator`, e.g.
// "\"sqlite\", \"dynamodb\"" (quote "\"") or "table, json" (quote ""), for messages that list the
// accepted names.
template <typename Enum, size_t N>
std::string NamesOf(const EnumName<Enum> (&table)[N], std::string_view separator,
                    std::string_view quote) {
  std::string out;
  for (const EnumName<Enum>& entry : table) {
    if (!out.empty()) out += separator;
    out.append(quote).append(entry.name).append(quote);
  }
  return out;
}

}  // namespace dynaflow
