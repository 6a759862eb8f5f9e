/*
 * dns_cases_reject.c -- the dns suite's rejections: every malformed message
 * gets exactly its reason (truncated header, pointer loops, hops, forward
 * and past-the-end pointers, label types, name length, counts, RDLENGTH,
 * RDATA per type, OPT placement, the limits of a dns_msg_t), and the
 * reason strings and counter names.
 */
#include <check.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/dns.h"
#include "dns_cases.h"

#define N(text) dns_cases_name(text)

static int s_parse(const uint8_t *b, size_t len) { return dns_parse(b, len, dns_t_m); }

START_TEST(test_reject_trunc_header)
{
    for (size_t n = 0; n < DNS_HDR_LEN; n++)
        ck_assert_int_eq(s_parse(dns_cases_q_www, n), DNS_ERR_TRUNC_HEADER);
    ck_assert_int_eq(s_parse(NULL, 0), DNS_ERR_TRUNC_HEADER);
    /* a bare header with all counts 0 is a valid (empty) message */
    uint8_t b[12];
    dns_cases_hdr(b, 1, 0, 0, 0, 0, 0);
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_OK);
}
END_TEST

START_TEST(test_reject_ptr_loop)
{
    /* QNAME at 12 is a pointer to 12 itself */
    uint8_t b[18] = {0};
    dns_cases_hdr(b, 1, 0, 1, 0, 0, 0);
    b[12] = 0xc0, b[13] = 0x0c;
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_PTR_LOOP);
    /* 12: "a" 14: "b" 16: -> 14: every pointer goes back, yet 14 is revisited */
    uint8_t c[22] = {0};
    dns_cases_hdr(c, 1, 0, 1, 0, 0, 0);
    const uint8_t name[] = {0x01, 'a', 0x01, 'b', 0xc0, 0x0e};
    memcpy(c + 12, name, sizeof name);
    ck_assert_int_eq(s_parse(c, sizeof c), DNS_ERR_PTR_LOOP);
}
END_TEST

/* An owner name reached through a chain of k pointers, each to the one
 * before, ending at a root label: k + 1 hops in all. */
static size_t s_chain(uint8_t *b, int k)
{
    dns_cases_hdr(b, 1, 0x8000, 0, 2, 0, 0);
    size_t p = 12;
    b[p++] = 0;                                      /* owner root */
    wr_be16(b + p, 65280), p += 2;                   /* TYPE65280: opaque RDATA */
    wr_be16(b + p, DNS_C_IN), p += 2;
    wr_be32(b + p, 0), p += 4;
    wr_be16(b + p, (uint16_t)(1 + 2 * k)), p += 2;
    size_t prev = p;                                 /* 23: the root label */
    b[p++] = 0;
    for (int i = 0; i < k; i++) {
        wr_be16(b + p, (uint16_t)(0xc000 | prev));
        prev = p;
        p += 2;
    }
    wr_be16(b + p, (uint16_t)(0xc000 | prev)), p += 2; /* second record's owner */
    const uint8_t a[] = {0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 192, 0, 2, 1};
    memcpy(b + p, a, sizeof a);
    return p + sizeof a;
}

START_TEST(test_reject_ptr_hops)
{
    uint8_t b[400];
    size_t n = s_chain(b, 126); /* 127 hops: the most allowed */
    ck_assert_int_eq(s_parse(b, n), DNS_OK);
    ck_assert_uint_eq(dns_t_m->rr[1].name.len, 1);
    n = s_chain(b, 127); /* 128 hops */
    ck_assert_int_eq(s_parse(b, n), DNS_ERR_PTR_LOOP);
}
END_TEST

START_TEST(test_reject_ptr_forward)
{
    /* QNAME at 12 points to 22, inside the message but after the pointer */
    uint8_t b[24] = {0};
    dns_cases_hdr(b, 1, 0, 1, 0, 0, 0);
    b[12] = 0xc0, b[13] = 22;
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_PTR_FORWARD);
}
END_TEST

