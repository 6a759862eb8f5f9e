/*
 * cmd_compose.c -- stackctl in a container deployment (docker-compose.yml).
 *
 * Call chain: stackctl main -> s_cmds[] dispatch ->
 *   compose:  cmd_compose -> topo_load -> compose_write (orchestrator/compose.c) -> stdout
 *   idle:     cmd_idle (the orchestrator container's command) -> copy the image's
 *             topology into RUN/topology.yaml + RUN/hosts (so every other stackctl
 *             command finds the run as natively) -> ls_svc "orchestrator" ctl:
 *             services, fault-* (s_idle_ctl -> fault_reg_ctl: the rule registry
 *             shared with the native supervisor, fault_reg.c) + a 500 ms status
 *             probe that re-pushes rules to a restarted service -> loop until SIGTERM
 *   status:   cmd_status -> (LS_ENDPOINTS=tcp) cmd_compose_status -> "status" to every
 *             service of the topology over tcp ctl, in parallel -> the native table;
 *             restarts are counted from the "ready" lines in RUN/log/<svc>.log
 *   up/down:  (tcp) cmd_compose_updown -> explain that the engine runs the services
 *
 * Only common/ functions are called (no stackctl helper from stackctl.c): the
 * Makefile links every orchestrator source except stackctl.c into the test runner.
 * No engine socket is used: the container engine supervises (restart: policies);
 * stackctl only talks ZeroMQ to the services' tcp://SERVICE:PORT endpoints.
 */
#include "stackctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "compose.h"
#include "runtime/env.h"
#include "fault_reg.h"
#include "runtime/loop.h"
#include "runtime/svc.h"

#define STATUS_TIMEOUT_MS 2000

/* ---- stackctl compose ---- */

