/*
 * app.c -- application context from stackctl exec's environment (see app.h).
 * Callers: every program in apps/.
 */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "wire/bytes.h"
#include "runtime/loop.h"

int app_init(app_t *app, const char *prog)
{
    memset(app, 0, sizeof *app);
    app->prog = prog;
    const char *topo = getenv("LS_TOPOLOGY"), *host = getenv("LS_HOST"), *run = getenv("LS_RUN_DIR");
    const char *mode = getenv("LS_ENDPOINTS");
    if (!topo || !host || !run) {
        fprintf(stderr, "%s: run me on a simulated host: stackctl exec HOST %s ...\n", prog, prog);
        return -1;
    }
    char err[512];
    app->topo = topo_load(topo, err, sizeof err);
    if (!app->topo) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return -1;
    }
    app->h = topo_host(app->topo, host);
    if (!app->h) {
        fprintf(stderr, "%s: no host '%s' in %s\n", prog, host, topo);
        topo_destroy(&app->topo);
        return -1;
    }
    snprintf(app->host, sizeof app->host, "%s", host);
    snprintf(app->run_dir, sizeof app->run_dir, "%s", run);
    if (!mode || topo_mode_parse(mode, &app->mode) < 0)
        app->mode = TOPO_MODE_IPC;
    app->zctx = zmq_ctx_new();
    return 0;
}

void app_fini(app_t *app)
{
    topo_destroy(&app->topo);
    if (app->zctx)
        zmq_ctx_term(app->zctx);
    app->zctx = NULL;
}

ls_ctl_client_t *app_connect(app_t *app, const char *layer)
{
    char svc[128], ep[400];
    snprintf(svc, sizeof svc, "%s-%s", app->host, layer);
    if (topo_endpoint(app->topo, app->mode, app->run_dir, svc, TOPO_EP_CTL, NULL, false, ep, sizeof ep) < 0) {
        fprintf(stderr, "%s: %s\n", app->prog, ep);
        return NULL;
    }
    ls_ctl_client_t *c = ls_ctl_client_new(app->zctx, ep);
    if (!c)
        fprintf(stderr, "%s: cannot connect to %s\n", app->prog, ep);
    return c;
}

const char *app_name_of(app_t *app, uint32_t addr)
{
    for (size_t i = 0; i < app->topo->nhost; i++)
        for (size_t j = 0; j < app->topo->hosts[i].niface; j++)
            if (app->topo->hosts[i].ifaces[j].addr == addr)
                return app->topo->hosts[i].name;
    return NULL;
}

uint64_t app_random64(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &v, sizeof v) != (ssize_t)sizeof v)
            v = 0;
        close(fd);
    }
    if (!v)
        v = ((uint64_t)getpid() << 32) ^ ls_now_ns();
    return v ? v : 1;
}

double app_parse_seconds(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0)
        return -1;
    return v;
}

int app_raw_open(app_t *app, ls_ctl_client_t *net, const char *const *args, size_t nargs, const char *dst)
{
    Ls__CtlReply *rep = ls_ctl_call(net, "raw-open", args, nargs, 3000);
    if (!rep || rep->rc != 0) {
        fprintf(stderr, "%s: %s-net: %s\n", app->prog, app->host,
                rep && rep->error ? rep->error : "net-svc does not answer");
        ls_ctl_reply_free(&rep);
        return -1;
    }
    ls_ctl_reply_free(&rep);
    const char *gargs[] = {dst};
    rep = ls_ctl_call(net, "route-get", gargs, 1, 3000);
    int unreachable = rep && rep->rc == ENETUNREACH;
    ls_ctl_reply_free(&rep);
    if (unreachable) {
        fprintf(stderr, "%s: connect: Network is unreachable\n", app->prog);
        return -1;
    }
    return 0;
}
