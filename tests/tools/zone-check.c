/*
 * zone-check -- load master files with layerstack's zone parser
 * (dns-svc/zone.c), the way dns-svc will: one line per file,
 *   ok FILE: N records, serial S
 *   FILE:LINE: reason
 * and exit 1 if any file fails. --hints loads root hints instead
 * (zone_load_hints). Used by tests/integration/60-zone-checkzone.sh to hold
 * our parser to the same good and bad files as BIND's named-checkzone.
 *
 *   zone-check [--hints] FILE...
 */
#include <stdio.h>
#include <string.h>

#include "dns-svc/zone.h"

int main(int argc, char **argv)
{
    int i = 1, rc = 0;
    bool hints = false;
    if (i < argc && strcmp(argv[i], "--hints") == 0) {
        hints = true;
        i++;
    }
    if (i >= argc || strcmp(argv[i], "--help") == 0) {
        bool help = i < argc;
        fprintf(help ? stdout : stderr, "usage: zone-check [--hints] FILE...\n");
        return help ? 0 : 2;
    }
    for (; i < argc; i++) {
        char err[512];
        zone_t *z = hints ? zone_load_hints(argv[i], err, sizeof err) : zone_load(argv[i], NULL, err, sizeof err);
        if (!z) {
            printf("%s\n", err);
            rc = 1;
            continue;
        }
        printf("ok %s: %zu records, serial %u\n", argv[i], z->nrr, (unsigned)z->serial);
        zone_destroy(&z);
    }
    return rc;
}
