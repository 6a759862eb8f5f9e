/*
 * cache.c -- the DNS cache (see cache.h): a hash table of RRsets and
 * negative entries keyed by (lower-cased name, type, class), and an LRU
 * list through the same nodes for eviction at the size limit.
 *
 * Call chain: dns_cache_put / dns_cache_put_negative -> s_find -> s_store
 * (rank check, RFC 2181 5.4.1) -> s_evict_lru; dns_cache_get -> s_find ->
 * expiry check (RFC 1035 3.2.1: TTL is the time the RR may be cached) ->
 * NXDOMAIN entry for the name (RFC 2308 5: it covers every type).
 */
#include "dns-svc/cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct s_node {
    dns_cache_entry_t e;
    struct s_node *hnext;          /* hash chain */
    struct s_node *lprev, *lnext;  /* LRU list, most recent at head */
    uint32_t hash;
} s_node_t;

struct dns_cache {
    size_t max, count;
    size_t nbuckets;
    s_node_t **buckets;
    s_node_t *head, *tail;
    dns_cache_stats_t st;
    uint64_t *evicted_ctr;         /* the owner's counter, or NULL */
};

static uint8_t s_lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

static uint32_t s_hash(const dns_name_t *name, uint16_t type, uint16_t rclass)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < name->len; i++)
        h = (h ^ s_lower(name->wire[i])) * 16777619u;
    h = (h ^ type) * 16777619u;
    return (h ^ rclass) * 16777619u;
}

dns_cache_t *dns_cache_new(size_t max_entries)
{
    dns_cache_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->max = max_entries ? max_entries : 1;
    self->nbuckets = 64;
    while (self->nbuckets < self->max && self->nbuckets < (1u << 20))
        self->nbuckets *= 2;
    self->buckets = calloc(self->nbuckets, sizeof *self->buckets);
    if (!self->buckets) {
        free(self);
        return NULL;
    }
    return self;
}

static void s_entry_free(dns_cache_entry_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->rdata[i]);
    free(e->rdata);
    free(e->rdlen);
    free(e->soa_rdata);
    e->rdata = NULL;
    e->rdlen = NULL;
    e->soa_rdata = NULL;
    e->n = 0;
}

static void s_lru_unlink(dns_cache_t *self, s_node_t *n)
{
    if (n->lprev)
        n->lprev->lnext = n->lnext;
    else
        self->head = n->lnext;
    if (n->lnext)
        n->lnext->lprev = n->lprev;
    else
        self->tail = n->lprev;
    n->lprev = n->lnext = NULL;
}

static void s_lru_push(dns_cache_t *self, s_node_t *n)
{
    n->lnext = self->head;
    n->lprev = NULL;
    if (self->head)
        self->head->lprev = n;
    self->head = n;
    if (!self->tail)
        self->tail = n;
}

