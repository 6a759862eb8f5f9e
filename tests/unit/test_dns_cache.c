/*
 * test_dns_cache.c -- the DNS cache (dns-svc/cache.c) on a fake clock:
 * put/get, TTLs counted down and the expiry boundary (live through the
 * expiry instant; a TTL 0 record only at the instant it was stored), the
 * one-week cap, RFC 2308 negative entries (NXDOMAIN for every type,
 * NODATA for one) with TTL min(SOA TTL, MINIMUM), RFC 2181 5.4.1 ranking,
 * LRU eviction at the size limit, flush, foreach order, and
 * dns_cache_chain over cached CNAMEs (records appended, TTLs as left, cut
 * at max_cname, ending in a negative entry).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "dns-svc/cache.h"
#include "wire/dns.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC) /* the fake clock's start */

static dns_name_t s_n(const char *text)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(text, NULL, &n), DNS_OK);
    return n;
}

/* Store an A RRset of n addresses (base, base+1, ...). */
static int s_put_a(dns_cache_t *c, const char *name, uint32_t base, size_t n, uint32_t ttl, dns_trust_t trust,
                   uint64_t now)
{
    uint8_t rd[8][4];
    const uint8_t *p[8];
    uint16_t l[8];
    ck_assert_uint_le(n, 8);
    for (size_t i = 0; i < n; i++) {
        wr_be32(rd[i], base + (uint32_t)i);
        p[i] = rd[i];
        l[i] = 4;
    }
    dns_name_t nm = s_n(name);
    return dns_cache_put(c, &nm, DNS_T_A, DNS_C_IN, ttl, p, l, n, trust, now);
}

static int s_put_cname(dns_cache_t *c, const char *name, const char *target, uint32_t ttl, uint64_t now)
{
    uint8_t rd[DNS_NAME_MAX];
    dns_name_t nm = s_n(name), t = s_n(target);
    int len = dns_rdata_put_name(&t, rd, sizeof rd);
    ck_assert_int_gt(len, 0);
    const uint8_t *p[1] = {rd};
    uint16_t l[1] = {(uint16_t)len};
    return dns_cache_put(c, &nm, DNS_T_CNAME, DNS_C_IN, ttl, p, l, 1, DNS_TRUST_AUTH_ANSWER, now);
}

/* The SOA of example.test. with this MINIMUM. */
static int s_soa_rd(uint32_t minimum, uint8_t *rd, size_t cap)
{
    dns_soa_t soa = {.mname = s_n("ns1.example.test."), .rname = s_n("hostmaster.example.test."),
                     .serial = 7, .refresh = 3600, .retry = 900, .expire = 604800, .minimum = minimum};
    int len = dns_rdata_put_soa(&soa, rd, cap);
    ck_assert_int_gt(len, 0);
    return len;
}

static int s_put_neg(dns_cache_t *c, const char *name, uint16_t type, uint32_t soa_ttl, uint32_t minimum,
                     uint64_t now)
{
    uint8_t rd[600];
    int len = s_soa_rd(minimum, rd, sizeof rd);
    dns_name_t nm = s_n(name), zone = s_n("example.test.");
    return dns_cache_put_negative(c, &nm, type, DNS_C_IN, &zone, soa_ttl, rd, (uint16_t)len, now);
}

static const dns_cache_entry_t *s_get(dns_cache_t *c, const char *name, uint16_t type, uint64_t now)
{
    dns_name_t nm = s_n(name);
    return dns_cache_get(c, &nm, type, DNS_C_IN, now);
}

static uint32_t s_addr(const dns_cache_entry_t *e, size_t i)
{
    uint32_t a = 0;
    ck_assert_int_eq(dns_rdata_a(e->rdata[i], e->rdlen[i], &a), 0);
    return a;
}

/* ------------------------------------------------------------ put / get */

