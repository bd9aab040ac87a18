// The DynamoDB JSON wire format (JSON protocol 1.0, API version 2012-08-10).
//
// Serializes the request values of operations.h to request bodies, parses response bodies into
// the response values, parses error responses into dynamodb::Error, and verifies x-amz-crc32.
//
// Attribute values use DynamoDB JSON: {"S":".."}, {"N":"<decimal string>"}, {"B":"<base64>"},
// {"BOOL":true}, {"NULL":true}, {"M":{..}}, {"L":[..]}, {"SS":[..]}, {"NS":[..]}, {"BS":[..]}.
// Numbers stay decimal strings end to end; nothing goes through double.
//
// Serializers never fail and do not validate (the client validates requests before sending,
// CheckRequestUtf8 included): they write what they are given, leaving out optional fields that
// are unset or empty.
//
// Parsers never throw and never crash on malformed input: an invalid, truncated or wrongly
// typed body yields Status kSerialization "<Operation> response: <json path>: <problem>", e.g.
// "GetItem response: Item.payload.M.x: NS element 2 is not a number". On error the output
// value is left in an unspecified (but valid) state. Nesting deeper than kMaxNestingDepth
// attribute levels is rejected (DynamoDB allows 32).
//
// Thread-safety: all functions are pure; call them concurrently freely.
#pragma once

#include <string>
#include <string_view>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/error.h"
#include "dynaflow/store/dynamodb/client/http.h"
#include "dynaflow/store/dynamodb/client/operations.h"

