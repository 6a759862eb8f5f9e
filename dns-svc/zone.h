/*
 * zone.h -- RFC 1035 5 master files: load, validate, look up.
 *
 * Call chain: dns-svc/main.c (the authoritative role, one zone_load per
 * file named in the topology's `dns: zones:`; the recursive role loads its
 * root hints with the same parser) -> auth.c answers from zone_find /
 * zone_cut / zone_name_exists. Loading is all or nothing: any error gives
 * NULL and one line "FILE:LINE: reason", and dns-svc refuses to start.
 *
 * Supported: $ORIGIN, $TTL, "@", relative and absolute owner names, a
 * blank owner (the previous owner), TTL and class in either order, TTLs
 * with BIND units (1w2d3h4m5s), parentheses across lines, ';' comments,
 * quoted strings with \" \\ \DDD escapes; types A, AAAA, NS, CNAME, SOA,
 * PTR, MX, TXT, and any type in RFC 3597 generic form (TYPE65280 \# 2 abcd).
 * Rejected with a reason: $INCLUDE and $GENERATE, classes other than IN,
 * wildcard owners, names outside the origin, a CNAME beside other data
 * (RFC 1034 3.6.2), no SOA or a second SOA, no NS at the apex, a record
 * with no TTL known, malformed RDATA.
 */
#ifndef LS_ZONE_H
#define LS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dns.h"

typedef struct {
    dns_name_t name;
    uint16_t type, rclass;
    uint32_t ttl;
    uint16_t rdlen;
    uint8_t *rdata;              /* uncompressed wire form, owned by the zone */
    int line;                    /* where it was defined */
} zone_rr_t;

typedef struct {
    char path[256];              /* as loaded (or the label of zone_load_buf) */
    dns_name_t origin;           /* the apex */
    zone_rr_t *rr;               /* sorted: canonical name order (RFC 4034 6.1), then type */
    size_t nrr;
    uint32_t serial;             /* from the SOA */
} zone_t;

/* origin: the initial $ORIGIN (NULL: the file must set $ORIGIN before its
 * first relative name). NULL on error, with "FILE:LINE: reason" in err. */
zone_t *zone_load(const char *path, const dns_name_t *origin, char *err, size_t errlen);
zone_t *zone_load_buf(const char *label, const char *text, size_t len, const dns_name_t *origin, char *err,
                      size_t errlen);
/* Root hints (a master file fragment: NS records for "." and the addresses
 * of those servers, no SOA required). Same errors as zone_load. */
zone_t *zone_load_hints(const char *path, char *err, size_t errlen);
void zone_destroy(zone_t **self_p);

/* The records of (name, type), contiguous in z->rr: count, *first set.
 * type DNS_T_ANY: every record at name. 0 when none. */
size_t zone_find(const zone_t *z, const dns_name_t *name, uint16_t type, const zone_rr_t **first);
/* name has records, or is an empty non-terminal (a name with descendants
 * but no records of its own: NODATA, not NXDOMAIN, RFC 8020). */
bool zone_name_exists(const zone_t *z, const dns_name_t *name);
/* The delegation strictly below the apex at or above name (an NS set at
 * a name other than the origin), the one closest to the apex: data below
 * it belongs to the child zone (RFC 1034 4.3.2 step 3b). Count of its NS
 * records, *first and *cut set; 0 when name is not under a delegation. */
size_t zone_cut(const zone_t *z, const dns_name_t *name, const zone_rr_t **first, dns_name_t *cut);
/* The apex SOA (always present in a loaded zone; NULL for root hints). */
const zone_rr_t *zone_soa(const zone_t *z);

#endif