START_TEST(test_reject_ptr_past_end)
{
    uint8_t b[18] = {0};
    dns_cases_hdr(b, 1, 0, 1, 0, 0, 0);
    b[12] = 0xc0, b[13] = 18; /* == length */
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_PTR_PAST_END);
    b[12] = 0xff, b[13] = 0xff; /* 0x3fff */
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_PTR_PAST_END);
    /* a pointer cut in half is a name running off the end */
    ck_assert_int_eq(s_parse(b, 13), DNS_ERR_NAME_TRUNC);
}
END_TEST

START_TEST(test_reject_label_type)
{
    /* a length byte of 64 has the top bits 01: an extended label (RFC 6891 5) */
    uint8_t b[12 + 66 + 4] = {0};
    dns_cases_hdr(b, 1, 0, 1, 0, 0, 0);
    b[12] = 64;
    memset(b + 13, 'a', 64);
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_LABEL_TYPE);
    b[12] = 0x41; /* the old binary label */
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_LABEL_TYPE);
    b[12] = 0x80; /* 10: reserved */
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_LABEL_TYPE);
    b[12] = 63; /* 63 is fine; then a 10-octet label runs off the end */
    b[12 + 64] = 10;
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_ERR_NAME_TRUNC);
    b[12 + 64] = 0;
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_OK);
}
END_TEST

/* labels of the given lengths ('x' octets) then the root label, at b; returns bytes */
static size_t s_labels(uint8_t *b, const int *lens, int n)
{
    size_t p = 0;
    for (int i = 0; i < n; i++) {
        b[p++] = (uint8_t)lens[i];
        memset(b + p, 'x', (size_t)lens[i]);
        p += (size_t)lens[i];
    }
    b[p++] = 0;
    return p;
}

START_TEST(test_reject_name_len)
{
    uint8_t b[600] = {0};
    dns_cases_hdr(b, 1, 0, 1, 0, 0, 0);
    /* 3 * 64 + 62 + 1 = 255 octets: the longest legal name */
    size_t n = s_labels(b + 12, (const int[]){63, 63, 63, 61}, 4);
    ck_assert_uint_eq(n, 255);
    ck_assert_int_eq(s_parse(b, 12 + n + 4), DNS_OK);
    ck_assert_uint_eq(dns_t_m->qd[0].name.len, 255);
    /* one octet more: 256 */
    n = s_labels(b + 12, (const int[]){63, 63, 63, 62}, 4);
    ck_assert_int_eq(s_parse(b, 12 + n + 4), DNS_ERR_NAME_LEN);
    /* through a pointer: 193 octets at 12, then a 63-octet label + pointer -> 12 = 257 */
    dns_cases_hdr(b, 1, 0, 2, 0, 0, 0);
    n = s_labels(b + 12, (const int[]){63, 63, 63}, 3);
    size_t p = 12 + n + 4;
    b[p] = 63;
    memset(b + p + 1, 'y', 63);
    wr_be16(b + p + 64, 0xc00c);
    wr_be32(b + p + 66, 0x00010001);
    ck_assert_int_eq(s_parse(b, p + 70), DNS_ERR_NAME_LEN);
    b[p] = 61; /* 62 + 193 = 255: fits; the pointer now sits two octets earlier */
    wr_be16(b + p + 62, 0xc00c);
    wr_be32(b + p + 64, 0x00010001);
    ck_assert_int_eq(s_parse(b, p + 68), DNS_OK);
    ck_assert_uint_eq(dns_t_m->qd[1].name.len, 255);
}
END_TEST

START_TEST(test_reject_name_trunc)
{
    ck_assert_int_eq(s_parse(dns_cases_q_www, 14), DNS_ERR_NAME_TRUNC);  /* inside "www" */
    ck_assert_int_eq(s_parse(dns_cases_q_www, 29), DNS_ERR_NAME_TRUNC);  /* before the root label */
    ck_assert_int_eq(s_parse(dns_cases_q_www, 30), DNS_ERR_COUNT_OVERRUN); /* name whole, QTYPE missing */
}
END_TEST