START_TEST(test_put_get)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(198, 51, 100, 10), 2, 300, DNS_TRUST_AUTH_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_size(c), 1);
    const dns_cache_entry_t *e = s_get(c, "www.example.test.", DNS_T_A, T0);
    ck_assert_ptr_nonnull(e);
    dns_name_t www = s_n("www.example.test.");
    ck_assert(dns_name_eq(&e->name, &www));
    ck_assert_uint_eq(e->type, DNS_T_A);
    ck_assert_uint_eq(e->rclass, DNS_C_IN);
    ck_assert(!e->negative);
    ck_assert_int_eq(e->trust, DNS_TRUST_AUTH_ANSWER);
    ck_assert_uint_eq(e->n, 2);
    ck_assert_uint_eq(s_addr(e, 0), LS_IP4(198, 51, 100, 10));
    ck_assert_uint_eq(s_addr(e, 1), LS_IP4(198, 51, 100, 11));
    ck_assert_uint_eq(e->expires, T0 + 300 * SEC);
    /* names compare case-insensitively (RFC 4343) */
    ck_assert_ptr_eq(s_get(c, "WWW.Example.TEST.", DNS_T_A, T0), e);
    /* another type, another class, another name: misses */
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_AAAA, T0));
    ck_assert_ptr_null(dns_cache_get(c, &www, DNS_T_A, 3 /* CH */, T0));
    ck_assert_ptr_null(s_get(c, "web.example.test.", DNS_T_A, T0));
    const dns_cache_stats_t *st = dns_cache_stats(c);
    ck_assert_uint_eq(st->inserts, 1);
    ck_assert_uint_eq(st->hits, 2);
    ck_assert_uint_eq(st->misses, 3);
    ck_assert_uint_eq(st->evicted, 0);
    /* a put of the same RRset replaces it: still one entry, the new data */
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(192, 0, 2, 1), 1, 60, DNS_TRUST_AUTH_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_size(c), 1);
    e = s_get(c, "www.example.test.", DNS_T_A, T0);
    ck_assert_uint_eq(e->n, 1);
    ck_assert_uint_eq(s_addr(e, 0), LS_IP4(192, 0, 2, 1));
    ck_assert_uint_eq(dns_cache_ttl_left(e, T0), 60);
    dns_cache_destroy(&c);
    ck_assert_ptr_null(c);
    dns_cache_destroy(&c); /* twice is harmless */
}
END_TEST

START_TEST(test_bad_input)
{
    dns_cache_t *c = dns_cache_new(16);
    dns_name_t nm = s_n("www.example.test.");
    uint8_t rd[4] = {192, 0, 2, 1};
    const uint8_t *p[DNS_CACHE_MAX_RR + 1];
    uint16_t l[DNS_CACHE_MAX_RR + 1];
    for (size_t i = 0; i <= DNS_CACHE_MAX_RR; i++) {
        p[i] = rd;
        l[i] = 4;
    }
    ck_assert_int_eq(dns_cache_put(c, &nm, DNS_T_A, DNS_C_IN, 300, p, l, 0, DNS_TRUST_ANSWER, T0), -1);
    ck_assert_int_eq(dns_cache_put(c, &nm, 0, DNS_C_IN, 300, p, l, 1, DNS_TRUST_ANSWER, T0), -1);
    ck_assert_int_eq(dns_cache_put(c, &nm, DNS_T_A, DNS_C_IN, 300, p, l, DNS_CACHE_MAX_RR + 1, DNS_TRUST_ANSWER, T0),
                     -1);
    ck_assert_int_eq(dns_cache_put(c, &nm, DNS_T_A, DNS_C_IN, 300, p, l, DNS_CACHE_MAX_RR, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_uint_eq(s_get(c, "www.example.test.", DNS_T_A, T0)->n, DNS_CACHE_MAX_RR);
    /* a negative entry needs a SOA that parses */
    dns_name_t zone = s_n("example.test.");
    ck_assert_int_eq(dns_cache_put_negative(c, &nm, DNS_T_TXT, DNS_C_IN, &zone, 300, rd, 4, T0), -1);
    ck_assert_uint_eq(dns_cache_size(c), 1);
    dns_cache_destroy(&c);
}
END_TEST

/* ------------------------------------------------------------ TTL */

START_TEST(test_ttl_counts_down_and_expires_at_boundary)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(198, 51, 100, 10), 1, 300, DNS_TRUST_AUTH_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_ttl_left(s_get(c, "www.example.test.", DNS_T_A, T0), T0), 300);
    ck_assert_uint_eq(dns_cache_ttl_left(s_get(c, "www.example.test.", DNS_T_A, T0 + 100 * SEC), T0 + 100 * SEC), 200);
    /* floor: 199.5 s left reads 199 */
    uint64_t t = T0 + 100 * SEC + SEC / 2;
    ck_assert_uint_eq(dns_cache_ttl_left(s_get(c, "www.example.test.", DNS_T_A, t), t), 199);
    t = T0 + 300 * SEC - 1;
    ck_assert_uint_eq(dns_cache_ttl_left(s_get(c, "www.example.test.", DNS_T_A, t), t), 0);
    /* live through the expiry instant itself (expires >= now) */
    t = T0 + 300 * SEC;
    const dns_cache_entry_t *e = s_get(c, "www.example.test.", DNS_T_A, t);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(dns_cache_ttl_left(e, t), 0);
    ck_assert_uint_eq(dns_cache_stats(c)->expired, 0);
    /* one nanosecond later it is gone, removed and counted */
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_A, t + 1));
    ck_assert_uint_eq(dns_cache_stats(c)->expired, 1);
    ck_assert_uint_eq(dns_cache_size(c), 0);
    dns_cache_destroy(&c);
}
END_TEST

