// The `dynaflow` command (see dynaflow/cli/cli.h).
#include "dynaflow/cli/cli.h"

int main(int argc, char** argv) { return dynaflow::cli::Main(argc, argv); }
