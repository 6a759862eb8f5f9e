/*
 * getent -- the hosts database through the system resolver, like glibc's
 * getent(1): the host's stub resolver answers (hosts file, its cache, then
 * the nameservers), exactly the path ping and every other app's name takes.
 *
 *   getent hosts www.example.test      198.51.100.10   www.example.test
 *   getent ahostsv4 many.example.test  every address, one line each
 *
 * Call chain: main -> app_init -> app_getaddrinfo (apps/lib/resolve.c:
 * ctl "resolve NAME A" on HOST-dns) -> print. Exit status as getent: 0 all
 * keys found, 2 a key was not found, 1 bad arguments.
 */
#include <stdio.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/resolve.h"
#include "wire/bytes.h"

#define GETENT_MAX 256

static void s_usage(FILE *f)
{
    fprintf(f, "usage: getent hosts|ahostsv4 NAME...\n"
               "Look NAME up through this host's resolver (hosts file, cache, nameservers).\n"
               "  hosts      the first address and the canonical name\n"
               "  ahostsv4   every IPv4 address, as getaddrinfo(AF_INET) returns them\n"
               "Exit status 2 if a name is not found. Run with: stackctl exec HOST getent ...\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        s_usage(stdout);
        return 0;
    }
    if (argc < 3 || (strcmp(argv[1], "hosts") != 0 && strcmp(argv[1], "ahostsv4") != 0)) {
        if (argc >= 2 && strcmp(argv[1], "hosts") != 0 && strcmp(argv[1], "ahostsv4") != 0)
            fprintf(stderr, "Unknown database: %s\n", argv[1]);
        s_usage(stderr);
        return 1;
    }
    bool all = strcmp(argv[1], "ahostsv4") == 0;
    app_t app;
    if (app_init(&app, "getent") < 0)
        return 1;
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        uint32_t addrs[GETENT_MAX];
        size_t n;
        char canon[300], a[16];
        if (app_getaddrinfo(&app, argv[i], addrs, all ? GETENT_MAX : 1, &n, canon, sizeof canon) != 0) {
            rc = 2; /* getent prints nothing for a key it cannot find */
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            ip4_fmt(addrs[k], a);
            if (all) /* glibc: one line per socket type, the canonical name on the first */
                printf("%-15s STREAM %s\n%-15s DGRAM  \n%-15s RAW    \n", a, k == 0 ? canon : "", a, a);
            else
                printf("%-15s %s\n", a, canon);
        }
    }
    app_fini(&app);
    return rc;
}