START_TEST(test_reject_count_overrun)
{
    uint8_t b[64];
    /* QDCOUNT 2 with one question */
    memcpy(b, dns_cases_q_www, 34);
    dns_cases_hdr(b, 1, 0, 2, 0, 0, 0);
    ck_assert_int_eq(s_parse(b, 34), DNS_ERR_COUNT_OVERRUN);
    /* ANCOUNT 1 with no record */
    dns_cases_hdr(b, 1, 0x8000, 1, 1, 0, 0);
    ck_assert_int_eq(s_parse(b, 34), DNS_ERR_COUNT_OVERRUN);
    /* a record whose fixed fields are cut off */
    memcpy(b, dns_cases_r_www, 50);
    ck_assert_int_eq(s_parse(b, 34 + 2 + 9), DNS_ERR_COUNT_OVERRUN);
    /* ARCOUNT 1 (the OPT) missing */
    ck_assert_int_eq(s_parse(dns_cases_r_www, 50), DNS_ERR_COUNT_OVERRUN);
    /* ARCOUNT promises one more after the OPT */
    memcpy(b, dns_cases_r_www, sizeof dns_cases_r_www);
    wr_be16(b + DNS_OFF_ARCOUNT, 2);
    ck_assert_int_eq(s_parse(b, sizeof dns_cases_r_www), DNS_ERR_COUNT_OVERRUN);
}
END_TEST

START_TEST(test_reject_rdlen)
{
    uint8_t b[64];
    memcpy(b, dns_cases_r_www, 50);
    wr_be16(b + DNS_OFF_ARCOUNT, 0);
    ck_assert_int_eq(s_parse(b, 50), DNS_OK);
    wr_be16(b + 44, 5); /* RDLENGTH 5, only 4 bytes left */
    ck_assert_int_eq(s_parse(b, 50), DNS_ERR_RDLEN);
    ck_assert_int_eq(s_parse(b, 49), DNS_ERR_RDLEN);
}
END_TEST

/* one answer record at 34 (owner -> 12) of type/class with rd; returns the length */
static size_t s_one_rr(uint8_t *b, uint16_t type, uint16_t rclass, const uint8_t *rd, uint16_t rdlen)
{
    memcpy(b, dns_cases_r_www, 34);
    wr_be16(b + DNS_OFF_ARCOUNT, 0);
    wr_be16(b + 34, 0xc00c);
    wr_be16(b + 36, type);
    wr_be16(b + 38, rclass);
    wr_be32(b + 40, 300);
    wr_be16(b + 44, rdlen);
    if (rdlen)
        memcpy(b + 46, rd, rdlen);
    return 46 + (size_t)rdlen;
}

START_TEST(test_reject_rdata)
{
    uint8_t b[600];
    /* A must be 4 bytes (RFC 1035 3.4.1), AAAA 16 (RFC 3596 2.2) */
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_A, DNS_C_IN, (const uint8_t *)"\1\2\3\4\5", 5)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_A, DNS_C_IN, (const uint8_t *)"\1\2\3", 3)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_AAAA, DNS_C_IN, (const uint8_t *)"\1\2\3\4", 4)), DNS_ERR_RDATA);
    /* TXT: a string running past RDLENGTH, and no string at all */
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_TXT, DNS_C_IN, (const uint8_t *)"\5abc", 4)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_TXT, DNS_C_IN, NULL, 0)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_TXT, DNS_C_IN, (const uint8_t *)"\0\3abc", 5)), DNS_OK);
    /* NS: the name must fill RDLENGTH exactly (pointer -> 12, then a stray byte) */
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_NS, DNS_C_IN, (const uint8_t *)"\xc0\x0c\x00", 3)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_NS, DNS_C_IN, (const uint8_t *)"\xc0\x0c", 2)), DNS_OK);
    ck_assert_uint_eq(dns_t_m->rr[0].rdlen, 18);
    /* CNAME whose name runs past RDLENGTH (but not past the message) */
    size_t n = s_one_rr(b, DNS_T_CNAME, DNS_C_IN, (const uint8_t *)"\3www\0", 5);
    wr_be16(b + 44, 3);
    ck_assert_int_eq(s_parse(b, n), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_PTR, DNS_C_IN, NULL, 0)), DNS_ERR_RDATA);
    /* MX: 2 bytes + name */
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_MX, DNS_C_IN, (const uint8_t *)"\0\12", 2)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_MX, DNS_C_IN, (const uint8_t *)"\0", 1)), DNS_ERR_RDATA);
    /* SOA: two names + exactly 20 bytes */
    uint8_t soa[26] = {0xc0, 0x0c, 0xc0, 0x0c};
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_SOA, DNS_C_IN, soa, 24)), DNS_OK);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_SOA, DNS_C_IN, soa, 23)), DNS_ERR_RDATA);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_SOA, DNS_C_IN, soa, 25)), DNS_ERR_RDATA);
    /* a bad pointer inside RDATA keeps its own reason */
    ck_assert_int_eq(s_parse(b, s_one_rr(b, DNS_T_NS, DNS_C_IN, (const uint8_t *)"\xc0\x2e", 2)), DNS_ERR_PTR_LOOP);
    /* RFC 3597: unknown types are opaque, any length */
    ck_assert_int_eq(s_parse(b, s_one_rr(b, 65280, DNS_C_IN, (const uint8_t *)"\xc0", 1)), DNS_OK);
    ck_assert_uint_eq(dns_t_m->rr[0].rdlen, 1);
    ck_assert_int_eq(s_parse(b, s_one_rr(b, 65280, DNS_C_IN, NULL, 0)), DNS_OK);
}
END_TEST

