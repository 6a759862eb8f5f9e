/*
 * fault_reg.c -- the orchestrator's fault-rule registry (see fault_reg.h).
 *
 * Call chain:
 *   supervisor.c s_ctl / cmd_compose.c s_idle_ctl -> fault_reg_ctl ->
 *     fault_reg_add -> fault_reg_register (fault_place, fault_rule_parse probe)
 *                   -> s_push (io.call "fault-add") when io.ready
 *     fault_reg_del / fault_reg_clear / fault_reg_list -> io.call to ready holders
 *   supervisor_main / cmd_idle -> fault_reg_load_topology -> fault_reg_register
 *   supervisor s_probe_readable / idle s_idle_probe_readable -> fault_reg_push_service
 */
#include "fault_reg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ctl_client.h"
#include "runtime/env.h"
#include "fault/fault.h"

struct fault_reg {
    const topo_t *topo;
    ls_log_t *log;
    fault_reg_io_t io;
    char (*svcs)[96];     /* the topology's services, in topo_service_list order */
    size_t nsvcs, capsvcs;
    fault_reg_rule_t *rules;
    size_t nrules, caprules;
    uint32_t next_id;
};

static int s_collect(const topo_service_t *ts, void *arg)
{
    fault_reg_t *self = arg;
    if (self->nsvcs == self->capsvcs) {
        self->capsvcs = self->capsvcs ? self->capsvcs * 2 : 16;
        self->svcs = realloc(self->svcs, self->capsvcs * sizeof *self->svcs);
        if (!self->svcs)
            abort();
    }
    snprintf(self->svcs[self->nsvcs++], sizeof self->svcs[0], "%s", ts->name);
    return 0;
}

fault_reg_t *fault_reg_new(const topo_t *topo, ls_log_t *log, const fault_reg_io_t *io)
{
    fault_reg_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->topo = topo;
    self->log = log;
    self->io = *io;
    if (!self->io.scope)
        self->io.scope = "run";
    self->next_id = 1;
    topo_service_list(topo, s_collect, self);
    return self;
}

void fault_reg_destroy(fault_reg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fault_reg_t *self = *self_p;
    free(self->svcs);
    free(self->rules);
    free(self);
    *self_p = NULL;
}

size_t fault_reg_size(const fault_reg_t *self) { return self->nrules; }

const fault_reg_rule_t *fault_reg_rule(const fault_reg_t *self, size_t i)
{
    return i < self->nrules ? &self->rules[i] : NULL;
}

static int s_known(const fault_reg_t *self, const char *service)
{
    for (size_t i = 0; i < self->nsvcs; i++)
        if (strcmp(self->svcs[i], service) == 0)
            return 1;
    return 0;
}

static int s_ready(const fault_reg_t *self, const char *service)
{
    return self->io.ready && self->io.ready(self->io.ready_ctx, service);
}

static Ls__CtlReply *s_call(fault_reg_t *self, const char *service, const char *cmd, const char *const *args,
                            size_t nargs, Ls__FaultRule *const *rules, size_t nrules)
{
    return self->io.call ? self->io.call(self->io.call_ctx, service, cmd, args, nargs, rules, nrules) : NULL;
}

static int s_holds(const fault_reg_t *self, const char *service)
{
    for (size_t j = 0; j < self->nrules; j++)
        if (strcmp(self->rules[j].pl.service, service) == 0)
            return 1;
    return 0;
}

static void s_rule_msg(const fault_reg_rule_t *r, Ls__FaultRule *fr)
{
    ls__fault_rule__init(fr);
    fr->id = r->id;
    fr->pipe = (char *)r->pl.pipe;
    fr->dir = r->pl.dir;
    fr->spec = (char *)r->spec;
    fr->seed = r->seed;
}

