/*
 * check_main.c -- the one test runner: every suite under tests/unit.
 *
 * The Makefile collects each `Suite *NAME_suite(void)` into suites.h, so a
 * module adds a suite by adding a file. LS_UNIT_ONLY=1 skips the suites whose
 * name starts with "integration" (the sanitizer run); CK_RUN_SUITE picks one.
 * Check prints the aggregated summary line CI reads:
 *   100%: Checks: N, Failures: 0, Errors: 0
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define X(fn) Suite *fn(void);
#include "suites.h"
#undef X

int main(void)
{
    const char *unit_only = getenv("LS_UNIT_ONLY");
    SRunner *sr = srunner_create(NULL);
#define X(fn)                                                                 \
    do {                                                                      \
        if (!(unit_only && *unit_only == '1' && strncmp(#fn, "integration", 11) == 0)) \
            srunner_add_suite(sr, fn());                                      \
    } while (0);
#include "suites.h"
#undef X
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