START_TEST(test_ttl_zero_live_only_at_its_instant)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(198, 51, 100, 10), 1, 0, DNS_TRUST_AUTH_ANSWER, T0), 0);
    const dns_cache_entry_t *e = s_get(c, "www.example.test.", DNS_T_A, T0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(dns_cache_ttl_left(e, T0), 0);
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_A, T0 + 1));
    ck_assert_uint_eq(dns_cache_size(c), 0);
    dns_cache_destroy(&c);
}
END_TEST

START_TEST(test_ttl_capped_at_a_week)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(198, 51, 100, 10), 1, 0x7fffffffu, DNS_TRUST_ANSWER, T0),
                     0);
    const dns_cache_entry_t *e = s_get(c, "www.example.test.", DNS_T_A, T0);
    ck_assert_uint_eq(dns_cache_ttl_left(e, T0), DNS_CACHE_TTL_CAP);
    ck_assert_uint_eq(DNS_CACHE_TTL_CAP, 604800);
    uint64_t end = T0 + (uint64_t)DNS_CACHE_TTL_CAP * SEC;
    ck_assert_ptr_nonnull(s_get(c, "www.example.test.", DNS_T_A, end));
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_A, end + 1));
    /* a negative entry with a huge SOA TTL and MINIMUM is capped the same way */
    ck_assert_int_eq(s_put_neg(c, "nope.example.test.", 0, 0x7fffffffu, 0x7fffffffu, T0), 0);
    e = s_get(c, "nope.example.test.", DNS_T_A, T0);
    ck_assert_uint_eq(dns_cache_ttl_left(e, T0), DNS_CACHE_TTL_CAP);
    ck_assert_ptr_null(s_get(c, "nope.example.test.", DNS_T_A, end + 1));
    /* root hints never expire */
    ck_assert_int_eq(s_put_a(c, "a.root-servers.test.", LS_IP4(203, 0, 113, 10), 1, 3600000, DNS_TRUST_HINTS, 0), 0);
    e = s_get(c, "a.root-servers.test.", DNS_T_A, UINT64_MAX - 1);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->expires, UINT64_MAX);
    /* ... and answer with the hints' TTL (capped at a week), not "forever" */
    ck_assert_uint_eq(dns_cache_ttl_left(e, UINT64_MAX - 1), DNS_CACHE_TTL_CAP);
    dns_cache_destroy(&c);
}
END_TEST

/* ------------------------------------------------------------ negative (RFC 2308) */

