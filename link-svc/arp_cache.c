/*
 * arp_cache.c -- per-interface ARP neighbour cache: RFC 826 merge logic,
 * resolution queue with retransmission and give-up, REACHABLE/STALE aging.
 *
 * Call chain: link-svc main loop -> arp_cache_resolve (LINK_TX),
 * arp_cache_update (ARP rx), arp_cache_poll (timer from
 * arp_cache_next_deadline), arp_cache_foreach (stackctl table arp).
 * Output only through the arp_cache_cb_t callbacks; time only via `now`.
 *
 * Storage: a chained hash table keyed by the host-order IPv4 address; each
 * INCOMPLETE entry owns a FIFO of copied datagrams. Callbacks are always run
 * after the cache is consistent again (queues detached, entries unlinked), so
 * a callback may call back into the cache.
 */
#include "link-svc/arp_cache.h"
#include "wire/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SEC 1000000000ull

typedef struct s_pending {
    struct s_pending *next;
    uint8_t *pdu;
    size_t len;
    uint64_t id;
    uint64_t *parents;
    size_t np;
} s_pending_t;

typedef struct s_entry {
    struct s_entry *next; /* hash chain */
    uint32_t ip;
    uint8_t mac[6];
    arp_cache_state_t state;
    uint64_t created_ns;
    uint64_t confirmed_ns; /* last update (RFC 826 merge) */
    uint64_t retry_at;     /* INCOMPLETE: next retransmission / give-up */
    unsigned retries;      /* INCOMPLETE: retransmissions sent */
    s_pending_t *head, *tail;
    size_t npending;
} s_entry_t;

struct arp_cache {
    arp_cache_cfg_t cfg;
    arp_cache_cb_t cb;
    void *ctx;
    ls_counters_t *reg;
    int own_reg;
    ls_log_t *log;
    char ifname[32];
    s_entry_t **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    /* Earliest deadline, or earlier (a lower bound): lowered whenever an
     * entry gets a new deadline (s_note), made exact by arp_cache_poll. The
     * service loop asks for it on every turn, so it must be O(1). */
    uint64_t next_dl;
};

arp_cache_cfg_t arp_cache_cfg_default(void)
{
    return (arp_cache_cfg_t){
        .timeout_ns = 20 * 60 * S_SEC,
        .reachable_ns = 30 * S_SEC,
        .retry_ns = 1 * S_SEC,
        .max_retries = 3,
        .max_pending_per_entry = 16,
        .max_entries = 1024,
    };
}

const char *arp_cache_state_str(int state)
{
    switch (state) {
    case ARP_CACHE_INCOMPLETE: return "INCOMPLETE";
    case ARP_CACHE_REACHABLE: return "REACHABLE";
    case ARP_CACHE_STALE: return "STALE";
    case ARP_CACHE_PERMANENT: return "PERMANENT";
    default: return "?";
    }
}

static uint64_t s_add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static size_t s_hash(const arp_cache_t *self, uint32_t ip)
{
    return (size_t)((ip * 2654435761u) >> 8) & (self->nbuckets - 1);
}

static s_entry_t **s_slot(const arp_cache_t *self, uint32_t ip)
{
    s_entry_t **pp = &self->buckets[s_hash(self, ip)];
    while (*pp && (*pp)->ip != ip)
        pp = &(*pp)->next;
    return pp;
}

static s_entry_t *s_find(const arp_cache_t *self, uint32_t ip)
{
    return *s_slot(self, ip);
}

/* When poll has work for e: retransmit/give up, go STALE or expire. */
static uint64_t s_entry_deadline(const arp_cache_t *self, const s_entry_t *e)
{
    uint64_t d = UINT64_MAX;
    switch (e->state) {
    case ARP_CACHE_INCOMPLETE: d = e->retry_at; break;
    case ARP_CACHE_REACHABLE:
        d = s_add_sat(e->confirmed_ns, self->cfg.reachable_ns);
        if (s_add_sat(e->confirmed_ns, self->cfg.timeout_ns) < d)
            d = s_add_sat(e->confirmed_ns, self->cfg.timeout_ns);
        break;
    case ARP_CACHE_STALE: d = s_add_sat(e->confirmed_ns, self->cfg.timeout_ns); break;
    case ARP_CACHE_PERMANENT: break;
    }
    return d;
}

