// libFuzzer target: everything the DynamoDB client parses from the network (responses of the
// operations the store uses, error bodies) and the request UTF-8 check. The first input byte
// picks the parser, the rest is the body. Beyond "no crash, no sanitizer report", one property
// is checked: an item that parses re-serializes to JSON that parses back to the same item.
//
// Build and run (libFuzzer, or standalone_driver.cc in test builds): tests/fuzz/CMakeLists.txt.
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {
namespace {

void CheckItemRoundTrip(std::string_view body) {
  Item item;
  if (!ItemFromJson(body, &item).ok()) return;
  const std::string again = ItemToJson(item);
  Item back;
  if (!ItemFromJson(again, &back).ok() || !(back == item)) std::abort();
}

template <class Response>
void Parse(std::string_view body) {
  Response out;
  (void)ParseResponse(body, &out);
}

void ParseError(std::string_view body) {
  const Error e = ParseErrorResponse(400, {{"x-amzn-RequestId", "fuzz"}}, body);
  (void)e.ToString();
}

void CheckUtf8(std::string_view body) { (void)CheckRequestUtf8("PutItem", body); }

// Indexed by the first input byte modulo their count (the seed corpus relies on this order).
constexpr void (*kTargets[])(std::string_view) = {
    CheckItemRoundTrip,
    Parse<QueryResponse>,
    Parse<GetItemResponse>,
    Parse<UpdateItemResponse>,
    Parse<TransactWriteItemsResponse>,
    Parse<BatchGetItemResponse>,
    Parse<DescribeTableResponse>,
    ParseError,
    CheckUtf8,
};

}  // namespace
}  // namespace dynaflow::dynamodb

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dynaflow::dynamodb;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  kTargets[data[0] % std::size(kTargets)](body);
  return 0;
}
