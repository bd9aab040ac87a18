// Exact arithmetic on DynamoDB numbers (N) kept as decimal strings; never through double.
//
// A DynamoDB number is an optional sign, digits with an optional fraction, and an optional
// exponent ("-12.50e3"). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dynaflow/model/result.h"

namespace dynaflow::table::internal {

// A parsed number: value = (negative ? -1 : 1) * digits * 10^exponent, where `digits` has no
// leading or trailing zeros ("" for zero, in which case negative is false and exponent 0).
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;

  bool is_zero() const { return digits.empty(); }
};

// Parses `s`; kInvalidArgument when it is not a number (exponent magnitudes above 10^9 are
// rejected as invalid too, far beyond DynamoDB's range of 1e-130 .. 9.99e125).
Result<Decimal> ParseDecimal(std::string_view s);

// -1, 0 or 1 as a <, =, > b (numerically: "1.0" equals "1", "-0" equals "0").
int CompareDecimals(const Decimal& a, const Decimal& b);

// The canonical text of `d`: plain notation without exponent ("1500", "-0.25", "0").
std::string FormatDecimal(const Decimal& d);

// a + b, exactly. kInvalidArgument when either is not a number or the sum needs more than 38
// significant digits (DynamoDB refuses such numbers too).
Result<std::string> AddDecimalStrings(std::string_view a, std::string_view b);

}  // namespace dynaflow::table::internal
