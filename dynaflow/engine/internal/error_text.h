// Error texts from user code (Status messages, exception texts, codec errors) end up in run and
// step items, so they are made recordable first: valid UTF-8 (each invalid sequence becomes
// U+FFFD, as the store accepts only valid UTF-8 strings) and bounded in size (a multi-megabyte
// exception text must not push an item past DynamoDB's 400 KB limit and leave the run unable
// to record its failure).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dynaflow::engine::internal {

// Bound of a step's recorded error.
inline constexpr size_t kMaxStepErrorBytes = 4096;
// Bound of a run's recorded error (it may join the errors of several steps).
inline constexpr size_t kMaxRunErrorBytes = 16384;

// `text` as valid UTF-8 of at most `max_bytes` (>= 64) bytes. A longer text keeps its beginning
// and its end, cut at character boundaries, joined by " ... [<n> bytes cut] ... ".
std::string RecordableError(std::string_view text, size_t max_bytes);

}  // namespace dynaflow::engine::internal
