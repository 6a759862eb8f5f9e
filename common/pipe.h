/*
 * pipe.h -- one pipe between two adjacent layers (or a link and its switch).
 *
 * A pipe is a ZeroMQ DEALER socket carrying Envelopes. DEALER<->DEALER
 * reconnects by itself when the peer process restarts (PAIR does not);
 * ZMQ heartbeats detect a dead peer. Sends never block (ZMQ_DONTWAIT): a
 * full queue, or no peer, is a counted and logged drop, like a NIC ring
 * overflow; upper layers recover as from loss.
 *
 * The pipe stamps what the runtime owns: version, sending layer, direction,
 * per-pipe sequence number and timestamp. The receiver validates (env.c),
 * counts sequence gaps, and hands the envelope to the callback.
 *
 * Fault rules (fault.h) can sit on either direction; see ls_pipe_faults().
 */
#ifndef LS_PIPE_H
#define LS_PIPE_H

#include <stdint.h>
#include "svc.h"
#include "env.h"

typedef struct ls_pipe ls_pipe_t;

/* Called for each valid received envelope; the envelope is freed after return. */
typedef void (*ls_pipe_rx_fn)(ls_pipe_t *pipe, Ls__Envelope *env, void *arg);

/* name: the pipe's user-facing name ("net:link@eth0", "transport:net", "wire@eth0").
 * layer: this end's layer; out_dir: direction of what this end sends. */
ls_pipe_t *ls_pipe_new(ls_svc_t *svc, const char *name, const char *endpoint, int bind,
                       Ls__Layer layer, Ls__Direction out_dir, ls_pipe_rx_fn fn, void *arg);
void ls_pipe_destroy(ls_pipe_t **self_p);
/* Send: fills version/layer/dir/seq/ts. 0 sent, -1 dropped (counted, logged). */
int ls_pipe_send(ls_pipe_t *self, Ls__Envelope *env);
const char *ls_pipe_name(const ls_pipe_t *self);
void *ls_pipe_socket(ls_pipe_t *self);
const ls_seq_t *ls_pipe_seq(const ls_pipe_t *self);
/* Minimal envelope setup: zeroed, kind, pdu id, parents, pdu bytes (borrowed). */
void ls_env_setup(Ls__Envelope *env, Ls__Kind kind, uint64_t pdu_id, const uint64_t *parents,
                  size_t nparents, const uint8_t *pdu, size_t len);

#endif