START_TEST(test_reject_opt)
{
    uint8_t b[128];
    const uint8_t opt[11] = {0x00, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0x00, 0x00};
    /* OPT in the answer section */
    memcpy(b, dns_cases_q_www, sizeof dns_cases_q_www);
    dns_cases_hdr(b, 1, 0x8000, 1, 1, 0, 0);
    ck_assert_int_eq(s_parse(b, sizeof dns_cases_q_www), DNS_ERR_OPT);
    /* OPT in authority */
    dns_cases_hdr(b, 1, 0x8000, 1, 0, 1, 0);
    ck_assert_int_eq(s_parse(b, sizeof dns_cases_q_www), DNS_ERR_OPT);
    /* two OPTs */
    memcpy(b + sizeof dns_cases_q_www, opt, sizeof opt);
    dns_cases_hdr(b, 1, 0, 1, 0, 0, 2);
    ck_assert_int_eq(s_parse(b, sizeof dns_cases_q_www + sizeof opt), DNS_ERR_OPT);
    /* an owner other than the root: -> 12 */
    memcpy(b, dns_cases_q_www, sizeof dns_cases_q_www);
    b[34] = 0xc0;
    memcpy(b + 35, opt, sizeof opt);
    b[35] = 0x0c;
    ck_assert_int_eq(s_parse(b, 46), DNS_ERR_OPT);
}
END_TEST

START_TEST(test_reject_too_many)
{
    static uint8_t b[8192];
    /* five questions (a dns_msg_t keeps four) */
    dns_cases_hdr(b, 1, 0, 5, 0, 0, 0);
    for (int i = 0; i < 5; i++)
        memcpy(b + 12 + 5 * i, "\0\0\1\0\1", 5);
    ck_assert_int_eq(s_parse(b, 12 + 25), DNS_ERR_TOO_MANY);
    wr_be16(b + DNS_OFF_QDCOUNT, 4);
    ck_assert_int_eq(s_parse(b, 12 + 20), DNS_OK);
    ck_assert_uint_eq(dns_t_m->qdcount, 4);
    /* 257 records (256 kept) */
    memcpy(b, dns_cases_r_www, 34);
    for (int i = 0; i < 257; i++)
        memcpy(b + 34 + 16 * i, dns_cases_r_www + 34, 16);
    dns_cases_hdr(b, 1, 0x8000, 1, 256, 0, 0);
    ck_assert_int_eq(s_parse(b, 34 + 16 * 256), DNS_OK);
    ck_assert_uint_eq(dns_t_m->count[DNS_SEC_ANSWER], 256);
    dns_cases_hdr(b, 1, 0x8000, 1, 200, 57, 0);
    ck_assert_int_eq(s_parse(b, 34 + 16 * 257), DNS_ERR_TOO_MANY);
    /* an OPT with more than DNS_OPT_MAX option bytes */
    memcpy(b, dns_cases_q_www, sizeof dns_cases_q_www);
    wr_be16(b + 43, DNS_OPT_MAX + 1);
    memset(b + 45, 0, DNS_OPT_MAX + 1);
    ck_assert_int_eq(s_parse(b, 45 + DNS_OPT_MAX + 1), DNS_ERR_TOO_MANY);
    wr_be16(b + 43, DNS_OPT_MAX);
    ck_assert_int_eq(s_parse(b, 45 + DNS_OPT_MAX), DNS_OK);
    /* the RDATA pool: SOAs of two pointers to a 255-octet name expand to 530 bytes each */
    dns_cases_hdr(b, 1, 0x8000, 1, 0, 0, 0);
    size_t p = 12 + s_labels(b + 12, (const int[]){63, 63, 63, 61}, 4);
    wr_be32(b + p, 0x00060001), p += 4;
    const uint8_t soa[] = {0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01, 0, 0, 0, 0, 0x00, 24, 0xc0, 0x0c, 0xc0, 0x0c};
    for (int i = 0; i < 124; i++) {
        memcpy(b + p, soa, sizeof soa);
        memset(b + p + sizeof soa, 0, 20);
        p += sizeof soa + 20;
    }
    wr_be16(b + DNS_OFF_ANCOUNT, 123); /* 123 * 530 = 65190 bytes fit */
    ck_assert_int_eq(s_parse(b, p), DNS_OK);
    ck_assert_uint_eq(dns_t_m->rdused, 123 * 530);
    wr_be16(b + DNS_OFF_ANCOUNT, 124);
    ck_assert_int_eq(s_parse(b, p), DNS_ERR_TOO_MANY);
}
END_TEST

