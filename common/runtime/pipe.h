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
 * The set for what this end sends runs before transmission (seq and ts are
 * stamped when a copy actually leaves, so a fault drop is no sequence gap);
 * the set for what it receives runs after validation, before rx_fn. Delayed
 * copies leave from one loop timer per service (no sleeps). HELLO and
 * ROUTE_* envelopes, and envelopes without pdu bytes, are never faulted.
 *
 * Capture: with the topology setting `pipe_pcap: true` the binding end of a
 * net:link or transport:net pipe writes what crosses it, both directions, to
 * RUN/pcap/HOST-<pipe>.pcap as LINKTYPE_RAW IPv4 (a bare NET_TX segment gets
 * a synthesized 20-byte IPv4 header so Wireshark decodes it).
 */
#ifndef LS_PIPE_H
#define LS_PIPE_H

#include <stdint.h>
#include "runtime/svc.h"
#include "runtime/env.h"
#include "fault/fault.h"

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
/* ---- fault injection ---- */

/* The fault set of the PDUs travelling in `dir` through this pipe: dir ==
 * this end's out_dir is what it sends, the other direction what it receives.
 * Created on first use (and the service's fault timer registered); NULL if
 * dir is neither UP nor DOWN. A fault (drop, delay) is invisible to the
 * caller of ls_pipe_send, like loss on a real wire: it still returns 0. */
fault_set_t *ls_pipe_faults(ls_pipe_t *self, Ls__Direction dir);
/* The existing set, or NULL if none was created. */
fault_set_t *ls_pipe_faults_peek(const ls_pipe_t *self, Ls__Direction dir);
Ls__Direction ls_pipe_out_dir(const ls_pipe_t *self);
/* A service's open pipes: first, next (NULL at the end), by name. */
ls_pipe_t *ls_pipe_first(ls_svc_t *svc);
ls_pipe_t *ls_pipe_next(const ls_pipe_t *self);
ls_pipe_t *ls_pipe_find(ls_svc_t *svc, const char *name);
/* What an envelope's pdu is for fault filters: 0 and kind/proto, or -1 if the
 * envelope is never subject to faults (HELLO, ROUTE_*, no pdu bytes). */
int ls_pipe_fault_kind(const Ls__Envelope *env, fault_pdu_kind_t *kind, uint8_t *proto);

/* ---- capture ---- */
/* Write what crosses this pipe (both directions) to a LINKTYPE_RAW pcap at
 * path (replacing any previous capture of this pipe). 0 / -1 (logged). */
int ls_pipe_capture(ls_pipe_t *self, const char *path);
/* The raw IPv4 datagram a capture writes for env into buf (a bare NET_TX
 * segment gets a 20-byte header from the NetTx fields). Bytes, or -1 if the
 * envelope carries no IPv4 content. Pure. */
int ls_pipe_capture_bytes(const Ls__Envelope *env, uint8_t *buf, size_t cap);

/* Minimal envelope setup: zeroed, kind, pdu id, parents, pdu bytes (borrowed). */
void ls_env_setup(Ls__Envelope *env, Ls__Kind kind, uint64_t pdu_id, const uint64_t *parents,
                  size_t nparents, const uint8_t *pdu, size_t len);

#endif
