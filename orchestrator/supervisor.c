/*
 * supervisor.c -- native process supervision (see supervisor.h).
 *
 * Call chain: stackctl up -> fork/exec "stackctl _supervise" -> supervisor_main
 *   -> s_spawn (each service) -> loop:
 *        SIGCHLD (signalfd) -> s_reap -> schedule restart with backoff
 *        timer -> s_tick -> respawn due children, probe unready ones ("status")
 *        probe reply -> mark ready
 *        ctl "services" -> one row per child; "shutdown" -> stop loop -> s_stop_all
 *
 * Fault rules: the supervisor owns a registry (orchestrator/fault_reg.c, the
 * same one the compose orchestrator uses) holding ids and placement. Rules
 * come from the topology's `faults:` (ids 1..n, loaded at start) and from
 * `stackctl fault add` (ctl "fault-add" -> fault_reg_ctl); the registry calls
 * a service's ctl socket (fault_reg_svc_call) and asks s_fault_ready whether
 * a child is ready. A service that (re)becomes ready gets all of its rules
 * again before it is marked ready (s_probe_readable -> fault_reg_push_service),
 * so a rule survives a restart of the service it sits in and `stackctl up`
 * returns with the topology's rules in force.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "runtime/ctl_client.h"
#include "runtime/env.h"
#include "fault_reg.h"
#include "runtime/svc.h"

#define BACKOFF_MIN_NS 100000000ull   /* 100 ms */
#define BACKOFF_MAX_NS 5000000000ull   /* 5 s */
#define STABLE_NS 10000000000ull       /* 10 s up resets the backoff */
#define PROBE_NS 100000000ull          /* re-probe an unready child every 100 ms */

typedef struct {
    char name[96];
    char host[64];
    char seg[64];
    topo_role_t role;
    char prog[1024];
    pid_t pid;
    unsigned restarts;
    uint64_t started_ns;
    uint64_t restart_at;  /* 0 = not scheduled */
    uint64_t backoff_ns;
    int ready;
    int ever_ready;       /* became ready at least once */
    int failed;           /* exited 2 before ever being ready: it refused its configuration */
    uint64_t probe_at;
    ls_ctl_client_t *probe;
    struct s_orch *orch;
} s_child_t;

typedef struct s_orch {
    ls_svc_t svc;
    s_child_t *kids;
    size_t nkids;
    fault_reg_t *faults;
    char bin_dir[512];
    char topo_path[512];
    int chld_fd;
} s_orch_t;

void supervisor_program_path(const char *bin_dir, const char *prog, char *out, size_t cap)
{
    if (strchr(prog, '/'))
        snprintf(out, cap, "%s", prog);
    else
        snprintf(out, cap, "%s/%s", bin_dir, prog);
}

