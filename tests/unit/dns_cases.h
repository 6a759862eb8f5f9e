/*
 * dns_cases.h -- shared pieces of the dns check suite (test_dns.c):
 * the test cases kept in their own files, and the helpers they share.
 *
 * Call chain: test_dns.c dns_suite() -> dns_reject_tcase() (dns_cases_reject.c:
 * malformed messages), dns_text_tcase() (dns_cases_text.c: names,
 * presentation, summary) and dns_bind_tcase() (dns_cases_bind.c: the
 * messages captured from BIND's dig and NSD under tests/fixtures/dns/);
 * dns_cases.c holds the helpers below.
 */
#ifndef LS_TEST_DNS_CASES_H
#define LS_TEST_DNS_CASES_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dns.h"

TCase *dns_reject_tcase(void);
TCase *dns_text_tcase(void);
TCase *dns_bind_tcase(void);

/* Two messages on the heap (a dns_msg_t is ~140 KiB), set up and freed by
 * dns_cases_setup/teardown as a checked fixture. */
extern dns_msg_t *dns_t_m, *dns_t_m2;
void dns_cases_setup(void);
void dns_cases_teardown(void);

/* The header fields, questions, records (RDATA compared byte for byte) and
 * EDNS fields of a and b are the same. */
bool dns_cases_msg_eq(const dns_msg_t *a, const dns_msg_t *b);
/* A name from text, asserting it parses. */
dns_name_t dns_cases_name(const char *text);
/* A 12-byte header (RFC 1035 4.1.1) at b. */
void dns_cases_hdr(uint8_t *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar);
/* b parses (into dns_t_m2) and emits back to exactly the same bytes. */
void dns_cases_reemit_exact(const uint8_t *b, size_t len);

/* www.example.test. A with RD and EDNS UDP 1232 (45 bytes), and its
 * answer, the owner compressed to 0xc00c (61 bytes). */
extern const uint8_t dns_cases_q_www[45];
extern const uint8_t dns_cases_r_www[61];

#endif
