#include "dynaflow/model/version.h"

namespace dynaflow {

std::string_view Version() { return DYNAFLOW_VERSION; }

}  // namespace dynaflow
