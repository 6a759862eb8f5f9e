/*
 * switch_table.c -- learning-switch MAC table: learn source addresses per
 * port, forward known unicast, flood broadcast/multicast/unknown unicast,
 * filter frames whose destination sits on the ingress port, age entries.
 *
 * Call chain: switch main loop -> switch_table_learn + switch_table_decide per
 * frame, switch_table_age on its timer, switch_table_foreach for the dump.
 * Storage: chained hash table keyed by the 48-bit MAC, plus an aging list
 * of the same entries ordered by last_seen (oldest first), so the next
 * deadline is O(1) and aging touches only what expired (the switch's loop
 * asks for the deadline on every turn). Time only via `now`.
 */
#include "link-svc/switch_table.h"
#include "wire/bytes.h"

#include <stdlib.h>
#include <string.h>

typedef struct s_entry {
    struct s_entry *next;          /* hash chain */
    struct s_entry *older, *newer; /* aging list, ordered by last_seen */
    uint64_t key; /* the MAC as a 48-bit number */
    unsigned port;
    uint64_t last_seen;
} s_entry_t;

struct switch_table {
    uint64_t aging_ns;
    size_t max_entries;
    unsigned nports;
    ls_counters_t *reg;
    int own_reg;
    ls_log_t *log;
    s_entry_t **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    s_entry_t *oldest, *newest; /* aging list ends */
    /* per-frame counters, looked up once (the registry keeps them stable) */
    uint64_t *c_forward, *c_flood, *c_learn;
};

static uint64_t s_key(const uint8_t mac[6])
{
    uint64_t k = 0;
    for (int i = 0; i < 6; i++)
        k = k << 8 | mac[i];
    return k;
}

static void s_unkey(uint64_t k, uint8_t mac[6])
{
    for (int i = 5; i >= 0; i--) {
        mac[i] = (uint8_t)k;
        k >>= 8;
    }
}

static uint64_t s_add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static size_t s_hash(const switch_table_t *self, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (self->nbuckets - 1);
}

static s_entry_t **s_slot(const switch_table_t *self, uint64_t key)
{
    s_entry_t **pp = &self->buckets[s_hash(self, key)];
    while (*pp && (*pp)->key != key)
        pp = &(*pp)->next;
    return pp;
}

static void s_age_unlink(switch_table_t *self, s_entry_t *e)
{
    if (e->older)
        e->older->newer = e->newer;
    else
        self->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        self->newest = e->older;
    e->older = e->newer = NULL;
}

/* Link e into the aging list by last_seen: at the newest end when the clock
 * only moves forward (O(1)), walking back otherwise. */
static void s_age_link(switch_table_t *self, s_entry_t *e)
{
    s_entry_t *after = self->newest;
    while (after && after->last_seen > e->last_seen)
        after = after->older;
    e->older = after;
    e->newer = after ? after->newer : self->oldest;
    if (e->older)
        e->older->newer = e;
    else
        self->oldest = e;
    if (e->newer)
        e->newer->older = e;
    else
        self->newest = e;
}

static int s_expired(const switch_table_t *self, const s_entry_t *e, uint64_t now)
{
    return now >= s_add_sat(e->last_seen, self->aging_ns);
}

static ls_logev_t s_ev(uint64_t now, const char *ev)
{
    return (ls_logev_t){.now_ns = now, .layer = "switch", .ev = ev};
}

switch_table_t *switch_table_new(uint64_t aging_ns, size_t max_entries, ls_counters_t *reg,
                                 ls_log_t *log)
{
    switch_table_t *self = calloc(1, sizeof *self);
    if (self == NULL)
        return NULL;
    self->aging_ns = aging_ns ? aging_ns : SWITCH_TABLE_AGING_DEFAULT_NS;
    self->max_entries = max_entries ? max_entries : SWITCH_TABLE_MAX_ENTRIES_DEFAULT;
    self->log = log;
    if (reg) {
        self->reg = reg;
    } else {
        self->reg = ls_counters_new();
        self->own_reg = 1;
    }
    self->nbuckets = 16;
    while (self->nbuckets < self->max_entries && self->nbuckets < 65536)
        self->nbuckets <<= 1;
    self->buckets = calloc(self->nbuckets, sizeof *self->buckets);
    if (self->reg == NULL || self->buckets == NULL) {
        switch_table_destroy(&self);
        return NULL;
    }
    self->c_forward = ls_counter(self->reg, "switch.forward");
    self->c_flood = ls_counter(self->reg, "switch.flood");
    self->c_learn = ls_counter(self->reg, "switch.learn");
    return self;
}

