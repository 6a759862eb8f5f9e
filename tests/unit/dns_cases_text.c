/*
 * dns_cases_text.c -- the dns suite's names and presentation forms
 * (common/wire/dns_text.c and the wire-name operations of common/wire/dns.c): text
 * to name and back with escapes, relative names and "@", case-insensitive
 * equality, subdomains, labels, parent, concat, reverse4; RDATA as dig
 * prints it, types, classes, rcodes; dns_summary in tcpdump's form.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/dns.h"
#include "dns_cases.h"

#define N(text) dns_cases_name(text)

static const char *s_text(const char *in, const dns_name_t *origin, char *buf)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(in, origin, &n), DNS_OK);
    return dns_name_to_text(&n, buf, DNS_NAME_TEXT_MAX);
}

static int s_rc(const char *in, const dns_name_t *origin)
{
    dns_name_t n;
    return dns_name_from_text(in, origin, &n);
}

/* ------------------------------------------------------------ names */

START_TEST(test_name_text)
{
    char b[DNS_NAME_TEXT_MAX];
    dns_name_t n = N("www.example.test");
    ck_assert_uint_eq(n.len, 18);
    ck_assert_mem_eq(n.wire, "\3www\7example\4test", 18);
    dns_name_t dot = N("www.example.test.");
    ck_assert_mem_eq(dot.wire, n.wire, 18);
    ck_assert_str_eq(dns_name_to_text(&n, b, sizeof b), "www.example.test.");
    dns_name_t root = N(".");
    ck_assert_uint_eq(root.len, 1);
    ck_assert_uint_eq(root.wire[0], 0);
    ck_assert_str_eq(dns_name_to_text(&root, b, sizeof b), ".");
    /* case is preserved both ways */
    ck_assert_str_eq(s_text("WwW.Example.TEST", NULL, b), "WwW.Example.TEST.");
    /* truncated output stays terminated */
    ck_assert_str_eq(dns_name_to_text(&n, b, 5), "www.");
    b[0] = 'x';
    dns_name_to_text(&n, b, 0);
    ck_assert_int_eq(b[0], 'x');
}
END_TEST