START_TEST(test_reasons)
{
    ck_assert_str_eq(dns_reason_str(DNS_ERR_TRUNC_HEADER), "truncated header");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_COUNT_OVERRUN), "counts overrun the message");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_PTR_LOOP), "compression pointer loop");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_PTR_FORWARD), "forward compression pointer");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_PTR_PAST_END), "compression pointer past the end");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_LABEL_LEN), "label longer than 63 octets");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_LABEL_TYPE), "unsupported label type");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_NAME_LEN), "name longer than 255 octets");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_NAME_TRUNC), "name runs past the end");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_RDLEN), "rdlength runs past the end");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_RDATA), "malformed rdata");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_TOO_MANY), "too many records");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_OPT), "misplaced or duplicate OPT");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_NAME_SYNTAX), "bad name syntax");
    ck_assert_str_eq(dns_reason_str(-1), "unknown");
    ck_assert_str_eq(dns_reason_str(DNS_ERR_COUNT), "unknown");
    static const char *const counters[] = {"trunc_header", "count_overrun", "ptr_loop", "ptr_forward",
                                           "ptr_past_end", "label_len",     "label_type", "name_len",
                                           "name_trunc",   "rdlen",         "rdata",      "too_many",
                                           "opt",          "name_syntax"};
    for (int r = DNS_ERR_TRUNC_HEADER; r < DNS_ERR_COUNT; r++)
        ck_assert_str_eq(dns_reason_counter(r), counters[r - 1]);
    ck_assert_str_eq(dns_reason_counter(99), "unknown");
}
END_TEST


TCase *dns_reject_tcase(void)
{
    TCase *tc = tcase_create("reject");
    tcase_add_checked_fixture(tc, dns_cases_setup, dns_cases_teardown);
    tcase_add_test(tc, test_reject_trunc_header);
    tcase_add_test(tc, test_reject_ptr_loop);
    tcase_add_test(tc, test_reject_ptr_hops);
    tcase_add_test(tc, test_reject_ptr_forward);
    tcase_add_test(tc, test_reject_ptr_past_end);
    tcase_add_test(tc, test_reject_label_type);
    tcase_add_test(tc, test_reject_name_len);
    tcase_add_test(tc, test_reject_name_trunc);
    tcase_add_test(tc, test_reject_count_overrun);
    tcase_add_test(tc, test_reject_rdlen);
    tcase_add_test(tc, test_reject_rdata);
    tcase_add_test(tc, test_reject_opt);
    tcase_add_test(tc, test_reject_too_many);
    tcase_add_test(tc, test_reasons);
    return tc;
}
