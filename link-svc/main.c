/*
 * link-svc -- the link layer process: Ethernet II, ARP, and (with --switch)
 * a learning switch. See link.c and switch.c.
 */
#include <stdio.h>

#include "link.h"

static const char *const s_usage =
    "usage: link-svc --topology FILE (--host HOST | --switch SEGMENT) [--run-dir DIR]\n"
    "                [--endpoints ipc|tcp] [--log FILE] [--log-level error|warn|info|pdu]\n"
    "Runs HOST's link layer (one pipe to net-svc and one wire per interface), or the\n"
    "learning switch of SEGMENT. Normally started by `stackctl up`.";

int main(int argc, char **argv)
{
    ls_svc_t svc;
    char err[1024];
    int rc = ls_svc_init(&svc, argc, argv, "link", s_usage, err, sizeof err);
    if (rc != 0) {
        fprintf(rc > 0 ? stdout : stderr, "%s%s\n", rc > 0 ? "" : "link-svc: ", err);
        return rc > 0 ? 0 : 2;
    }
    rc = svc.segment[0] ? switch_run(&svc) : link_run(&svc);
    ls_svc_fini(&svc);
    return rc;
}
