/*
 * test_zone.c -- the master file loader (dns-svc/zone.c): every construct
 * from in-memory text (exact RDATA bytes), one test per malformed line with
 * its exact "label:LINE: reason", the broken files in tests/zones/, lookups
 * on the shipped zones (zone_find, zone_name_exists with an empty
 * non-terminal, zone_cut, zone_soa), root hints, and a mutation run that
 * must never crash.
 *
 * Files are read relative to $LS_ROOT (default "."): the runner starts in the
 * repo root.
 */
#include <check.h>
#include "wire/bytes.h"
#include "dns-svc/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_path(const char *rel, char *buf, size_t cap)
{
    const char *root = getenv("LS_ROOT");
    snprintf(buf, cap, "%s/%s", root && *root ? root : ".", rel);
    return buf;
}

static dns_name_t s_n(const char *text)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(text, NULL, &n), DNS_OK);
    return n;
}

static zone_t *s_buf(const char *text)
{
    char err[512] = "";
    zone_t *z = zone_load_buf("t", text, strlen(text), NULL, err, sizeof err);
    ck_assert_msg(z != NULL, "%s", err);
    return z;
}

static zone_t *s_file(const char *rel)
{
    char path[512], err[512] = "";
    zone_t *z = zone_load(s_path(rel, path, sizeof path), NULL, err, sizeof err);
    ck_assert_msg(z != NULL, "%s: %s", rel, err);
    return z;
}

/* The one record of (name, type). */
static const zone_rr_t *s_one(const zone_t *z, const char *name, uint16_t type)
{
    dns_name_t n = s_n(name);
    const zone_rr_t *r = NULL;
    ck_assert_uint_eq(zone_find(z, &n, type, &r), 1);
    return r;
}

#define RD_EQ(rr, ...)                                                        \
    do {                                                                      \
        static const uint8_t exp_[] = {__VA_ARGS__};                          \
        ck_assert_uint_eq((rr)->rdlen, sizeof exp_);                          \
        ck_assert_mem_eq((rr)->rdata, exp_, sizeof exp_);                     \
    } while (0)

/* lines 1-5: a minimal valid zone */
#define HDR "$ORIGIN example.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 7 3600 900 604800 30\n" \
            "  IN NS ns1\nns1 IN A 192.0.2.53\n"

/* ------------------------------------------------------------ constructs */

START_TEST(test_origin_ttl_apex_soa)
{
    zone_t *z = s_buf(HDR);
    dns_name_t apex = s_n("example.test.");
    ck_assert(dns_name_eq(&z->origin, &apex));
    ck_assert_str_eq(z->path, "t");
    ck_assert_uint_eq(z->nrr, 3);
    ck_assert_uint_eq(z->serial, 7);
    const zone_rr_t *soa = zone_soa(z);
    ck_assert_ptr_nonnull(soa);
    ck_assert(dns_name_eq(&soa->name, &apex));
    ck_assert_uint_eq(soa->ttl, 300);
    ck_assert_uint_eq(soa->rclass, DNS_C_IN);
    ck_assert_int_eq(soa->line, 3);
    RD_EQ(soa, 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
          10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't',
          'e', 's', 't', 0, 0, 0, 0, 7, 0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84, 0, 0x09, 0x3a, 0x80, 0, 0, 0, 30);
    const zone_rr_t *ns = s_one(z, "example.test.", DNS_T_NS); /* blank owner: the apex */
    RD_EQ(ns, 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0);
    ck_assert_int_eq(ns->line, 4);
    zone_destroy(&z);
    ck_assert_ptr_null(z);
    zone_destroy(&z); /* NULL is fine */
    zone_destroy(NULL);
}
END_TEST

