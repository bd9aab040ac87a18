// TypeName: a readable C++ type name for error messages.
#pragma once

#include <string>
#include <typeindex>
#include <typeinfo>

namespace dynaflow {

// The demangled name of `type` as the compiler spells it, e.g. "int" or
// "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >" with
// libstdc++; the raw typeid name when it cannot be demangled.
std::string TypeName(const std::type_info& type);
std::string TypeName(std::type_index type);

}  // namespace dynaflow
