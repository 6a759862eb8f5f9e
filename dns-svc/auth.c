/*
 * auth.c -- authoritative answers from loaded zones (see auth.h).
 *
 * Call chain: auth_answer -> s_check (opcode, question count, class, EDNS
 * version) -> auth_zone_for (the closest enclosing zone) -> RFC 1034 4.3.2
 * step 3: zone_cut (a delegation at or above the name: s_referral) |
 * zone_find (the RRset: s_add_rrs, s_additional) | a CNAME (follow it inside
 * the zone) | zone_name_exists (NODATA or NXDOMAIN: s_negative).
 */
#include "dns-svc/auth.h"

#include <stdio.h>
#include <string.h>

#define AUTH_MAX_CHAIN 8

const zone_t *auth_zone_for(const zone_t *const *zones, size_t nzones, const dns_name_t *name)
{
    const zone_t *best = NULL;
    for (size_t i = 0; i < nzones; i++)
        if (dns_name_is_sub(name, &zones[i]->origin) && (!best || zones[i]->origin.len > best->origin.len))
            best = zones[i];
    return best;
}

void auth_error(const dns_msg_t *q, uint16_t rcode, dns_msg_t *resp)
{
    dns_msg_init_response(resp, q);
    resp->rcode = rcode;
    if (q->edns)
        dns_msg_set_edns(resp, DNS_EDNS_SIZE);
}

static void s_add_rrs(dns_msg_t *m, dns_section_t sec, const zone_rr_t *rr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dns_msg_add(m, sec, &rr[i].name, rr[i].type, rr[i].rclass, rr[i].ttl, rr[i].rdata, rr[i].rdlen);
}

static bool s_in_section(const dns_msg_t *m, dns_section_t sec, const dns_name_t *name, uint16_t type)
{
    const dns_rr_t *rr = dns_msg_section_c(m, sec);
    for (size_t i = 0; i < m->count[sec]; i++)
        if (rr[i].type == type && dns_name_eq(&rr[i].name, name))
            return true;
    return false;
}

/* Addresses of a target name, if this zone has them (glue included). */
static void s_add_addrs(const zone_t *z, dns_msg_t *m, const dns_name_t *target)
{
    static const uint16_t types[] = {DNS_T_A, DNS_T_AAAA};
    for (size_t t = 0; t < 2; t++) {
        const zone_rr_t *first;
        size_t n = zone_find(z, target, types[t], &first);
        if (n && !s_in_section(m, DNS_SEC_ADDITIONAL, target, types[t]) &&
            !s_in_section(m, DNS_SEC_ANSWER, target, types[t]))
            s_add_rrs(m, DNS_SEC_ADDITIONAL, first, n);
    }
}

/* RFC 1035 4.3.2 step 6: addresses of the NS / MX targets of what was added. */
static void s_additional(const zone_t *z, dns_msg_t *m, const zone_rr_t *rr, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dns_name_t target;
        uint16_t pref;
        if (rr[i].type == DNS_T_NS && dns_rdata_name(rr[i].rdata, rr[i].rdlen, &target) == 0)
            s_add_addrs(z, m, &target);
        else if (rr[i].type == DNS_T_MX && dns_rdata_mx(rr[i].rdata, rr[i].rdlen, &pref, &target) == 0)
            s_add_addrs(z, m, &target);
    }
}

/* RFC 2308 3: the SOA in authority, TTL = min(SOA TTL, MINIMUM). */
static void s_negative(const zone_t *z, dns_msg_t *m)
{
    const zone_rr_t *soa = zone_soa(z);
    dns_soa_t s;
    if (!soa || dns_rdata_soa(soa->rdata, soa->rdlen, &s) < 0)
        return;
    uint32_t ttl = soa->ttl < s.minimum ? soa->ttl : s.minimum;
    dns_msg_add(m, DNS_SEC_AUTHORITY, &soa->name, DNS_T_SOA, soa->rclass, ttl, soa->rdata, soa->rdlen);
}