int cmd_compose(stackctl_t *sc, int argc, char **argv)
{
    (void)sc;
    const char *topo_arg = NULL, *prefix = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: stackctl compose [--image-prefix NAME] [TOPOLOGY]\n"
                   "Write the docker-compose.yml for TOPOLOGY (default topologies/default.yaml) to\n"
                   "stdout: one container per layer process per host, one per switch, and an\n"
                   "orchestrator. Run it from the repository root (the build context):\n"
                   "  stackctl compose topologies/default.yaml > docker-compose.yml\n");
            return 0;
        }
        if (strcmp(argv[i], "--image-prefix") == 0 && i + 1 < argc) {
            prefix = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "stackctl compose: unknown option %s (see --help)\n", argv[i]);
            return 2;
        } else if (topo_arg) {
            fprintf(stderr, "stackctl compose: one TOPOLOGY only (got '%s' and '%s')\n", topo_arg, argv[i]);
            return 2;
        } else {
            topo_arg = argv[i];
        }
    }
    if (!topo_arg)
        topo_arg = "topologies/default.yaml";
    if (!compose_context_path(topo_arg)) {
        fprintf(stderr, "stackctl compose: '%s': give the topology as a path relative to the repository "
                        "root (the image build context), and run from there\n", topo_arg);
        return 2;
    }
    char err[512];
    topo_t *t = topo_load(topo_arg, err, sizeof err);
    if (!t) {
        fprintf(stderr, "stackctl compose: %s\n", err);
        return 1;
    }
    int rc = compose_write(t, stdout, prefix);
    topo_destroy(&t);
    if (rc < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "stackctl compose: cannot write the compose file: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* Write text of len bytes to path atomically (tmp + rename). 0 / -1. */
static int s_write_atomic(const char *path, const char *text, size_t len)
{
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    size_t n = fwrite(text, 1, len, f);
    if (fclose(f) != 0 || n != len || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* ---- stackctl idle: the orchestrator container ----
 *
 * It supervises nothing (the engine does) but answers what stackctl asks the
 * native orchestrator, on its ctl socket (tcp://orchestrator:7000):
 *   services                      -> rows "NAME\tPID\tSTATE\tRESTARTS\tUPTIME", kv ready/total
 *   fault-add|fault-del|fault-clear|fault-list -> the native supervisor's rule
 *                                    registry (fault_reg.c): fault_place() picks the
 *                                    service, fault_ctl_request() pushes the rule there
 * A 500 ms probe ("status" to every service, asynchronous) tracks readiness and
 * each service's instance nonce: a new instance (an engine restart) gets its
 * rules pushed again, and so do services that were not up when a rule was added
 * (including the topology's faults:, rules 1..n).
 */

#define IDLE_PROBE_NS 500000000ull       /* probe period */
#define IDLE_PROBE_TIMEOUT_NS 3000000000ull

typedef struct s_idle s_idle_t;

typedef struct {
    char name[96];
    s_idle_t *idle;
    ls_ctl_client_t *c;
    int awaiting;
    uint64_t sent_ns;
    int ready;
    char instance[24];
    unsigned starts;       /* instances seen since this orchestrator started */
    char pid[16];
    double uptime;
} s_kid_t;

struct s_idle {
    ls_svc_t svc;
    s_kid_t *kids;
    size_t nkids, capkids;
    fault_reg_t *faults;
    uint64_t next_probe;
};

static int s_idle_collect(const topo_service_t *ts, void *arg)
{
    s_idle_t *o = arg;
    if (o->nkids == o->capkids) {
        o->capkids = o->capkids ? o->capkids * 2 : 16;
        o->kids = realloc(o->kids, o->capkids * sizeof *o->kids);
        if (!o->kids)
            abort();
    }
    s_kid_t *k = &o->kids[o->nkids++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", ts->name);
    k->idle = o;
    return 0;
}

static s_kid_t *s_idle_kid(s_idle_t *o, const char *name)
{
    for (size_t i = 0; i < o->nkids; i++)
        if (strcmp(o->kids[i].name, name) == 0)
            return &o->kids[i];
    return NULL;
}

static int s_idle_ready(void *ctx, const char *service)
{
    s_kid_t *k = s_idle_kid(ctx, service);
    return k && k->ready;
}

static int s_idle_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
                      void *arg)
{
    (void)svc;
    (void)peer;
    s_idle_t *o = arg;
    if (strcmp(req->cmd, "services") == 0) {
        size_t ready = 0;
        for (size_t i = 0; i < o->nkids; i++) {
            const s_kid_t *k = &o->kids[i];
            ready += k->ready != 0;
            ls_ctl_row(rep, "%s\t%s\t%s\t%u\t%.1f", k->name, k->ready ? k->pid : "0",
                       k->ready ? "ready" : "down", k->starts > 1 ? k->starts - 1 : 0, k->ready ? k->uptime : 0.0);
        }
        ls_ctl_kv(rep, "ready", "%zu", ready);
        ls_ctl_kv(rep, "total", "%zu", o->nkids);
        ls_ctl_kv(rep, "supervisor", "container engine");
        return 0;
    }
    return fault_reg_ctl(o->faults, req, rep);
}

static int s_idle_probe_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    (void)loop;
    (void)sock;
    (void)fd;
    s_kid_t *k = arg;
    s_idle_t *o = k->idle;
    Ls__CtlReply *rep;
    while (k->c && (rep = ls_ctl_recv(k->c, 0)) != NULL) {
        k->awaiting = 0;
        const char *inst = rep->rc == 0 ? ls_ctl_reply_get(rep, "instance") : NULL;
        if (inst) {
            const char *pid = ls_ctl_reply_get(rep, "pid"), *up = ls_ctl_reply_get(rep, "uptime");
            snprintf(k->pid, sizeof k->pid, "%s", pid ? pid : "0");
            k->uptime = up ? strtod(up, NULL) : 0.0;
            if (strcmp(inst, k->instance) != 0) { /* first sight, or the engine restarted it */
                snprintf(k->instance, sizeof k->instance, "%s", inst);
                k->starts++;
                k->ready = 1;
                ls_logev(o->svc.log, LS_LOG_INFO, &(ls_logev_t){.ev = "state"}, "%s ready (instance %s, start %u)",
                         k->name, inst, k->starts);
                fault_reg_push_service(o->faults, k->name);
            }
            k->ready = 1;
        }
        ls_ctl_reply_free(&rep);
    }
    return 0;
}

static void s_idle_client(s_idle_t *o, s_kid_t *k)
{
    if (k->c) {
        ls_loop_remove(o->svc.loop, ls_ctl_client_socket(k->c), -1);
        ls_ctl_client_destroy(&k->c);
    }
    char ep[400];
    if (ls_svc_endpoint(&o->svc, k->name, TOPO_EP_CTL, NULL, 0, ep, sizeof ep) < 0)
        return;
    k->c = ls_ctl_client_new(o->svc.zctx, ep);
    if (k->c)
        ls_loop_add_socket(o->svc.loop, ls_ctl_client_socket(k->c), s_idle_probe_readable, k);
    k->awaiting = 0;
}

static uint64_t s_idle_deadline(void *arg) { return ((s_idle_t *)arg)->next_probe; }

static void s_idle_probe(void *arg, uint64_t now)
{
    s_idle_t *o = arg;
    for (size_t i = 0; i < o->nkids; i++) {
        s_kid_t *k = &o->kids[i];
        if (k->awaiting && now - k->sent_ns > IDLE_PROBE_TIMEOUT_NS) {
            if (k->ready)
                ls_logev(o->svc.log, LS_LOG_WARN, &(ls_logev_t){.ev = "state"}, "%s stopped answering", k->name);
            k->ready = 0;
            s_idle_client(o, k); /* a fresh socket: no stale request queued */
        }
        if (!k->c)
            s_idle_client(o, k);
        if (k->c && !k->awaiting && ls_ctl_send(k->c, "status", NULL, 0, NULL, 0) == 0) {
            k->awaiting = 1;
            k->sent_ns = now;
        }
    }
    o->next_probe = now + IDLE_PROBE_NS;
}

int cmd_idle(stackctl_t *sc, int argc, char **argv)
{
    const char *src = getenv("LS_TOPOLOGY");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: stackctl [--run-dir DIR] idle [--topology FILE]\n"
                   "The orchestrator container's command. Publishes the deployment's topology\n"
                   "(FILE, default $LS_TOPOLOGY or %s) into the run directory\n"
                   "as RUN/topology.yaml and RUN/hosts, then serves the orchestrator's control\n"
                   "socket (services, fault-*) over LS_ENDPOINTS until SIGTERM. It starts no\n"
                   "process: the container engine runs and restarts the services.\n",
                   COMPOSE_TOPOLOGY_PATH);
            return 0;
        }
        if (strcmp(argv[i], "--topology") == 0 && i + 1 < argc) {
            src = argv[++i];
        } else {
            fprintf(stderr, "stackctl idle: unexpected argument %s (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (!src || !*src)
        src = COMPOSE_TOPOLOGY_PATH;
    char err[512];
    topo_t *t = topo_load(src, err, sizeof err);
    if (!t) {
        fprintf(stderr, "stackctl idle: %s\n", err);
        return 1;
    }
    char path[700];
    mkdir(sc->run_dir, 0755);
    const char *subdirs[] = {"log", "pcap", "s"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", sc->run_dir, subdirs[i]);
        mkdir(path, 0755);
    }
    size_t len = 0;
    char *text = s_slurp(src, &len);
    char *hosts = NULL;
    size_t hlen = 0;
    FILE *hf = open_memstream(&hosts, &hlen);
    int rc = text && hf ? 0 : -1;
    if (hf) {
        if (topo_write_hosts(t, hf) < 0)
            rc = -1;
        fclose(hf);
    }
    if (rc == 0 && strcmp(src, sc->topo_path) != 0)
        rc = s_write_atomic(sc->topo_path, text, len);
    snprintf(path, sizeof path, "%s/hosts", sc->run_dir);
    if (rc == 0)
        rc = s_write_atomic(path, hosts, hlen);
    free(text);
    free(hosts);
    topo_destroy(&t);
    if (rc < 0) {
        fprintf(stderr, "stackctl idle: cannot publish %s into %s: %s\n", src, sc->run_dir, strerror(errno));
        return 1;
    }
    /* the orchestrator's control socket, as a service named "orchestrator" */
    s_idle_t *o = calloc(1, sizeof *o);
    if (!o)
        return 1;
    char *sargv[] = {"stackctl-idle", "--topology", sc->topo_path, "--run-dir", sc->run_dir, "--endpoints",
                     sc->mode == TOPO_MODE_TCP ? "tcp" : "ipc", NULL};
    rc = ls_svc_init(&o->svc, 7, sargv, "orchestrator", NULL, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "stackctl idle: %s\n", err);
        free(o);
        return 1;
    }
    topo_service_list(o->svc.topo, s_idle_collect, o);
    /* the topology's faults: become rules 1..n, pushed as each service is seen ready */
    fault_reg_io_t io = {.call = fault_reg_svc_call, .call_ctx = &o->svc, .ready = s_idle_ready, .ready_ctx = o,
                         .scope = "deployment"};
    o->faults = fault_reg_new(o->svc.topo, o->svc.log, &io);
    char ferr[400];
    int fline = 0;
    if (!o->faults) {
        fprintf(stderr, "stackctl idle: out of memory\n");
        rc = -1;
    } else if (fault_reg_load_topology(o->faults, ferr, sizeof ferr, &fline) < 0) {
        fprintf(stderr, "stackctl idle: %s:%d: fault: %s\n", src, fline, ferr);
        rc = -1;
    }
    ls_svc_set_ctl_handler(&o->svc, s_idle_ctl, o);
    if (rc == 0 && ls_svc_ready(&o->svc) < 0) {
        fprintf(stderr, "stackctl idle: cannot bind the control socket (see %s)\n", o->svc.log_path);
        rc = -1;
    }
    if (rc == 0) {
        ls_loop_add_timer(o->svc.loop, s_idle_deadline, s_idle_probe, o);
        printf("idle: orchestrator for topology '%s' (%zu services), run directory %s, endpoints %s;"
               " the container engine supervises; waiting for SIGTERM\n",
               o->svc.topo->name, o->nkids, sc->run_dir, sc->mode == TOPO_MODE_TCP ? "tcp" : "ipc");
        fflush(stdout);
        ls_loop_run(o->svc.loop);
        printf("idle: stopping\n");
    }
    for (size_t i = 0; i < o->nkids; i++)
        if (o->kids[i].c) {
            ls_loop_remove(o->svc.loop, ls_ctl_client_socket(o->kids[i].c), -1);
            ls_ctl_client_destroy(&o->kids[i].c);
        }
    fault_reg_destroy(&o->faults);
    ls_svc_fini(&o->svc);
    free(o->kids);
    free(o);
    return rc == 0 ? 0 : 1;
}

/* ---- status / up / down in tcp mode ---- */

typedef struct {
    char name[96];
    ls_ctl_client_t *c;
    Ls__CtlReply *rep;
} s_probe_t;

typedef struct {
    s_probe_t *v;
    size_t n, cap;
} s_probes_t;

static int s_add_probe(const topo_service_t *svc, void *arg)
{
    s_probes_t *p = arg;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        s_probe_t *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return 1;
        p->v = v;
        p->cap = cap;
    }
    memset(&p->v[p->n], 0, sizeof p->v[p->n]);
    snprintf(p->v[p->n++].name, sizeof p->v[0].name, "%s", svc->name);
    return 0;
}

/* Starts of a service recorded in its log on the volume ("ev":"ready" lines). */
static unsigned s_starts(stackctl_t *sc, const char *svc)
{
    char path[700], line[2048];
    snprintf(path, sizeof path, "%s/log/%s.log", sc->run_dir, svc);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned n = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "\"ev\":\"ready\""))
            n++;
    fclose(f);
    return n;
}

