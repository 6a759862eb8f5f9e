/*
 * fault_reg.h -- the orchestrator's fault-rule registry, shared by both
 * orchestrators: the native supervisor (supervisor.c, `stackctl up`) and the
 * compose deployment's orchestrator container (cmd_compose.c, `stackctl idle`).
 *
 * The registry owns rule ids (1, 2, ... in order of registration; the
 * topology's `faults:` are loaded first and become 1..n) and placement:
 * fault_place() (orchestrator/fault_place.c) names the service holding the pipe end
 * that applies each rule, one rule per direction. Rules are pushed to that
 * service with "fault-add" (FaultRules in the request) when it is ready, and
 * again whenever it (re)becomes ready (fault_reg_push_service), so a rule
 * survives a restart of the service it sits in.
 *
 * What differs between the two orchestrators is behind fault_reg_io_t: how a
 * service's control socket is called and whether a service is ready now.
 * fault_reg_svc_call() is the usual `call` (a fresh ctl client per request).
 *
 * Call chain: stackctl fault add|del|clear|list -> orchestrator ctl
 *   "fault-*" -> fault_reg_ctl -> fault_reg_add/del/clear/list -> io.call
 *   -> fault_ctl_request -> the pipe_ctl handlers registered with that service.s ctl registry.
 *   service ready (supervisor probe / idle instance probe) -> fault_reg_push_service.
 */
#ifndef LS_FAULT_REG_H
#define LS_FAULT_REG_H

#include <stddef.h>
#include <stdint.h>

#include "fault/fault.h"
#include "fault_place.h"
#include "runtime/log.h"
#include "runtime/svc.h"
#include "topology/topology.h"

#define FAULT_REG_CALL_MS 2000 /* fault-* requests to a service */

typedef struct fault_reg fault_reg_t;

typedef struct {
    /* Send cmd (with args and rules) to service's ctl socket and wait for the
     * reply; NULL if it does not answer. The registry frees the reply with
     * ls_ctl_reply_free. Usually fault_reg_svc_call with call_ctx = the ls_svc_t. */
    Ls__CtlReply *(*call)(void *call_ctx, const char *service, const char *cmd, const char *const *args,
                          size_t nargs, Ls__FaultRule *const *rules, size_t nrules);
    void *call_ctx;
    /* 1 if service answers right now (a rule pushed to it is in force), else 0. */
    int (*ready)(void *ready_ctx, const char *service);
    void *ready_ctx;
    /* Names the set of services in "X is not a service of this SCOPE": "run", "deployment". */
    const char *scope;
} fault_reg_io_t;

/* One registered rule (one direction of one pipe), as fault_reg_rule() shows it. */
typedef struct {
    uint32_t id;
    fault_place_t pl;
    char spec[FAULT_SPEC_MAX];
    uint64_t seed;
} fault_reg_rule_t;

/* topo (borrowed, must outlive the registry) names the services that may hold
 * rules; log may be NULL; io is copied. NULL on allocation failure. */
fault_reg_t *fault_reg_new(const topo_t *topo, ls_log_t *log, const fault_reg_io_t *io);
void fault_reg_destroy(fault_reg_t **self_p);

/* Register the topology's faults: (as rules 1..n on a fresh registry). 0, or
 * -1 with the reason in err and the fault's line in the topology in *line;
 * the caller says where ("FILE:LINE: fault: REASON"). Nothing is pushed: each
 * service gets its rules with fault_reg_push_service when it is ready. */
int fault_reg_load_topology(fault_reg_t *self, char *err, size_t errlen, int *line);

/* Validate and register "HOST PIPE DIR" + spec without pushing; one rule per
 * direction. The count, or -1 with a one-line reason in err. */
int fault_reg_register(fault_reg_t *self, const char *host, const char *pipe, const char *dir, const char *spec,
                       uint64_t seed, char *err, size_t errlen);

/* ctl fault-add: args HOST PIPE DIR SEED|"" SPEC. Rows "rule N: ... in force"
 * or "...; pending until the service is ready", kv first_id and count. A
 * service that refuses the rule or does not answer: EIO, nothing registered. */
void fault_reg_add(fault_reg_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep);
/* ctl fault-del: args ID. Row "rule N deleted (...)", or ENOENT/EINVAL. */
void fault_reg_del(fault_reg_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep);
/* ctl fault-clear: row "N rule(s) cleared". */
void fault_reg_clear(fault_reg_t *self, ls_ctl_reply_t *rep);
/* ctl fault-list: one row per rule, tab-separated: ID HOST PIPE DIR SPEC SEED
 * seen dropped delayed duplicated reordered corrupted AT ("-" counters when
 * the service is not up); kv rules. */
void fault_reg_list(fault_reg_t *self, ls_ctl_reply_t *rep);
/* Dispatch fault-add|del|clear|list: 0 = reply built, -1 = not a fault command. */
int fault_reg_ctl(fault_reg_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep);

/* Push every rule service holds (it has just become ready). 0 (also when it
 * holds none), or -1 if it refused them or did not answer (logged). */
int fault_reg_push_service(fault_reg_t *self, const char *service);

/* How many rules; the i-th (registration order), or NULL. */
size_t fault_reg_size(const fault_reg_t *self);
const fault_reg_rule_t *fault_reg_rule(const fault_reg_t *self, size_t i);

/* The usual io.call, with call_ctx an ls_svc_t *: a fresh ctl client to
 * service's ctl endpoint in that service's topology, fault_ctl_request with
 * FAULT_REG_CALL_MS. NULL if no answer. */
Ls__CtlReply *fault_reg_svc_call(void *svc, const char *service, const char *cmd, const char *const *args,
                                 size_t nargs, Ls__FaultRule *const *rules, size_t nrules);

#endif