/* e's deadline may have moved: keep next_dl a lower bound. */
static void s_note(arp_cache_t *self, const s_entry_t *e)
{
    uint64_t d = s_entry_deadline(self, e);
    if (d < self->next_dl)
        self->next_dl = d;
}

static ls_logev_t s_ev(const arp_cache_t *self, uint64_t now, const char *ev)
{
    return (ls_logev_t){.now_ns = now, .layer = "link", .ev = ev, .ifname = self->ifname};
}

static void s_pending_free(s_pending_t *p)
{
    free(p->pdu);
    free(p->parents);
    free(p);
}

/* Drop a whole queue, each datagram counted under `counter`. */
static void s_drop_queue(arp_cache_t *self, s_pending_t *p, uint32_t ip, uint64_t now,
                         const char *counter)
{
    while (p) {
        s_pending_t *next = p->next;
        char a[16];
        ls_logev_t ev = s_ev(self, now, NULL);
        ev.dir = "down";
        ev.pdu = p->id;
        ev.parents = p->parents;
        ev.nparents = p->np;
        ls_drop(self->log, self->reg, &ev, counter, "datagram for %s (%zu bytes) discarded",
                ip4_fmt(ip, a), p->len);
        s_pending_free(p);
        p = next;
    }
}

/* Unlink e from its chain and free it (its queue must already be detached or dropped). */
static void s_remove(arp_cache_t *self, s_entry_t *e)
{
    s_entry_t **pp = s_slot(self, e->ip);
    if (*pp == e) {
        *pp = e->next;
        self->count--;
    }
    if (self->count == 0)
        self->next_dl = UINT64_MAX; /* nothing left to wait for */
    free(e);
}

static void s_log_state(arp_cache_t *self, uint64_t now, const s_entry_t *e, const char *what)
{
    if (!ls_log_on(self->log, LS_LOG_INFO))
        return;
    char a[16], m[18];
    ls_logev_t ev = s_ev(self, now, "state");
    ls_logev(self->log, LS_LOG_INFO, &ev, "arp %s %s %s (%s)", ip4_fmt(e->ip, a), what,
             arp_cache_state_str(e->state), mac_fmt(e->mac, m));
}

/* Make room for one more entry: evict the resolved, non-permanent entry with
 * the oldest confirmation. INCOMPLETE entries (they hold datagrams) and
 * PERMANENT ones are never evicted. 0 if there is room, -1 if not. */
static int s_make_room(arp_cache_t *self, uint64_t now)
{
    if (self->count < self->cfg.max_entries)
        return 0;
    s_entry_t *victim = NULL;
    for (size_t b = 0; b < self->nbuckets; b++)
        for (s_entry_t *e = self->buckets[b]; e; e = e->next)
            if ((e->state == ARP_CACHE_REACHABLE || e->state == ARP_CACHE_STALE) &&
                (victim == NULL || e->confirmed_ns < victim->confirmed_ns))
                victim = e;
    if (victim == NULL)
        return -1;
    s_log_state(self, now, victim, "evicted, was");
    LS_COUNT(self->reg, "arp.cache.evict");
    s_remove(self, victim);
    return 0;
}

static s_entry_t *s_insert(arp_cache_t *self, uint32_t ip, uint64_t now)
{
    if (s_make_room(self, now) < 0)
        return NULL;
    s_entry_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->ip = ip;
    e->created_ns = now;
    e->confirmed_ns = now;
    s_entry_t **head = &self->buckets[s_hash(self, ip)];
    e->next = *head;
    *head = e;
    self->count++;
    LS_COUNT(self->reg, "arp.cache.insert");
    return e;
}

/* Apply aging to a resolved entry at now. Returns 1 if it was deleted. */
static int s_age(arp_cache_t *self, s_entry_t *e, uint64_t now)
{
    if (e->state != ARP_CACHE_REACHABLE && e->state != ARP_CACHE_STALE)
        return 0;
    /* RFC 1122 2.3.2.1: a cache entry must be flushed after a timeout so a
     * changed or departed neighbour is not used forever. */
    if (now >= s_add_sat(e->confirmed_ns, self->cfg.timeout_ns)) {
        LS_COUNT(self->reg, "arp.cache.expire");
        s_log_state(self, now, e, "expired, was");
        s_remove(self, e);
        return 1;
    }
    if (e->state == ARP_CACHE_REACHABLE && now >= s_add_sat(e->confirmed_ns, self->cfg.reachable_ns)) {
        e->state = ARP_CACHE_STALE;
        LS_COUNT(self->reg, "arp.cache.stale");
        s_log_state(self, now, e, "->");
    }
    return 0;
}