START_TEST(test_names_relative_absolute_origin_change)
{
    zone_t *z = s_buf(HDR "www IN A 192.0.2.1\n"
                          "host.example.test. IN A 192.0.2.2\n"
                          "$ORIGIN sub\n" /* relative to the current origin */
                          "a IN A 192.0.2.3\n"
                          "@ IN TXT here\n"
                          "b IN CNAME a\n"
                          "c IN CNAME www.example.test.\n"
                          "d\\.e IN A 192.0.2.4\n"
                          "WwW.Example.Test. IN AAAA ::1\n");
    ck_assert_uint_eq(s_one(z, "www.example.test.", DNS_T_A)->rdata[3], 1);
    ck_assert_uint_eq(s_one(z, "host.example.test.", DNS_T_A)->rdata[3], 2);
    ck_assert_uint_eq(s_one(z, "a.sub.example.test.", DNS_T_A)->rdata[3], 3);
    s_one(z, "sub.example.test.", DNS_T_TXT);
    RD_EQ(s_one(z, "b.sub.example.test.", DNS_T_CNAME), 1, 'a', 3, 's', 'u', 'b', 7, 'e', 'x', 'a', 'm', 'p',
          'l', 'e', 4, 't', 'e', 's', 't', 0);
    RD_EQ(s_one(z, "c.sub.example.test.", DNS_T_CNAME), 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
          4, 't', 'e', 's', 't', 0);
    /* "d\.e" is one label with a dot in it */
    const zone_rr_t *d = s_one(z, "d\\.e.sub.example.test.", DNS_T_A);
    ck_assert_uint_eq(d->name.wire[0], 3);
    ck_assert_mem_eq(d->name.wire + 1, "d.e", 3);
    /* lookups are case-insensitive (RFC 4343) */
    s_one(z, "WWW.EXAMPLE.TEST.", DNS_T_A);
    s_one(z, "www.example.test.", DNS_T_AAAA);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_origin_argument)
{
    dns_name_t o = s_n("example.test.");
    const char *text = "@ 60 IN SOA ns1 h 1 2 3 4 5\n IN NS ns1\nns1 IN A 192.0.2.1\n";
    char err[256];
    zone_t *z = zone_load_buf("t", text, strlen(text), &o, err, sizeof err);
    ck_assert_msg(z != NULL, "%s", err);
    ck_assert(dns_name_eq(&z->origin, &o));
    s_one(z, "ns1.example.test.", DNS_T_A);
    ck_assert_uint_eq(s_one(z, "ns1.example.test.", DNS_T_A)->ttl, 60); /* the last TTL given */
    zone_destroy(&z);
    /* no origin given: an absolute SOA first sets the apex */
    z = s_buf("example.test. 60 IN SOA ns1.example.test. h.example.test. 1 2 3 4 5\n"
              " IN NS ns1.example.test.\nns1.example.test. IN A 192.0.2.1\n");
    ck_assert(dns_name_eq(&z->origin, &o));
    zone_destroy(&z);
}
END_TEST

