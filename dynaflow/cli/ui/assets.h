// The dashboard's static files (dynaflow/cli/ui/assets/), compiled into the binary by
// dynaflow/cli/ui/embed_assets.cmake: nothing is read from disk or fetched from a CDN at run time.
#pragma once

#include <string_view>

namespace dynaflow::cli::ui {

struct Asset {
  std::string_view path;          // "/", "/app.js", "/app.css"
  std::string_view content_type;  // from the file's extension
  std::string_view body;
};

// The asset served at `path` ("/" is index.html); null when there is none.
const Asset* FindAsset(std::string_view path);

}  // namespace dynaflow::cli::ui