/* Hand a detached queue to flush, FIFO order, then free it. */
static void s_flush_queue(arp_cache_t *self, s_pending_t *p, uint32_t ip, const uint8_t mac[6])
{
    while (p) {
        s_pending_t *next = p->next;
        LS_COUNT(self->reg, "arp.pending.flushed");
        if (self->cb.flush)
            self->cb.flush(self->ctx, ip, mac, p->pdu, p->len, p->id, p->parents, p->np);
        s_pending_free(p);
        p = next;
    }
}

static s_pending_t *s_detach(s_entry_t *e)
{
    s_pending_t *p = e->head;
    e->head = e->tail = NULL;
    e->npending = 0;
    return p;
}

arp_cache_t *arp_cache_new(const arp_cache_cfg_t *cfg, const arp_cache_cb_t *cb, void *ctx,
                           ls_counters_t *reg, ls_log_t *log, const char *ifname)
{
    arp_cache_t *self = calloc(1, sizeof *self);
    if (self == NULL)
        return NULL;
    arp_cache_cfg_t def = arp_cache_cfg_default();
    self->cfg = cfg ? *cfg : def;
    if (self->cfg.timeout_ns == 0)
        self->cfg.timeout_ns = def.timeout_ns;
    if (self->cfg.reachable_ns == 0)
        self->cfg.reachable_ns = def.reachable_ns;
    if (self->cfg.retry_ns == 0)
        self->cfg.retry_ns = def.retry_ns;
    if (self->cfg.max_entries == 0)
        self->cfg.max_entries = def.max_entries;
    if (cb)
        self->cb = *cb;
    self->ctx = ctx;
    self->log = log;
    snprintf(self->ifname, sizeof self->ifname, "%s", ifname ? ifname : "-");
    if (reg) {
        self->reg = reg;
    } else {
        self->reg = ls_counters_new();
        self->own_reg = 1;
    }
    self->nbuckets = 16;
    while (self->nbuckets < self->cfg.max_entries && self->nbuckets < 65536)
        self->nbuckets <<= 1;
    self->buckets = calloc(self->nbuckets, sizeof *self->buckets);
    if (self->reg == NULL || self->buckets == NULL) {
        arp_cache_destroy(&self);
        return NULL;
    }
    self->next_dl = UINT64_MAX;
    return self;
}

void arp_cache_destroy(arp_cache_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    arp_cache_t *self = *self_p;
    if (self->buckets) {
        for (size_t b = 0; b < self->nbuckets; b++) {
            s_entry_t *e = self->buckets[b];
            while (e) {
                s_entry_t *next = e->next;
                s_drop_queue(self, s_detach(e), e->ip, 0, "arp.drop.shutdown");
                free(e);
                e = next;
            }
        }
        free(self->buckets);
    }
    if (self->own_reg)
        ls_counters_destroy(&self->reg);
    free(self);
    *self_p = NULL;
}

int arp_cache_lookup(arp_cache_t *self, uint32_t ip, uint64_t now, uint8_t mac_out[6])
{
    s_entry_t *e = s_find(self, ip);
    if (e == NULL || s_age(self, e, now) || e->state == ARP_CACHE_INCOMPLETE)
        return -1;
    if (mac_out)
        memcpy(mac_out, e->mac, 6);
    return 0;
}