START_TEST(test_negative_nxdomain_covers_every_type)
{
    dns_cache_t *c = dns_cache_new(16);
    /* SOA TTL 300, MINIMUM 30: kept 30 s (RFC 2308 5) */
    ck_assert_int_eq(s_put_neg(c, "nope.example.test.", 0, 300, 30, T0), 0);
    static const uint16_t types[] = {DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_CNAME, DNS_T_NS};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const dns_cache_entry_t *e = s_get(c, "NOPE.example.test.", types[i], T0 + 10 * SEC);
        ck_assert_ptr_nonnull(e);
        ck_assert(e->negative);
        ck_assert(e->nxdomain);
        ck_assert_uint_eq(e->type, 0);
        ck_assert_uint_eq(e->n, 0);
        ck_assert_uint_eq(e->soa_ttl, 30);
        dns_name_t zone = s_n("example.test.");
        ck_assert(dns_name_eq(&e->soa_name, &zone));
        dns_soa_t soa;
        ck_assert_int_eq(dns_rdata_soa(e->soa_rdata, e->soa_rdlen, &soa), 0);
        ck_assert_uint_eq(soa.minimum, 30);
        ck_assert_uint_eq(dns_cache_ttl_left(e, T0 + 10 * SEC), 20);
    }
    /* not for another name, not even one below */
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_A, T0));
    ck_assert_ptr_nonnull(s_get(c, "nope.example.test.", DNS_T_A, T0 + 30 * SEC));
    ck_assert_ptr_null(s_get(c, "nope.example.test.", DNS_T_A, T0 + 30 * SEC + 1));
    ck_assert_uint_eq(dns_cache_size(c), 0);
    /* SOA TTL below MINIMUM: the SOA TTL wins */
    ck_assert_int_eq(s_put_neg(c, "nope.example.test.", 0, 10, 30, T0), 0);
    const dns_cache_entry_t *e = s_get(c, "nope.example.test.", DNS_T_A, T0);
    ck_assert_uint_eq(e->soa_ttl, 10);
    ck_assert_uint_eq(dns_cache_ttl_left(e, T0), 10);
    ck_assert_ptr_null(s_get(c, "nope.example.test.", DNS_T_A, T0 + 10 * SEC + 1));
    dns_cache_destroy(&c);
}
END_TEST

START_TEST(test_negative_nodata_one_type)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(198, 51, 100, 10), 1, 300, DNS_TRUST_AUTH_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_neg(c, "www.example.test.", DNS_T_TXT, 300, 30, T0), 0);
    const dns_cache_entry_t *e = s_get(c, "www.example.test.", DNS_T_TXT, T0);
    ck_assert_ptr_nonnull(e);
    ck_assert(e->negative);
    ck_assert(!e->nxdomain);
    ck_assert_uint_eq(e->type, DNS_T_TXT);
    ck_assert_uint_eq(e->soa_ttl, 30);
    /* the other types at the name are untouched */
    e = s_get(c, "www.example.test.", DNS_T_A, T0);
    ck_assert(!e->negative);
    ck_assert_uint_eq(e->n, 1);
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_MX, T0));
    /* negative expiry at min(SOA TTL, MINIMUM) = 30 s */
    ck_assert_ptr_nonnull(s_get(c, "www.example.test.", DNS_T_TXT, T0 + 30 * SEC));
    ck_assert_ptr_null(s_get(c, "www.example.test.", DNS_T_TXT, T0 + 31 * SEC));
    ck_assert_ptr_nonnull(s_get(c, "www.example.test.", DNS_T_A, T0 + 31 * SEC));
    dns_cache_destroy(&c);
}
END_TEST

/* ------------------------------------------------------------ ranking (RFC 2181 5.4.1) */

