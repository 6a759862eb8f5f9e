/*
 * app.h -- what every application in apps/ shares: where it runs.
 *
 * `stackctl exec HOST CMD` sets LS_RUN_DIR, LS_TOPOLOGY, LS_HOST and
 * LS_ENDPOINTS; app_init() reads them, loads the topology, and gives the
 * app a ZeroMQ context and control clients for its host's services. Apps
 * accept addresses or names: app_resolve (resolve.h) goes through the
 * host's stub resolver, or the hosts file on a host without a dns layer.
 */
#ifndef LS_APP_H
#define LS_APP_H

#include <stdint.h>
#include "runtime/ctl_client.h"
#include "topology/topology.h"

typedef struct {
    const char *prog;
    char host[64];
    char run_dir[256];
    topo_t *topo;
    const topo_host_t *h;
    topo_mode_t mode;
    void *zctx;
} app_t;

/* 0, or -1 after printing a clear error (not run under stackctl exec, ...). */
int app_init(app_t *app, const char *prog);
void app_fini(app_t *app);
/* A control client for this host's LAYER service ("link", "net", "transport"). */
ls_ctl_client_t *app_connect(app_t *app, const char *layer);
/* Reverse: the topology name of addr, or NULL. */
const char *app_name_of(app_t *app, uint32_t addr);
/* Register on this host's net-svc raw ICMP endpoint (ctl "raw-open" ARGS) and
 * check there is a route to dst (ctl "route-get"). 0, or -1 after printing
 * "PROG: ..." as the classic tools do ("connect: Network is unreachable"). */
int app_raw_open(app_t *app, ls_ctl_client_t *net, const char *const *args, size_t nargs, const char *dst);
/* 64 random bits from /dev/urandom (never 0; pid and clock if it cannot be read):
 * socket-session tokens, DNS query ids. */
uint64_t app_random64(void);
/* Parse a time in seconds ("0.2", "1"); -1 if malformed or negative. */
double app_parse_seconds(const char *s);

#endif
