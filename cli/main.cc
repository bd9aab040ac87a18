// The `dynaflow` command (see cli/cli.h).
#include "cli/cli.h"

int main(int argc, char** argv) { return dynaflow::cli::Main(argc, argv); }