int arp_cache_update(arp_cache_t *self, uint32_t ip, const uint8_t mac[6], uint64_t now, int create)
{
    char a[16], m[18];
    ls_logev_t ev = s_ev(self, now, NULL);
    ev.dir = "up";
    /* RFC 1812 3.3.2: a router MUST NOT believe an ARP reply that claims a
     * multicast/broadcast link address for a unicast IP address; 0.0.0.0 is
     * an RFC 5227 probe sender, never a neighbour. */
    if (mac[0] & 0x01) {
        ls_drop(self->log, self->reg, &ev, "arp.drop.bad_sha", "%s claims multicast %s",
                ip4_fmt(ip, a), mac_fmt(mac, m));
        return -1;
    }
    if (ip == 0) {
        ls_drop(self->log, self->reg, &ev, "arp.drop.bad_spa", "sender 0.0.0.0 (%s) not cached",
                mac_fmt(mac, m));
        return -1;
    }
    s_entry_t *e = s_find(self, ip);
    if (e != NULL && s_age(self, e, now))
        e = NULL; /* expired just now: treat as absent */
    if (e == NULL) {
        /* RFC 826 "Packet Reception": only if I am the target protocol
         * address and Merge_flag is false, add the triplet to the table. */
        if (!create)
            return -1;
        e = s_insert(self, ip, now);
        if (e == NULL) {
            ls_drop(self->log, self->reg, &ev, "arp.drop.cache_full", "no room for %s is-at %s",
                    ip4_fmt(ip, a), mac_fmt(mac, m));
            return -1;
        }
        memcpy(e->mac, mac, 6);
        e->state = ARP_CACHE_REACHABLE;
        e->confirmed_ns = now;
        s_note(self, e);
        s_log_state(self, now, e, "new");
        return 0;
    }
    if (e->state == ARP_CACHE_PERMANENT)
        return memcmp(e->mac, mac, 6) == 0 ? 0 : -1; /* static entries are never overwritten */
    /* RFC 826: the pair is already in the table: update the sender hardware
     * address with the new information (Merge_flag = true). */
    int was_incomplete = e->state == ARP_CACHE_INCOMPLETE;
    if (!was_incomplete && memcmp(e->mac, mac, 6) != 0) {
        LS_COUNT(self->reg, "arp.cache.mac_change");
        char old[18];
        ls_logev_t w = s_ev(self, now, "state");
        ls_logev(self->log, LS_LOG_WARN, &w, "arp %s moved from %s to %s", ip4_fmt(ip, a),
                 mac_fmt(e->mac, old), mac_fmt(mac, m));
    }
    memcpy(e->mac, mac, 6);
    e->state = ARP_CACHE_REACHABLE;
    e->confirmed_ns = now;
    e->retries = 0;
    s_note(self, e);
    LS_COUNT(self->reg, "arp.cache.update");
    if (!was_incomplete)
        return 0;
    LS_COUNT(self->reg, "arp.cache.resolved");
    s_log_state(self, now, e, "resolved ->");
    uint8_t mac_copy[6];
    memcpy(mac_copy, mac, 6);
    /* RFC 1122 2.3.2.2: the queued datagrams now go out, oldest first. */
    s_flush_queue(self, s_detach(e), ip, mac_copy);
    return 0;
}

