/*
 * frag.h -- IPv4 fragmentation and reassembly (RFC 791 3.2, RFC 815, RFC 1122
 * 3.3.2), pure: time comes in as now_ns, output goes out through callbacks.
 *
 * Callers: net-svc/net_core.c (frag_fragment on output/forward when a
 * datagram exceeds the interface MTU; reass_input for fragments addressed to
 * us; reass_poll/reass_next_deadline from net_core_poll).
 */
#ifndef LS_FRAG_H
#define LS_FRAG_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "runtime/log.h"

/* One fragment (or the unchanged datagram when it fits) is ready. */
typedef void (*frag_emit_fn)(void *ctx, const uint8_t *frag, size_t len);

/* Split a valid datagram (trimmed to its total length) into fragments of at
 * most mtu bytes: payloads are multiples of 8 except the last, offsets/MF/
 * total length/checksum are set, and non-first fragments carry only the
 * options whose copy flag is set (RFC 791 3.1). Re-fragmenting a fragment
 * keeps its offset base and its MF on the last piece.
 * Returns the number of pieces emitted (1 if it already fits), or -1 if DF is
 * set and it does not fit (caller sends ICMP frag needed), or the datagram is
 * invalid, or mtu cannot carry a header plus 8 bytes. */
int frag_fragment(const uint8_t *dgram, size_t len, size_t mtu, frag_emit_fn emit, void *ctx);

typedef struct {
    uint64_t timeout_ns;  /* default 30 s (Linux ipfrag_time) */
    size_t max_bytes;     /* default 256 KiB of queued fragment bytes, all datagrams */
    size_t max_datagrams; /* default 64 datagrams in progress */
} reass_cfg_t;

#define REASS_DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)
#define REASS_DEFAULT_MAX_BYTES (256u * 1024u)
#define REASS_DEFAULT_MAX_DATAGRAMS 64u

typedef struct reass reass_t;

/* A datagram is complete: the whole datagram (MF=0, offset 0, new total
 * length and checksum) plus the PDU ids of its fragments in offset order. */
typedef void (*reass_done_fn)(void *ctx, const uint8_t *dgram, size_t len,
                              const uint64_t *parents, size_t nparents, uint64_t now_ns);
/* A datagram timed out and fragment zero had arrived: first_frag is that
 * fragment's bytes (header + data) so the caller can send ICMP time exceeded
 * code 1, quoting it (RFC 792; RFC 1122 3.3.2). */
typedef void (*reass_timeout_fn)(void *ctx, const uint8_t *first_frag, size_t len,
                                 uint64_t first_pdu_id, uint64_t now_ns);

enum { REASS_DROPPED = -1, REASS_HELD = 0, REASS_DONE = 1 };

/* cfg NULL or zero fields = defaults. reg/log may be NULL. */
reass_t *reass_new(const reass_cfg_t *cfg, ls_counters_t *reg, ls_log_t *log);
void reass_destroy(reass_t **self_p);
/* Feed one fragment (a valid datagram with MF set or a non-zero offset).
 * Returns REASS_HELD, REASS_DONE (done was called) or REASS_DROPPED (counted).
 * Overlap policy (RFC 5722 style, as Linux since CVE-2018-5391): an exact
 * duplicate (same offset, length and bytes) is ignored ("ip.reass.dup"); any
 * other overlap drops the whole datagram ("ip.reass.drop.overlap"). */
int reass_input(reass_t *r, const uint8_t *frag, size_t len, uint64_t pdu_id, uint64_t now_ns,
                reass_done_fn done, void *ctx);
/* Expire datagrams whose deadline has passed ("ip.reass.timeout"). */
void reass_poll(reass_t *r, uint64_t now_ns, reass_timeout_fn on_timeout, void *ctx);
/* Earliest deadline, or UINT64_MAX when nothing is queued. */
uint64_t reass_next_deadline(const reass_t *r);
size_t reass_pending(const reass_t *r);    /* datagrams in progress */
size_t reass_bytes(const reass_t *r);      /* queued fragment bytes */

#endif