START_TEST(test_blank_owner)
{
    zone_t *z = s_buf(HDR "many IN A 192.0.2.1\n  IN A 192.0.2.2\n\t IN A 192.0.2.3\n\n; c\n  IN TXT x\n");
    const zone_rr_t *r;
    dns_name_t n = s_n("many.example.test.");
    ck_assert_uint_eq(zone_find(z, &n, DNS_T_A, &r), 3);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(r[i].rdata[3], i + 1); /* file order within the RRset */
    ck_assert_uint_eq(zone_find(z, &n, DNS_T_TXT, &r), 1);
    ck_assert_int_eq(r->line, 11);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_ttl_class_order)
{
    zone_t *z = s_buf(HDR "a 60 IN A 192.0.2.1\nb IN 61 A 192.0.2.1\nc IN A 192.0.2.1\nd 62 A 192.0.2.1\n"
                          "e A 192.0.2.1\nf in a 192.0.2.1\ng CLASS1 63 A 192.0.2.1\n");
    ck_assert_uint_eq(s_one(z, "a.example.test.", DNS_T_A)->ttl, 60);
    ck_assert_uint_eq(s_one(z, "b.example.test.", DNS_T_A)->ttl, 61);
    ck_assert_uint_eq(s_one(z, "c.example.test.", DNS_T_A)->ttl, 300); /* $TTL, not the last given */
    ck_assert_uint_eq(s_one(z, "d.example.test.", DNS_T_A)->ttl, 62);
    ck_assert_uint_eq(s_one(z, "e.example.test.", DNS_T_A)->ttl, 300);
    ck_assert_uint_eq(s_one(z, "f.example.test.", DNS_T_A)->ttl, 300);
    ck_assert_uint_eq(s_one(z, "g.example.test.", DNS_T_A)->ttl, 63);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_ttl_units)
{
    zone_t *z = s_buf("$ORIGIN example.test.\n$TTL 1d\n@ IN SOA ns1 h 1 1h 30M 1W 1h30m\n IN NS ns1\n"
                      "ns1 A 192.0.2.1\na 1w2d3h4m5s A 192.0.2.1\nb 30m A 192.0.2.1\nc 1H A 192.0.2.1\n"
                      "d 2147483647 A 192.0.2.1\ne 0 A 192.0.2.1\n");
    ck_assert_uint_eq(s_one(z, "ns1.example.test.", DNS_T_A)->ttl, 86400);
    ck_assert_uint_eq(s_one(z, "a.example.test.", DNS_T_A)->ttl, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    ck_assert_uint_eq(s_one(z, "b.example.test.", DNS_T_A)->ttl, 1800);
    ck_assert_uint_eq(s_one(z, "c.example.test.", DNS_T_A)->ttl, 3600);
    ck_assert_uint_eq(s_one(z, "d.example.test.", DNS_T_A)->ttl, 2147483647u);
    ck_assert_uint_eq(s_one(z, "e.example.test.", DNS_T_A)->ttl, 0);
    const zone_rr_t *soa = zone_soa(z);
    const uint8_t *t = soa->rdata + soa->rdlen - 20;
    ck_assert_uint_eq(rd_be32(t), 1);
    ck_assert_uint_eq(rd_be32(t + 4), 3600);
    ck_assert_uint_eq(rd_be32(t + 8), 1800);
    ck_assert_uint_eq(rd_be32(t + 12), 604800);
    ck_assert_uint_eq(rd_be32(t + 16), 5400);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_no_ttl_directive_uses_last_ttl)
{
    /* RFC 1035 5.1: without $TTL an omitted TTL is the last one given */
    zone_t *z = s_buf("$ORIGIN example.test.\n@ 100 IN SOA ns1 h 1 2 3 4 5\n IN NS ns1\n"
                      "ns1 A 192.0.2.1\nx 200 A 192.0.2.2\ny A 192.0.2.3\n");
    ck_assert_uint_eq(s_one(z, "ns1.example.test.", DNS_T_A)->ttl, 100);
    ck_assert_uint_eq(s_one(z, "y.example.test.", DNS_T_A)->ttl, 200);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_parentheses_and_comments)
{
    zone_t *z = s_buf("; a zone\n$ORIGIN example.test. ; the apex\n$TTL 300\n"
                      "@ IN SOA ( ns1 ; primary\n"
                      "           hostmaster ; ( not a paren in a comment\n"
                      "           2026120201 ; serial\n"
                      "\n"
                      "           3600 900 ; refresh, retry\n"
                      "           604800 30 ) ; expire, minimum\n"
                      "  IN NS ns1 ; after the record\n"
                      "ns1 IN A 192.0.2.53\n"
                      "t IN TXT ( \"one\"\n \"two\" )\n");
    ck_assert_uint_eq(z->serial, 2026120201u);
    const zone_rr_t *soa = zone_soa(z);
    ck_assert_int_eq(soa->line, 4);
    const uint8_t *t = soa->rdata + soa->rdlen - 20;
    ck_assert_uint_eq(rd_be32(t + 4), 3600);
    ck_assert_uint_eq(rd_be32(t + 16), 30);
    ck_assert_int_eq(s_one(z, "example.test.", DNS_T_NS)->line, 10);
    RD_EQ(s_one(z, "t.example.test.", DNS_T_TXT), 3, 'o', 'n', 'e', 3, 't', 'w', 'o');
    zone_destroy(&z);
}
END_TEST

START_TEST(test_txt)
{
    zone_t *z = s_buf(HDR "a IN TXT \"v=spf1 mx -all\"\n"
                          "b IN TXT \"say \\\"hi\\\"\" \"back\\\\slash\" \"\\065\\066;()\"\n"
                          "c IN TXT plain\\032word two\n"
                          "d IN TXT \"\"\n");
    RD_EQ(s_one(z, "a.example.test.", DNS_T_TXT), 14, 'v', '=', 's', 'p', 'f', '1', ' ', 'm', 'x', ' ', '-', 'a',
          'l', 'l');
    RD_EQ(s_one(z, "b.example.test.", DNS_T_TXT), 8, 's', 'a', 'y', ' ', '"', 'h', 'i', '"', 10, 'b', 'a', 'c',
          'k', '\\', 's', 'l', 'a', 's', 'h', 5, 'A', 'B', ';', '(', ')');
    RD_EQ(s_one(z, "c.example.test.", DNS_T_TXT), 10, 'p', 'l', 'a', 'i', 'n', ' ', 'w', 'o', 'r', 'd', 3, 't',
          'w', 'o');
    RD_EQ(s_one(z, "d.example.test.", DNS_T_TXT), 0);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_rdata_bytes)
{
    zone_t *z = s_buf(HDR "@ IN MX 10 mail\n"
                          "mail IN A 198.51.100.25\n"
                          "v6 IN AAAA 2001:db8::10\n"
                          "r IN PTR www.example.test.\n"
                          "w IN CNAME www\n"
                          "lab IN NS ns.lab\n"
                          "m2 IN MX 65535 .\n");
    RD_EQ(s_one(z, "example.test.", DNS_T_MX), 0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l',
          'e', 4, 't', 'e', 's', 't', 0);
    RD_EQ(s_one(z, "mail.example.test.", DNS_T_A), 198, 51, 100, 25);
    RD_EQ(s_one(z, "v6.example.test.", DNS_T_AAAA), 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0x10);
    RD_EQ(s_one(z, "r.example.test.", DNS_T_PTR), 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't',
          'e', 's', 't', 0);
    RD_EQ(s_one(z, "w.example.test.", DNS_T_CNAME), 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4,
          't', 'e', 's', 't', 0);
    RD_EQ(s_one(z, "lab.example.test.", DNS_T_NS), 2, 'n', 's', 3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p',
          'l', 'e', 4, 't', 'e', 's', 't', 0);
    RD_EQ(s_one(z, "m2.example.test.", DNS_T_MX), 0xff, 0xff, 0);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_generic_rdata)
{
    /* RFC 3597 5: any type; hex split across tokens; "\#" for known types too */
    zone_t *z = s_buf(HDR "g IN TYPE65280 \\# 2 abcd\n"
                          "h IN TYPE65281 \\# 4 ab cd ( 01\n 23 )\n"
                          "e IN TYPE65282 \\# 0\n"
                          "a IN A \\# 4 C0000201\n"
                          "b IN TYPE1 192.0.2.2\n"
                          "t IN TXT \\# 3 026869\n"
                          "n IN NS \\# 5 036e733100\n");
    const zone_rr_t *g = s_one(z, "g.example.test.", 65280);
    RD_EQ(g, 0xab, 0xcd);
    RD_EQ(s_one(z, "h.example.test.", 65281), 0xab, 0xcd, 0x01, 0x23);
    ck_assert_uint_eq(s_one(z, "e.example.test.", 65282)->rdlen, 0);
    RD_EQ(s_one(z, "a.example.test.", DNS_T_A), 192, 0, 2, 1);
    RD_EQ(s_one(z, "b.example.test.", DNS_T_A), 192, 0, 2, 2);
    RD_EQ(s_one(z, "t.example.test.", DNS_T_TXT), 2, 'h', 'i');
    RD_EQ(s_one(z, "n.example.test.", DNS_T_NS), 3, 'n', 's', '1', 0);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_duplicates_merged_and_rrset_ttl)
{
    zone_t *z = s_buf(HDR "a IN A 192.0.2.1\na IN A 192.0.2.1\na 60 IN A 192.0.2.2\n"
                          "@ IN NS NS1.EXAMPLE.TEST.\n" /* the apex NS again: RDATA names compare case-insensitively */
                          "t 10 IN TXT x\nt 20 IN TXT y\n");
    const zone_rr_t *r;
    dns_name_t a = s_n("a.example.test.");
    ck_assert_uint_eq(zone_find(z, &a, DNS_T_A, &r), 2);
    ck_assert_uint_eq(r[0].rdata[3], 1);
    ck_assert_int_eq(r[0].line, 6); /* the first of the two copies is kept */
    ck_assert_uint_eq(r[1].ttl, 300); /* RFC 2181 5.2: one TTL per RRset; the first given wins */
    dns_name_t apex = s_n("example.test.");
    ck_assert_uint_eq(zone_find(z, &apex, DNS_T_NS, &r), 1);
    ck_assert_int_eq(r->line, 4);
    dns_name_t t = s_n("t.example.test.");
    ck_assert_uint_eq(zone_find(z, &t, DNS_T_TXT, &r), 2);
    ck_assert_uint_eq(r[0].ttl, 10);
    ck_assert_uint_eq(r[1].ttl, 10);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_canonical_order)
{
    /* RFC 4034 6.1's example order, under example.test. (x.z stands in for
     * its *.z, a wildcard we refuse) */
    zone_t *z = s_buf(HDR "z.a IN A 192.0.2.1\n\\200.z IN A 192.0.2.1\nx.z IN A 192.0.2.1\nZABC.a IN A 192.0.2.1\n"
                          "yljkjljk.a IN A 192.0.2.1\nz IN A 192.0.2.1\na IN A 192.0.2.1\n\\001.z IN A 192.0.2.1\n");
    static const char *const order[] = {
        "example.test.",         "example.test.",         "a.example.test.",     "yljkjljk.a.example.test.",
        "Z.a.example.test.",     "zABC.a.example.test.",  "ns1.example.test.",   "z.example.test.",
        "\\001.z.example.test.", "x.z.example.test.", "\\200.z.example.test."};
    ck_assert_uint_eq(z->nrr, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < z->nrr; i++) {
        dns_name_t n = s_n(order[i]);
        ck_assert_msg(dns_name_eq(&z->rr[i].name, &n), "rr[%zu] is not %s", i, order[i]);
    }
    ck_assert_uint_eq(z->rr[0].type, DNS_T_NS); /* then by type: NS (2) before SOA (6) */
    ck_assert_uint_eq(z->rr[1].type, DNS_T_SOA);
    zone_destroy(&z);
}
END_TEST

/* --------------------------------------------------------- bad lines */

static const struct {
    const char *text;
    const char *err; /* the whole message, label "t" */
} s_bad_texts[] = {
    {HDR "www IN A 192.0.2.300\n", "t:6: bad IPv4 address '192.0.2.300'"},
    {HDR "www IN A 192.0.2\n", "t:6: bad IPv4 address '192.0.2'"},
    {HDR "www IN AAAA 2001:db8::g\n", "t:6: bad IPv6 address '2001:db8::g'"},
    {HDR "www IN A 192.0.2.1 192.0.2.2\n", "t:6: A needs 1 RDATA field, got 2"},
    {HDR "www IN FOO 1\n", "t:6: unknown type FOO"},
    {HDR "www IN\n", "t:6: no type"},
    {HDR "www CH A 192.0.2.1\n", "t:6: class CH is not supported"},
    {HDR "www 60 HS A 192.0.2.1\n", "t:6: class HS is not supported"},
    {HDR "$INCLUDE other.zone\n", "t:6: $INCLUDE is not supported"},
    {HDR "$GENERATE 1-10 host$ A 192.0.2.$\n", "t:6: $GENERATE is not supported"},
    {HDR "$FOO bar\n", "t:6: unknown directive $FOO"},
    {"$ORIGIN example.test.\n$TTL 300\n\nwww IN A 192.0.2.1\n", "t:4: no SOA record"}, /* at the first record */
    {"", "t:1: no SOA record"},
    {HDR "@ IN SOA ns2 h 8 1 2 3 4\n", "t:6: second SOA (first at line 3)"},
    {"$ORIGIN example.test.\n$TTL 300\nwww IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n", "t:3: SOA not at the zone apex"},
    {"$ORIGIN example.test.\n$TTL 300\n@ IN SOA ns1 h 1 2 3 4 5\nwww IN NS ns1\n",
     "t:3: no NS record at the zone apex"}, /* at the SOA */
    {HDR "www IN A 192.0.2.1\nwww IN CNAME ns1\n", "t:7: CNAME and other data at www.example.test. (first at line 6)"},
    {HDR "www IN CNAME ns1\nx IN A 192.0.2.9\nwww IN TXT hi\n",
     "t:8: CNAME and other data at www.example.test. (first at line 6)"},
    {HDR "www IN CNAME ns1\nwww IN CNAME x\n", "t:7: two CNAMEs at www.example.test. (first at line 6)"},
    {HDR "www.other.test. IN A 192.0.2.1\n", "t:6: out of zone: www.other.test."},
    {HDR "$ORIGIN other.test.\n", "t:6: out of zone: other.test."},
    {HDR "* IN A 192.0.2.1\n", "t:6: wildcard owners are not supported"},
    {HDR "*.sub IN A 192.0.2.1\n", "t:6: wildcard owners are not supported"},
    {HDR "www IN TXT \"no end\n", "t:6: unterminated quote"},
    {HDR "www IN TXT ( a b\n", "t:6: unbalanced parentheses: '(' not closed"},
    {HDR "www IN TXT a b )\n", "t:6: unbalanced parentheses: ')' without '('"},
    {HDR "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa IN A 192.0.2.1\n",
     "t:6: label longer than 63 octets in 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"},
    {HDR "www IN TXT "
         "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "01234567890123456789012345678901234567890123456789012345\"\n",
     "t:6: TXT string longer than 255 octets"},
    {HDR "www IN TXT \"\\256\"\n", "t:6: bad escape in '\\256' (\\DDD is 000..255)"},
    {HDR "@ IN MX 70000 mail\n", "t:6: MX preference 70000 out of range (0..65535)"},
    {HDR "@ IN MX ten mail\n", "t:6: bad MX preference 'ten'"},
    {"$ORIGIN example.test.\n@ IN SOA ns1 h 1 2 3 4 5\n", "t:2: no TTL (add $TTL)"},
    {"   IN A 192.0.2.1\n", "t:1: blank owner with no previous owner"},
    {HDR "g IN TYPE65280 \\# 3 abcd\n", "t:6: generic RDATA length 3 does not match 2 octets of data"},
    {HDR "g IN TYPE65280 \\# 2 abc\n", "t:6: odd number of hex digits in generic RDATA"},
    {HDR "g IN TYPE65280 \\# 1 zz\n", "t:6: bad hex digit 'z' in generic RDATA"},
    {HDR "g IN TYPE65280 \\#\n", "t:6: generic RDATA needs a length after \\#"},
    {HDR "g IN TYPE65280 abcd\n", "t:6: TYPE65280 has no text form here: use the RFC 3597 generic form (\\# LEN HEX)"},
    {HDR "a IN A \\# 3 c00002\n", "t:6: generic RDATA is not a valid A"},
    {HDR "n IN NS \\# 2 c00c\n", "t:6: generic RDATA is not a valid NS"}, /* a compression pointer */
    {HDR "o IN TYPE41 \\# 0\n", "t:6: type TYPE41 cannot be in a zone file"},
    {HDR "o IN TYPE255 \\# 0\n", "t:6: type TYPE255 cannot be in a zone file"},
    {HDR "www 2147483648 IN A 192.0.2.1\n", "t:6: TTL 2147483648 out of range (max 2147483647)"},
    {HDR "www 1h30 IN A 192.0.2.1\n", "t:6: bad TTL '1h30'"},
    {HDR "$TTL 5x\n", "t:6: bad TTL '5x'"},
    {HDR "$ORIGIN\n", "t:6: $ORIGIN needs one name"},
    /* a record continued over lines 6-9: reported at line 6, where it starts */
    {HDR "@ IN SOA ( ns1 h\n 1\n 2 3 4\n 5x )\n", "t:6: bad SOA minimum '5x'"},
    {HDR "www IN A (\n  192.0.2.1\n  192.0.2.300 )\n", "t:6: A needs 1 RDATA field, got 2"},
    {HDR "x IN TXT ok\ny IN TXT (\n \"two\n\" )\n", "t:8: unterminated quote"}, /* where the quote opens */
    {"www IN A 192.0.2.1\n", "t:1: relative name 'www' with no $ORIGIN"},
    {"@ 60 IN SOA a. b. 1 2 3 4 5\n", "t:1: relative name '@' with no $ORIGIN"},
    {"$TTL 60\nwww.example.test. IN A 192.0.2.1\n", "t:2: no origin: set $ORIGIN before the first record"},
    {HDR "a..b IN A 192.0.2.1\n", "t:6: bad name 'a..b'"},
    {HDR "www IN SOA ns1 h 1 2 3\n", "t:6: SOA needs 7 RDATA fields, got 5"},
    {HDR "x IN TXT a\\\n", "t:6: backslash at the end of a line"},
};

START_TEST(test_bad_texts)
{
    const char *text = s_bad_texts[_i].text;
    char err[512];
    memset(err, 'x', sizeof err);
    zone_t *z = zone_load_buf("t", text, strlen(text), NULL, err, sizeof err);
    ck_assert_ptr_null(z);
    ck_assert_str_eq(err, s_bad_texts[_i].err);
}
END_TEST

START_TEST(test_nul_byte_and_no_err_buffer)
{
    static const char text[] = HDR "www IN A 192.0.2.1\0\n";
    char err[256];
    ck_assert_ptr_null(zone_load_buf("t", text, sizeof text - 1, NULL, err, sizeof err));
    ck_assert_str_eq(err, "t:6: NUL byte in the file");
    ck_assert_ptr_null(zone_load_buf("t", text, sizeof text - 1, NULL, NULL, 0)); /* fine without a buffer */
    /* a buffer needs no final newline */
    zone_t *z = zone_load_buf("t", HDR "x IN A 192.0.2.1", strlen(HDR) + 16, NULL, err, sizeof err);
    ck_assert_msg(z != NULL, "%s", err);
    zone_destroy(&z);
}
END_TEST

/* ------------------------------------------------------------ bad files */

static const struct {
    const char *file;
    int line;
    const char *reason;
} s_bad_files[] = {
    {"bad-cname-and-a.zone", 9, "CNAME and other data at www.example.test. (first at line 8)"},
    {"bad-two-cnames.zone", 9, "two CNAMEs at docs.example.test. (first at line 8)"},
    {"bad-type.zone", 7, "unknown type FOO"},
    {"bad-out-of-zone.zone", 7, "out of zone: www.other.test."},
    {"bad-include.zone", 7, "$INCLUDE is not supported"},
    {"bad-second-soa.zone", 7, "second SOA (first at line 4)"},
    {"bad-wildcard.zone", 7, "wildcard owners are not supported"},
    {"bad-class-ch.zone", 7, "class CH is not supported"},
    {"bad-ipv4.zone", 7, "bad IPv4 address '198.51.100.300'"},
    {"bad-generic-len.zone", 7, "generic RDATA length 4 does not match 3 octets of data"},
    {"bad-no-soa.zone", 4, "no SOA record"},
    {"bad-no-ns.zone", 4, "no NS record at the zone apex"},
    {"bad-soa-not-apex.zone", 4, "SOA not at the zone apex"},
    {"bad-no-ttl.zone", 4, "no TTL (add $TTL)"},
    {"bad-parens.zone", 4, "unbalanced parentheses: '(' not closed"},
    {"bad-soa-serial.zone", 5, "bad SOA serial '2026-12-02'"}, /* the SOA starts on 5, the serial is on 6 */
};

START_TEST(test_bad_files)
{
    char rel[128], path[512], err[512], exp[1024];
    snprintf(rel, sizeof rel, "tests/zones/%s", s_bad_files[_i].file);
    s_path(rel, path, sizeof path);
    zone_t *z = zone_load(path, NULL, err, sizeof err);
    ck_assert_ptr_null(z);
    snprintf(exp, sizeof exp, "%s:%d: %s", path, s_bad_files[_i].line, s_bad_files[_i].reason);
    ck_assert_str_eq(err, exp);
}
END_TEST

START_TEST(test_missing_file)
{
    char err[256];
    ck_assert_ptr_null(zone_load("/nonexistent/x.zone", NULL, err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/x.zone: cannot open: No such file or directory");
    ck_assert_ptr_null(zone_load(NULL, NULL, err, sizeof err));
    ck_assert_ptr_null(zone_load_hints("/nonexistent/root.hints", NULL, 0));
}
END_TEST

/* -------------------------------------------------------- shipped zones */

static const char *const s_shipped[] = {"root.zone", "test.zone", "example.test.zone", "lab.example.test.zone",
                                        "in-addr.arpa.zone"};

START_TEST(test_shipped_load)
{
    char rel[128];
    snprintf(rel, sizeof rel, "topologies/zones/%s", s_shipped[_i]);
    zone_t *z = s_file(rel);
    ck_assert_uint_eq(z->serial, 2026120201u);
    ck_assert_ptr_nonnull(zone_soa(z));
    const zone_rr_t *ns;
    ck_assert_uint_ge(zone_find(z, &z->origin, DNS_T_NS, &ns), 1);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_example_find)
{
    zone_t *z = s_file("topologies/zones/example.test.zone");
    RD_EQ(s_one(z, "www.example.test.", DNS_T_A), 198, 51, 100, 10);
    const zone_rr_t *r;
    dns_name_t many = s_n("many.example.test.");
    ck_assert_uint_eq(zone_find(z, &many, DNS_T_A, &r), 100);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(r[i].rdata[3], 100 + i);
    ck_assert_uint_eq(zone_find(z, &many, DNS_T_AAAA, &r), 0);
    ck_assert_ptr_null(r);
    /* ANY at the apex: NS, SOA, MX, TXT in type order */
    dns_name_t apex = s_n("example.test.");
    ck_assert_uint_eq(zone_find(z, &apex, DNS_T_ANY, &r), 4);
    ck_assert_uint_eq(r[0].type, DNS_T_NS);
    ck_assert_uint_eq(r[1].type, DNS_T_SOA);
    ck_assert_uint_eq(r[2].type, DNS_T_MX);
    ck_assert_uint_eq(r[3].type, DNS_T_TXT);
    ck_assert_uint_eq(zone_soa(z)->ttl, 300);
    ck_assert_uint_eq(s_one(z, "info.example.test.", DNS_T_TXT)->ttl, 3600);
    RD_EQ(s_one(z, "docs.example.test.", DNS_T_CNAME), 3, 'w', 'e', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4,
          't', 'e', 's', 't', 0);
    dns_name_t nx = s_n("nope.example.test.");
    ck_assert_uint_eq(zone_find(z, &nx, DNS_T_ANY, &r), 0);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_name_exists)
{
    zone_t *z = s_file("topologies/zones/in-addr.arpa.zone");
    dns_name_t n = s_n("10.2.0.192.in-addr.arpa.");
    ck_assert(zone_name_exists(z, &n));
    n = s_n("2.0.192.in-addr.arpa."); /* no records, but descendants: RFC 8020 */
    ck_assert(zone_name_exists(z, &n));
    n = s_n("192.in-addr.arpa.");
    ck_assert(zone_name_exists(z, &n));
    n = s_n("in-addr.arpa.");
    ck_assert(zone_name_exists(z, &n));
    n = s_n("3.0.192.in-addr.arpa.");
    ck_assert(!zone_name_exists(z, &n));
    n = s_n("99.2.0.192.in-addr.arpa.");
    ck_assert(!zone_name_exists(z, &n));
    n = s_n("example.test.");
    ck_assert(!zone_name_exists(z, &n)); /* not in the zone */
    zone_destroy(&z);
    z = s_file("topologies/zones/example.test.zone");
    n = s_n("www.example.test.");
    ck_assert(zone_name_exists(z, &n));
    n = s_n("nope.example.test.");
    ck_assert(!zone_name_exists(z, &n));
    n = s_n("a.www.example.test.");
    ck_assert(!zone_name_exists(z, &n));
    zone_destroy(&z);
}
END_TEST

START_TEST(test_cut_example)
{
    zone_t *z = s_file("topologies/zones/example.test.zone");
    dns_name_t lab = s_n("lab.example.test.");
    static const char *const under[] = {"lab.example.test.", "www.lab.example.test.", "ns.lab.example.test.",
                                        "a.b.c.lab.example.test."};
    for (size_t i = 0; i < sizeof under / sizeof under[0]; i++) {
        dns_name_t n = s_n(under[i]), cut;
        const zone_rr_t *ns = NULL;
        ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 1);
        ck_assert(dns_name_eq(&cut, &lab));
        RD_EQ(ns, 2, 'n', 's', 3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0);
    }
    const zone_rr_t *ns;
    dns_name_t cut, n = s_n("www.example.test.");
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 0);
    n = s_n("example.test."); /* the apex NS set is not a cut */
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 0);
    n = s_n("other.test.");
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 0);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_cut_root)
{
    zone_t *z = s_file("topologies/zones/root.zone");
    dns_name_t n = s_n("www.example.test."), cut, test = s_n("test.");
    const zone_rr_t *ns;
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 1);
    ck_assert(dns_name_eq(&cut, &test));
    RD_EQ(ns, 3, 'n', 's', '1', 3, 'n', 'i', 'c', 4, 't', 'e', 's', 't', 0);
    n = s_n("10.2.0.192.in-addr.arpa.");
    dns_name_t arpa = s_n("in-addr.arpa.");
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 1);
    ck_assert(dns_name_eq(&cut, &arpa));
    n = s_n(".");
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 0);
    n = s_n("org.");
    ck_assert_uint_eq(zone_cut(z, &n, &ns, &cut), 0);
    zone_destroy(&z);
}
END_TEST

