/*
 * fault_place.h -- fault rules between stackctl, the orchestrator and the pipes.
 *
 * Two pieces, both used by the orchestrator (the service side, the fault-*
 * commands on a service's pipes, is runtime/pipe_ctl.c):
 *
 *  - Placement (pure, the orchestrator): "HOST PIPE DIR" -> the pipe's
 *    canonical name and the service holding the end that applies the rule.
 *    A rule sits at the SENDING end of its direction when that end is one of
 *    our programs (net:link down -> net-svc, net:link up -> link-svc,
 *    transport:net down -> transport-svc, up -> net-svc), else at the
 *    receiving end if that one is ours (a replacement layer named in the
 *    topology's `layers:` does not run our pipe library). wire@IF is
 *    applied by the link-svc in both directions (down as it sends, up as it
 *    receives: the switch is multi-port). "net:link" / "wire" without
 *    "@IF" mean the host's only interface.
 *
 *  - Client side: fault_ctl_request() sends a request carrying FaultRules
 *    (ls_ctl_send has no rules argument).
 *
 * Call chain: stackctl fault add -> orchestrator "fault-add" (supervisor.c:
 * registry, fault_place) -> fault_ctl_request("fault-add", rule) -> the
 * service's control channel -> runtime/pipe_ctl.c -> ls_pipe_faults(pipe,
 * dir) -> fault_set_add.
 */
#ifndef LS_FAULT_PLACE_H
#define LS_FAULT_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/ctl_client.h"
#include "runtime/env.h"
#include "topology/topology.h"

typedef struct {
    char host[TOPO_NAME_MAX];
    char pipe[48];          /* canonical: "net:link@eth0", "wire@eth0", "transport:net" */
    Ls__Direction dir;      /* LS__DIRECTION__UP or __DOWN */
    char service[96];       /* the service applying it: "hosta-net" */
    int at_sender;          /* 1: applied as the PDUs leave; 0: as they arrive */
} fault_place_t;

/* Is this program one of ours (runs common/runtime/pipe.c)? Basename link-svc,
 * net-svc, transport-svc or dns-svc. */
int fault_prog_is_ours(const char *prog);

/* Resolve host, pipe and dir ("up", "down", "both") into 1 or 2 placements
 * (both: down first). Returns the count, or -1 with a one-line reason in err,
 * e.g. "hosta has no pipe 'net:lnk' (pipes: net:link@eth0, wire@eth0, transport:net)". */
int fault_place(const topo_t *topo, const char *host, const char *pipe, const char *dir,
                fault_place_t out[2], char *err, size_t errlen);

/* Client side: send cmd with args and rules, wait up to timeout_ms. NULL on
 * timeout. Free with ls_ctl_reply_free. */
Ls__CtlReply *fault_ctl_request(ls_ctl_client_t *client, const char *cmd, const char *const *args,
                                size_t nargs, Ls__FaultRule *const *rules, size_t nrules,
                                int timeout_ms);

#endif
