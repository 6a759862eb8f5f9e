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
 * Fault rules: the supervisor owns the registry (ids, placement). Rules come
 * from the topology's `faults:` (ids 1..n, loaded at start) and from
 * `stackctl fault add` (ctl "fault-add"); fault_place() (common/fault_ctl.c)
 * names the service holding the pipe end that applies each rule; s_push ->
 * fault_ctl_request("fault-add" with FaultRules) to that service. A service
 * that (re)becomes ready gets all of its rules again before it is marked ready
 * (s_probe_readable -> s_push), so a rule survives a restart of the service
 * it sits in and `stackctl up` returns with the topology's rules in force.
 * "fault-list" collects per-rule counters from the services; "fault-del" and
 * "fault-clear" remove rules there too.
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

#include "ctl_client.h"
#include "env.h"
#include "fault.h"
#include "fault_ctl.h"
#include "svc.h"

#define BACKOFF_MIN_NS 100000000ull   /* 100 ms */
#define BACKOFF_MAX_NS 5000000000ull   /* 5 s */
#define STABLE_NS 10000000000ull       /* 10 s up resets the backoff */
#define PROBE_NS 100000000ull          /* re-probe an unready child every 100 ms */
#define FAULT_CALL_MS 2000              /* fault-* requests to a service */

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
    uint64_t probe_at;
    ls_ctl_client_t *probe;
    struct s_orch *orch;
} s_child_t;

/* One registered fault rule (one direction of one pipe). */
typedef struct {
    uint32_t id;
    fault_place_t pl;
    char spec[FAULT_SPEC_MAX];
    uint64_t seed;
} s_rule_t;

typedef struct s_orch {
    ls_svc_t svc;
    s_child_t *kids;
    size_t nkids;
    s_rule_t *rules;
    size_t nrules, caprules;
    uint32_t next_rule_id;
    char bin_dir[512];
    char topo_path[512];
    int chld_fd;
} s_orch_t;

