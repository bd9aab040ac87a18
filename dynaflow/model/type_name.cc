#include "dynaflow/model/type_name.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace dynaflow {
namespace {

std::string Demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  if (status != 0 || demangled == nullptr) return mangled;
  return demangled.get();
}

}  // namespace

std::string TypeName(const std::type_info& type) { return Demangle(type.name()); }
std::string TypeName(std::type_index type) { return Demangle(type.name()); }

}  // namespace dynaflow
