/*
 * dnsprint.c -- dig/host presentation of DNS messages (see dnsprint.h).
 *
 * Call chain: dnsp_sections -> s_section (one ";; NAME SECTION:" block per
 * non-empty section, one record a line: owner, TTL, class, type, RDATA); dnsp_host_line ->
 * the record's type decides the phrase host(1) uses.
 */
#include "apps/lib/dnsprint.h"

#include <string.h>

dnsp_opts_t dnsp_all(void)
{
    return (dnsp_opts_t){.comments = true, .question = true, .answer = true, .authority = true, .additional = true,
                         .opt = true};
}

void dnsp_header(FILE *f, const dns_msg_t *m, bool warn_ra)
{
    char rc[16];
    static const char *const ops[] = {"QUERY", "IQUERY", "STATUS", "RESERVED3", "NOTIFY", "UPDATE"};
    fprintf(f, ";; ->>HEADER<<- opcode: %s, status: %s, id: %u\n", m->opcode < 6 ? ops[m->opcode] : "RESERVED",
            dns_rcode_to_text(m->rcode, rc), m->id);
    fprintf(f, ";; flags:%s%s%s%s%s%s%s; QUERY: %zu, ANSWER: %zu, AUTHORITY: %zu, ADDITIONAL: %zu\n",
            m->qr ? " qr" : "", m->aa ? " aa" : "", m->tc ? " tc" : "", m->rd ? " rd" : "", m->ra ? " ra" : "",
            m->ad ? " ad" : "", m->cd ? " cd" : "", m->qdcount, m->count[DNS_SEC_ANSWER],
            m->count[DNS_SEC_AUTHORITY], m->count[DNS_SEC_ADDITIONAL] + (m->edns ? 1 : 0));
    if (warn_ra && m->rd && !m->ra)
        fprintf(f, ";; WARNING: recursion requested but not available\n");
    fputc('\n', f);
}

static void s_rr(FILE *f, const dns_msg_t *m, const dns_rr_t *rr)
{
    char name[DNS_NAME_TEXT_MAX], cls[16], type[16], rd[1200];
    fprintf(f, "%s\t%u\t%s\t%s\t%s\n", dns_name_to_text(&rr->name, name, sizeof name), rr->ttl,
            dns_class_to_text(rr->rclass, cls), dns_type_to_text(rr->type, type),
            dns_rdata_to_text(rr->type, dns_rr_rdata(m, rr), rr->rdlen, rd, sizeof rd));
}

static void s_section(FILE *f, const dns_msg_t *m, dns_section_t sec, const char *title, const dnsp_opts_t *o)
{
    if (!m->count[sec])
        return;
    if (o->comments)
        fprintf(f, ";; %s SECTION:\n", title);
    const dns_rr_t *rr = dns_msg_section_c(m, sec);
    for (size_t i = 0; i < m->count[sec]; i++)
        s_rr(f, m, &rr[i]);
    if (o->comments)
        fputc('\n', f);
}

void dnsp_sections(FILE *f, const dns_msg_t *m, const dnsp_opts_t *o)
{
    if (m->edns && o->opt && o->comments) {
        fprintf(f, ";; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s; udp: %u\n", m->edns_version,
                m->edns_do ? " do" : "", m->edns_udp_size);
    }
    if (o->question && m->qdcount) {
        if (o->comments)
            fprintf(f, ";; QUESTION SECTION:\n");
        for (size_t i = 0; i < m->qdcount; i++) {
            char name[DNS_NAME_TEXT_MAX], cls[16], type[16];
            fprintf(f, ";%s\t\t%s\t%s\n", dns_name_to_text(&m->qd[i].name, name, sizeof name),
                    dns_class_to_text(m->qd[i].qclass, cls), dns_type_to_text(m->qd[i].qtype, type));
        }
        if (o->comments)
            fputc('\n', f);
    }
    if (o->answer)
        s_section(f, m, DNS_SEC_ANSWER, "ANSWER", o);
    if (o->authority)
        s_section(f, m, DNS_SEC_AUTHORITY, "AUTHORITY", o);
    if (o->additional)
        s_section(f, m, DNS_SEC_ADDITIONAL, "ADDITIONAL", o);
}

void dnsp_host_line(FILE *f, const dns_msg_t *m, const dns_rr_t *rr)
{
    char owner[DNS_NAME_TEXT_MAX], rd[1200], type[16];
    dns_name_to_text(&rr->name, owner, sizeof owner);
    size_t l = strlen(owner);
    if (l > 1 && owner[l - 1] == '.')
        owner[l - 1] = '\0'; /* host prints owners without the final dot */
    dns_rdata_to_text(rr->type, dns_rr_rdata(m, rr), rr->rdlen, rd, sizeof rd);
    switch (rr->type) {
    case DNS_T_A: fprintf(f, "%s has address %s\n", owner, rd); break;
    case DNS_T_AAAA: fprintf(f, "%s has IPv6 address %s\n", owner, rd); break;
    case DNS_T_MX: fprintf(f, "%s mail is handled by %s\n", owner, rd); break;
    case DNS_T_NS: fprintf(f, "%s name server %s\n", owner, rd); break;
    case DNS_T_CNAME: fprintf(f, "%s is an alias for %s\n", owner, rd); break;
    case DNS_T_PTR: fprintf(f, "%s domain name pointer %s\n", owner, rd); break;
    case DNS_T_TXT: fprintf(f, "%s descriptive text %s\n", owner, rd); break;
    case DNS_T_SOA: fprintf(f, "%s has SOA record %s\n", owner, rd); break;
    default: fprintf(f, "%s has %s record %s\n", owner, dns_type_to_text(rr->type, type), rd); break;
    }
}