START_TEST(test_cut_topmost)
{
    /* an NS set below a cut is the child's (occluded) data: the cut is lab */
    zone_t *z = s_buf(HDR "lab IN NS ns1\nsub.lab IN NS ns1\n");
    dns_name_t n = s_n("www.sub.lab.example.test."), cut, lab = s_n("lab.example.test.");
    ck_assert_uint_eq(zone_cut(z, &n, NULL, &cut), 1);
    ck_assert(dns_name_eq(&cut, &lab));
    zone_destroy(&z);
}
END_TEST

START_TEST(test_hints)
{
    char path[512], err[512];
    zone_t *z = zone_load_hints(s_path("topologies/zones/root.hints", path, sizeof path), err, sizeof err);
    ck_assert_msg(z != NULL, "%s", err);
    ck_assert_uint_eq(z->nrr, 2);
    ck_assert_uint_eq(z->origin.len, 1);
    ck_assert_ptr_null(zone_soa(z));
    const zone_rr_t *ns = s_one(z, ".", DNS_T_NS);
    ck_assert_uint_eq(ns->ttl, 3600000);
    RD_EQ(ns, 1, 'a', 12, 'r', 'o', 'o', 't', '-', 's', 'e', 'r', 'v', 'e', 'r', 's', 4, 't', 'e', 's', 't', 0);
    RD_EQ(s_one(z, "a.root-servers.test.", DNS_T_A), 203, 0, 113, 10);
    zone_destroy(&z);
    s_path("tests/zones/bad-hints-mx.hints", path, sizeof path);
    ck_assert_ptr_null(zone_load_hints(path, err, sizeof err));
    char exp[1024];
    snprintf(exp, sizeof exp, "%s:5: MX record in root hints (only NS, A, AAAA)", path);
    ck_assert_str_eq(err, exp);
}
END_TEST

