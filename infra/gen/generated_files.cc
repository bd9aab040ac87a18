#include "infra/gen/generated_files.h"

#include "infra/gen/render.h"

namespace dynaflow::infra {

std::vector<GeneratedFile> GeneratedFiles(const TableLayout& layout) {
  return {
      {"infra/aws/create-table.sh", RenderCreateTableScript(layout), true},
      {"infra/aws/cloudformation.yaml", RenderCloudFormation(layout)},
      {"infra/aws/terraform/main.tf", RenderTerraformMain(layout)},
      {"infra/aws/terraform/variables.tf", RenderTerraformVariables(layout)},
      {"infra/aws/terraform/outputs.tf", RenderTerraformOutputs(layout)},
      {"infra/aws/iam-runtime.json", RenderIamPolicy(layout.runtime_policy), false, true},
      {"infra/aws/iam-provisioning.json", RenderIamPolicy(layout.provisioning_policy), false, true},
      {"infra/docker-compose.yml", RenderDockerCompose(layout)},
  };
}

}  // namespace dynaflow::infra