START_TEST(test_ranking)
{
    dns_cache_t *c = dns_cache_new(16);
    const uint32_t auth = LS_IP4(203, 0, 113, 30), glue = LS_IP4(192, 0, 2, 99);
    ck_assert_int_eq(s_put_a(c, "ns1.example.test.", auth, 1, 300, DNS_TRUST_AUTH_ANSWER, T0), 0);
    /* glue and a non-authoritative answer do not replace a live authoritative answer */
    ck_assert_int_eq(s_put_a(c, "ns1.example.test.", glue, 1, 172800, DNS_TRUST_GLUE, T0 + SEC), 1);
    ck_assert_int_eq(s_put_a(c, "ns1.example.test.", glue, 1, 172800, DNS_TRUST_ANSWER, T0 + SEC), 1);
    const dns_cache_entry_t *e = s_get(c, "ns1.example.test.", DNS_T_A, T0 + SEC);
    ck_assert_uint_eq(s_addr(e, 0), auth);
    ck_assert_int_eq(e->trust, DNS_TRUST_AUTH_ANSWER);
    ck_assert_uint_eq(dns_cache_ttl_left(e, T0 + SEC), 299);
    /* the same rank replaces (newer data) */
    ck_assert_int_eq(s_put_a(c, "ns1.example.test.", auth + 1, 1, 600, DNS_TRUST_AUTH_ANSWER, T0 + 2 * SEC), 0);
    ck_assert_uint_eq(s_addr(s_get(c, "ns1.example.test.", DNS_T_A, T0 + 2 * SEC), 0), auth + 1);
    /* once it has expired, glue replaces it */
    uint64_t later = T0 + 2 * SEC + 600 * SEC + 1;
    ck_assert_int_eq(s_put_a(c, "ns1.example.test.", glue, 1, 172800, DNS_TRUST_GLUE, later), 0);
    e = s_get(c, "ns1.example.test.", DNS_T_A, later);
    ck_assert_uint_eq(s_addr(e, 0), glue);
    ck_assert_int_eq(e->trust, DNS_TRUST_GLUE);
    ck_assert_uint_eq(dns_cache_size(c), 1);
    /* and a higher rank replaces live glue */
    ck_assert_int_eq(s_put_a(c, "ns1.example.test.", auth, 1, 300, DNS_TRUST_ANSWER, later), 0);
    e = s_get(c, "ns1.example.test.", DNS_T_A, later);
    ck_assert_int_eq(e->trust, DNS_TRUST_ANSWER);
    ck_assert_uint_eq(s_addr(e, 0), auth);
    /* hints outrank everything */
    ck_assert_int_eq(s_put_a(c, "a.root-servers.test.", LS_IP4(203, 0, 113, 10), 1, 3600000, DNS_TRUST_HINTS, 0), 0);
    ck_assert_int_eq(s_put_a(c, "a.root-servers.test.", glue, 1, 300, DNS_TRUST_AUTH_ANSWER, T0), 1);
    ck_assert_uint_eq(s_addr(s_get(c, "a.root-servers.test.", DNS_T_A, T0), 0), LS_IP4(203, 0, 113, 10));
    dns_cache_destroy(&c);
}
END_TEST

/* ------------------------------------------------------------ LRU, flush, foreach */