/* Push rules [from, to) that live in service. 0, or -1 with err. */
static int s_push(fault_reg_t *self, const char *service, size_t from, size_t to, char *err, size_t errlen)
{
    size_t n = 0;
    Ls__FaultRule *msgs = calloc(to - from + 1, sizeof *msgs);
    Ls__FaultRule **ptrs = calloc(to - from + 1, sizeof *ptrs);
    if (!msgs || !ptrs)
        abort();
    for (size_t i = from; i < to; i++)
        if (strcmp(self->rules[i].pl.service, service) == 0) {
            s_rule_msg(&self->rules[i], &msgs[n]);
            ptrs[n] = &msgs[n];
            n++;
        }
    int rc = 0;
    if (n) {
        Ls__CtlReply *rep = s_call(self, service, "fault-add", NULL, 0, ptrs, n);
        if (!rep) {
            snprintf(err, errlen, "%s did not answer fault-add", service);
            rc = -1;
        } else if (rep->rc != 0) {
            snprintf(err, errlen, "%s", rep->error ? rep->error : "fault-add failed");
            rc = -1;
        }
        ls_ctl_reply_free(&rep);
        ls_logev(self->log, rc ? LS_LOG_WARN : LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"},
                 "%zu rule(s) pushed to %s%s%s", n, service, rc ? ": " : "", rc ? err : "");
    }
    free(msgs);
    free(ptrs);
    return rc;
}

int fault_reg_push_service(fault_reg_t *self, const char *service)
{
    char err[300];
    return s_push(self, service, 0, self->nrules, err, sizeof err);
}

int fault_reg_register(fault_reg_t *self, const char *host, const char *pipe, const char *dir, const char *spec,
                       uint64_t seed, char *err, size_t errlen)
{
    fault_place_t pl[2];
    int n = fault_place(self->topo, host, pipe, dir, pl, err, errlen);
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
        if (!s_known(self, pl[i].service)) {
            snprintf(err, errlen, "%s is not a service of this %s", pl[i].service, self->io.scope);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        if (self->nrules == self->caprules) {
            self->caprules = self->caprules ? self->caprules * 2 : 16;
            self->rules = realloc(self->rules, self->caprules * sizeof *self->rules);
            if (!self->rules)
                abort();
        }
        fault_reg_rule_t *r = &self->rules[self->nrules++];
        memset(r, 0, sizeof *r);
        r->id = self->next_id++;
        r->pl = pl[i];
        snprintf(r->spec, sizeof r->spec, "%s", spec);
        r->seed = seed;
    }
    return n;
}

int fault_reg_load_topology(fault_reg_t *self, char *err, size_t errlen, int *line)
{
    static const char *const dirs[] = {[TOPO_DIR_BOTH] = "both", [TOPO_DIR_UP] = "up", [TOPO_DIR_DOWN] = "down"};
    for (size_t i = 0; i < self->topo->nfault; i++) {
        const topo_fault_t *f = &self->topo->faults[i];
        if (fault_reg_register(self, f->host, f->pipe, dirs[f->dir], f->spec, f->seed, err, errlen) < 0) {
            if (line)
                *line = f->line;
            return -1;
        }
    }
    return 0;
}

void fault_reg_add(fault_reg_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    if (req->n_args != 5) {
        ls_ctl_error(rep, EINVAL, "fault-add: expected HOST PIPE DIR SEED SPEC");
        return;
    }
    uint64_t seed = self->topo->seed;
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
    size_t from = self->nrules;
    uint32_t next = self->next_id;
    int n = fault_reg_register(self, req->args[0], req->args[1], req->args[2], req->args[4], seed, err, sizeof err);
    if (n < 0) {
        ls_ctl_error(rep, EINVAL, "%s", err);
        return;
    }
    for (size_t i = from; i < self->nrules; i++) {
        fault_reg_rule_t *r = &self->rules[i];
        const char *state = "pending until the service is ready";
        if (s_ready(self, r->pl.service)) {
            if (s_push(self, r->pl.service, i, i + 1, err, sizeof err) < 0) {
                /* the service refused it or did not answer: forget this request's rules */
                self->nrules = from;
                self->next_id = next;
                ls_ctl_error(rep, EIO, "%s", err);
                return;
            }
            state = "in force";
        }
        ls_ctl_row(rep, "rule %u: %s %s %s: %s (seed %llu), applied by %s as it %s; %s", r->id, r->pl.host,
                   r->pl.pipe, ls_dir_str(r->pl.dir), r->spec, (unsigned long long)r->seed, r->pl.service,
                   r->pl.at_sender ? "sends" : "receives", state);
        ls_logev(self->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"},
                 "rule %u: %s %s %s: %s (seed %llu) at %s", r->id, r->pl.host, r->pl.pipe, ls_dir_str(r->pl.dir),
                 r->spec, (unsigned long long)r->seed, r->pl.service);
    }
    ls_ctl_kv(rep, "first_id", "%u", self->rules[from].id);
    ls_ctl_kv(rep, "count", "%d", n);
}

