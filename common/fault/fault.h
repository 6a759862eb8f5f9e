/*
 * fault.h -- the fault-injection engine: netem-style rules on one pipe
 * direction (drop / delay / duplicate / reorder / corrupt / rate-limit),
 * pure logic with a fake-clock-friendly API.
 *
 * Call chain: the pipe library (one fault_set_t per pipe direction, e.g.
 * hosta "net:link@eth0" down, "wire@eth0") calls fault_set_apply() for every
 * PDU crossing the pipe and fault_set_poll() when fault_set_next_deadline()
 * is reached; stackctl "fault-add/del/list/clear" reach fault_rule_parse(),
 * fault_set_add/del/clear/foreach through each service's control socket.
 * Surviving copies come back through the caller's emit callback.
 *
 * Rule text (netem names; one rule may combine several components, applied
 * in this order to each PDU the rule's filter matches):
 *
 *   drop nth N | drop every N       deterministic: the Nth matching PDU (1-based)
 *                                   once, or every Nth (N, 2N, 3N, ...)
 *   loss P                          random loss, P in % ("10%" or "10", 0..100)
 *   loss gemodel p [r [1-h [1-k]]]  Gilbert-Elliott (netem names): p good->bad,
 *                                   r bad->good (default 100-p), 1-h loss in bad
 *                                   (default 100%), 1-k loss in good (default 0%).
 *                                   The loss decision uses the state the PDU
 *                                   found; the transition happens after it.
 *   duplicate P                     emit an identical second copy right after
 *   corrupt P                       flip one random bit at a random position
 *   delay T [[jitter] J [distribution uniform|normal|pareto|paretonormal]]
 *                                   T +- J (uniform default); negative -> 0.
 *                                   Jitter can reorder PDUs, as in netem.
 *   reorder P [gap N] [hold T]      see "Reordering" below
 *   rate R [limit N]                serialization delay len*8/R behind the
 *                                   previous PDU of this rule; at most N PDUs
 *                                   (default 1000) queued, the excess dropped
 *   match FILTER                    the rule applies only to matching PDUs;
 *                                   others pass untouched and are not counted
 *
 * Times: us, ms, s (also ns).  Rates: bit, kbit, mbit, gbit (powers of 1000).
 *
 * Reordering (gap N, default 1: with the counter c of PDUs since the last
 * reordered one, a PDU is eligible when c >= N-1 and is then reordered with
 * probability P; "reorder 100% gap 5" reorders exactly every 5th PDU):
 *  - with a delay in the same rule (netem semantics): a reordered PDU skips
 *    the delay and is sent at once, overtaking the delayed ones in flight.
 *  - without a delay: a reordered PDU is held back and released right after
 *    the next PDU that reaches this rule (the two swap places), or at
 *    arrival + hold (default 10ms) if none comes. At most one PDU is held.
 *
 * Reproducibility: every random draw is a keyed hash (splitmix64 mixing) of
 * (rule seed, rule id, 64-bit hash of the PDU bytes as they reach the rule,
 * occurrence index k of those exact bytes at this rule, copy number, draw
 * index). The same seed on the same traffic replays the same decisions; an
 * unrelated extra PDU does not shift the others' decisions; an identical
 * retransmission (k = 1, 2, ...) gets a fresh decision. The occurrence table
 * is bounded: FAULT_OCC_SETS sets x FAULT_OCC_WAYS ways of content hashes per
 * rule, LRU within a set; a copy whose original was evicted (more than about
 * FAULT_OCC_SETS*FAULT_OCC_WAYS distinct PDUs ago) counts as k = 0 again.
 * Stateful parts are counters by definition (drop nth/every, reorder gap,
 * rate queue) or Markov chains (gemodel: its state evolves per PDU, so its
 * decisions replay for identical traffic, and each step's draws are keyed
 * per PDU as above, but an extra PDU does advance the chain).
 *
 * Filters ("match ..."): tcp-syn (SYN, no ACK), tcp-synack (SYN+ACK),
 * tcp-fin (FIN set), tcp-rst (RST set), tcp-ack (flags & 0x3f == ACK exactly,
 * no payload), tcp-data (TCP payload > 0), tcp-port N, udp-port N (either
 * port), icmp-echo-request, icmp-echo-reply, arp-request, arp-reply, proto N
 * (IPv4 protocol number), dns-query, dns-response (the QR bit of a DNS
 * message on a dns:transport pipe). Non-first IPv4 fragments match only "proto".
 *
 * Opaque data: fault_set_new(opaque_len) fixes the size of a per-PDU blob the
 * caller passes to apply (e.g. envelope metadata). The engine copies those
 * bytes into every stored copy and hands a pointer to them back on emit; the
 * pointer is valid only during the callback. opaque may be NULL (zeroes).
 *
 * The emit callback must not call back into the same fault_set_t.
 */
#ifndef LS_FAULT_H
#define LS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/log.h"

/* What the bytes on the pipe are. */
typedef enum {
    FAULT_PDU_ETH = 0, /* Ethernet II frame; trailing FCS/padding is harmless
                          (filters use the IPv4 total length) */
    FAULT_PDU_IPV4,    /* IPv4 datagram (net:link pipes) */
    FAULT_PDU_TCP,     /* bare TCP segment (transport:net) */
    FAULT_PDU_UDP,     /* bare UDP datagram */
    FAULT_PDU_ICMP,    /* bare ICMP message */
    FAULT_PDU_L4,      /* bare transport PDU, protocol = the proto argument */
    FAULT_PDU_DNS,     /* DNS message (dns:transport); proto 6: TCP stream bytes,
                          a 2-byte length prefix first (RFC 7766 8) */
} fault_pdu_kind_t;

