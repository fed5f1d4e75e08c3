/* serving.c — `dais capacity` and `dais validate-serving` (models/serving.h). */
#include "cli.h"

#include "models/serving.h"

int cmd_capacity(int argc, char **argv) { return srv_cmd_capacity(argc, argv); }
int cmd_validate_serving(int argc, char **argv) { return srv_cmd_validate(argc, argv); }
