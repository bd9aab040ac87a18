// Options shared by every Table backend (each backend adds its own options struct beside it).
#pragma once

#include <string>

#include "dynaflow/model/clock.h"

namespace dynaflow::table {

struct TableOptions {
  // Time source for TTL filtering (an item whose `ttl` <= Now() is invisible to reads).
  // Not owned; must outlive the table. nullptr: Clock::Real().
  Clock* clock = nullptr;

  // Key of the HMAC-SHA256 that authenticates query cursors, so a cursor cannot be forged or
  // edited to read another partition. Any length; never logged.
  // Empty (the default): a fixed built-in key, which only catches accidental misuse
  // (truncated, edited or mixed-up cursors); anyone who can read this source can forge cursors.
  // Set a secret when cursors reach untrusted clients. Tables sharing data (several processes,
  // several hosts) must use the same secret for their cursors to be accepted by each other.
  std::string cursor_secret;
};

}  // namespace dynaflow::table
