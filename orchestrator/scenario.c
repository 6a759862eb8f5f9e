/* scenario.c -- placeholder while the scenario runner is written. */
#include <stdio.h>
#include "stackctl.h"
int cmd_scenario(stackctl_t *sc, int argc, char **argv)
{
    fprintf(stderr, "stackctl scenario: not available yet\n");
    return 2;
}
