/*
 * dnsprint.h -- a DNS message printed the way BIND's dig and host -v print
 * it: the ->>HEADER<<- line, the flags line, the OPT pseudosection and the
 * sections with their ";; ... SECTION:" titles.
 *
 * Call chain: apps/dig.c, apps/host.c -> dnsp_header, dnsp_sections.
 */
#ifndef LS_DNSPRINT_H
#define LS_DNSPRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "wire/dns.h"

typedef struct {
    bool comments;   /* section titles and the header lines (dig +comments) */
    bool question, answer, authority, additional;
    bool opt;        /* the OPT pseudosection */
} dnsp_opts_t;

dnsp_opts_t dnsp_all(void);
/* ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 40235" and
 * ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1";
 * warn_ra adds dig's "recursion requested but not available" warning. */
void dnsp_header(FILE *f, const dns_msg_t *m, bool warn_ra);
/* The OPT pseudosection and the sections, with a blank line after each. */
void dnsp_sections(FILE *f, const dns_msg_t *m, const dnsp_opts_t *o);
/* "mail is handled by 10 mail.example.test." style text of host(1) for one record. */
void dnsp_host_line(FILE *f, const dns_msg_t *m, const dns_rr_t *rr);

#endif
