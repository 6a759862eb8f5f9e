/*
 * resptype.c -- reading an upstream response's sections (see resptype.h).
 *
 * Call chain: resolver.c s_resp -> the functions below, each one pass over
 * one section of the parsed message (dns_msg_section_c).
 */
#include "dns-svc/resptype.h"

#define RESPTYPE_MAX_HOPS 16 /* CNAMEs followed inside one answer */

bool resptype_answers(const dns_msg_t *m, const dns_name_t *name, uint16_t type)
{
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_ANSWER);
    for (size_t i = 0; i < m->count[DNS_SEC_ANSWER]; i++)
        if (dns_name_eq(&rr[i].name, name) && (rr[i].type == type || rr[i].type == DNS_T_CNAME))
            return true;
    return false;
}

void resptype_chain_end(const dns_msg_t *m, const dns_name_t *from, dns_name_t *out)
{
    *out = *from;
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_ANSWER);
    for (int hops = 0; hops < RESPTYPE_MAX_HOPS; hops++) {
        bool moved = false;
        for (size_t i = 0; i < m->count[DNS_SEC_ANSWER] && !moved; i++)
            if (rr[i].type == DNS_T_CNAME && dns_name_eq(&rr[i].name, out) &&
                dns_rdata_name(dns_rr_rdata(m, &rr[i]), rr[i].rdlen, out) == 0)
                moved = true;
        if (!moved)
            return;
    }
}

bool resptype_referral(const dns_msg_t *m, const dns_name_t *zone, const dns_name_t *qname, dns_name_t *cut)
{
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_AUTHORITY);
    for (size_t i = 0; i < m->count[DNS_SEC_AUTHORITY]; i++)
        if (rr[i].type == DNS_T_NS && dns_name_is_sub(qname, &rr[i].name)) {
            *cut = rr[i].name;
            return dns_name_is_sub(cut, zone) && !dns_name_eq(cut, zone);
        }
    return false;
}

const dns_rr_t *resptype_soa(const dns_msg_t *m, const dns_name_t *zone, const dns_name_t *name)
{
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_AUTHORITY);
    for (size_t i = 0; i < m->count[DNS_SEC_AUTHORITY]; i++)
        if (rr[i].type == DNS_T_SOA && dns_name_is_sub(&rr[i].name, zone) && dns_name_is_sub(name, &rr[i].name))
            return &rr[i];
    return NULL;
}
