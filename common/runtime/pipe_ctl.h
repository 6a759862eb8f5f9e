/*
 * pipe_ctl.h -- a service's fault-* control commands, on its own pipes.
 *
 * Registered with the control channel (svc.h ls_svc_register_cmd) by the
 * service at start-up (before ls_svc_ready), so the control channel
 * itself names no fault command:
 *   fault-add    the FaultRules of the request, each on its pipe and direction
 *   fault-del ID fault-clear   remove one rule / every rule
 *   fault-list   every rule with its counters (rules in the reply, and rows)
 * Which service holds a rule is decided by the orchestrator
 * (orchestrator/fault_place.h).
 */
#ifndef LS_PIPE_CTL_H
#define LS_PIPE_CTL_H

#include "runtime/svc.h"

/* Register the fault-* commands of svc. 0 / -1. */
int ls_pipe_ctl_register(ls_svc_t *svc);

#endif
