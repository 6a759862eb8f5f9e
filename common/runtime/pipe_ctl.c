/*
 * pipe_ctl.c -- the fault-* control commands of a service, on its own pipes
 * (see pipe_ctl.h): fault-add (the rules in the request), fault-del ID,
 * fault-clear, fault-list (the rules with their counters).
 *
 * Call chain: a service's start-up (before ls_svc_ready) -> ls_pipe_ctl_register
 *   -> ls_svc_register_cmd for each command; then the control channel
 *   (svc.c) -> s_add / s_del / s_clear / s_list -> ls_pipe_find /
 *   ls_pipe_faults -> fault/fault.c fault_set_add/del/clear/foreach.
 */
#include "runtime/pipe_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault.h"
#include "runtime/pipe.h"

static Ls__FaultRule *s_rule_append(ls_ctl_reply_t *r)
{
    Ls__CtlReply *p = &r->rep;
    if (p->n_rules == r->cap_rules) {
        r->cap_rules = r->cap_rules ? r->cap_rules * 2 : 8;
        Ls__FaultRule **nv = realloc(p->rules, r->cap_rules * sizeof *nv);
        if (!nv)
            abort();
        p->rules = nv;
    }
    Ls__FaultRule *fr = calloc(1, sizeof *fr);
    if (!fr)
        abort();
    ls__fault_rule__init(fr);
    p->rules[p->n_rules++] = fr;
    return fr;
}

typedef struct {
    ls_ctl_reply_t *rep;
    const char *pipe;
    Ls__Direction dir;
} s_list_ctx_t;

static void s_list_rule(const fault_rule_t *rule, void *arg)
{
    s_list_ctx_t *c = arg;
    fault_stats_t st;
    fault_rule_stats(rule, &st);
    Ls__FaultRule *fr = s_rule_append(c->rep);
    fr->id = fault_rule_id(rule);
    fr->pipe = strdup(c->pipe);
    fr->dir = c->dir;
    fr->spec = strdup(fault_rule_spec(rule));
    fr->seed = fault_rule_seed(rule);
    fr->has_seen = fr->has_dropped = fr->has_delayed = 1;
    fr->has_duplicated = fr->has_reordered = fr->has_corrupted = 1;
    fr->seen = st.seen;
    fr->dropped = st.dropped;
    fr->delayed = st.delayed;
    fr->duplicated = st.duplicated;
    fr->reordered = st.reordered;
    fr->corrupted = st.corrupted;
    if (!fr->pipe || !fr->spec)
        abort();
    ls_ctl_row(c->rep, "%u\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu", fr->id, fr->pipe,
               ls_dir_str(fr->dir), fr->spec, (unsigned long long)fr->seed, (unsigned long long)st.seen,
               (unsigned long long)st.dropped, (unsigned long long)st.delayed,
               (unsigned long long)st.duplicated, (unsigned long long)st.reordered,
               (unsigned long long)st.corrupted);
}

static int s_add(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
                 void *arg)
{
    if (req->n_rules == 0) {
        ls_ctl_error(rep, EINVAL, "fault-add: no rule in the request");
        return 0;
    }
    for (size_t i = 0; i < req->n_rules; i++) {
        const Ls__FaultRule *fr = req->rules[i];
        ls_pipe_t *p = ls_pipe_find(svc, fr->pipe);
        if (!p) {
            ls_ctl_error(rep, ENOENT, "fault-add: %s has no pipe '%s'", svc->name, fr->pipe);
            return 0;
        }
        fault_set_t *fs = ls_pipe_faults(p, fr->dir);
        if (!fs) {
            ls_ctl_error(rep, EINVAL, "fault-add: direction must be up or down");
            return 0;
        }
        char err[200];
        fault_rule_t *rule = fault_rule_parse(fr->spec, fr->seed, fr->id, err, sizeof err);
        if (!rule) {
            ls_ctl_error(rep, EINVAL, "fault-add: %s", err);
            return 0;
        }
        if (fault_set_add(fs, &rule) < 0) {
            ls_ctl_error(rep, EEXIST, "fault-add: rule %u is already on %s", fr->id, svc->name);
            return 0;
        }
        ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule", .dir = ls_dir_str(fr->dir)},
                 "rule %u added on %s %s: %s (seed %llu)", fr->id, fr->pipe, ls_dir_str(fr->dir), fr->spec,
                 (unsigned long long)fr->seed);
    }
    ls_ctl_kv(rep, "added", "%zu", req->n_rules);
    return 0;
}

static int s_del(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
                 void *arg)
{
    char *end = NULL;
    unsigned long id = req->n_args ? strtoul(req->args[0], &end, 10) : 0;
    if (!req->n_args || !end || *end || !req->args[0][0]) {
        ls_ctl_error(rep, EINVAL, "fault-del: expected a rule id");
        return 0;
    }
    int found = 0;
    for (ls_pipe_t *p = ls_pipe_first(svc); p; p = ls_pipe_next(p))
        for (int d = LS__DIRECTION__DOWN; d <= LS__DIRECTION__UP; d++) {
            fault_set_t *fs = ls_pipe_faults_peek(p, (Ls__Direction)d);
            if (fs && fault_set_del(fs, (uint32_t)id) == 0)
                found++;
        }
    if (!found) {
        ls_ctl_error(rep, ENOENT, "fault-del: no rule %lu on %s", id, svc->name);
        return 0;
    }
    ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "rule %lu deleted", id);
    return 0;
}

static int s_clear(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
                   void *arg)
{
    size_t n = 0;
    for (ls_pipe_t *p = ls_pipe_first(svc); p; p = ls_pipe_next(p))
        for (int d = LS__DIRECTION__DOWN; d <= LS__DIRECTION__UP; d++) {
            fault_set_t *fs = ls_pipe_faults_peek(p, (Ls__Direction)d);
            if (fs) {
                n += fault_set_size(fs);
                fault_set_clear(fs);
            }
        }
    ls_ctl_kv(rep, "cleared", "%zu", n);
    if (n)
        ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "%zu rule(s) cleared", n);
    return 0;
}

static int s_list(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
                  void *arg)
{
    for (ls_pipe_t *p = ls_pipe_first(svc); p; p = ls_pipe_next(p))
        for (int d = LS__DIRECTION__DOWN; d <= LS__DIRECTION__UP; d++) {
            fault_set_t *fs = ls_pipe_faults_peek(p, (Ls__Direction)d);
            s_list_ctx_t c = {rep, ls_pipe_name(p), (Ls__Direction)d};
            if (fs)
                fault_set_foreach(fs, s_list_rule, &c);
        }
    return 0;
}

int ls_pipe_ctl_register(ls_svc_t *svc)
{
    static const struct { const char *cmd; ls_ctl_fn fn; } cmds[] = {
        {"fault-add", s_add}, {"fault-del", s_del}, {"fault-clear", s_clear}, {"fault-list", s_list},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (ls_svc_register_cmd(svc, cmds[i].cmd, cmds[i].fn, NULL) < 0)
            return -1;
    return 0;
}