int arp_cache_resolve(arp_cache_t *self, uint32_t ip, uint64_t now, const uint8_t *pdu, size_t len,
                      uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    if ((pdu == NULL && len > 0) || (parents == NULL && np > 0))
        return -1;
    char a[16];
    ls_logev_t ev = s_ev(self, now, NULL);
    ev.dir = "down";
    ev.pdu = pdu_id;
    ev.parents = parents;
    ev.nparents = np;
    s_entry_t *e = s_find(self, ip);
    if (e != NULL && s_age(self, e, now))
        e = NULL;
    if (e != NULL && e->state != ARP_CACHE_INCOMPLETE) {
        uint8_t mac[6];
        memcpy(mac, e->mac, 6);
        if (self->cb.flush)
            self->cb.flush(self->ctx, ip, mac, pdu, len, pdu_id, parents, np);
        return 0;
    }
    int is_new = 0;
    if (e == NULL) {
        e = s_insert(self, ip, now);
        if (e == NULL) {
            ls_drop(self->log, self->reg, &ev, "arp.drop.cache_full",
                    "no room to resolve %s, datagram (%zu bytes) discarded", ip4_fmt(ip, a), len);
            return -1;
        }
        e->state = ARP_CACHE_INCOMPLETE;
        e->retry_at = s_add_sat(now, self->cfg.retry_ns);
        s_note(self, e);
        is_new = 1;
        s_log_state(self, now, e, "new");
    }
    /* RFC 1122 2.3.2.2: SHOULD save at least one (the latest) packet per
     * unresolved address; the queue is bounded and overflow drops the oldest. */
    if (self->cfg.max_pending_per_entry == 0) {
        ls_drop(self->log, self->reg, &ev, "arp.drop.pending_overflow",
                "no queue for %s, datagram (%zu bytes) discarded", ip4_fmt(ip, a), len);
    } else {
        s_pending_t *p = calloc(1, sizeof *p);
        uint8_t *copy = malloc(len ? len : 1);
        uint64_t *pc = np ? malloc(np * sizeof *pc) : NULL;
        if (p == NULL || copy == NULL || (np && pc == NULL)) {
            free(p);
            free(copy);
            free(pc);
            ls_drop(self->log, self->reg, &ev, "arp.drop.nomem", "datagram for %s discarded",
                    ip4_fmt(ip, a));
            if (is_new && self->cb.send_request) {
                LS_COUNT(self->reg, "arp.request.sent");
                self->cb.send_request(self->ctx, ip);
            }
            return -1;
        }
        if (len)
            memcpy(copy, pdu, len);
        if (np)
            memcpy(pc, parents, np * sizeof *pc);
        *p = (s_pending_t){.pdu = copy, .len = len, .id = pdu_id, .parents = pc, .np = np};
        if (e->npending >= self->cfg.max_pending_per_entry) {
            s_pending_t *old = e->head;
            e->head = old->next;
            if (e->head == NULL)
                e->tail = NULL;
            e->npending--;
            old->next = NULL;
            s_drop_queue(self, old, ip, now, "arp.drop.pending_overflow");
        }
        if (e->tail)
            e->tail->next = p;
        else
            e->head = p;
        e->tail = p;
        e->npending++;
        LS_COUNT(self->reg, "arp.pending.queued");
    }
    if (is_new && self->cb.send_request) {
        LS_COUNT(self->reg, "arp.request.sent");
        self->cb.send_request(self->ctx, ip);
    }
    return 0;
}

int arp_cache_add_static(arp_cache_t *self, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
    if (ip == 0 || (mac[0] & 0x01))
        return -1;
    s_entry_t *e = s_find(self, ip);
    if (e == NULL && (e = s_insert(self, ip, now)) == NULL)
        return -1;
    s_pending_t *waiting = s_detach(e);
    memcpy(e->mac, mac, 6);
    e->state = ARP_CACHE_PERMANENT;
    e->confirmed_ns = now;
    s_log_state(self, now, e, "static");
    uint8_t mac_copy[6];
    memcpy(mac_copy, mac, 6);
    s_flush_queue(self, waiting, ip, mac_copy);
    return 0;
}

int arp_cache_delete(arp_cache_t *self, uint32_t ip)
{
    s_entry_t *e = s_find(self, ip);
    if (e == NULL)
        return -1;
    s_pending_t *waiting = s_detach(e);
    LS_COUNT(self->reg, "arp.cache.delete");
    s_remove(self, e);
    s_drop_queue(self, waiting, ip, 0, "arp.drop.deleted");
    return 0;
}

/* An INCOMPLETE entry's timer fired: retransmit, or give up. The entry is
 * looked up again by ip because an earlier callback may have changed it. */
static void s_incomplete_due(arp_cache_t *self, uint32_t ip, uint64_t now)
{
    s_entry_t *e = s_find(self, ip);
    if (e == NULL || e->state != ARP_CACHE_INCOMPLETE || now < e->retry_at)
        return;
    char a[16];
    if (e->retries < self->cfg.max_retries) {
        /* RFC 1122 2.3.2.1: retransmission of a request MUST be rate limited:
         * at most one per retry_ns (default 1 s) per destination. */
        e->retries++;
        e->retry_at = s_add_sat(now, self->cfg.retry_ns);
        s_note(self, e);
        LS_COUNT(self->reg, "arp.request.retry");
        if (self->cb.send_request)
            self->cb.send_request(self->ctx, ip);
        return;
    }
    /* Give up: RFC 1122 2.3.2.2 / RFC 1812 4.3.3.1 -- the waiting datagrams
     * go back up so the network layer can report host unreachable. */
    s_pending_t *p = s_detach(e);
    unsigned sent = e->retries + 1;
    size_t n = 0;
    for (s_pending_t *q = p; q; q = q->next)
        n++;
    LS_COUNT(self->reg, "arp.cache.resolve_failed");
    ls_logev_t ev = s_ev(self, now, "state");
    ls_logev(self->log, LS_LOG_INFO, &ev, "arp %s resolve failed after %u requests, %zu datagrams returned",
             ip4_fmt(ip, a), sent, n);
    s_remove(self, e);
    while (p) {
        s_pending_t *next = p->next;
        LS_COUNT(self->reg, "arp.pending.failed");
        if (self->cb.resolve_failed)
            self->cb.resolve_failed(self->ctx, ip, p->pdu, p->len, p->id, p->parents, p->np);
        s_pending_free(p);
        p = next;
    }
}

