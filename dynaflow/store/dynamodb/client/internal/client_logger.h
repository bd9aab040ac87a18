// The client's named spdlog logger ("dynaflow.dynamodb"). Messages never contain credentials,
// signatures, tokens or request headers.
#pragma once

#include <spdlog/logger.h>

#include <memory>

namespace dynaflow::dynamodb {

// Returns the shared logger, creating it on first use (thread-safe). Never null.
std::shared_ptr<spdlog::logger> ClientLogger();

}  // namespace dynaflow::dynamodb
