#include "dynaflow/store/dynamodb/client/internal/client_logger.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace dynaflow::dynamodb {

std::shared_ptr<spdlog::logger> ClientLogger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("dynaflow.dynamodb");
    if (existing) return existing;
    auto created = spdlog::stderr_color_mt("dynaflow.dynamodb");
    created->set_level(spdlog::get_level());
    return created;
  }();
  return logger;
}

}  // namespace dynaflow::dynamodb