static void s_resolve_prog(s_orch_t *o, const char *prog, char *out, size_t cap)
{
    if (strchr(prog, '/'))
        snprintf(out, cap, "%s", prog);
    else
        snprintf(out, cap, "%s/%s", o->bin_dir, prog);
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
    s_resolve_prog(o, ts->program, k->prog, sizeof k->prog);
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

/* ---- fault rule registry ---- */

static s_child_t *s_kid(s_orch_t *o, const char *name)
{
    for (size_t i = 0; i < o->nkids; i++)
        if (strcmp(o->kids[i].name, name) == 0)
            return &o->kids[i];
    return NULL;
}

/* One request with rules to a service; NULL if it does not answer. */
static Ls__CtlReply *s_fault_call(s_orch_t *o, const char *svc, const char *cmd, const char *const *args,
                                  size_t nargs, Ls__FaultRule *const *rules, size_t nrules)
{
    char ep[400];
    if (ls_svc_endpoint(&o->svc, svc, TOPO_EP_CTL, NULL, 0, ep, sizeof ep) < 0)
        return NULL;
    ls_ctl_client_t *c = ls_ctl_client_new(o->svc.zctx, ep);
    if (!c)
        return NULL;
    Ls__CtlReply *rep = fault_ctl_request(c, cmd, args, nargs, rules, nrules, FAULT_CALL_MS);
    ls_ctl_client_destroy(&c);
    return rep;
}

static void s_rule_msg(const s_rule_t *r, Ls__FaultRule *fr)
{
    ls__fault_rule__init(fr);
    fr->id = r->id;
    fr->pipe = (char *)r->pl.pipe;
    fr->dir = r->pl.dir;
    fr->spec = (char *)r->spec;
    fr->seed = r->seed;
}

static int s_holds(const s_orch_t *o, const s_child_t *k)
{
    for (size_t j = 0; j < o->nrules; j++)
        if (strcmp(o->rules[j].pl.service, k->name) == 0)
            return 1;
    return 0;
}

/* Push rules [from, to) that live in service k. 0, or -1 with err. */
static int s_push(s_orch_t *o, s_child_t *k, size_t from, size_t to, char *err, size_t errlen)
{
    size_t n = 0;
    Ls__FaultRule *msgs = calloc(to - from + 1, sizeof *msgs);
    Ls__FaultRule **ptrs = calloc(to - from + 1, sizeof *ptrs);
    if (!msgs || !ptrs)
        abort();
    for (size_t i = from; i < to; i++)
        if (strcmp(o->rules[i].pl.service, k->name) == 0) {
            s_rule_msg(&o->rules[i], &msgs[n]);
            ptrs[n] = &msgs[n];
            n++;
        }
    int rc = 0;
    if (n) {
        Ls__CtlReply *rep = s_fault_call(o, k->name, "fault-add", NULL, 0, ptrs, n);
        if (!rep) {
            snprintf(err, errlen, "%s did not answer fault-add", k->name);
            rc = -1;
        } else if (rep->rc != 0) {
            snprintf(err, errlen, "%s", rep->error ? rep->error : "fault-add failed");
            rc = -1;
        }
        ls_ctl_reply_free(&rep);
        ls_logev(o->svc.log, rc ? LS_LOG_WARN : LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"},
                 "%zu rule(s) pushed to %s%s%s", n, k->name, rc ? ": " : "", rc ? err : "");
    }
    free(msgs);
    free(ptrs);
    return rc;
}

/* Validate and register "HOST PIPE DIR" + spec; the new rules are appended
 * (one per direction). Returns how many, or -1 with err. */
static int s_rule_add(s_orch_t *o, const char *host, const char *pipe, const char *dir, const char *spec,
                      uint64_t seed, char *err, size_t errlen)
{
    fault_place_t pl[2];
    int n = fault_place(o->svc.topo, host, pipe, dir, pl, err, errlen);
    if (n < 0)
        return -1;
    if (strlen(spec) >= FAULT_SPEC_MAX) {
        snprintf(err, errlen, "rule text longer than %d bytes", FAULT_SPEC_MAX - 1);
        return -1;
    }
    char perr[200];
    fault_rule_t *probe = fault_rule_parse(spec, seed, 1, perr, sizeof perr);
    if (!probe) {
        snprintf(err, errlen, "%s", perr);
        return -1;
    }
    fault_rule_destroy(&probe);
    for (int i = 0; i < n; i++) {
        if (!s_kid(o, pl[i].service)) {
            snprintf(err, errlen, "%s is not a service of this run", pl[i].service);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        if (o->nrules == o->caprules) {
            o->caprules = o->caprules ? o->caprules * 2 : 16;
            o->rules = realloc(o->rules, o->caprules * sizeof *o->rules);
            if (!o->rules)
                abort();
        }
        s_rule_t *r = &o->rules[o->nrules++];
        memset(r, 0, sizeof *r);
        r->id = o->next_rule_id++;
        r->pl = pl[i];
        snprintf(r->spec, sizeof r->spec, "%s", spec);
        r->seed = seed;
    }
    return n;
}

/* ctl fault-add: args HOST PIPE DIR SEED|"" SPEC */
static void s_fault_add(s_orch_t *o, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    if (req->n_args != 5) {
        ls_ctl_error(rep, EINVAL, "fault-add: expected HOST PIPE DIR SEED SPEC");
        return;
    }
    uint64_t seed = o->svc.topo->seed;
    if (req->args[3][0]) {
        char *end = NULL;
        errno = 0;
        seed = strtoull(req->args[3], &end, 0);
        if (errno || !end || *end) {
            ls_ctl_error(rep, EINVAL, "seed '%s' is not a number", req->args[3]);
            return;
        }
    }
    char err[400];
    size_t from = o->nrules;
    uint32_t next = o->next_rule_id;
    int n = s_rule_add(o, req->args[0], req->args[1], req->args[2], req->args[4], seed, err, sizeof err);
    if (n < 0) {
        ls_ctl_error(rep, EINVAL, "%s", err);
        return;
    }
    for (size_t i = from; i < o->nrules; i++) {
        s_rule_t *r = &o->rules[i];
        s_child_t *k = s_kid(o, r->pl.service);
        const char *state = "pending until the service is ready";
        if (k && k->ready) {
            if (s_push(o, k, i, i + 1, err, sizeof err) < 0) {
                /* the service refused it or did not answer: forget this request's rules */
                o->nrules = from;
                o->next_rule_id = next;
                ls_ctl_error(rep, EIO, "%s", err);
                return;
            }
            state = "in force";
        }
        ls_ctl_row(rep, "rule %u: %s %s %s: %s (seed %llu), applied by %s as it %s; %s", r->id, r->pl.host,
                   r->pl.pipe, ls_dir_str(r->pl.dir), r->spec, (unsigned long long)r->seed, r->pl.service,
                   r->pl.at_sender ? "sends" : "receives", state);
        ls_logev(o->svc.log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"},
                 "rule %u: %s %s %s: %s (seed %llu) at %s", r->id, r->pl.host, r->pl.pipe, ls_dir_str(r->pl.dir),
                 r->spec, (unsigned long long)r->seed, r->pl.service);
    }
    ls_ctl_kv(rep, "first_id", "%u", o->rules[from].id);
    ls_ctl_kv(rep, "count", "%d", n);
}

static void s_fault_del(s_orch_t *o, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    char *end = NULL;
    unsigned long id = req->n_args == 1 ? strtoul(req->args[0], &end, 10) : 0;
    if (req->n_args != 1 || !end || *end || !req->args[0][0]) {
        ls_ctl_error(rep, EINVAL, "fault-del: expected a rule id");
        return;
    }
    for (size_t i = 0; i < o->nrules; i++) {
        if (o->rules[i].id != id)
            continue;
        s_rule_t r = o->rules[i];
        memmove(&o->rules[i], &o->rules[i + 1], (o->nrules - i - 1) * sizeof *o->rules);
        o->nrules--;
        s_child_t *k = s_kid(o, r.pl.service);
        if (k && k->ready) {
            const char *args[] = {req->args[0]};
            Ls__CtlReply *sr = s_fault_call(o, k->name, "fault-del", args, 1, NULL, 0);
            ls_ctl_reply_free(&sr);
        }
        ls_ctl_row(rep, "rule %lu deleted (%s %s %s: %s)", id, r.pl.host, r.pl.pipe, ls_dir_str(r.pl.dir), r.spec);
        ls_logev(o->svc.log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "rule %lu deleted", id);
        return;
    }
    ls_ctl_error(rep, ENOENT, "no fault rule %lu (see 'stackctl fault list')", id);
}

static void s_fault_clear(s_orch_t *o, ls_ctl_reply_t *rep)
{
    size_t n = o->nrules;
    for (size_t i = 0; i < o->nkids; i++) {
        s_child_t *k = &o->kids[i];
        if (k->ready && s_holds(o, k)) {
            Ls__CtlReply *sr = s_fault_call(o, k->name, "fault-clear", NULL, 0, NULL, 0);
            ls_ctl_reply_free(&sr);
        }
    }
    o->nrules = 0;
    ls_ctl_row(rep, "%zu rule(s) cleared", n);
    ls_logev(o->svc.log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "%zu rule(s) cleared", n);
}

/* Rows (tab-separated): ID HOST PIPE DIR SPEC SEED seen dropped delayed
 * duplicated reordered corrupted AT; "-" counters when the service is not up. */
static void s_fault_list(s_orch_t *o, ls_ctl_reply_t *rep)
{
    Ls__CtlReply **stats = calloc(o->nkids + 1, sizeof *stats);
    if (!stats)
        abort();
    for (size_t i = 0; i < o->nkids; i++)
        if (o->kids[i].ready && s_holds(o, &o->kids[i]))
            stats[i] = s_fault_call(o, o->kids[i].name, "fault-list", NULL, 0, NULL, 0);
    for (size_t j = 0; j < o->nrules; j++) {
        const s_rule_t *r = &o->rules[j];
        const Ls__FaultRule *st = NULL;
        for (size_t i = 0; i < o->nkids && !st; i++) {
            if (!stats[i] || strcmp(o->kids[i].name, r->pl.service) != 0)
                continue;
            for (size_t m = 0; m < stats[i]->n_rules; m++)
                if (stats[i]->rules[m]->id == r->id)
                    st = stats[i]->rules[m];
        }
        char counts[200];
        if (st)
            snprintf(counts, sizeof counts, "%llu\t%llu\t%llu\t%llu\t%llu\t%llu", (unsigned long long)st->seen,
                     (unsigned long long)st->dropped, (unsigned long long)st->delayed,
                     (unsigned long long)st->duplicated, (unsigned long long)st->reordered,
                     (unsigned long long)st->corrupted);
        else
            snprintf(counts, sizeof counts, "-\t-\t-\t-\t-\t-");
        ls_ctl_row(rep, "%u\t%s\t%s\t%s\t%s\t%llu\t%s\t%s", r->id, r->pl.host, r->pl.pipe, ls_dir_str(r->pl.dir),
                   r->spec, (unsigned long long)r->seed, counts, r->pl.service);
    }
    for (size_t i = 0; i < o->nkids; i++)
        ls_ctl_reply_free(&stats[i]);
    free(stats);
    ls_ctl_kv(rep, "rules", "%zu", o->nrules);
}

/* The topology's faults: become rules 1..n. -1 with err on a bad one. */
static int s_topology_faults(s_orch_t *o, char *err, size_t errlen)
{
    static const char *const dirs[] = {[TOPO_DIR_BOTH] = "both", [TOPO_DIR_UP] = "up", [TOPO_DIR_DOWN] = "down"};
    for (size_t i = 0; i < o->svc.topo->nfault; i++) {
        const topo_fault_t *f = &o->svc.topo->faults[i];
        char e[400];
        if (s_rule_add(o, f->host, f->pipe, dirs[f->dir], f->spec, f->seed, e, sizeof e) < 0) {
            snprintf(err, errlen, "%.200s:%d: fault: %.280s", o->svc.topo->path, f->line, e);
            return -1;
        }
    }
    return 0;
}

static int s_probe_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    s_child_t *k = arg;
    Ls__CtlReply *rep;
    while ((rep = ls_ctl_recv(k->probe, 0)) != NULL) {
        const char *pid = ls_ctl_reply_get(rep, "pid");
        if (rep->rc == 0 && pid && atoi(pid) == (int)k->pid && !k->ready) {
            /* its fault rules first: "ready" means they are in force */
            char err[300];
            s_push(k->orch, k, 0, k->orch->nrules, err, sizeof err);
            k->ready = 1;
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
                       k->ready ? "ready" : k->pid ? "starting" : "restarting", k->restarts,
                       k->pid ? (double)(now - k->started_ns) / 1e9 : 0.0);
        }
        ls_ctl_kv(rep, "ready", "%zu", ready);
        ls_ctl_kv(rep, "total", "%zu", o->nkids);
        return 0;
    }
    if (strcmp(req->cmd, "fault-add") == 0)
        s_fault_add(o, req, rep);
    else if (strcmp(req->cmd, "fault-del") == 0)
        s_fault_del(o, req, rep);
    else if (strcmp(req->cmd, "fault-clear") == 0)
        s_fault_clear(o, rep);
    else if (strcmp(req->cmd, "fault-list") == 0)
        s_fault_list(o, rep);
    else
        return -1;
    return 0;
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
    o->next_rule_id = 1;
    if (s_topology_faults(o, err, sizeof err) < 0) {
        fprintf(stderr, "supervisor: %s\n", err);
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
    free(o->rules);
    close(o->chld_fd);
    ls_svc_fini(&o->svc);
    free(o);
    return 0;
}