void arp_cache_poll(arp_cache_t *self, uint64_t now)
{
    /* Phase 1: aging (no callbacks) and collecting due INCOMPLETE entries. */
    uint32_t stackbuf[64];
    uint32_t *due = stackbuf;
    size_t ndue = 0, capdue = sizeof stackbuf / sizeof stackbuf[0];
    for (size_t b = 0; b < self->nbuckets; b++) {
        s_entry_t *e = self->buckets[b];
        while (e) {
            s_entry_t *next = e->next;
            if (e->state == ARP_CACHE_INCOMPLETE) {
                if (now >= e->retry_at) {
                    if (ndue == capdue) {
                        size_t ncap = capdue * 2;
                        uint32_t *nd = malloc(ncap * sizeof *nd);
                        if (nd == NULL)
                            break; /* the rest are handled on the next poll */
                        memcpy(nd, due, ndue * sizeof *nd);
                        if (due != stackbuf)
                            free(due);
                        due = nd;
                        capdue = ncap;
                    }
                    due[ndue++] = e->ip;
                }
            } else {
                s_age(self, e, now);
            }
            e = next;
        }
    }
    /* Phase 2: timers with callbacks. */
    for (size_t i = 0; i < ndue; i++)
        s_incomplete_due(self, due[i], now);
    if (due != stackbuf)
        free(due);
    /* Exact again: one scan per poll, none per loop turn. */
    uint64_t best = UINT64_MAX;
    for (size_t b = 0; b < self->nbuckets; b++)
        for (const s_entry_t *e = self->buckets[b]; e; e = e->next) {
            uint64_t d = s_entry_deadline(self, e);
            if (d < best)
                best = d;
        }
    self->next_dl = best;
}

uint64_t arp_cache_next_deadline(const arp_cache_t *self)
{
    /* O(1): a lower bound kept by s_note, exact after each poll */
    return self->next_dl;
}

static int s_cmp_info(const void *x, const void *y)
{
    uint32_t a = ((const arp_cache_info_t *)x)->ip, b = ((const arp_cache_info_t *)y)->ip;
    return a < b ? -1 : a > b;
}

void arp_cache_foreach(const arp_cache_t *self, uint64_t now, arp_cache_visit_fn fn, void *arg)
{
    if (fn == NULL || self->count == 0)
        return;
    arp_cache_info_t *v = calloc(self->count, sizeof *v);
    if (v == NULL)
        return;
    size_t n = 0;
    for (size_t b = 0; b < self->nbuckets; b++)
        for (const s_entry_t *e = self->buckets[b]; e && n < self->count; e = e->next) {
            arp_cache_info_t *i = &v[n++];
            i->ip = e->ip;
            memcpy(i->mac, e->mac, 6);
            i->state = e->state;
            uint64_t since = e->state == ARP_CACHE_INCOMPLETE ? e->created_ns : e->confirmed_ns;
            i->age_ns = now > since ? now - since : 0;
            i->retries = e->retries;
            i->npending = e->npending;
        }
    qsort(v, n, sizeof *v, s_cmp_info);
    for (size_t k = 0; k < n; k++)
        fn(&v[k], arg);
    free(v);
}

size_t arp_cache_size(const arp_cache_t *self)
{
    return self->count;
}

ls_counters_t *arp_cache_counters(arp_cache_t *self)
{
    return self->reg;
}
