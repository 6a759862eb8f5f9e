/*
 * auth.h -- the authoritative server's answer to one query from the zones
 * it serves (RFC 1034 4.3.2), pure: a parsed query in, a response out.
 *
 *   answer     AA=1, the RRset; a CNAME at the name is followed inside
 *              the zone (the chain in the answer section)
 *   referral   AA=0, the child's NS set in authority, glue (addresses of
 *              NS names at or below the cut) in additional
 *   NXDOMAIN / NODATA   AA=1, the SOA in authority, its TTL the minimum of
 *              the SOA TTL and MINIMUM (RFC 2308 3)
 *   REFUSED    a name in none of the zones (and no recursion here)
 *   FORMERR / NOTIMP / BADVERS for malformed questions, other opcodes,
 *              EDNS versions above 0 (RFC 6891 6.1.3)
 * Additional-section processing adds the in-zone addresses of NS and MX
 * targets (RFC 1035 3.3.9, 4.3.2 step 6).
 *
 * Call chain: dsvc.c (a query on port 53, UDP or TCP) -> auth_answer ->
 * dns_emit by the caller (TC=1 when it does not fit the client's size).
 */
#ifndef LS_AUTH_H
#define LS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "dns-svc/zone.h"
#include "wire/dns.h"

typedef enum {
    AUTH_NOT_OURS = 0,  /* no zone covers the name: resp untouched */
    AUTH_ANSWER,
    AUTH_REFERRAL,
    AUTH_NXDOMAIN,
    AUTH_NODATA,
    AUTH_ERROR,         /* FORMERR, NOTIMP, REFUSED (class), BADVERS: resp filled */
} auth_kind_t;

/* The zone of zones[] with the longest origin at or above name, or NULL. */
const zone_t *auth_zone_for(const zone_t *const *zones, size_t nzones, const dns_name_t *name);
/* Answer q. resp is filled (id, question, flags, sections, EDNS if q had
 * it) unless AUTH_NOT_OURS. what: a one-line account for the log
 * ("zone example.test.: www.example.test. A: 1 record"). */
auth_kind_t auth_answer(const zone_t *const *zones, size_t nzones, const dns_msg_t *q, dns_msg_t *resp, char *what,
                        size_t cap);
/* A response with only rcode (FORMERR to a message that does not parse,
 * REFUSED, SERVFAIL): header and question of q, EDNS if q had it. */
void auth_error(const dns_msg_t *q, uint16_t rcode, dns_msg_t *resp);

#endif
