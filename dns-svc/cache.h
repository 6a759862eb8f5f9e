/*
 * cache.h -- the DNS cache of a resolver (the stub's and the recursive
 * resolver's each have one): RRsets keyed by (name, type, class), with
 * their TTLs counted down on the caller's clock, negative answers (RFC
 * 2308: NXDOMAIN for a name, NODATA for a name and type) kept for the SOA
 * minimum, a size limit with LRU eviction, and RFC 2181 5.4.1 ranking so
 * glue never overwrites an authoritative answer. Pure: time comes in as
 * `now` (ns), nothing is logged; the owner counts and logs.
 *
 * Call chain: dns-svc/resolver.c and dns-svc/stub.c (dns_cache_get before
 * asking a server, dns_cache_put_* with what a server said); dsvc.c
 * ("table cache" -> dns_cache_foreach, "flush" -> dns_cache_flush).
 */
#ifndef LS_DNS_CACHE_H
#define LS_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dns.h"

/* RFC 2181 5.4.1 ranking, lowest first. */
typedef enum {
    DNS_TRUST_GLUE = 1,       /* additional section, referral glue */
    DNS_TRUST_AUTHORITY = 2,  /* authority section (NS of a referral) */
    DNS_TRUST_ANSWER = 3,     /* answer section of a non-authoritative answer */
    DNS_TRUST_AUTH_ANSWER = 4,/* answer section with AA=1 */
    DNS_TRUST_HINTS = 5,      /* root hints, hosts file: never expire */
} dns_trust_t;

#define DNS_CACHE_MAX_RR 128  /* records in one RRset */
#define DNS_CACHE_TTL_CAP 604800u /* one week, like BIND's max-cache-ttl */

typedef struct {
    dns_name_t name;
    uint16_t type, rclass;
    bool negative;            /* an NXDOMAIN/NODATA entry: soa holds the SOA record */
    bool nxdomain;            /* negative for every type at name (type is 0) */
    dns_trust_t trust;
    uint64_t expires;         /* ns; UINT64_MAX never */
    uint32_t ttl;             /* as stored (capped): what a never-expiring entry answers with */
    size_t n;                 /* records (0 for negative) */
    uint16_t *rdlen;
    uint8_t **rdata;          /* uncompressed wire form */
    /* negative: the SOA from the authority section (owner, its own TTL, rdata) */
    dns_name_t soa_name;
    uint32_t soa_ttl;
    uint16_t soa_rdlen;
    uint8_t *soa_rdata;
} dns_cache_entry_t;

typedef struct {
    uint64_t hits, misses, inserts, evicted, expired;
} dns_cache_stats_t;

typedef struct dns_cache dns_cache_t;

/* max_entries: RRsets (and negative entries) kept; the least recently used goes first. */
dns_cache_t *dns_cache_new(size_t max_entries);
void dns_cache_destroy(dns_cache_t **self_p);

/* Store an RRset (replacing a lower-or-equal-ranked or expired one; a
 * higher-ranked live one is kept: returns 1). ttl capped at a week.
 * 0 stored, 1 kept the existing, -1 bad input / no memory. */
int dns_cache_put(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass, uint32_t ttl,
                  const uint8_t *const *rdata, const uint16_t *rdlen, size_t n, dns_trust_t trust, uint64_t now);
/* Store a negative answer: NXDOMAIN for name (type 0) or NODATA for
 * (name, type). Kept for min(SOA TTL, SOA MINIMUM) (RFC 2308 5). soa_rdata
 * must parse as a SOA. 0 / -1. */
int dns_cache_put_negative(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass,
                           const dns_name_t *soa_name, uint32_t soa_ttl, const uint8_t *soa_rdata,
                           uint16_t soa_rdlen, uint64_t now);
/* The live entry for (name, type, class), or an NXDOMAIN entry for name;
 * NULL on a miss (an expired entry is removed and counted). A hit becomes
 * the most recently used. The pointer is valid until the next put/flush. */
const dns_cache_entry_t *dns_cache_get(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass,
                                       uint64_t now);
/* Seconds an entry still has (what an answer's TTL says): floor((expires - now) / 1 s). */
uint32_t dns_cache_ttl_left(const dns_cache_entry_t *e, uint64_t now);
/* What the cache says about (name, type, class), following cached CNAMEs
 * (RFC 1034 5.3.3 step 1, 3.6.2): the final entry (NULL: a miss at `end`),
 * the name the chain ended at, the CNAMEs followed, and whether it was cut
 * at max_cname. With out != NULL, the CNAMEs and the final RRset are
 * appended to out's answer section (the SOA of a negative entry to its
 * authority section), TTLs as left. */
typedef struct {
    const dns_cache_entry_t *fin;
    dns_name_t end;
    uint32_t ncname;
    bool too_long;
} dns_cache_chain_t;
void dns_cache_chain(dns_cache_t *self, const dns_name_t *name, uint16_t type, uint16_t rclass, uint32_t max_cname,
                     uint64_t now, dns_msg_t *out, dns_cache_chain_t *res);
void dns_cache_flush(dns_cache_t *self);
/* Visit live entries, most recently used first. */
void dns_cache_foreach(const dns_cache_t *self, uint64_t now, void (*fn)(const dns_cache_entry_t *e, void *arg),
                       void *arg);
size_t dns_cache_size(const dns_cache_t *self);
/* Also count every eviction in *counter (a registry counter of the owner; may be NULL). */
void dns_cache_count_evictions(dns_cache_t *self, uint64_t *counter);
const dns_cache_stats_t *dns_cache_stats(const dns_cache_t *self);

#endif
