#include "dynaflow/store/table/internal/decimal.h"

#include <algorithm>

namespace dynaflow::table::internal {
namespace {

constexpr int64_t kMaxExponentMagnitude = 1'000'000'000;
constexpr size_t kMaxSignificantDigits = 38;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Removes leading zeros of digits and trailing zeros (moving them into the exponent).
void Normalize(Decimal* d) {
  size_t first = d->digits.find_first_not_of('0');
  if (first == std::string::npos) {
    *d = Decimal{};
    return;
  }
  d->digits.erase(0, first);
  size_t last = d->digits.find_last_not_of('0');
  d->exponent += static_cast<int64_t>(d->digits.size() - last - 1);
  d->digits.resize(last + 1);
}

// Compares magnitudes |a| and |b| of normalized decimals.
int CompareMagnitude(const Decimal& a, const Decimal& b) {
  if (a.is_zero() || b.is_zero()) return a.is_zero() == b.is_zero() ? 0 : (a.is_zero() ? -1 : 1);
  // Position of the most significant digit: size + exponent.
  int64_t ma = static_cast<int64_t>(a.digits.size()) + a.exponent;
  int64_t mb = static_cast<int64_t>(b.digits.size()) + b.exponent;
  if (ma != mb) return ma < mb ? -1 : 1;
  // Same magnitude: compare digit strings left-aligned (missing digits are zeros).
  size_t n = std::max(a.digits.size(), b.digits.size());
  for (size_t i = 0; i < n; ++i) {
    char ca = i < a.digits.size() ? a.digits[i] : '0';
    char cb = i < b.digits.size() ? b.digits[i] : '0';
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

// Digits of `d` scaled to exponent `e` (e <= d.exponent): appends zeros.
std::string ScaledDigits(const Decimal& d, int64_t e) {
  return d.digits + std::string(static_cast<size_t>(d.exponent - e), '0');
}

// Sum of two unsigned digit strings.
std::string AddDigits(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int da = i < a.size() ? a[a.size() - 1 - i] - '0' : 0;
    int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    int s = da + db + carry;
    out.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// a - b for unsigned digit strings with a >= b numerically.
std::string SubtractDigits(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int da = a[a.size() - 1 - i] - '0' - borrow;
    int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    borrow = da < db ? 1 : 0;
    out.push_back(static_cast<char>('0' + da + borrow * 10 - db));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Decimal> ParseDecimal(std::string_view s) {
  auto invalid = [&] {
    return Status::InvalidArgument("'" + std::string(s) + "' is not a number");
  };
  Decimal d;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) d.negative = s[i++] == '-';
  bool any_digit = false, dot = false;
  int64_t fraction_digits = 0;
  for (; i < s.size(); ++i) {
    if (IsDigit(s[i])) {
      d.digits.push_back(s[i]);
      any_digit = true;
      if (dot) ++fraction_digits;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any_digit) return invalid();
  int64_t exp = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return invalid();
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) exp_negative = s[i++] == '-';
    if (i >= s.size()) return invalid();
    for (; i < s.size(); ++i) {
      if (!IsDigit(s[i])) return invalid();
      exp = exp * 10 + (s[i] - '0');
      if (exp > kMaxExponentMagnitude) return invalid();
    }
    if (exp_negative) exp = -exp;
  }
  d.exponent = exp - fraction_digits;
  Normalize(&d);
  return d;
}

int CompareDecimals(const Decimal& a, const Decimal& b) {
  bool a_neg = a.negative && !a.is_zero();
  bool b_neg = b.negative && !b.is_zero();
  if (a_neg != b_neg) return a_neg ? -1 : 1;
  int m = CompareMagnitude(a, b);
  return a_neg ? -m : m;
}

std::string FormatDecimal(const Decimal& d) {
  if (d.is_zero()) return "0";
  std::string out = d.negative ? "-" : "";
  if (d.exponent >= 0) return out + d.digits + std::string(static_cast<size_t>(d.exponent), '0');
  size_t frac = static_cast<size_t>(-d.exponent);
  if (frac >= d.digits.size()) {
    return out + "0." + std::string(frac - d.digits.size(), '0') + d.digits;
  }
  return out + d.digits.substr(0, d.digits.size() - frac) + "." +
         d.digits.substr(d.digits.size() - frac);
}

Result<std::string> AddDecimalStrings(std::string_view a_text, std::string_view b_text) {
  DYNAFLOW_ASSIGN_OR_RETURN(Decimal a, ParseDecimal(a_text));
  DYNAFLOW_ASSIGN_OR_RETURN(Decimal b, ParseDecimal(b_text));
  if (a.is_zero()) return FormatDecimal(b);
  if (b.is_zero()) return FormatDecimal(a);
  int64_t e = std::min(a.exponent, b.exponent);
  // Aligning digits needs |exponent difference| zeros; beyond 38 + 130 + 126 digits the sum
  // cannot be a valid DynamoDB number anyway.
  if (std::max(a.exponent, b.exponent) - e > 400) {
    return Status::InvalidArgument("sum of " + std::string(a_text) + " and " + std::string(b_text) +
                                   " exceeds 38 significant digits");
  }
  std::string da = ScaledDigits(a, e), db = ScaledDigits(b, e);
  Decimal sum;
  sum.exponent = e;
  if (a.negative == b.negative) {
    sum.digits = AddDigits(da, db);
    sum.negative = a.negative;
  } else {
    int m = CompareMagnitude(a, b);
    if (m == 0) return std::string("0");
    sum.digits = m > 0 ? SubtractDigits(da, db) : SubtractDigits(db, da);
    sum.negative = m > 0 ? a.negative : b.negative;
  }
  Normalize(&sum);
  if (sum.digits.size() > kMaxSignificantDigits) {
    return Status::InvalidArgument("sum of " + std::string(a_text) + " and " + std::string(b_text) +
                                   " exceeds 38 significant digits");
  }
  return FormatDecimal(sum);
}

}  // namespace dynaflow::table::internal