auth_kind_t auth_answer(const zone_t *const *zones, size_t nzones, const dns_msg_t *q, dns_msg_t *resp, char *what,
                        size_t cap)
{
    char zt[DNS_NAME_TEXT_MAX], nt[DNS_NAME_TEXT_MAX], ty[16];
    if (q->opcode != DNS_OP_QUERY) {
        auth_error(q, DNS_RCODE_NOTIMP, resp);
        snprintf(what, cap, "opcode %u not implemented", q->opcode);
        return AUTH_ERROR;
    }
    if (q->qdcount != 1) {
        /* RFC 9619: exactly one question */
        auth_error(q, DNS_RCODE_FORMERR, resp);
        snprintf(what, cap, "%zu questions (one expected)", q->qdcount);
        return AUTH_ERROR;
    }
    if (q->edns && q->edns_version > 0) {
        auth_error(q, DNS_RCODE_BADVERS, resp); /* RFC 6891 6.1.3 */
        snprintf(what, cap, "EDNS version %u not supported", q->edns_version);
        return AUTH_ERROR;
    }
    const dns_question_t *qd = &q->qd[0];
    const zone_t *z = auth_zone_for(zones, nzones, &qd->name);
    if (!z)
        return AUTH_NOT_OURS;
    dns_name_to_text(&z->origin, zt, sizeof zt);
    if (qd->qclass != DNS_C_IN && qd->qclass != DNS_C_ANY) {
        auth_error(q, DNS_RCODE_REFUSED, resp);
        snprintf(what, cap, "zone %s: class %u is not served", zt, qd->qclass);
        return AUTH_ERROR;
    }
    dns_msg_init_response(resp, q);
    resp->ra = false;
    if (q->edns)
        dns_msg_set_edns(resp, DNS_EDNS_SIZE);
    dns_type_to_text(qd->qtype, ty);
    dns_name_t name = qd->name;
    for (int chain = 0;; chain++) {
        dns_name_to_text(&name, nt, sizeof nt);
        const zone_rr_t *first;
        dns_name_t cut;
        size_t n = zone_cut(z, &name, &first, &cut);
        if (n) {
            if (chain > 0) { /* a CNAME led into a delegated part: the resolver goes on from here */
                resp->aa = true;
                snprintf(what, cap, "zone %s: CNAME chain of %d into the delegation of %s", zt, chain, nt);
                return AUTH_ANSWER;
            }
            s_add_rrs(resp, DNS_SEC_AUTHORITY, first, n);
            s_additional(z, resp, first, n);
            char ct[DNS_NAME_TEXT_MAX];
            snprintf(what, cap, "zone %s: %s %s: referral to %s (%zu NS, %zu glue)", zt, nt, ty,
                     dns_name_to_text(&cut, ct, sizeof ct), n, resp->count[DNS_SEC_ADDITIONAL]);
            return AUTH_REFERRAL;
        }
        resp->aa = true;
        n = zone_find(z, &name, qd->qtype == DNS_T_ANY ? DNS_T_ANY : qd->qtype, &first);
        if (n) {
            s_add_rrs(resp, DNS_SEC_ANSWER, first, n);
            s_additional(z, resp, first, n);
            snprintf(what, cap, "zone %s: %s %s: %zu record(s)%s", zt, nt, ty, n, chain ? " after a CNAME chain" : "");
            return AUTH_ANSWER;
        }
        const zone_rr_t *cn;
        if (qd->qtype != DNS_T_CNAME && zone_find(z, &name, DNS_T_CNAME, &cn) == 1) {
            s_add_rrs(resp, DNS_SEC_ANSWER, cn, 1);
            dns_name_t target;
            if (dns_rdata_name(cn->rdata, cn->rdlen, &target) < 0 || chain + 1 >= AUTH_MAX_CHAIN ||
                !dns_name_is_sub(&target, &z->origin)) {
                snprintf(what, cap, "zone %s: %s is a CNAME out of the zone", zt, nt);
                return AUTH_ANSWER; /* RFC 1034 4.3.2 3.a: the resolver follows it */
            }
            name = target;
            continue;
        }
        bool exists = zone_name_exists(z, &name);
        resp->rcode = exists ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
        s_negative(z, resp);
        snprintf(what, cap, "zone %s: %s %s: %s", zt, nt, ty, exists ? "no such type (NODATA)" : "no such name (NXDOMAIN)");
        return exists ? AUTH_NODATA : AUTH_NXDOMAIN;
    }
}
