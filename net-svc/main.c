/*
 * net-svc -- the network layer process of one host: IPv4 (RFC 791, RFC
 * 1122 3.2.1), ICMP (RFC 792), routing and, with `forward: true`, the router
 * role (RFC 1812). The protocol engine is net_core.c; nsvc.c is its glue.
 *
 * Call chain: supervisor (stackctl up) execs `net-svc --host H --topology F
 * --run-dir D --endpoints M` -> main -> ls_svc_init -> nsvc_run.
 */
#include <stdio.h>

#include "net-svc/nsvc.h"

static const char *const s_usage =
    "usage: net-svc --topology FILE --host HOST [--run-dir DIR] [--endpoints ipc|tcp]\n"
    "               [--log FILE] [--log-level error|warn|info|pdu]\n"
    "Runs HOST's network layer: IPv4, ICMP, the routing table and (forward: true)\n"
    "forwarding; one pipe to link-svc per interface, one to transport-svc.\n"
    "Settings read from the topology: icmp_ratelimit (ICMP errors per second, 0 =\n"
    "unlimited; default 1000), icmp_burst (default 50), ipfrag_time (reassembly\n"
    "timeout, default 30s), ip_default_ttl (default 64). Normally started by `stackctl up`.";

int main(int argc, char **argv)
{
    ls_svc_t svc;
    char err[1024];
    int rc = ls_svc_init(&svc, argc, argv, "net", s_usage, err, sizeof err);
    if (rc != 0) {
        fprintf(rc > 0 ? stdout : stderr, "%s%s\n", rc > 0 ? "" : "net-svc: ", err);
        return rc > 0 ? 0 : 2;
    }
    rc = nsvc_run(&svc);
    ls_svc_fini(&svc);
    return rc;
}