int cmd_compose_status(stackctl_t *sc, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *env_topo = getenv("LS_TOPOLOGY"); /* before the orchestrator published it */
    if (access(sc->topo_path, R_OK) != 0 && env_topo && strlen(env_topo) < sizeof sc->topo_path)
        memcpy(sc->topo_path, env_topo, strlen(env_topo) + 1);
    if (!sc->topo) { /* not stackctl_topo(): this file is also linked into the test runner */
        char err[512];
        if (access(sc->topo_path, R_OK) != 0) {
            fprintf(stderr, "stackctl status: no %s (is the orchestrator container up? it publishes "
                            "the topology there)\n", sc->topo_path);
            return 1;
        }
        if (!(sc->topo = topo_load(sc->topo_path, err, sizeof err))) {
            fprintf(stderr, "stackctl status: %s\n", err);
            return 1;
        }
    }
    s_probes_t p = {0};
    if (topo_service_list(sc->topo, s_add_probe, &p) < 0) {
        free(p.v);
        fprintf(stderr, "stackctl status: out of memory\n");
        return 1;
    }
    zmq_pollitem_t *items = calloc(p.n ? p.n : 1, sizeof *items);
    size_t waiting = 0;
    for (size_t i = 0; i < p.n; i++) {
        char ep[400];
        if (topo_endpoint(sc->topo, sc->mode, sc->run_dir, p.v[i].name, TOPO_EP_CTL, NULL, false, ep,
                          sizeof ep) < 0)
            continue;
        p.v[i].c = ls_ctl_client_new(sc->zctx, ep);
        if (p.v[i].c && ls_ctl_send(p.v[i].c, "status", NULL, 0, NULL, 0) == 0)
            waiting++;
    }
    uint64_t deadline = ls_now_ns() + (uint64_t)STATUS_TIMEOUT_MS * 1000000ull;
    while (waiting > 0) {
        uint64_t now = ls_now_ns();
        if (now >= deadline)
            break;
        size_t k = 0;
        for (size_t i = 0; i < p.n; i++)
            if (p.v[i].c && !p.v[i].rep) {
                items[k].socket = ls_ctl_client_socket(p.v[i].c);
                items[k].events = ZMQ_POLLIN;
                items[k].revents = 0;
                k++;
            }
        if (zmq_poll(items, (int)k, (long)((deadline - now) / 1000000ull) + 1) < 0 && errno != EINTR)
            break;
        for (size_t i = 0; i < p.n; i++)
            if (p.v[i].c && !p.v[i].rep && (p.v[i].rep = ls_ctl_recv(p.v[i].c, 0)) != NULL)
                waiting--;
    }
    printf("%-20s %8s %-11s %8s %9s\n", "SERVICE", "PID", "STATE", "RESTARTS", "UPTIME");
    size_t ready = 0;
    for (size_t i = 0; i < p.n; i++) {
        unsigned starts = s_starts(sc, p.v[i].name);
        unsigned restarts = starts > 1 ? starts - 1 : 0;
        const Ls__CtlReply *r = p.v[i].rep;
        if (r && r->rc == 0) {
            const char *pid = ls_ctl_reply_get(r, "pid"), *up = ls_ctl_reply_get(r, "uptime");
            printf("%-20s %8s %-11s %8u %8.1fs\n", p.v[i].name, pid ? pid : "-", "ready", restarts,
                   up ? strtod(up, NULL) : 0.0);
            ready++;
        } else {
            printf("%-20s %8s %-11s %8u %9s\n", p.v[i].name, "-", "down", restarts, "-");
        }
        if (p.v[i].rep)
            ls_ctl_reply_free(&p.v[i].rep);
        ls_ctl_client_destroy(&p.v[i].c);
    }
    printf("%zu/%zu services ready (tcp endpoints; the container engine supervises, restarts counted "
           "from %s/log)\n", ready, p.n, sc->run_dir);
    free(items);
    free(p.v);
    return ready == p.n ? 0 : 1;
}

int cmd_compose_updown(stackctl_t *sc, const char *verb)
{
    (void)sc;
    fprintf(stderr, "stackctl %s: this run uses tcp endpoints (LS_ENDPOINTS=tcp): the container engine "
                    "runs its services; on the engine's host use 'docker compose %s' "
                    "(or 'podman-compose %s')\n",
            verb, strcmp(verb, "up") == 0 ? "up -d" : verb, strcmp(verb, "up") == 0 ? "up -d" : verb);
    return 1;
}
