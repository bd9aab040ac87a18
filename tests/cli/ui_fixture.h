// The fixture of the dashboard tests (`dynaflow ui`): CliEndToEnd's store, engine and worker
// (workflows order and flaky, see cli_e2e_fixture.h), plus
//   xss v1   prepare -> render; render fails (twice: one retry) with an error text full of HTML and
//   script
//            (kXssError); prepare has a compensation, so the run ends COMPENSATED. Its business
//            key is kXssKey.
// and an HTTP client for a `dynaflow ui` started over the same store.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/cli/cli_e2e_fixture.h"
#include "tests/cli/ui_process.h"

namespace dynaflow::test {

inline constexpr char kXssError[] =
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";
inline constexpr char kXssKey[] = "<b id=\"injected\">key</b>";

class UiTest : public CliEndToEnd {
 protected:
  void SetUp() override;

  // Starts `dynaflow ui --listen 127.0.0.1:0 <store flags> <extra>` (fails the test when it
  // does not start).
  void StartUi(const std::vector<std::string>& extra = {},
               const std::vector<std::string>& env = {});
  // Starts a run of xss and waits until it finished (COMPENSATED); its id.
  std::string StartXss();

  // GET / POST on the started ui, with "Host: 127.0.0.1:<port>". Status -1 on transport errors.
  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {});
  httplib::Result Post(const std::string& path, const httplib::Headers& headers = {});

  UiProcess ui_;
  engine::Workflow xss_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace dynaflow::test