/* ---------------------------------------------------------- robustness */

START_TEST(test_never_crashes)
{
    char path[512], err[512];
    s_path("topologies/zones/example.test.zone", path, sizeof path);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    static char orig[16384], buf[16384];
    size_t n = fread(orig, 1, sizeof orig, fp);
    fclose(fp);
    ck_assert_uint_gt(n, 100);
    static const char alphabet[] = " \t\n;()\"\\$@*.0123456789abcdefINASOXTMCH#-:";
    uint32_t x = 12345;
    int loaded = 0;
    for (int iter = 0; iter < 600; iter++) {
        memcpy(buf, orig, n);
        int edits = 1 + iter % 4;
        for (int e = 0; e < edits; e++) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            size_t pos = x % n;
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            buf[pos] = alphabet[x % (sizeof alphabet - 1)];
        }
        zone_t *z = zone_load_buf("m", buf, n, NULL, err, sizeof err);
        if (z) {
            loaded++;
            zone_destroy(&z);
        } else {
            ck_assert_msg(strncmp(err, "m:", 2) == 0, "iter %d: '%s'", iter, err);
            ck_assert_ptr_null(strchr(err, '\n'));
        }
    }
    ck_assert_int_gt(loaded, 0); /* edits inside comments and the like still load */
}
END_TEST

