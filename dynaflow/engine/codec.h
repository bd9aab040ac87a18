// Codec<T>: how step inputs and outputs become payload bytes and back.
//
// Built in: JSON (rapidjson) for bool, the integer types, float/double (NaN and infinities
// included), std::string, Unit (null), std::vector<T>, std::map<std::string, T>,
// std::optional<T> (null when empty), nested freely.
//
// Ways to plug in a user type:
//  1. For a struct stored as a JSON object, name its fields once in JsonFields<T>; JsonTraits<T>
//     (both directions) follows from the list:
//       template <> struct dynaflow::engine::JsonFields<Order> {
//         static constexpr auto kFields =
//             std::make_tuple(JsonField("id", &Order::id), JsonField("sku", &Order::sku));
//       };
//     T must be default-constructible; every listed member must be JsonSerializable.
//  2. Specialize JsonTraits<T> (Write into a JsonWriter, Read from a JsonValue) for any other
//     JSON shape. Either way the type gets a JSON Codec and also works inside vectors, maps and
//     optionals.
//  3. Specialize Codec<T> directly with any byte format:
//       template <> struct dynaflow::engine::Codec<MyType> {
//         static std::string Encode(const MyType& v);
//         static Result<MyType> Decode(std::string_view payload);  // kSerialization on bad input
//       };
//
// Contract of every codec: Decode(Encode(v)) equals v; Decode never throws and returns
// kSerialization for payloads it cannot read. Payloads are stored as they are, so changing a
// type's encoding breaks runs recorded with the old one (version the workflow instead).
// Thread-safety: codecs are stateless functions.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "dynaflow/model/result.h"

namespace dynaflow::engine {

// The value of a step that takes or returns nothing meaningful (JSON null).
using Unit = std::monostate;

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                     rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;
using JsonValue = rapidjson::Value;

// Specialize for user types: static void Write(JsonWriter&, const T&);
//                            static Result<T> Read(const JsonValue&);
template <class T, class Enable = void>
struct JsonTraits;

template <class T>
concept JsonSerializable = requires(JsonWriter& w, const T& v, const JsonValue& j) {
  JsonTraits<T>::Write(w, v);
  { JsonTraits<T>::Read(j) } -> std::same_as<Result<T>>;
};

namespace codec_internal {
Status TypeError(std::string_view expected, const JsonValue& got);
Result<rapidjson::Document> Parse(std::string_view payload);
}  // namespace codec_internal

// The payload codec. The primary template covers every JsonSerializable type.
template <class T>
struct Codec {
  static std::string Encode(const T& value) requires JsonSerializable<T> {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    JsonTraits<T>::Write(writer, value);
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  static Result<T> Decode(std::string_view payload) requires JsonSerializable<T> {
    auto doc = codec_internal::Parse(payload);
    if (!doc.ok()) return doc.error();
    return JsonTraits<T>::Read(*doc);
  }
};

// A type usable as a step input or output: it has a codec and can be copied (values are kept
// in memory between steps).
template <class T>
concept Encodable = std::copy_constructible<T> && requires(const T& v, std::string_view s) {
  { Codec<T>::Encode(v) } -> std::same_as<std::string>;
  { Codec<T>::Decode(s) } -> std::same_as<Result<T>>;
};

// ---- built-in JsonTraits ------------------------------------------------------------------

template <>
struct JsonTraits<Unit> {
  static void Write(JsonWriter& w, const Unit&) { w.Null(); }
  static Result<Unit> Read(const JsonValue& j) {
    if (!j.IsNull()) return codec_internal::TypeError("null", j);
    return Unit{};
  }
};

template <>
struct JsonTraits<bool> {
  static void Write(JsonWriter& w, bool v) { w.Bool(v); }
  static Result<bool> Read(const JsonValue& j) {
    if (!j.IsBool()) return codec_internal::TypeError("bool", j);
    return j.GetBool();
  }
};

template <>
struct JsonTraits<std::string> {
  static void Write(JsonWriter& w, const std::string& v) {
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  static Result<std::string> Read(const JsonValue& j) {
    if (!j.IsString()) return codec_internal::TypeError("string", j);
    return std::string(j.GetString(), j.GetStringLength());
  }
};

// Integers (not bool, not char types): range-checked on decode.
template <class T>
struct JsonTraits<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static void Write(JsonWriter& w, T v) {
    if constexpr (std::is_signed_v<T>) {
      w.Int64(static_cast<int64_t>(v));
    } else {
      w.Uint64(static_cast<uint64_t>(v));
    }
  }
  static Result<T> Read(const JsonValue& j) {
    if constexpr (std::is_signed_v<T>) {
      if (!j.IsInt64()) return codec_internal::TypeError("integer", j);
      int64_t v = j.GetInt64();
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        return codec_internal::TypeError("integer in range", j);
      }
      return static_cast<T>(v);
    } else {
      if (!j.IsUint64()) return codec_internal::TypeError("unsigned integer", j);
      uint64_t v = j.GetUint64();
      if (v > std::numeric_limits<T>::max()) {
        return codec_internal::TypeError("unsigned integer in range", j);
      }
      return static_cast<T>(v);
    }
  }
};

template <class T>
struct JsonTraits<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static void Write(JsonWriter& w, T v) { w.Double(static_cast<double>(v)); }
  static Result<T> Read(const JsonValue& j) {
    if (!j.IsNumber()) return codec_internal::TypeError("number", j);
    return static_cast<T>(j.GetDouble());
  }
};

