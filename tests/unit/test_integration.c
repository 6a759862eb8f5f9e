/*
 * test_integration.c -- runs every tests/integration/NAME.sh as one check test,
 * so multi-process tests land in the same aggregated summary line.
 *
 * Each script gets LS_BIN (built binaries), LS_ROOT (repo) and sources
 * tests/integration/lib.sh, which makes its own short run directory and a
 * trap that stops what it started. A script passes by exiting 0; its output
 * is kept in build/integration/NAME.out and the tail is shown on failure.
 * LS_INTEGRATION=name1,name2 restricts the set (for iterating).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MAX_SCRIPTS 64

typedef struct {
    char names[MAX_SCRIPTS][128];
    int n;
} s_scripts_t;

static s_scripts_t *s_list(void)
{
    static s_scripts_t list; /* filled once at suite creation; read-only after */
    if (list.n)
        return &list;
    const char *root = getenv("LS_ROOT") ? getenv("LS_ROOT") : ".";
    const char *only = getenv("LS_INTEGRATION");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/integration", root);
    DIR *d = opendir(dir);
    if (!d)
        return &list;
    struct dirent *e;
    while ((e = readdir(d)) && list.n < MAX_SCRIPTS) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 3, ".sh") != 0 || strcmp(e->d_name, "lib.sh") == 0)
            continue;
        if (only) {
            char stem[128];
            snprintf(stem, sizeof stem, "%.*s", (int)(l - 3), e->d_name);
            char pat[160];
            snprintf(pat, sizeof pat, ",%s,", stem);
            char hay[1024];
            snprintf(hay, sizeof hay, ",%s,", only);
            if (!strstr(hay, pat))
                continue;
        }
        snprintf(list.names[list.n++], 128, "%s", e->d_name);
    }
    closedir(d);
    /* stable order */
    for (int i = 0; i < list.n; i++)
        for (int j = i + 1; j < list.n; j++)
            if (strcmp(list.names[i], list.names[j]) > 0) {
                char t[128];
                memcpy(t, list.names[i], 128);
                memcpy(list.names[i], list.names[j], 128);
                memcpy(list.names[j], t, 128);
            }
    return &list;
}

START_TEST(test_script)
{
    s_scripts_t *l = s_list();
    const char *root = getenv("LS_ROOT") ? getenv("LS_ROOT") : ".";
    const char *name = l->names[_i];
    char out[600], cmd[2048];
    mkdir("build/integration", 0755);
    snprintf(out, sizeof out, "build/integration/%s.out", name);
    snprintf(cmd, sizeof cmd, "cd '%s' && bash tests/integration/%s > '%s' 2>&1", root, name, out);
    int st = system(cmd);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    if (rc != 0) {
        char tail[700];
        snprintf(tail, sizeof tail, "tail -n 25 '%s' >&2", out);
        if (system(tail) != 0)
            fprintf(stderr, "(no output)\n");
    }
    ck_assert_msg(rc == 0, "%s exited %d (output in %s)", name, rc, out);
}
END_TEST

Suite *integration_suite(void)
{
    Suite *s = suite_create("integration");
    TCase *tc = tcase_create("scripts");
    tcase_set_timeout(tc, 600);
    s_scripts_t *l = s_list();
    if (l->n)
        tcase_add_loop_test(tc, test_script, 0, l->n);
    suite_add_tcase(s, tc);
    return s;
}