static int s_collect(const topo_service_t *ts, void *arg)
{
    s_orch_t *o = arg;
    s_child_t *k = &o->kids[o->nkids++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", ts->name);
    snprintf(k->host, sizeof k->host, "%s", ts->host ? ts->host : "");
    snprintf(k->seg, sizeof k->seg, "%s", ts->segment ? ts->segment : "");
    k->role = ts->role;
    supervisor_program_path(o->bin_dir, ts->program, k->prog, sizeof k->prog);
    k->backoff_ns = BACKOFF_MIN_NS;
    return 0;
}

static int s_count(const topo_service_t *ts, void *arg)
{
    (*(size_t *)arg)++;
    return 0;
}

static void s_spawn(s_orch_t *o, s_child_t *k)
{
    char errpath[700];
    snprintf(errpath, sizeof errpath, "%s/log/%s.stderr", o->svc.run_dir, k->name);
    pid_t pid = fork();
    if (pid < 0) {
        ls_logf(o->svc.log, LS_LOG_ERROR, "fork for %s: %s", k->name, strerror(errno));
        k->restart_at = ls_now_ns() + k->backoff_ns;
        return;
    }
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        ls_proc_redirect_stdio(errpath);
        const char *mode = o->svc.mode == TOPO_MODE_TCP ? "tcp" : "ipc";
        if (k->role == TOPO_ROLE_SWITCH)
            execl(k->prog, k->prog, "--switch", k->seg, "--topology", o->topo_path, "--run-dir",
                  o->svc.run_dir, "--endpoints", mode, (char *)NULL);
        else
            execl(k->prog, k->prog, "--host", k->host, "--topology", o->topo_path, "--run-dir",
                  o->svc.run_dir, "--endpoints", mode, (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", k->prog, strerror(errno));
        _exit(127);
    }
    k->pid = pid;
    k->started_ns = ls_now_ns();
    k->restart_at = 0;
    k->ready = 0;
    k->probe_at = k->started_ns;
    ls_logev(o->svc.log, LS_LOG_INFO, &(ls_logev_t){.ev = k->restarts ? "restart" : "spawn"},
             "%s %s pid %d (%s)%s", k->restarts ? "restarted" : "started", k->name, (int)pid, k->prog,
             k->restarts ? "" : "");
}

/* ---- fault rules: the registry (fault_reg.c) asks whether a child is ready ---- */

static s_child_t *s_kid(s_orch_t *o, const char *name)
{
    for (size_t i = 0; i < o->nkids; i++)
        if (strcmp(o->kids[i].name, name) == 0)
            return &o->kids[i];
    return NULL;
}

static int s_fault_ready(void *ctx, const char *service)
{
    s_child_t *k = s_kid(ctx, service);
    return k && k->ready;
}

static int s_probe_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    s_child_t *k = arg;
    Ls__CtlReply *rep;
    while ((rep = ls_ctl_recv(k->probe, 0)) != NULL) {
        const char *pid = ls_ctl_reply_get(rep, "pid");
        if (rep->rc == 0 && pid && atoi(pid) == (int)k->pid && !k->ready) {
            /* its fault rules first: "ready" means they are in force */
            fault_reg_push_service(k->orch->faults, k->name);
            k->ready = k->ever_ready = 1;
        }
        ls_ctl_reply_free(&rep);
    }
    return 0;
}

static void s_reap(s_orch_t *o)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < o->nkids; i++) {
            s_child_t *k = &o->kids[i];
            if (k->pid != pid)
                continue;
            uint64_t now = ls_now_ns();
            if (now - k->started_ns > STABLE_NS)
                k->backoff_ns = BACKOFF_MIN_NS;
            char how[64];
            if (WIFSIGNALED(status))
                snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
            else
                snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
            k->pid = 0;
            k->ready = 0;
            if (!k->ever_ready && WIFEXITED(status) && WEXITSTATUS(status) == 2) {
                /* status 2 is the services' "bad configuration" (a zone file, the topology):
                 * restarting cannot help; stackctl up reports the service's message */
                k->failed = 1;
                k->restart_at = 0;
                ls_logev(o->svc.log, LS_LOG_ERROR, &(ls_logev_t){.ev = "failed"},
                         "%s refused to start (%s): not restarted; see log/%s.stderr", k->name, how, k->name);
                continue;
            }
            k->restarts++;
            k->restart_at = now + k->backoff_ns;
            ls_logev(o->svc.log, LS_LOG_WARN, &(ls_logev_t){.ev = "died"},
                     "%s %s; restart #%u in %llu ms", k->name, how, k->restarts,
                     (unsigned long long)(k->backoff_ns / 1000000));
            k->backoff_ns = k->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : k->backoff_ns * 2;
        }
    }
}

static int s_chld_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
        ;
    s_reap(arg);
    return 0;
}

static uint64_t s_deadline(void *arg)
{
    s_orch_t *o = arg;
    uint64_t d = UINT64_MAX;
    for (size_t i = 0; i < o->nkids; i++) {
        s_child_t *k = &o->kids[i];
        if (!k->pid && k->restart_at && k->restart_at < d)
            d = k->restart_at;
        if (k->pid && !k->ready && k->probe_at < d)
            d = k->probe_at;
    }
    return d;
}

static void s_tick(void *arg, uint64_t now)
{
    s_orch_t *o = arg;
    for (size_t i = 0; i < o->nkids; i++) {
        s_child_t *k = &o->kids[i];
        if (!k->pid && k->restart_at && k->restart_at <= now)
            s_spawn(o, k);
        if (k->pid && !k->ready && k->probe_at <= now) {
            ls_ctl_send(k->probe, "status", NULL, 0, NULL, 0);
            k->probe_at = now + PROBE_NS;
        }
    }
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
                 void *arg)
{
    s_orch_t *o = arg;
    if (strcmp(req->cmd, "services") == 0) {
        size_t ready = 0;
        uint64_t now = ls_now_ns();
        for (size_t i = 0; i < o->nkids; i++) {
            s_child_t *k = &o->kids[i];
            ready += k->ready;
            ls_ctl_row(rep, "%s\t%d\t%s\t%u\t%.1f", k->name, (int)k->pid,
                       k->ready ? "ready" : k->pid ? "starting" : k->failed ? "failed" : "restarting", k->restarts,
                       k->pid ? (double)(now - k->started_ns) / 1e9 : 0.0);
        }
        size_t failed = 0;
        for (size_t i = 0; i < o->nkids; i++)
            failed += o->kids[i].failed;
        ls_ctl_kv(rep, "ready", "%zu", ready);
        ls_ctl_kv(rep, "failed", "%zu", failed);
        ls_ctl_kv(rep, "total", "%zu", o->nkids);
        return 0;
    }
    return fault_reg_ctl(o->faults, req, rep);
}