void switch_table_destroy(switch_table_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    switch_table_t *self = *self_p;
    if (self->buckets) {
        for (size_t b = 0; b < self->nbuckets; b++) {
            s_entry_t *e = self->buckets[b];
            while (e) {
                s_entry_t *next = e->next;
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

/* Remove every entry for which pred(entry) holds; returns how many. */
static size_t s_remove_if(switch_table_t *self, int (*pred)(const switch_table_t *, const s_entry_t *, uint64_t),
                          uint64_t arg)
{
    size_t n = 0;
    for (size_t b = 0; b < self->nbuckets; b++) {
        s_entry_t **pp = &self->buckets[b];
        while (*pp) {
            s_entry_t *e = *pp;
            if (pred(self, e, arg)) {
                *pp = e->next;
                s_age_unlink(self, e);
                free(e);
                self->count--;
                n++;
            } else {
                pp = &e->next;
            }
        }
    }
    return n;
}

static int s_port_ge(const switch_table_t *self, const s_entry_t *e, uint64_t nports)
{
    (void)self;
    return e->port >= nports;
}

static int s_port_eq(const switch_table_t *self, const s_entry_t *e, uint64_t port)
{
    (void)self;
    return e->port == port;
}

int switch_table_set_ports(switch_table_t *self, unsigned nports)
{
    if (self == NULL)
        return -1;
    if (nports < self->nports)
        s_remove_if(self, s_port_ge, nports);
    self->nports = nports;
    return 0;
}

unsigned switch_table_ports(const switch_table_t *self)
{
    return self->nports;
}

int switch_table_learn(switch_table_t *self, const uint8_t src_mac[6], unsigned port, uint64_t now)
{
    char m[18];
    /* IEEE 802.1D 7.8: only individual (unicast) source addresses are
     * learned; a group address as source is never entered. */
    if (src_mac[0] & 0x01) {
        LS_COUNT(self->reg, "switch.learn.bad_src");
        return -1;
    }
    if (port >= self->nports) {
        LS_COUNT(self->reg, "switch.learn.bad_port");
        return -1;
    }
    uint64_t key = s_key(src_mac);
    s_entry_t *e = *s_slot(self, key);
    if (e != NULL) {
        if (e->port != port) {
            LS_COUNT(self->reg, "switch.move");
            if (ls_log_on(self->log, LS_LOG_INFO)) {
                ls_logev_t ev = s_ev(now, "state");
                ls_logev(self->log, LS_LOG_INFO, &ev, "mac move %s port %u -> port %u",
                         mac_fmt(src_mac, m), e->port, port);
            }
            e->port = port;
        }
        e->last_seen = now;
        s_age_unlink(self, e);
        s_age_link(self, e);
        return 0;
    }
    if (self->count >= self->max_entries) {
        /* Table full: expired entries make room; otherwise do not learn
         * (frames to this MAC keep being flooded). */
        if (switch_table_age(self, now) == 0) {
            LS_COUNT(self->reg, "switch.learn.full");
            return -1;
        }
    }
    e = calloc(1, sizeof *e);
    if (e == NULL)
        return -1;
    e->key = key;
    e->port = port;
    e->last_seen = now;
    s_entry_t **head = &self->buckets[s_hash(self, key)];
    e->next = *head;
    *head = e;
    s_age_link(self, e);
    self->count++;
    (*self->c_learn)++;
    if (ls_log_on(self->log, LS_LOG_INFO)) {
        ls_logev_t ev = s_ev(now, "state");
        ls_logev(self->log, LS_LOG_INFO, &ev, "mac learn %s port %u", mac_fmt(src_mac, m), port);
    }
    return 0;
}

int switch_table_lookup(const switch_table_t *self, const uint8_t mac[6], uint64_t now, unsigned *port)
{
    const s_entry_t *e = *s_slot(self, s_key(mac));
    if (e == NULL || s_expired(self, e, now))
        return -1;
    if (port)
        *port = e->port;
    return 0;
}

int switch_table_decide(switch_table_t *self, const uint8_t dst_mac[6], unsigned in_port,
                        uint64_t now, unsigned *out_ports, size_t max)
{
    char m[18];
    if (in_port >= self->nports) {
        ls_logev_t ev = s_ev(now, NULL);
        ls_drop(self->log, self->reg, &ev, "switch.drop.bad_port", "ingress port %u of %u", in_port,
                self->nports);
        return -1;
    }
    unsigned port;
    /* IEEE 802.1D 7.7.1: group addresses and unicast addresses absent from
     * the filtering database are forwarded on all ports but the ingress. */
    if ((dst_mac[0] & 0x01) || switch_table_lookup(self, dst_mac, now, &port) < 0) {
        size_t need = self->nports - 1;
        if (max < need) {
            ls_logev_t ev = s_ev(now, NULL);
            ls_drop(self->log, self->reg, &ev, "switch.drop.bad_port",
                    "flood needs %zu output slots, have %zu", need, max);
            return -1;
        }
        size_t n = 0;
        for (unsigned p = 0; p < self->nports; p++)
            if (p != in_port)
                out_ports[n++] = p;
        (*self->c_flood)++;
        return (int)n;
    }
    if (port == in_port) {
        /* IEEE 802.1D 7.7.1: a frame is never sent back out its reception
         * port; the destination is on the ingress segment, so filter it. */
        ls_logev_t ev = s_ev(now, NULL);
        ls_drop(self->log, self->reg, &ev, "switch.drop.same_port", "dst %s is on ingress port %u",
                mac_fmt(dst_mac, m), in_port);
        return 0;
    }
    if (max < 1) {
        ls_logev_t ev = s_ev(now, NULL);
        ls_drop(self->log, self->reg, &ev, "switch.drop.bad_port", "no output slot");
        return -1;
    }
    out_ports[0] = port;
    (*self->c_forward)++;
    return 1;
}

size_t switch_table_age(switch_table_t *self, uint64_t now)
{
    /* IEEE 802.1D 7.9.2: dynamic entries are removed after the ageing time.
     * The aging list is ordered, so only expired entries are visited. */
    size_t n = 0;
    while (self->oldest && s_expired(self, self->oldest, now)) {
        s_entry_t *e = self->oldest;
        s_entry_t **pp = s_slot(self, e->key);
        *pp = e->next;
        s_age_unlink(self, e);
        free(e);
        self->count--;
        n++;
    }
    if (n) {
        *ls_counter(self->reg, "switch.age") += n;
        if (ls_log_on(self->log, LS_LOG_INFO)) {
            ls_logev_t ev = s_ev(now, "timer");
            ls_logev(self->log, LS_LOG_INFO, &ev, "mac aged out: %zu entries", n);
        }
    }
    return n;
}

uint64_t switch_table_next_deadline(const switch_table_t *self)
{
    /* O(1): the oldest entry ages out first */
    return self->oldest ? s_add_sat(self->oldest->last_seen, self->aging_ns) : UINT64_MAX;
}

size_t switch_table_forget_port(switch_table_t *self, unsigned port)
{
    return s_remove_if(self, s_port_eq, port);
}

typedef struct {
    uint64_t key;
    unsigned port;
    uint64_t last_seen;
} s_row_t;

static int s_cmp_row(const void *x, const void *y)
{
    uint64_t a = ((const s_row_t *)x)->key, b = ((const s_row_t *)y)->key;
    return a < b ? -1 : a > b;
}

void switch_table_foreach(const switch_table_t *self, uint64_t now, switch_table_visit_fn fn, void *arg)
{
    if (fn == NULL || self->count == 0)
        return;
    s_row_t *rows = calloc(self->count, sizeof *rows);
    if (rows == NULL)
        return;
    size_t n = 0;
    for (size_t b = 0; b < self->nbuckets; b++)
        for (const s_entry_t *e = self->buckets[b]; e && n < self->count; e = e->next)
            rows[n++] = (s_row_t){e->key, e->port, e->last_seen};
    qsort(rows, n, sizeof *rows, s_cmp_row);
    for (size_t k = 0; k < n; k++) {
        uint8_t mac[6];
        s_unkey(rows[k].key, mac);
        fn(mac, rows[k].port, now > rows[k].last_seen ? now - rows[k].last_seen : 0, arg);
    }
    free(rows);
}

size_t switch_table_size(const switch_table_t *self)
{
    return self->count;
}

ls_counters_t *switch_table_counters(switch_table_t *self)
{
    return self->reg;
}