void fault_reg_del(fault_reg_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    char *end = NULL;
    unsigned long id = req->n_args == 1 ? strtoul(req->args[0], &end, 10) : 0;
    if (req->n_args != 1 || !end || *end || !req->args[0][0]) {
        ls_ctl_error(rep, EINVAL, "fault-del: expected a rule id");
        return;
    }
    for (size_t i = 0; i < self->nrules; i++) {
        if (self->rules[i].id != id)
            continue;
        fault_reg_rule_t r = self->rules[i];
        memmove(&self->rules[i], &self->rules[i + 1], (self->nrules - i - 1) * sizeof *self->rules);
        self->nrules--;
        if (s_ready(self, r.pl.service)) {
            const char *args[] = {req->args[0]};
            Ls__CtlReply *sr = s_call(self, r.pl.service, "fault-del", args, 1, NULL, 0);
            ls_ctl_reply_free(&sr);
        }
        ls_ctl_row(rep, "rule %lu deleted (%s %s %s: %s)", id, r.pl.host, r.pl.pipe, ls_dir_str(r.pl.dir), r.spec);
        ls_logev(self->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "rule %lu deleted", id);
        return;
    }
    ls_ctl_error(rep, ENOENT, "no fault rule %lu (see 'stackctl fault list')", id);
}

void fault_reg_clear(fault_reg_t *self, ls_ctl_reply_t *rep)
{
    size_t n = self->nrules;
    for (size_t i = 0; i < self->nsvcs; i++) {
        if (s_ready(self, self->svcs[i]) && s_holds(self, self->svcs[i])) {
            Ls__CtlReply *sr = s_call(self, self->svcs[i], "fault-clear", NULL, 0, NULL, 0);
            ls_ctl_reply_free(&sr);
        }
    }
    self->nrules = 0;
    ls_ctl_row(rep, "%zu rule(s) cleared", n);
    ls_logev(self->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "%zu rule(s) cleared", n);
}

void fault_reg_list(fault_reg_t *self, ls_ctl_reply_t *rep)
{
    Ls__CtlReply **stats = calloc(self->nsvcs + 1, sizeof *stats);
    if (!stats)
        abort();
    for (size_t i = 0; i < self->nsvcs; i++)
        if (s_ready(self, self->svcs[i]) && s_holds(self, self->svcs[i]))
            stats[i] = s_call(self, self->svcs[i], "fault-list", NULL, 0, NULL, 0);
    for (size_t j = 0; j < self->nrules; j++) {
        const fault_reg_rule_t *r = &self->rules[j];
        const Ls__FaultRule *st = NULL;
        for (size_t i = 0; i < self->nsvcs && !st; i++) {
            if (!stats[i] || strcmp(self->svcs[i], r->pl.service) != 0)
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
    for (size_t i = 0; i < self->nsvcs; i++)
        ls_ctl_reply_free(&stats[i]);
    free(stats);
    ls_ctl_kv(rep, "rules", "%zu", self->nrules);
}

int fault_reg_ctl(fault_reg_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    if (strcmp(req->cmd, "fault-add") == 0)
        fault_reg_add(self, req, rep);
    else if (strcmp(req->cmd, "fault-del") == 0)
        fault_reg_del(self, req, rep);
    else if (strcmp(req->cmd, "fault-clear") == 0)
        fault_reg_clear(self, rep);
    else if (strcmp(req->cmd, "fault-list") == 0)
        fault_reg_list(self, rep);
    else
        return -1;
    return 0;
}

Ls__CtlReply *fault_reg_svc_call(void *svc_p, const char *service, const char *cmd, const char *const *args,
                                 size_t nargs, Ls__FaultRule *const *rules, size_t nrules)
{
    ls_svc_t *svc = svc_p;
    char ep[400];
    if (ls_svc_endpoint(svc, service, TOPO_EP_CTL, NULL, 0, ep, sizeof ep) < 0)
        return NULL;
    ls_ctl_client_t *c = ls_ctl_client_new(svc->zctx, ep);
    if (!c)
        return NULL;
    Ls__CtlReply *rep = fault_ctl_request(c, cmd, args, nargs, rules, nrules, FAULT_REG_CALL_MS);
    ls_ctl_client_destroy(&c);
    return rep;
}