namespace dynaflow::dynamodb {

// Deepest M/L nesting a parsed attribute value may have (the top-level value is depth 1).
inline constexpr int kMaxNestingDepth = 64;

// ---- Attribute values --------------------------------------------------------------------

// {"S":"x"} etc.
std::string AttributeValueToJson(const AttributeValue& value);
// {"name":{"S":"x"},...}: an item or a key, as in Item / Key / ExclusiveStartKey.
std::string ItemToJson(const Item& item);

// Inverse of the above. Errors: kSerialization naming the path, e.g. "a.M.b: expected exactly
// one type key, got 2" or "$: invalid JSON at offset 3: ...".
Status AttributeValueFromJson(std::string_view json, AttributeValue* out);
Status ItemFromJson(std::string_view json, Item* out);

// ---- Request bodies ----------------------------------------------------------------------

std::string ToJson(const GetItemRequest& request);
std::string ToJson(const PutItemRequest& request);
std::string ToJson(const UpdateItemRequest& request);
std::string ToJson(const DeleteItemRequest& request);
std::string ToJson(const QueryRequest& request);
std::string ToJson(const ScanRequest& request);
std::string ToJson(const BatchGetItemRequest& request);
std::string ToJson(const BatchWriteItemRequest& request);
std::string ToJson(const TransactWriteItemsRequest& request);
std::string ToJson(const TransactGetItemsRequest& request);
std::string ToJson(const CreateTableRequest& request);
std::string ToJson(const DescribeTableRequest& request);
std::string ToJson(const DeleteTableRequest& request);
std::string ToJson(const UpdateTimeToLiveRequest& request);
std::string ToJson(const DescribeTimeToLiveRequest& request);

// DynamoDB accepts only valid UTF-8 (dynaflow/model/utf8.h) in a request body, and the serializers
// copy strings byte for byte. The client calls this on every body before signing or sending it.
// Returns OK when `body` (as written by ToJson) is valid UTF-8; otherwise kInvalidArgument
// naming the first offending string by its JSON path and the zero-based offset of its first bad
// byte (bad bytes shown as U+FFFD), e.g.
//   PutItem request: Item.tags.M.team.S: string is not valid UTF-8 (byte 2)
//   PutItem request: Item.payload.M: member name "k\uFFFD" is not valid UTF-8 (byte 1)
// Cost when valid: one scan of the body (eight ASCII bytes per step).
Status CheckRequestUtf8(std::string_view operation, std::string_view body);

// ---- Successful response bodies (HTTP 2xx) -----------------------------------------------
//
// Each resets `*out` (non-null) and fills it from `body`. Returns OK or kSerialization.
// Required fields (an error when missing): Query/Scan "Items" and "Count"; TransactGetItems
// "Responses"; CreateTable/DeleteTable/DescribeTable the table description ("TableDescription"
// or "Table", either accepted) with its "TableName" and "TableStatus"; UpdateTimeToLive
// "TimeToLiveSpecification" with "AttributeName" and "Enabled"; DescribeTimeToLive
// "TimeToLiveDescription" with "TimeToLiveStatus". Everything else is optional. Unknown fields
// are ignored. ConsumedCapacity is accepted as an object or as an array of objects in every
// response (a single-valued field takes the first element of an array).

Status ParseResponse(std::string_view body, GetItemResponse* out);
Status ParseResponse(std::string_view body, PutItemResponse* out);
Status ParseResponse(std::string_view body, UpdateItemResponse* out);
Status ParseResponse(std::string_view body, DeleteItemResponse* out);
Status ParseResponse(std::string_view body, QueryResponse* out);  // also ScanResponse
Status ParseResponse(std::string_view body, BatchGetItemResponse* out);
Status ParseResponse(std::string_view body, BatchWriteItemResponse* out);
Status ParseResponse(std::string_view body, TransactWriteItemsResponse* out);
Status ParseResponse(std::string_view body, TransactGetItemsResponse* out);
Status ParseResponse(std::string_view body, CreateTableResponse* out);
Status ParseResponse(std::string_view body, DescribeTableResponse* out);
Status ParseResponse(std::string_view body, DeleteTableResponse* out);
Status ParseResponse(std::string_view body, UpdateTimeToLiveResponse* out);
Status ParseResponse(std::string_view body, DescribeTimeToLiveResponse* out);

// ---- Error responses (HTTP 4xx/5xx) ------------------------------------------------------

// Builds the Error of a non-2xx response. Never fails.
//  - type: the body's "__type" after its last '#' (anything after a ':' dropped); when the body
//    has none, the x-amzn-ErrorType header likewise stripped; when neither, a name derived from
//    the status (500 "InternalServerError", 502 "BadGateway", 503 "ServiceUnavailable",
//    504 "GatewayTimeout", 429 "TooManyRequestsException", 413 "RequestEntityTooLarge"),
//    otherwise kSerializationError.
//  - message: the body's "message" or "Message". When the body is not a JSON object the message
//    says so and quotes at most kErrorBodySnippetBytes of it (non-printable bytes as '?').
//  - request_id: the x-amzn-RequestId header; http_status: `http_status`.
//  - cancellation_reasons: "CancellationReasons" (Code, Message, Item) in request order.
//  - item: "Item" (the old item of a failed condition with ReturnValuesOnConditionCheckFailure).
// A malformed field (e.g. an Item that is not valid DynamoDB JSON) is dropped and described at
// the end of the message; the type is kept so callers still see the real exception.
inline constexpr size_t kErrorBodySnippetBytes = 256;
Error ParseErrorResponse(int http_status, const HttpHeaders& headers, std::string_view body);

// ---- Integrity ---------------------------------------------------------------------------

// Checks the x-amz-crc32 header (decimal CRC-32 of the raw body bytes as received, before any
// content decoding) against `body`. Returns OK when the header is absent or matches; otherwise
// kSerialization "x-amz-crc32 mismatch: header <n>, body (<len> bytes) <m>" or, for a header
// that is not a decimal 32-bit number, "x-amz-crc32 header '<v>' is not a decimal CRC-32".
// Callers should report any non-OK result as an Error of type kCrc32MismatchError (retryable:
// the body was damaged in transit).
Status VerifyCrc32(const HttpHeaders& headers, std::string_view body);

}  // namespace dynaflow::dynamodb