typedef enum {
    FAULT_F_ANY = 0,
    FAULT_F_TCP_SYN,
    FAULT_F_TCP_SYNACK,
    FAULT_F_TCP_FIN,
    FAULT_F_TCP_ACK,
    FAULT_F_TCP_DATA,
    FAULT_F_TCP_RST,
    FAULT_F_TCP_PORT,
    FAULT_F_UDP_PORT,
    FAULT_F_ICMP_ECHO_REQUEST,
    FAULT_F_ICMP_ECHO_REPLY,
    FAULT_F_ARP_REQUEST,
    FAULT_F_ARP_REPLY,
    FAULT_F_PROTO,
    FAULT_F_DNS_QUERY,
    FAULT_F_DNS_RESPONSE,
} fault_filter_kind_t;

typedef struct {
    fault_filter_kind_t kind;
    uint32_t arg; /* port or protocol number */
} fault_filter_t;

/* Parse a filter from text ("tcp-syn", "udp-port 53"); 0 or -1 with err set. */
int fault_filter_parse(const char *text, fault_filter_t *filter, char *err, size_t errlen);
/* Canonical text of a filter into buf; returns buf. */
char *fault_filter_str(const fault_filter_t *filter, char *buf, size_t cap);
/* Does the PDU match? proto is used only with FAULT_PDU_L4. FAULT_F_ANY matches all. */
bool fault_filter_match(const fault_filter_t *filter, fault_pdu_kind_t kind, uint8_t proto,
                        const uint8_t *buf, size_t len);

#define FAULT_OCC_SETS 1024 /* occurrence table: sets per rule */
#define FAULT_OCC_WAYS 4    /* ... and ways per set (4096 PDUs remembered) */
#define FAULT_MAX_COPIES 16 /* copies of one PDU alive in one apply (duplicates) */
#define FAULT_QUEUE_MAX 65536 /* stored (delayed) copies per set; excess dropped */
#define FAULT_SPEC_MAX 256

typedef struct fault_rule fault_rule_t;

/* Per-rule counters (stackctl fault list). seen = PDUs the rule matched. */
typedef struct {
    uint64_t seen, dropped, delayed, duplicated, reordered, corrupted;
} fault_stats_t;

/* Parse netem-style text into a new rule; NULL with a one-line reason in err
   (e.g. "loss: percentage must be 0..100"). */
fault_rule_t *fault_rule_parse(const char *spec, uint64_t seed, uint32_t id, char *err,
                               size_t errlen);
void fault_rule_destroy(fault_rule_t **self_p);
/* Canonical text, e.g. "delay 100ms jitter 10ms distribution normal". */
const char *fault_rule_spec(const fault_rule_t *self);
uint32_t fault_rule_id(const fault_rule_t *self);
uint64_t fault_rule_seed(const fault_rule_t *self);
void fault_rule_stats(const fault_rule_t *self, fault_stats_t *stats);

/* Called for each surviving copy: bytes are valid only during the call. */
typedef void(fault_emit_fn)(void *ctx, const uint8_t *bytes, size_t len, uint64_t pdu_id,
                            const void *opaque, bool corrupted);

typedef struct fault_set fault_set_t;

/* opaque_len: size of the per-PDU blob copied with each stored copy (may be 0). */
fault_set_t *fault_set_new(size_t opaque_len);
void fault_set_destroy(fault_set_t **self_p);
/* Logging/counting targets (borrowed, may be NULL) and labels for log lines
   (layer e.g. "wire", dir "down"/"up", ifname or NULL). Strings are borrowed. */
void fault_set_set_log(fault_set_t *self, ls_log_t *log, ls_counters_t *reg, const char *layer,
                       const char *dir, const char *ifname);
/* Append a rule (takes ownership, NULLs *rule_p). -1 if the id is in use
   (the rule is then destroyed anyway). */
int fault_set_add(fault_set_t *self, fault_rule_t **rule_p);
/* Remove rule id; 0 or -1 if absent. A PDU it held back for reordering is
   released at the next poll without passing the later rules. */
int fault_set_del(fault_set_t *self, uint32_t id);
/* Remove every rule (held PDUs are released as for del). Queued copies stay. */
void fault_set_clear(fault_set_t *self);
size_t fault_set_size(const fault_set_t *self);
/* Visit the rules in order. */
void fault_set_foreach(const fault_set_t *self, void (*fn)(const fault_rule_t *rule, void *arg),
                       void *arg);

/* Run one PDU through the rules in order. First emits every stored copy due
   at or before now, then emits this PDU's surviving copies due now, and
   stores the others for fault_set_poll. Returns the number of copies emitted
   or stored (0 = dropped). With no rules the PDU is emitted unchanged. */
int fault_set_apply(fault_set_t *self, fault_pdu_kind_t kind, uint8_t proto, const uint8_t *pdu,
                    size_t len, uint64_t pdu_id, const void *opaque, uint64_t now,
                    fault_emit_fn *emit, void *ctx);
/* Emit every stored copy due at or before now (and release expired holds);
   returns the number emitted. */
int fault_set_poll(fault_set_t *self, uint64_t now, fault_emit_fn *emit, void *ctx);
/* Earliest deadline (stored copy or hold), UINT64_MAX if none. */
uint64_t fault_set_next_deadline(const fault_set_t *self);
/* Number of copies stored (including held ones). */
size_t fault_set_pending(const fault_set_t *self);

#endif