START_TEST(test_lru_eviction)
{
    dns_cache_t *c = dns_cache_new(3);
    uint64_t owner_ctr = 0;
    dns_cache_count_evictions(c, &owner_ctr); /* the owner's registry counter follows */
    ck_assert_int_eq(s_put_a(c, "a.test.", 1, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_a(c, "b.test.", 2, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_a(c, "c.test.", 3, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_size(c), 3);
    ck_assert_ptr_nonnull(s_get(c, "a.test.", DNS_T_A, T0)); /* a is now the most recent */
    ck_assert_int_eq(s_put_a(c, "d.test.", 4, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_size(c), 3);
    ck_assert_uint_eq(dns_cache_stats(c)->evicted, 1);
    ck_assert_ptr_null(s_get(c, "b.test.", DNS_T_A, T0)); /* the least recently used went */
    ck_assert_ptr_nonnull(s_get(c, "a.test.", DNS_T_A, T0));
    ck_assert_ptr_nonnull(s_get(c, "c.test.", DNS_T_A, T0));
    ck_assert_ptr_nonnull(s_get(c, "d.test.", DNS_T_A, T0));
    /* replacing an entry is no eviction */
    ck_assert_int_eq(s_put_a(c, "c.test.", 30, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_stats(c)->evicted, 1);
    /* a negative entry counts against the limit too: a (LRU now) goes */
    ck_assert_int_eq(s_put_neg(c, "nope.test.", 0, 300, 30, T0), 0);
    ck_assert_uint_eq(dns_cache_stats(c)->evicted, 2);
    ck_assert_uint_eq(owner_ctr, 2);
    ck_assert_ptr_null(s_get(c, "a.test.", DNS_T_A, T0));
    ck_assert_uint_eq(dns_cache_size(c), 3);
    ck_assert_uint_eq(dns_cache_stats(c)->inserts, 6);
    dns_cache_destroy(&c);

    /* size 1: every new RRset evicts the last */
    c = dns_cache_new(1);
    ck_assert_int_eq(s_put_a(c, "a.test.", 1, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_a(c, "b.test.", 2, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_uint_eq(dns_cache_size(c), 1);
    ck_assert_uint_eq(dns_cache_stats(c)->evicted, 1);
    ck_assert_ptr_nonnull(s_get(c, "b.test.", DNS_T_A, T0));
    dns_cache_destroy(&c);
}
END_TEST

START_TEST(test_flush)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "a.test.", 1, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_neg(c, "nope.test.", 0, 300, 30, T0), 0);
    ck_assert_int_eq(s_put_a(c, "h.test.", 1, 1, 300, DNS_TRUST_HINTS, T0), 0);
    ck_assert_uint_eq(dns_cache_size(c), 3);
    dns_cache_flush(c);
    ck_assert_uint_eq(dns_cache_size(c), 0);
    ck_assert_ptr_null(s_get(c, "a.test.", DNS_T_A, T0));
    ck_assert_ptr_null(s_get(c, "nope.test.", DNS_T_A, T0));
    ck_assert_ptr_null(s_get(c, "h.test.", DNS_T_A, T0));
    /* usable again afterwards */
    ck_assert_int_eq(s_put_a(c, "a.test.", 1, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_ptr_nonnull(s_get(c, "a.test.", DNS_T_A, T0));
    dns_cache_flush(c);
    dns_cache_destroy(&c);
}
END_TEST

typedef struct {
    char names[8][DNS_NAME_TEXT_MAX];
    size_t n;
} s_seen_t;

static void s_visit(const dns_cache_entry_t *e, void *arg)
{
    s_seen_t *s = arg;
    ck_assert_uint_lt(s->n, 8);
    dns_name_to_text(&e->name, s->names[s->n++], DNS_NAME_TEXT_MAX);
}

START_TEST(test_foreach_most_recent_first)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_a(c, "a.test.", 1, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_a(c, "b.test.", 2, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_a(c, "c.test.", 3, 1, 300, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_int_eq(s_put_a(c, "short.test.", 4, 1, 10, DNS_TRUST_ANSWER, T0), 0);
    ck_assert_ptr_nonnull(s_get(c, "a.test.", DNS_T_A, T0));
    s_seen_t s = {.n = 0};
    dns_cache_foreach(c, T0, s_visit, &s);
    ck_assert_uint_eq(s.n, 4);
    ck_assert_str_eq(s.names[0], "a.test.");
    ck_assert_str_eq(s.names[1], "short.test.");
    ck_assert_str_eq(s.names[2], "c.test.");
    ck_assert_str_eq(s.names[3], "b.test.");
    /* expired entries are not visited (and foreach does not remove them) */
    s.n = 0;
    dns_cache_foreach(c, T0 + 11 * SEC, s_visit, &s);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_str_eq(s.names[0], "a.test.");
    ck_assert_str_eq(s.names[1], "c.test.");
    ck_assert_str_eq(s.names[2], "b.test.");
    ck_assert_uint_eq(dns_cache_size(c), 4);
    dns_cache_destroy(&c);
}
END_TEST

/* ------------------------------------------------------------ dns_cache_chain */

/* docs -> web -> www (A www: two addresses), stored at T0. */
static dns_cache_t *s_chain_cache(void)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_cname(c, "docs.example.test.", "web.example.test.", 100, T0), 0);
    ck_assert_int_eq(s_put_cname(c, "web.example.test.", "www.example.test.", 200, T0), 0);
    ck_assert_int_eq(s_put_a(c, "www.example.test.", LS_IP4(198, 51, 100, 10), 2, 300, DNS_TRUST_AUTH_ANSWER, T0), 0);
    return c;
}

static void s_rr_is(const dns_msg_t *m, const dns_rr_t *rr, const char *name, uint16_t type, uint32_t ttl,
                    const char *target_or_addr)
{
    char nt[DNS_NAME_TEXT_MAX], rt[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&rr->name, nt, sizeof nt), name);
    ck_assert_uint_eq(rr->type, type);
    ck_assert_uint_eq(rr->rclass, DNS_C_IN);
    ck_assert_uint_eq(rr->ttl, ttl);
    if (target_or_addr)
        ck_assert_str_eq(dns_rdata_to_text(type, dns_rr_rdata(m, rr), rr->rdlen, rt, sizeof rt), target_or_addr);
}

START_TEST(test_chain_follows_two_cnames)
{
    dns_cache_t *c = s_chain_cache();
    dns_msg_t *out = calloc(1, sizeof *out);
    dns_name_t docs = s_n("docs.example.test."), www = s_n("www.example.test.");
    dns_msg_init_query(out, 0, &docs, DNS_T_A, true);
    dns_cache_chain_t res;
    dns_cache_chain(c, &docs, DNS_T_A, DNS_C_IN, 8, T0 + 10 * SEC, out, &res);
    ck_assert_ptr_nonnull(res.fin);
    ck_assert_uint_eq(res.fin->type, DNS_T_A);
    ck_assert(dns_name_eq(&res.end, &www));
    ck_assert_uint_eq(res.ncname, 2);
    ck_assert(!res.too_long);
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 4);
    ck_assert_uint_eq(out->count[DNS_SEC_AUTHORITY], 0);
    ck_assert_uint_eq(out->count[DNS_SEC_ADDITIONAL], 0);
    const dns_rr_t *rr = dns_msg_section_c(out, DNS_SEC_ANSWER);
    s_rr_is(out, &rr[0], "docs.example.test.", DNS_T_CNAME, 90, "web.example.test.");
    s_rr_is(out, &rr[1], "web.example.test.", DNS_T_CNAME, 190, "www.example.test.");
    s_rr_is(out, &rr[2], "www.example.test.", DNS_T_A, 290, "198.51.100.10");
    s_rr_is(out, &rr[3], "www.example.test.", DNS_T_A, 290, "198.51.100.11");
    /* without out: the same result, nothing appended */
    dns_cache_chain(c, &docs, DNS_T_A, DNS_C_IN, 8, T0 + 10 * SEC, NULL, &res);
    ck_assert_ptr_nonnull(res.fin);
    ck_assert_uint_eq(res.ncname, 2);
    /* asking for the CNAME itself does not follow it */
    dns_msg_init_query(out, 0, &docs, DNS_T_CNAME, true);
    dns_cache_chain(c, &docs, DNS_T_CNAME, DNS_C_IN, 8, T0, out, &res);
    ck_assert_ptr_nonnull(res.fin);
    ck_assert_uint_eq(res.ncname, 0);
    ck_assert(dns_name_eq(&res.end, &docs));
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 1);
    s_rr_is(out, dns_msg_section_c(out, DNS_SEC_ANSWER), "docs.example.test.", DNS_T_CNAME, 100, "web.example.test.");
    /* once the first link expires the chain is a miss at docs */
    dns_msg_init_query(out, 0, &docs, DNS_T_A, true);
    dns_cache_chain(c, &docs, DNS_T_A, DNS_C_IN, 8, T0 + 101 * SEC, out, &res);
    ck_assert_ptr_null(res.fin);
    ck_assert(dns_name_eq(&res.end, &docs));
    ck_assert_uint_eq(res.ncname, 0);
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 0);
    free(out);
    dns_cache_destroy(&c);
}
END_TEST

START_TEST(test_chain_cut_at_max_cname)
{
    dns_cache_t *c = s_chain_cache();
    dns_msg_t *out = calloc(1, sizeof *out);
    dns_name_t docs = s_n("docs.example.test."), web = s_n("web.example.test.");
    dns_msg_init_query(out, 0, &docs, DNS_T_A, true);
    dns_cache_chain_t res;
    dns_cache_chain(c, &docs, DNS_T_A, DNS_C_IN, 1, T0, out, &res);
    ck_assert(res.too_long);
    ck_assert_ptr_null(res.fin);
    ck_assert_uint_eq(res.ncname, 1);
    ck_assert(dns_name_eq(&res.end, &web));
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 1);
    s_rr_is(out, dns_msg_section_c(out, DNS_SEC_ANSWER), "docs.example.test.", DNS_T_CNAME, 100, "web.example.test.");
    /* max 0: not even the first */
    dns_cache_chain(c, &docs, DNS_T_A, DNS_C_IN, 0, T0, NULL, &res);
    ck_assert(res.too_long);
    ck_assert_uint_eq(res.ncname, 0);
    /* exactly max: fine */
    dns_cache_chain(c, &docs, DNS_T_A, DNS_C_IN, 2, T0, NULL, &res);
    ck_assert(!res.too_long);
    ck_assert_ptr_nonnull(res.fin);
    /* a CNAME loop is cut too */
    ck_assert_int_eq(s_put_cname(c, "l1.example.test.", "l2.example.test.", 300, T0), 0);
    ck_assert_int_eq(s_put_cname(c, "l2.example.test.", "l1.example.test.", 300, T0), 0);
    dns_name_t l1 = s_n("l1.example.test.");
    dns_cache_chain(c, &l1, DNS_T_A, DNS_C_IN, 8, T0, NULL, &res);
    ck_assert(res.too_long);
    ck_assert_uint_eq(res.ncname, 8);
    free(out);
    dns_cache_destroy(&c);
}
END_TEST

START_TEST(test_chain_ends_in_negative)
{
    dns_cache_t *c = dns_cache_new(16);
    ck_assert_int_eq(s_put_cname(c, "old.example.test.", "gone.example.test.", 300, T0), 0);
    ck_assert_int_eq(s_put_neg(c, "gone.example.test.", 0, 300, 30, T0), 0);
    dns_msg_t *out = calloc(1, sizeof *out);
    dns_name_t old = s_n("old.example.test."), gone = s_n("gone.example.test.");
    dns_msg_init_query(out, 0, &old, DNS_T_A, true);
    dns_cache_chain_t res;
    dns_cache_chain(c, &old, DNS_T_A, DNS_C_IN, 8, T0 + 5 * SEC, out, &res);
    ck_assert_ptr_nonnull(res.fin);
    ck_assert(res.fin->negative);
    ck_assert(res.fin->nxdomain);
    ck_assert(dns_name_eq(&res.end, &gone));
    ck_assert_uint_eq(res.ncname, 1);
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 1);
    ck_assert_uint_eq(out->count[DNS_SEC_AUTHORITY], 1);
    const dns_rr_t *rr = out->rr;
    s_rr_is(out, &rr[0], "old.example.test.", DNS_T_CNAME, 295, "gone.example.test.");
    s_rr_is(out, &rr[1], "example.test.", DNS_T_SOA, 25, NULL);
    dns_soa_t soa;
    ck_assert_int_eq(dns_rdata_soa(dns_rr_rdata(out, &rr[1]), rr[1].rdlen, &soa), 0);
    ck_assert_uint_eq(soa.minimum, 30);
    /* NODATA at the end of a chain: the same shape */
    ck_assert_int_eq(s_put_cname(c, "alias.example.test.", "www.example.test.", 300, T0), 0);
    ck_assert_int_eq(s_put_neg(c, "www.example.test.", DNS_T_TXT, 20, 30, T0), 0);
    dns_name_t alias = s_n("alias.example.test.");
    dns_msg_init_query(out, 0, &alias, DNS_T_TXT, true);
    dns_cache_chain(c, &alias, DNS_T_TXT, DNS_C_IN, 8, T0, out, &res);
    ck_assert(res.fin && res.fin->negative && !res.fin->nxdomain);
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 1);
    ck_assert_uint_eq(out->count[DNS_SEC_AUTHORITY], 1);
    s_rr_is(out, &out->rr[1], "example.test.", DNS_T_SOA, 20, NULL);
    /* a miss after the chain: fin NULL, end where it stopped, CNAMEs appended */
    ck_assert_int_eq(s_put_cname(c, "x.example.test.", "y.example.test.", 300, T0), 0);
    dns_name_t x = s_n("x.example.test."), y = s_n("y.example.test.");
    dns_msg_init_query(out, 0, &x, DNS_T_A, true);
    dns_cache_chain(c, &x, DNS_T_A, DNS_C_IN, 8, T0, out, &res);
    ck_assert_ptr_null(res.fin);
    ck_assert(dns_name_eq(&res.end, &y));
    ck_assert_uint_eq(res.ncname, 1);
    ck_assert(!res.too_long);
    ck_assert_uint_eq(out->count[DNS_SEC_ANSWER], 1);
    free(out);
    dns_cache_destroy(&c);
}
END_TEST

Suite *dns_cache_suite(void)
{
    Suite *s = suite_create("dns_cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_put_get);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_ttl_counts_down_and_expires_at_boundary);
    tcase_add_test(tc, test_ttl_zero_live_only_at_its_instant);
    tcase_add_test(tc, test_ttl_capped_at_a_week);
    tcase_add_test(tc, test_negative_nxdomain_covers_every_type);
    tcase_add_test(tc, test_negative_nodata_one_type);
    tcase_add_test(tc, test_ranking);
    tcase_add_test(tc, test_lru_eviction);
    tcase_add_test(tc, test_flush);
    tcase_add_test(tc, test_foreach_most_recent_first);
    tcase_add_test(tc, test_chain_follows_two_cnames);
    tcase_add_test(tc, test_chain_cut_at_max_cname);
    tcase_add_test(tc, test_chain_ends_in_negative);
    suite_add_tcase(s, tc);
    return s;
}