static void s_stop_all(s_orch_t *o)
{
    for (size_t i = 0; i < o->nkids; i++)
        if (o->kids[i].pid)
            kill(o->kids[i].pid, SIGTERM);
    uint64_t give_up = ls_now_ns() + 3000000000ull;
    for (;;) {
        int alive = 0;
        for (size_t i = 0; i < o->nkids; i++) {
            if (!o->kids[i].pid)
                continue;
            int st;
            pid_t r = waitpid(o->kids[i].pid, &st, WNOHANG);
            if (r == o->kids[i].pid || (r < 0 && errno == ECHILD))
                o->kids[i].pid = 0;
            else
                alive++;
        }
        if (!alive)
            break;
        if (ls_now_ns() > give_up) {
            for (size_t i = 0; i < o->nkids; i++)
                if (o->kids[i].pid) {
                    ls_logf(o->svc.log, LS_LOG_WARN, "%s did not stop; SIGKILL", o->kids[i].name);
                    kill(o->kids[i].pid, SIGKILL);
                    waitpid(o->kids[i].pid, NULL, 0);
                    o->kids[i].pid = 0;
                }
            break;
        }
        zmq_poll(NULL, 0, 20); /* shutdown only: short waits while children exit */
    }
}

int supervisor_main(int argc, char **argv)
{
    s_orch_t *o = calloc(1, sizeof *o);
    if (!o)
        return 1;
    char err[512];
    const char *bin = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--bin-dir") == 0)
            bin = argv[i + 1];
    /* strip --bin-dir for ls_svc_init */
    char *av[16];
    int ac = 0;
    for (int i = 0; i < argc && ac < 15; i++) {
        if (strcmp(argv[i], "--bin-dir") == 0) {
            i++;
            continue;
        }
        av[ac++] = argv[i];
    }
    av[ac] = NULL;
    if (ls_svc_init(&o->svc, ac, av, "orchestrator", "stackctl _supervise --topology F --run-dir D", err,
                    sizeof err) != 0) {
        fprintf(stderr, "supervisor: %s\n", err);
        return 2;
    }
    snprintf(o->bin_dir, sizeof o->bin_dir, "%s", bin ? bin : ".");
    snprintf(o->topo_path, sizeof o->topo_path, "%s", o->svc.topo->path);
    size_t n = 0;
    topo_service_list(o->svc.topo, s_count, &n);
    o->kids = calloc(n ? n : 1, sizeof *o->kids);
    topo_service_list(o->svc.topo, s_collect, o);
    for (size_t i = 0; i < o->nkids; i++)
        o->kids[i].orch = o;
    /* the topology's faults: become rules 1..n */
    fault_reg_io_t io = {.call = fault_reg_svc_call, .call_ctx = &o->svc, .ready = s_fault_ready, .ready_ctx = o,
                         .scope = "run"};
    o->faults = fault_reg_new(o->svc.topo, o->svc.log, &io);
    char ferr[400];
    int fline = 0;
    if (!o->faults || fault_reg_load_topology(o->faults, ferr, sizeof ferr, &fline) < 0) {
        fprintf(stderr, "supervisor: %.200s:%d: fault: %.280s\n", o->svc.topo->path, fline,
                o->faults ? ferr : "out of memory");
        return 2;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    o->chld_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    ls_loop_add_fd(o->svc.loop, o->chld_fd, s_chld_readable, o);
    ls_loop_add_timer(o->svc.loop, s_deadline, s_tick, o);
    ls_svc_set_ctl_handler(&o->svc, s_ctl, o);

    for (size_t i = 0; i < o->nkids; i++) {
        s_child_t *k = &o->kids[i];
        char ep[400];
        if (ls_svc_endpoint(&o->svc, k->name, TOPO_EP_CTL, NULL, 0, ep, sizeof ep) < 0) {
            ls_logf(o->svc.log, LS_LOG_ERROR, "%s: %s", k->name, ep);
            continue;
        }
        k->probe = ls_ctl_client_new(o->svc.zctx, ep);
        ls_loop_add_socket(o->svc.loop, ls_ctl_client_socket(k->probe), s_probe_readable, k);
        s_spawn(o, k);
    }
    if (ls_svc_ready(&o->svc) < 0)
        return 1;
    ls_loop_run(o->svc.loop);
    ls_logf(o->svc.log, LS_LOG_INFO, "stopping %zu services", o->nkids);
    s_stop_all(o);
    for (size_t i = 0; i < o->nkids; i++)
        ls_ctl_client_destroy(&o->kids[i].probe);
    free(o->kids);
    fault_reg_destroy(&o->faults);
    close(o->chld_fd);
    ls_svc_fini(&o->svc);
    free(o);
    return 0;
}