static void s_remove(dns_cache_t *self, s_node_t *n)
{
    s_node_t **pp = &self->buckets[n->hash & (self->nbuckets - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    s_lru_unlink(self, n);
    s_entry_free(&n->e);
    free(n);
    self->count--;
}

void dns_cache_flush(dns_cache_t *self)
{
    while (self->head)
        s_remove(self, self->head);
}

void dns_cache_destroy(dns_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dns_cache_flush(*self_p);
    free((*self_p)->buckets);
    free(*self_p);
    *self_p = NULL;
}

static s_node_t *s_find(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass, uint32_t h)
{
    for (s_node_t *n = self->buckets[h & (self->nbuckets - 1)]; n; n = n->hnext)
        if (n->hash == h && n->e.type == type && n->e.rclass == rclass && dns_name_eq(&n->e.name, name))
            return n;
    return NULL;
}

/* Live through its expiry instant: a TTL 0 record (RFC 1035 3.2.1: "not
 * cached") still serves the answer being assembled at the same `now`. */
static bool s_live(const dns_cache_entry_t *e, uint64_t now) { return e->expires >= now; }

static uint64_t s_expiry(uint32_t ttl, dns_trust_t trust, uint64_t now)
{
    if (trust == DNS_TRUST_HINTS)
        return UINT64_MAX;
    if (ttl > DNS_CACHE_TTL_CAP)
        ttl = DNS_CACHE_TTL_CAP;
    return now + (uint64_t)ttl * 1000000000ull;
}

/* The node to fill for (name, type, class): the existing one (emptied) if
 * the new data may replace it, a new one otherwise; NULL if the existing
 * entry outranks the new data (*kept = true) or on no memory. */
static s_node_t *s_slot(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass,
                        dns_trust_t trust, uint64_t now, bool *kept)
{
    *kept = false;
    uint32_t h = s_hash(name, type, rclass);
    s_node_t *n = s_find(self, name, type, rclass, h);
    if (n) {
        /* RFC 2181 5.4.1: data of lower rank must not replace live data of higher rank */
        if (s_live(&n->e, now) && n->e.trust > trust) {
            *kept = true;
            return NULL;
        }
        s_entry_free(&n->e);
        s_lru_unlink(self, n);
    } else {
        while (self->count >= self->max && self->tail) {
            self->st.evicted++;
            if (self->evicted_ctr)
                (*self->evicted_ctr)++;
            s_remove(self, self->tail);
        }
        n = calloc(1, sizeof *n);
        if (!n)
            return NULL;
        n->hash = h;
        n->hnext = self->buckets[h & (self->nbuckets - 1)];
        self->buckets[h & (self->nbuckets - 1)] = n;
        self->count++;
    }
    memset(&n->e, 0, sizeof n->e);
    n->e.name = *name;
    n->e.type = type;
    n->e.rclass = rclass;
    n->e.trust = trust;
    s_lru_push(self, n);
    self->st.inserts++;
    return n;
}

int dns_cache_put(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass, uint32_t ttl,
                  const uint8_t *const *rdata, const uint16_t *rdlen, size_t n, dns_trust_t trust, uint64_t now)
{
    if (!name || !type || !n || n > DNS_CACHE_MAX_RR)
        return -1;
    bool kept;
    s_node_t *node = s_slot(self, name, type, rclass, trust, now, &kept);
    if (!node)
        return kept ? 1 : -1;
    dns_cache_entry_t *e = &node->e;
    e->expires = s_expiry(ttl, trust, now);
    e->ttl = ttl > DNS_CACHE_TTL_CAP ? DNS_CACHE_TTL_CAP : ttl;
    e->rdata = calloc(n, sizeof *e->rdata);
    e->rdlen = calloc(n, sizeof *e->rdlen);
    if (!e->rdata || !e->rdlen) {
        s_remove(self, node);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        e->rdata[i] = malloc(rdlen[i] ? rdlen[i] : 1);
        if (!e->rdata[i]) {
            e->n = i;
            s_remove(self, node);
            return -1;
        }
        memcpy(e->rdata[i], rdata[i], rdlen[i]);
        e->rdlen[i] = rdlen[i];
    }
    e->n = n;
    return 0;
}

int dns_cache_put_negative(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass,
                           const dns_name_t *soa_name, uint32_t soa_ttl, const uint8_t *soa_rdata,
                           uint16_t soa_rdlen, uint64_t now)
{
    dns_soa_t soa;
    if (!name || !soa_name || dns_rdata_soa(soa_rdata, soa_rdlen, &soa) < 0)
        return -1;
    bool kept;
    s_node_t *node = s_slot(self, name, type, rclass, DNS_TRUST_AUTH_ANSWER, now, &kept);
    if (!node)
        return kept ? 1 : -1;
    dns_cache_entry_t *e = &node->e;
    /* RFC 2308 5: the negative TTL is the minimum of the SOA's TTL and its MINIMUM field */
    uint32_t ttl = soa_ttl < soa.minimum ? soa_ttl : soa.minimum;
    e->negative = true;
    e->nxdomain = type == 0;
    e->expires = s_expiry(ttl, DNS_TRUST_AUTH_ANSWER, now);
    e->soa_name = *soa_name;
    e->soa_ttl = ttl;
    e->soa_rdata = malloc(soa_rdlen);
    if (!e->soa_rdata) {
        s_remove(self, node);
        return -1;
    }
    memcpy(e->soa_rdata, soa_rdata, soa_rdlen);
    e->soa_rdlen = soa_rdlen;
    return 0;
}

static const dns_cache_entry_t *s_get_one(dns_cache_t *self, const dns_name_t *name, uint16_t type,
                                          uint16_t rclass, uint64_t now)
{
    s_node_t *n = s_find(self, name, type, rclass, s_hash(name, type, rclass));
    if (!n)
        return NULL;
    if (!s_live(&n->e, now)) {
        self->st.expired++;
        s_remove(self, n);
        return NULL;
    }
    s_lru_unlink(self, n);
    s_lru_push(self, n);
    return &n->e;
}

const dns_cache_entry_t *dns_cache_get(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass,
                                       uint64_t now)
{
    const dns_cache_entry_t *e = s_get_one(self, name, type, rclass, now);
    if (!e && type)
        e = s_get_one(self, name, 0, rclass, now); /* an NXDOMAIN for the name */
    if (e)
        self->st.hits++;
    else
        self->st.misses++;
    return e;
}

void dns_cache_chain(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass, uint32_t max_cname,
                     uint64_t now, dns_msg_t *out, dns_cache_chain_t *res)
{
    *res = (dns_cache_chain_t){.end = *name};
    for (;;) {
        const dns_cache_entry_t *e = dns_cache_get(self, &res->end, type, rclass, now);
        if (e) {
            res->fin = e;
            if (!out)
                return;
            for (size_t i = 0; i < e->n; i++)
                dns_msg_add(out, DNS_SEC_ANSWER, &e->name, e->type, e->rclass, dns_cache_ttl_left(e, now), e->rdata[i],
                            e->rdlen[i]);
            if (e->negative)
                dns_msg_add(out, DNS_SEC_AUTHORITY, &e->soa_name, DNS_T_SOA, rclass, dns_cache_ttl_left(e, now),
                            e->soa_rdata, e->soa_rdlen);
            return;
        }
        if (type == DNS_T_CNAME)
            return;
        const dns_cache_entry_t *c = dns_cache_get(self, &res->end, DNS_T_CNAME, rclass, now);
        dns_name_t target;
        if (!c || c->negative || !c->n || dns_rdata_name(c->rdata[0], c->rdlen[0], &target) < 0)
            return;
        if (res->ncname >= max_cname) {
            res->too_long = true;
            return;
        }
        if (out)
            dns_msg_add(out, DNS_SEC_ANSWER, &res->end, DNS_T_CNAME, rclass, dns_cache_ttl_left(c, now), c->rdata[0],
                        c->rdlen[0]);
        res->ncname++;
        res->end = target;
    }
}

uint32_t dns_cache_ttl_left(const dns_cache_entry_t *e, uint64_t now)
{
    if (e->expires == UINT64_MAX)
        return e->ttl; /* hints: the TTL the hints file gives, not forever */
    if (e->expires <= now)
        return 0;
    uint64_t s = (e->expires - now) / 1000000000ull;
    return s > 0x7fffffffu ? 0x7fffffffu : (uint32_t)s;
}

void dns_cache_foreach(const dns_cache_t *self, uint64_t now, void (*fn)(const dns_cache_entry_t *e, void *arg),
                       void *arg)
{
    for (const s_node_t *n = self->head; n; n = n->lnext)
        if (s_live(&n->e, now))
            fn(&n->e, arg);
}

size_t dns_cache_size(const dns_cache_t *self) { return self->count; }
void dns_cache_count_evictions(dns_cache_t *self, uint64_t *counter) { self->evicted_ctr = counter; }
const dns_cache_stats_t *dns_cache_stats(const dns_cache_t *self) { return &self->st; }
