/*
 * nsvc.h -- net-svc's process glue: turns envelopes from link-svc and
 * transport-svc into calls on the pure engine (net_core.h), the engine's
 * callbacks into envelopes, and control requests (stackctl route/link,
 * the raw ICMP endpoint used by ping and traceroute) into engine calls.
 *
 * Callers: net-svc/main.c.
 */
#ifndef LS_NSVC_H
#define LS_NSVC_H

#include "runtime/svc.h"

/* Run net-svc for svc->host on an initialised service; returns the exit code. */
int nsvc_run(ls_svc_t *svc);

#endif