template <JsonSerializable T>
struct JsonTraits<std::optional<T>> {
  static void Write(JsonWriter& w, const std::optional<T>& v) {
    if (v) {
      JsonTraits<T>::Write(w, *v);
    } else {
      w.Null();
    }
  }
  static Result<std::optional<T>> Read(const JsonValue& j) {
    if (j.IsNull()) return std::optional<T>();
    auto v = JsonTraits<T>::Read(j);
    if (!v.ok()) return v.error();
    return std::optional<T>(std::move(v).value());
  }
};

template <JsonSerializable T>
struct JsonTraits<std::vector<T>> {
  static void Write(JsonWriter& w, const std::vector<T>& v) {
    w.StartArray();
    for (const T& e : v) JsonTraits<T>::Write(w, e);
    w.EndArray();
  }
  static Result<std::vector<T>> Read(const JsonValue& j) {
    if (!j.IsArray()) return codec_internal::TypeError("array", j);
    std::vector<T> out;
    out.reserve(j.Size());
    for (const auto& e : j.GetArray()) {
      auto v = JsonTraits<T>::Read(e);
      if (!v.ok()) return v.error();
      out.push_back(std::move(v).value());
    }
    return out;
  }
};

template <JsonSerializable T>
struct JsonTraits<std::map<std::string, T>> {
  static void Write(JsonWriter& w, const std::map<std::string, T>& v) {
    w.StartObject();
    for (const auto& [k, e] : v) {
      w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
      JsonTraits<T>::Write(w, e);
    }
    w.EndObject();
  }
  static Result<std::map<std::string, T>> Read(const JsonValue& j) {
    if (!j.IsObject()) return codec_internal::TypeError("object", j);
    std::map<std::string, T> out;
    for (const auto& m : j.GetObject()) {
      auto v = JsonTraits<T>::Read(m.value);
      if (!v.ok()) return v.error();
      out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()), std::move(v).value());
    }
    return out;
  }
};

// Reads member `name` of a JSON object (for user JsonTraits). kSerialization when `j` is not an
// object, the member is missing, or it has the wrong type.
template <JsonSerializable T>
Result<T> ReadMember(const JsonValue& j, const char* name) {
  if (!j.IsObject()) return codec_internal::TypeError("object", j);
  auto it = j.FindMember(name);
  if (it == j.MemberEnd()) {
    return Status::Serialization(std::string("missing member \"") + name + "\"");
  }
  auto v = JsonTraits<T>::Read(it->value);
  if (!v.ok()) return v.error().WithContext(std::string("member \"") + name + "\"");
  return v;
}

// Writes `"name": value` into the object being written (for user JsonTraits).
template <JsonSerializable T>
void WriteMember(JsonWriter& w, const char* name, const T& value) {
  w.Key(name);
  JsonTraits<T>::Write(w, value);
}

// ---- JsonFields: JsonTraits derived from a field list ----------------------------------------

// One member of a JsonFields list: its JSON name and the pointer to the struct member.
template <class T, class M>
struct JsonFieldOf {
  const char* name;
  M T::*member;
};
template <class T, class M>
constexpr JsonFieldOf<T, M> JsonField(const char* name, M T::*member) {
  return {name, member};
}

// Specialize with `static constexpr auto kFields = std::make_tuple(JsonField(...), ...);`.
template <class T>
struct JsonFields;

template <class T>
concept HasJsonFields = requires {
  JsonFields<T>::kFields;
};

// Writes the listed members in list order; Read needs every one of them (extra members are
// ignored) and names the first one that is missing or of the wrong type.
template <HasJsonFields T>
struct JsonTraits<T> {
  static void Write(JsonWriter& w, const T& v) {
    w.StartObject();
    std::apply([&](const auto&... f) { (WriteMember(w, f.name, v.*f.member), ...); },
               JsonFields<T>::kFields);
    w.EndObject();
  }
  static Result<T> Read(const JsonValue& j) {
    if (!j.IsObject()) return codec_internal::TypeError("object", j);
    T out{};
    Status status = Status::OK();
    auto read_one = [&](const auto& f) {
      using Member = std::remove_cvref_t<decltype(out.*f.member)>;
      auto r = ReadMember<Member>(j, f.name);
      if (r.ok()) {
        out.*f.member = std::move(r).value();
      } else {
        status = r.error();
      }
      return r.ok();
    };
    std::apply([&](const auto&... f) { (read_one(f) && ...); }, JsonFields<T>::kFields);
    if (!status.ok()) return status;
    return out;
  }
};

}  // namespace dynaflow::engine