START_TEST(test_name_escapes)
{
    char b[DNS_NAME_TEXT_MAX];
    dns_name_t n;
    /* RFC 1035 5.1: \. is a dot inside a label, \DDD an octet */
    ck_assert_int_eq(dns_name_from_text("a\\.b.example.", NULL, &n), DNS_OK);
    ck_assert_uint_eq(n.wire[0], 3);
    ck_assert_mem_eq(n.wire + 1, "a.b", 3);
    ck_assert_str_eq(dns_name_to_text(&n, b, sizeof b), "a\\.b.example.");
    ck_assert_str_eq(s_text("\\065bc.", NULL, b), "Abc.");
    ck_assert_str_eq(s_text("back\\\\slash.", NULL, b), "back\\\\slash.");
    ck_assert_str_eq(s_text("\\000x\\255.", NULL, b), "\\000x\\255.");
    ck_assert_str_eq(s_text("a\\ b.", NULL, b), "a\\032b.");
    ck_assert_str_eq(s_text("\\@\\$\\;\\(\\)\\\".", NULL, b), "\\@\\$\\;\\(\\)\\\".");
    ck_assert_str_eq(s_text("\\127\\t.", NULL, b), "\\127t.");
    /* bad escapes */
    ck_assert_int_eq(s_rc("\\256.", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc("\\12", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc("\\1x3.", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc("a\\", NULL), DNS_ERR_NAME_SYNTAX);
    /* every octet escaped still fits DNS_NAME_TEXT_MAX */
    dns_name_t all;
    all.len = 0;
    for (int l = 0; l < 4; l++) {
        int len = l < 3 ? 63 : 61;
        all.wire[all.len++] = (uint8_t)len;
        memset(all.wire + all.len, 0x01, (size_t)len);
        all.len = (uint8_t)(all.len + len);
    }
    all.wire[all.len++] = 0;
    ck_assert_uint_eq(all.len, 255);
    ck_assert_uint_eq(strlen(dns_name_to_text(&all, b, sizeof b)), 250 * 4 + 4);
    ck_assert_int_eq(dns_name_from_text(b, NULL, &n), DNS_OK);
    ck_assert(dns_name_eq(&n, &all));
}
END_TEST

START_TEST(test_name_origin)
{
    char b[DNS_NAME_TEXT_MAX];
    dns_name_t origin = N("example.test."), n;
    ck_assert_str_eq(s_text("www", &origin, b), "www.example.test.");
    ck_assert_str_eq(s_text("a.b", &origin, b), "a.b.example.test.");
    ck_assert_str_eq(s_text("www.", &origin, b), "www.");
    ck_assert_str_eq(s_text("@", &origin, b), "example.test.");
    ck_assert_str_eq(s_text(".", &origin, b), ".");
    ck_assert_int_eq(s_rc("@", NULL), DNS_ERR_NAME_SYNTAX);
    /* a relative name without an origin is taken as absolute */
    ck_assert_str_eq(s_text("www", NULL, b), "www.");
    /* the origin makes it too long */
    char t[300];
    memset(t, 'x', 63);
    t[63] = '.';
    memcpy(t + 64, t, 64);
    memcpy(t + 128, t, 64);
    memset(t + 192, 'y', 50);
    t[242] = '\0'; /* 3 * 64 + 51 + 1 = 244 octets: fits alone */
    ck_assert_int_eq(dns_name_from_text(t, NULL, &n), DNS_OK);
    ck_assert_int_eq(dns_name_from_text(t, &origin, &n), DNS_ERR_NAME_LEN);
}
END_TEST

START_TEST(test_name_errors)
{
    char t[300];
    ck_assert_int_eq(s_rc("", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc(NULL, NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc("a..b", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc(".a", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc("..", NULL), DNS_ERR_NAME_SYNTAX);
    ck_assert_int_eq(s_rc("a.b..", NULL), DNS_ERR_NAME_SYNTAX);
    /* RFC 1035 2.3.4: labels <= 63 octets, names <= 255 */
    memset(t, 'x', 64);
    t[64] = '\0';
    ck_assert_int_eq(s_rc(t, NULL), DNS_ERR_LABEL_LEN);
    t[63] = '\0';
    ck_assert_int_eq(s_rc(t, NULL), DNS_OK);
    for (int i = 0; i < 4; i++) {
        memset(t + 64 * i, 'x', 63);
        t[64 * i + 63] = '.';
    }
    t[4 * 64 - 2] = '.', t[4 * 64 - 1] = '\0'; /* 63.63.63.62. = 256 octets */
    ck_assert_int_eq(s_rc(t, NULL), DNS_ERR_NAME_LEN);
    t[4 * 64 - 3] = '.', t[4 * 64 - 2] = '\0'; /* 63.63.63.61. = 255 */
    ck_assert_int_eq(s_rc(t, NULL), DNS_OK);
}
END_TEST

START_TEST(test_name_compare)
{
    dns_name_t a = N("WWW.Example.TEST."), b = N("www.example.test."), c = N("www.example.tes.");
    dns_name_t zone = N("example.test."), root = N("."), x = N("xexample.test."), other = N("example.org.");
    /* RFC 4343: ASCII case-insensitive */
    ck_assert(dns_name_eq(&a, &b));
    ck_assert(!dns_name_eq(&b, &c));
    ck_assert(!dns_name_eq(&b, &zone));
    ck_assert(dns_name_is_sub(&a, &zone));
    ck_assert(dns_name_is_sub(&zone, &zone));
    ck_assert(dns_name_is_sub(&zone, &root));
    ck_assert(dns_name_is_sub(&root, &root));
    ck_assert(!dns_name_is_sub(&zone, &b));
    ck_assert(!dns_name_is_sub(&x, &zone)); /* only at a label boundary */
    ck_assert(!dns_name_is_sub(&other, &zone));
    ck_assert(!dns_name_is_sub(&root, &zone));
}
END_TEST

START_TEST(test_name_ops)
{
    char t[DNS_NAME_TEXT_MAX];
    dns_name_t www = N("www.example.test."), root = N("."), out;
    ck_assert_int_eq(dns_name_labels(&root), 0);
    ck_assert_int_eq(dns_name_labels(&www), 3);
    ck_assert_int_eq(dns_name_parent(&www, 1, &out), 0);
    ck_assert_str_eq(dns_name_to_text(&out, t, sizeof t), "example.test.");
    ck_assert_int_eq(dns_name_parent(&www, 3, &out), 0);
    ck_assert_str_eq(dns_name_to_text(&out, t, sizeof t), ".");
    ck_assert_int_eq(dns_name_parent(&www, 0, &out), 0);
    ck_assert(dns_name_eq(&out, &www));
    ck_assert_int_eq(dns_name_parent(&www, 4, &out), -1);
    ck_assert_int_eq(dns_name_parent(&www, -1, &out), -1);
    out = www;
    ck_assert_int_eq(dns_name_parent(&out, 2, &out), 0); /* in place */
    ck_assert_str_eq(dns_name_to_text(&out, t, sizeof t), "test.");
    dns_name_t pre = N("www."), suf = N("example.test.");
    ck_assert_int_eq(dns_name_concat(&pre, &suf, &out), DNS_OK);
    ck_assert(dns_name_eq(&out, &www));
    ck_assert_int_eq(dns_name_concat(&root, &suf, &out), DNS_OK);
    ck_assert(dns_name_eq(&out, &suf));
    ck_assert_int_eq(dns_name_concat(&suf, &root, &out), DNS_OK);
    ck_assert(dns_name_eq(&out, &suf));
    dns_name_t big = N("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.");
    ck_assert_int_eq(dns_name_concat(&big, &suf, &out), DNS_OK); /* 192 + 14 */
    ck_assert_int_eq(dns_name_concat(&big, &big, &out), DNS_ERR_NAME_LEN);
}
END_TEST

START_TEST(test_reverse4)
{
    char t[DNS_NAME_TEXT_MAX];
    dns_name_t n;
    dns_name_reverse4(LS_IP4(198, 51, 100, 10), &n);
    ck_assert_str_eq(dns_name_to_text(&n, t, sizeof t), "10.100.51.198.in-addr.arpa.");
    dns_name_t want = N("10.100.51.198.in-addr.arpa.");
    ck_assert_uint_eq(n.len, want.len);
    ck_assert_mem_eq(n.wire, want.wire, n.len);
    dns_name_reverse4(0, &n);
    ck_assert_str_eq(dns_name_to_text(&n, t, sizeof t), "0.0.0.0.in-addr.arpa.");
    dns_name_reverse4(0xffffffffu, &n);
    ck_assert_str_eq(dns_name_to_text(&n, t, sizeof t), "255.255.255.255.in-addr.arpa.");
    ck_assert_int_eq(dns_name_labels(&n), 6);
}
END_TEST

/* ------------------------------------------------------------ RDATA and names of things */

static const char *s_rdtext(uint16_t type, const void *rd, uint16_t len)
{
    static char b[2048];
    return dns_rdata_to_text(type, rd, len, b, sizeof b);
}

START_TEST(test_rdata_text)
{
    ck_assert_str_eq(s_rdtext(DNS_T_A, "\xc6\x33\x64\x0a", 4), "198.51.100.10");
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
    ck_assert_str_eq(s_rdtext(DNS_T_AAAA, v6, 16), "2001:db8::10");
    dns_name_t ns1 = N("ns1.example.test."), hm = N("hostmaster.example.test.");
    ck_assert_str_eq(s_rdtext(DNS_T_NS, ns1.wire, ns1.len), "ns1.example.test.");
    ck_assert_str_eq(s_rdtext(DNS_T_CNAME, ns1.wire, ns1.len), "ns1.example.test.");
    ck_assert_str_eq(s_rdtext(DNS_T_PTR, ns1.wire, ns1.len), "ns1.example.test.");
    uint8_t mx[64] = {0, 10};
    dns_name_t mail = N("mail.example.test.");
    memcpy(mx + 2, mail.wire, mail.len);
    ck_assert_str_eq(s_rdtext(DNS_T_MX, mx, (uint16_t)(2 + mail.len)), "10 mail.example.test.");
    dns_soa_t soa = {.mname = ns1, .rname = hm, 2026120201u, 3600, 900, 604800, 30};
    uint8_t rd[600];
    int n = dns_rdata_put_soa(&soa, rd, sizeof rd);
    ck_assert_str_eq(s_rdtext(DNS_T_SOA, rd, (uint16_t)n),
                     "ns1.example.test. hostmaster.example.test. 2026120201 3600 900 604800 30");
    ck_assert_str_eq(s_rdtext(DNS_T_TXT, "\x0ev=spf1 mx -all", 15), "\"v=spf1 mx -all\"");
    ck_assert_str_eq(s_rdtext(DNS_T_TXT, "\1a\3b c\0", 7), "\"a\" \"b c\" \"\"");
    /* " and \ escaped, non-printables as \DDD */
    ck_assert_str_eq(s_rdtext(DNS_T_TXT, "\6q\"b\\\1\xff", 7), "\"q\\\"b\\\\\\001\\255\"");
}
END_TEST

START_TEST(test_rdata_text_generic)
{
    /* RFC 3597 5: \# length hex */
    ck_assert_str_eq(s_rdtext(65280, "\xab\xcd\xef", 3), "\\# 3 abcdef");
    ck_assert_str_eq(s_rdtext(65280, NULL, 0), "\\# 0");
    ck_assert_str_eq(s_rdtext(DNS_T_OPT, "\0\12\0\0", 4), "\\# 4 000a0000");
    /* a known type that does not decode falls back to the generic form */
    ck_assert_str_eq(s_rdtext(DNS_T_A, "\1\2\3\4\5", 5), "\\# 5 0102030405");
    ck_assert_str_eq(s_rdtext(DNS_T_TXT, "\5ab", 3), "\\# 3 056162");
    ck_assert_str_eq(s_rdtext(DNS_T_NS, "\3www", 4), "\\# 4 03777777");
    char small[6];
    ck_assert_str_eq(dns_rdata_to_text(DNS_T_A, (const uint8_t *)"\xc6\x33\x64\x0a", 4, small, sizeof small),
                     "198.5");
    /* the decoders refuse what does not fit the type */
    uint32_t a;
    uint16_t pref;
    dns_name_t x;
    dns_soa_t soa;
    ck_assert_int_eq(dns_rdata_a((const uint8_t *)"\1\2\3", 3, &a), -1);
    ck_assert_int_eq(dns_rdata_name((const uint8_t *)"\3www\0\0", 6, &x), -1);
    ck_assert_int_eq(dns_rdata_name((const uint8_t *)"\xc0\x0c", 2, &x), -1);
    ck_assert_int_eq(dns_rdata_mx((const uint8_t *)"\0\1", 2, &pref, &x), -1);
    ck_assert_int_eq(dns_rdata_soa((const uint8_t *)"\0\0", 2, &soa), -1);
}
END_TEST

START_TEST(test_type_class_rcode_text)
{
    char b[16];
    static const struct {
        uint16_t t;
        const char *s;
    } types[] = {{1, "A"},    {2, "NS"},  {5, "CNAME"}, {6, "SOA"},   {12, "PTR"},
                 {15, "MX"},  {16, "TXT"}, {28, "AAAA"}, {41, "OPT"}, {255, "ANY"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        ck_assert_str_eq(dns_type_to_text(types[i].t, b), types[i].s);
        ck_assert_int_eq(dns_type_from_text(types[i].s), types[i].t);
    }
    ck_assert_str_eq(dns_type_to_text(65280, b), "TYPE65280");
    ck_assert_str_eq(dns_type_to_text(0, b), "TYPE0");
    ck_assert_int_eq(dns_type_from_text("mx"), DNS_T_MX);
    ck_assert_int_eq(dns_type_from_text("aAaA"), DNS_T_AAAA);
    ck_assert_int_eq(dns_type_from_text("TYPE1"), 1);
    ck_assert_int_eq(dns_type_from_text("type65280"), 65280);
    ck_assert_int_eq(dns_type_from_text("TYPE65536"), -1);
    ck_assert_int_eq(dns_type_from_text("TYPE"), -1);
    ck_assert_int_eq(dns_type_from_text("TYPE1x"), -1);
    ck_assert_int_eq(dns_type_from_text("bogus"), -1);
    ck_assert_int_eq(dns_type_from_text(""), -1);
    static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
                                         "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
    for (uint16_t r = 0; r < 11; r++)
        ck_assert_str_eq(dns_rcode_to_text(r, b), rcodes[r]);
    ck_assert_str_eq(dns_rcode_to_text(11, b), "RCODE11");
    ck_assert_str_eq(dns_rcode_to_text(16, b), "BADVERS");
    ck_assert_str_eq(dns_rcode_to_text(4095, b), "RCODE4095");
    ck_assert_str_eq(dns_class_to_text(1, b), "IN");
    ck_assert_str_eq(dns_class_to_text(3, b), "CH");
    ck_assert_str_eq(dns_class_to_text(4, b), "HS");
    ck_assert_str_eq(dns_class_to_text(254, b), "NONE");
    ck_assert_str_eq(dns_class_to_text(255, b), "ANY");
    ck_assert_str_eq(dns_class_to_text(7, b), "CLASS7");
}
END_TEST

/* ------------------------------------------------------------ summary */

START_TEST(test_summary_query)
{
    char s[256];
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(dns_parse(dns_cases_q_www, sizeof dns_cases_q_www, m), DNS_OK);
    ck_assert_str_eq(dns_summary(m, sizeof dns_cases_q_www, s, sizeof s), "7745+ [1au] A? www.example.test. (45)");
    m->rd = false;
    m->cd = true;
    m->edns = false;
    ck_assert_str_eq(dns_summary(m, 34, s, sizeof s), "7745% A? www.example.test. (34)");
    m->qdcount = 0;
    m->count[DNS_SEC_ANSWER] = 1;
    m->count[DNS_SEC_AUTHORITY] = 2;
    m->count[DNS_SEC_ADDITIONAL] = 3;
    m->opcode = 4;
    ck_assert_str_eq(dns_summary(m, 12, s, sizeof s), "7745 notify% [0q] [1a] [2n] [3au] (12)");
}
END_TEST

START_TEST(test_summary_response)
{
    char s[256];
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(dns_parse(dns_cases_r_www, sizeof dns_cases_r_www, m), DNS_OK);
    ck_assert_str_eq(dns_summary(m, sizeof dns_cases_r_www, s, sizeof s), "7745*- 1/0/1 A 198.51.100.10 (61)");
    /* a CNAME then its target: answers separated by ", " */
    dns_name_t docs = N("docs.example.test."), web = N("web.example.test.");
    dns_msg_init_query(dns_t_m2, 7745, &docs, DNS_T_A, true);
    dns_msg_init_response(m, dns_t_m2);
    m->ra = true;
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &docs, DNS_T_CNAME, DNS_C_IN, 300, web.wire, web.len), 0);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &web, DNS_T_A, DNS_C_IN, 300,
                                 (const uint8_t *)"\xc6\x33\x64\x0a", 4), 0);
    dns_msg_set_edns(m, 1232);
    ck_assert_str_eq(dns_summary(m, 83, s, sizeof s), "7745 2/0/1 CNAME web.example.test., A 198.51.100.10 (83)");
    /* rcodes as tcpdump spells them */
    m->count[DNS_SEC_ANSWER] = 0;
    m->edns = false;
    static const char *const rc[] = {"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " Resp6"};
    for (uint16_t r = 1; r < 7; r++) {
        char want[64];
        m->rcode = r;
        snprintf(want, sizeof want, "7745%s 0/0/0 (12)", rc[r]);
        ck_assert_str_eq(dns_summary(m, 12, s, sizeof s), want);
    }
    m->rcode = DNS_RCODE_BADVERS;
    ck_assert_str_eq(dns_summary(m, 12, s, sizeof s), "7745 Resp16 0/0/0 (12)");
}
END_TEST

START_TEST(test_summary_nxdomain_tc)
{
    char s[256];
    uint8_t out[600];
    dns_msg_t *m = dns_t_m;
    dns_name_t nope = N("nope.example.test."), apex = N("example.test.");
    dns_msg_init_query(dns_t_m2, 7745, &nope, DNS_T_A, false);
    dns_msg_init_response(m, dns_t_m2);
    m->aa = true;
    m->rcode = DNS_RCODE_NXDOMAIN;
    dns_soa_t soa = {.mname = N("ns1.example.test."), .rname = N("hostmaster.example.test."), 1, 2, 3, 4, 30};
    uint8_t rd[600];
    int n = dns_rdata_put_soa(&soa, rd, sizeof rd);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_AUTHORITY, &apex, DNS_T_SOA, DNS_C_IN, 30, rd, (uint16_t)n), 0);
    dns_msg_set_edns(m, 1232);
    int len = dns_emit(m, out, sizeof out, 0, NULL);
    /* 12 + 23 + SOA (2 + 10 + 6 + 13 + 20) + OPT 11 */
    ck_assert_int_eq(len, 97);
    ck_assert_int_eq(dns_parse(out, (size_t)len, dns_t_m2), DNS_OK);
    ck_assert_str_eq(dns_summary(dns_t_m2, (size_t)len, s, sizeof s), "7745 NXDomain*- 0/1/1 (97)");
    /* a truncated answer */
    m->rcode = 0;
    m->count[DNS_SEC_AUTHORITY] = 0;
    m->edns = false;
    m->tc = true;
    ck_assert_str_eq(dns_summary(m, 35, s, sizeof s), "7745*-| 0/0/0 (35)");
    /* a small buffer gets a prefix, terminated */
    char tiny[8];
    ck_assert_str_eq(dns_summary(m, 35, tiny, sizeof tiny), "7745*-|");
    ck_assert_str_eq(dns_summary(m, 35, tiny, 1), "");
}
END_TEST

TCase *dns_text_tcase(void)
{
    TCase *tc = tcase_create("text");
    tcase_add_checked_fixture(tc, dns_cases_setup, dns_cases_teardown);
    tcase_add_test(tc, test_name_text);
    tcase_add_test(tc, test_name_escapes);
    tcase_add_test(tc, test_name_origin);
    tcase_add_test(tc, test_name_errors);
    tcase_add_test(tc, test_name_compare);
    tcase_add_test(tc, test_name_ops);
    tcase_add_test(tc, test_reverse4);
    tcase_add_test(tc, test_rdata_text);
    tcase_add_test(tc, test_rdata_text_generic);
    tcase_add_test(tc, test_type_class_rcode_text);
    tcase_add_test(tc, test_summary_query);
    tcase_add_test(tc, test_summary_response);
    tcase_add_test(tc, test_summary_nxdomain_tc);
    return tc;
}
