/*
 * resptype.h -- what an upstream response says about a question, read
 * from its sections (Unbound's iterator/iter_resptype.c): does it answer
 * (the name has the type or a CNAME), where its CNAME chain leads, is it
 * a referral below the zone asked (RFC 1034 5.3.3 step 4), and which SOA
 * a negative answer carries (RFC 2308 2). Pure functions of a parsed
 * message; the resolver decides what to do.
 *
 * Call chain: resolver.c s_resp -> resptype_answers | resptype_referral |
 * resptype_chain_end + resptype_soa (NXDOMAIN, NODATA).
 */
#ifndef LS_RESPTYPE_H
#define LS_RESPTYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/dns.h"

/* The answer section has name with type, or a CNAME at name. */
bool resptype_answers(const dns_msg_t *m, const dns_name_t *name, uint16_t type);
/* Where the answer section's CNAME chain from `from` leads (from itself if none). */
void resptype_chain_end(const dns_msg_t *m, const dns_name_t *from, dns_name_t *out);
/* The NS set of a referral: authority NS records whose owner is at or
 * above qname and strictly below zone; *cut is their owner. */
bool resptype_referral(const dns_msg_t *m, const dns_name_t *zone, const dns_name_t *qname, dns_name_t *cut);
/* The SOA of a negative answer: in authority, at or below zone (the
 * server's bailiwick), at or above name. NULL if none. */
const dns_rr_t *resptype_soa(const dns_msg_t *m, const dns_name_t *zone, const dns_name_t *name);

#endif