Suite *zone_suite(void)
{
    Suite *s = suite_create("zone");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_origin_ttl_apex_soa);
    tcase_add_test(tc, test_names_relative_absolute_origin_change);
    tcase_add_test(tc, test_origin_argument);
    tcase_add_test(tc, test_blank_owner);
    tcase_add_test(tc, test_ttl_class_order);
    tcase_add_test(tc, test_ttl_units);
    tcase_add_test(tc, test_no_ttl_directive_uses_last_ttl);
    tcase_add_test(tc, test_parentheses_and_comments);
    tcase_add_test(tc, test_txt);
    tcase_add_test(tc, test_rdata_bytes);
    tcase_add_test(tc, test_generic_rdata);
    tcase_add_test(tc, test_duplicates_merged_and_rrset_ttl);
    tcase_add_test(tc, test_canonical_order);
    tcase_add_loop_test(tc, test_bad_texts, 0, (int)(sizeof s_bad_texts / sizeof s_bad_texts[0]));
    tcase_add_test(tc, test_nul_byte_and_no_err_buffer);
    tcase_add_loop_test(tc, test_bad_files, 0, (int)(sizeof s_bad_files / sizeof s_bad_files[0]));
    tcase_add_test(tc, test_missing_file);
    tcase_add_loop_test(tc, test_shipped_load, 0, (int)(sizeof s_shipped / sizeof s_shipped[0]));
    tcase_add_test(tc, test_example_find);
    tcase_add_test(tc, test_name_exists);
    tcase_add_test(tc, test_cut_example);
    tcase_add_test(tc, test_cut_root);
    tcase_add_test(tc, test_cut_topmost);
    tcase_add_test(tc, test_hints);
    tcase_add_test(tc, test_never_crashes);
    suite_add_tcase(s, tc);
    return s;
}
