#include "dynaflow/model/type_name.h"

#include <gtest/gtest.h>

#include <string>
#include <typeindex>
#include <vector>

namespace dynaflow {
namespace {

struct Order {};

TEST(TypeNameTest, DemanglesBuiltinLibraryAndUserTypes) {
  EXPECT_EQ(TypeName(typeid(int)), "int");
  EXPECT_EQ(TypeName(typeid(std::string)),
            "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >");
  EXPECT_EQ(TypeName(typeid(std::vector<int>)), "std::vector<int, std::allocator<int> >");
  EXPECT_EQ(TypeName(typeid(Order)), "dynaflow::(anonymous namespace)::Order");
}

TEST(TypeNameTest, TypeIndexGivesTheSameName) {
  EXPECT_EQ(TypeName(std::type_index(typeid(double))), "double");
  EXPECT_EQ(TypeName(std::type_index(typeid(Order))), TypeName(typeid(Order)));
}

}  // namespace
}  // namespace dynaflow
