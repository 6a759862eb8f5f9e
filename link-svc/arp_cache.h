/*
 * arp_cache.h -- the ARP neighbour cache of one interface (RFC 826, RFC 1122
 * 2.3.2.1/2.3.2.2), pure: no I/O, no clock, fake-clock testable.
 *
 * Call chain: link-svc main loop owns one cache per interface and calls
 *   arp_cache_resolve()   on LINK_TX (net -> link) for the next hop,
 *   arp_cache_update()    on every received ARP packet (RFC 826 merge),
 *   arp_cache_poll()      when arp_cache_next_deadline() is reached,
 *   arp_cache_foreach()   for `stackctl table arp` (arp -a),
 * and gets work back through the callbacks: send_request (emit an ARP who-has),
 * flush (encapsulate a datagram that waited, now that the MAC is known) and
 * resolve_failed (send the datagram up as LINK_RESOLVE_FAILED so net-svc can
 * quote it in an ICMP host unreachable, RFC 1122 2.3.2.2 / RFC 1812 4.3.3.1).
 *
 * Entry life cycle:
 *   (none) --resolve--> INCOMPLETE --update--> REACHABLE --reachable_ns--> STALE
 *   INCOMPLETE: request at once, retransmitted every retry_ns; after
 *     max_retries retransmissions and one more retry_ns, give up.
 *   REACHABLE/STALE: both usable; deleted timeout_ns after the last
 *     confirmation (an update); an update makes the entry REACHABLE again.
 *   PERMANENT: static entry, never ages, never overwritten by ARP.
 */
#ifndef LS_ARP_CACHE_H
#define LS_ARP_CACHE_H

#include <stdint.h>
#include <stddef.h>
#include "runtime/log.h"

typedef enum {
    ARP_CACHE_INCOMPLETE = 0,
    ARP_CACHE_REACHABLE,
    ARP_CACHE_STALE,
    ARP_CACHE_PERMANENT,
} arp_cache_state_t;

typedef struct {
    uint64_t timeout_ns;          /* aging time from the last confirmation (20 min) */
    uint64_t reachable_ns;        /* REACHABLE -> STALE after this (30 s) */
    uint64_t retry_ns;            /* request retransmission interval (1 s) */
    unsigned max_retries;         /* retransmissions after the first request (3) */
    size_t max_pending_per_entry; /* datagrams queued per unresolved address (16) */
    size_t max_entries;           /* table size, permanent entries included (1024) */
} arp_cache_cfg_t;

typedef struct {
    /* Broadcast an ARP request for ip (first one and every retransmission). */
    void (*send_request)(void *ctx, uint32_t ip);
    /* Send a datagram to mac (resolution done or already known). pdu is only
     * valid during the call. */
    void (*flush)(void *ctx, uint32_t ip, const uint8_t mac[6], const uint8_t *pdu, size_t len,
                  uint64_t pdu_id, const uint64_t *parents, size_t np);
    /* Resolution of ip failed: hand a waiting datagram back (FIFO order). */
    void (*resolve_failed)(void *ctx, uint32_t ip, const uint8_t *pdu, size_t len, uint64_t pdu_id,
                           const uint64_t *parents, size_t np);
} arp_cache_cb_t;

typedef struct arp_cache arp_cache_t;

/* One entry as seen by arp_cache_foreach (the arp -a dump). */
typedef struct {
    uint32_t ip;
    uint8_t mac[6];          /* zero while INCOMPLETE */
    arp_cache_state_t state;
    uint64_t age_ns;         /* since the last confirmation (INCOMPLETE: since creation) */
    unsigned retries;        /* retransmissions so far (INCOMPLETE) */
    size_t npending;         /* datagrams waiting (INCOMPLETE) */
} arp_cache_info_t;
typedef void (*arp_cache_visit_fn)(const arp_cache_info_t *info, void *arg);

/* Defaults: 20 min, 30 s, 1 s, 3, 16, 1024. */
arp_cache_cfg_t arp_cache_cfg_default(void);

/* cfg NULL = defaults (zero fields also take the default, except max_retries
 * and max_pending_per_entry where 0 is meaningful). cb is copied; its
 * callbacks may be NULL. reg NULL = a private registry (see
 * arp_cache_counters); log may be NULL; ifname labels log lines. */
arp_cache_t *arp_cache_new(const arp_cache_cfg_t *cfg, const arp_cache_cb_t *cb, void *ctx,
                           ls_counters_t *reg, ls_log_t *log, const char *ifname);
/* Frees everything; waiting datagrams are discarded (counted arp.drop.shutdown). */
void arp_cache_destroy(arp_cache_t **self_p);

/* 0 and the MAC if ip has a usable entry (REACHABLE, STALE or PERMANENT), else -1. */
int arp_cache_lookup(arp_cache_t *self, uint32_t ip, uint64_t now, uint8_t mac_out[6]);

/* RFC 826 merge: if ip is in the table, set its MAC (REACHABLE, confirmed now)
 * and flush any waiting datagrams in FIFO order; if not, insert it only when
 * create is set (the caller is the target of the packet). Returns 0 if ip now
 * maps to mac, -1 otherwise (absent and !create, bad MAC, table full). */
int arp_cache_update(arp_cache_t *self, uint32_t ip, const uint8_t mac[6], uint64_t now, int create);

/* Send a datagram to next hop ip: flushed at once if the MAC is known;
 * otherwise copied into the entry's queue (overflow drops the OLDEST,
 * arp.drop.pending_overflow), creating an INCOMPLETE entry and calling
 * send_request when the entry is new. Returns 0 if sent or queued, -1 if
 * dropped (table full, no memory, bad arguments). */
int arp_cache_resolve(arp_cache_t *self, uint32_t ip, uint64_t now, const uint8_t *pdu, size_t len,
                      uint64_t pdu_id, const uint64_t *parents, size_t np);

/* Add or replace a PERMANENT entry (flushes waiters if it was INCOMPLETE). 0/-1. */
int arp_cache_add_static(arp_cache_t *self, uint32_t ip, const uint8_t mac[6], uint64_t now);
/* Remove an entry (any state); waiting datagrams are dropped (arp.drop.deleted). 0, or -1 if absent. */
int arp_cache_delete(arp_cache_t *self, uint32_t ip);

/* Run timers due at now: retransmit requests, give up (resolve_failed for
 * every waiting datagram, then delete), REACHABLE -> STALE, expire. */
void arp_cache_poll(arp_cache_t *self, uint64_t now);
/* Earliest time arp_cache_poll has work, or UINT64_MAX. O(1): exact after a
 * poll; after a refresh or a removal it may be earlier than the truth (never
 * later), and the poll it causes makes it exact again. */
uint64_t arp_cache_next_deadline(const arp_cache_t *self);

/* Visit every entry in ascending IP order. */
void arp_cache_foreach(const arp_cache_t *self, uint64_t now, arp_cache_visit_fn fn, void *arg);
size_t arp_cache_size(const arp_cache_t *self);
/* "INCOMPLETE", "REACHABLE", "STALE", "PERMANENT" or "?". */
const char *arp_cache_state_str(int state);
/* The registry counters go to (the caller's, or the private one). */
ls_counters_t *arp_cache_counters(arp_cache_t *self);

#endif
