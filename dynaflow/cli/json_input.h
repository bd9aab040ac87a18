// JSON given on the command line (--input of runs start and schedules create, --data of events
// send): the text itself, or "@FILE" for a file's content, or "@-" for stdin.
// Thread-safety: reads stdin for "@-"; call from the main thread.
#pragma once

#include <string>

#include "dynaflow/model/result.h"

namespace dynaflow::cli {

// The JSON text of `value`, given with `flag`. Errors: kInvalidArgument naming the flag (a file
// that cannot be read, malformed JSON with the parser's reason and offset).
Result<std::string> ReadJsonArgument(const std::string& flag, const std::string& value);

}  // namespace dynaflow::cli
