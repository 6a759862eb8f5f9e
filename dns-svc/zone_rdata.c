/*
 * zone_rdata.c -- presentation form to wire form for master files: names
 * ("@", absolute, relative to $ORIGIN; RFC 1035 5.1), TTLs with BIND's
 * units, type names, and the RDATA of A, AAAA (RFC 3596 2.4), NS, CNAME,
 * PTR, MX, SOA, TXT (RFC 1035 3.3) plus the RFC 3597 5 generic form
 * "\# LEN HEX" for any type. Every rejection comes back as a reason; the
 * caller puts "FILE:LINE: " in front.
 *
 * Call chain: zone.c s_record -> zone_rdata_name (owner), zone_rdata_ttl,
 * zone_rdata_type, zone_rdata_parse (-> s_generic | s_txt | ...); zone.c's
 * duplicate merge -> zone_rdata_cmp.
 */
#include "zone_int.h"
#include "wire/bytes.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- names */

/* Ends in an unescaped '.' ("a\." does not, "a\\." does). */
static bool s_absolute(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || t[n - 1] != '.')
        return false;
    size_t bs = 0;
    while (bs + 1 < n && t[n - 2 - bs] == '\\')
        bs++;
    return bs % 2 == 0;
}

int zone_rdata_name(const char *text, const dns_name_t *origin, dns_name_t *out, char *why, size_t whylen)
{
    bool at = strcmp(text, "@") == 0;
    if ((at || !s_absolute(text)) && !origin) {
        snprintf(why, whylen, "relative name '%.64s' with no $ORIGIN", text);
        return -1;
    }
    if (at) {
        *out = *origin;
        return 0;
    }
    int r = dns_name_from_text(text, s_absolute(text) ? NULL : origin, out);
    if (r == DNS_OK)
        return 0;
    if (r == DNS_ERR_LABEL_LEN)
        snprintf(why, whylen, "label longer than 63 octets in '%.80s'", text);
    else if (r == DNS_ERR_NAME_LEN)
        snprintf(why, whylen, "name longer than 255 octets: '%.80s'", text);
    else
        snprintf(why, whylen, "bad name '%.80s'", text);
    return -1;
}

/* -------------------------------------------------------------- numbers */

int zone_rdata_u32(const char *text, uint32_t max, uint32_t *out)
{
    if (!isdigit((unsigned char)*text))
        return -1;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        if (v <= UINT32_MAX)
            v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > max)
        return -2;
    *out = (uint32_t)v;
    return 0;
}

/* BIND's form: number+unit pairs in any order ("1h30m", "1w2d3h4m5s"), or
 * a plain number; a bare number after a unit ("1h30") is malformed. */
int zone_rdata_ttl(const char *text, uint32_t max, uint32_t *out)
{
    uint64_t total = 0;
    bool units = false;
    const char *p = text;
    if (!isdigit((unsigned char)*p))
        return -1;
    while (*p) {
        uint64_t v = 0;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++)
            if (v <= UINT32_MAX)
                v = v * 10 + (uint64_t)(*p - '0');
        if (*p == '\0') {
            if (units)
                return -1;
            total = v;
            break;
        }
        uint64_t mult;
        switch (tolower((unsigned char)*p)) {
        case 'w': mult = 604800; break;
        case 'd': mult = 86400; break;
        case 'h': mult = 3600; break;
        case 'm': mult = 60; break;
        case 's': mult = 1; break;
        default: return -1;
        }
        p++;
        units = true;
        total += v * mult; /* v <= 2^32 + 9, so no overflow in a few steps */
        if (total > UINT32_MAX)
            total = (uint64_t)UINT32_MAX + 1;
    }
    if (total > max)
        return -2;
    *out = (uint32_t)total;
    return 0;
}

/* ---------------------------------------------------------------- types */

static const struct {
    const char *name;
    uint16_t type;
} s_types[] = {{"A", DNS_T_A},     {"NS", DNS_T_NS}, {"CNAME", DNS_T_CNAME}, {"SOA", DNS_T_SOA},
               {"PTR", DNS_T_PTR}, {"MX", DNS_T_MX}, {"TXT", DNS_T_TXT},     {"AAAA", DNS_T_AAAA}};

int zone_rdata_type(const char *text)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcasecmp(text, s_types[i].name) == 0)
            return s_types[i].type;
    uint32_t v;
    if (strncasecmp(text, "TYPE", 4) == 0 && zone_rdata_u32(text + 4, 65535, &v) == 0)
        return (int)v;
    return -1;
}

const char *zone_rdata_type_name(uint16_t type, char *buf)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (s_types[i].type == type) {
            snprintf(buf, 16, "%s", s_types[i].name);
            return buf;
        }
    snprintf(buf, 16, "TYPE%u", type);
    return buf;
}

/* ------------------------------------------------------ wire-form checks */

/* End offset of the uncompressed name at rd+off, or -1. */
static long s_wire_name(const uint8_t *rd, size_t len, size_t off)
{
    size_t start = off;
    for (;;) {
        if (off >= len)
            return -1;
        uint8_t l = rd[off];
        if (l & 0xc0) /* a compression pointer or an extended label: not in RDATA here */
            return -1;
        off += (size_t)l + 1;
        if (off - start > DNS_NAME_MAX)
            return -1;
        if (l == 0)
            return (long)off;
    }
}

/* The RDATA of one of our types is well-formed (RFC 3597 5: "\#" data for
 * a known type must be valid for it). */
static bool s_wire_ok(uint16_t type, const uint8_t *rd, size_t len)
{
    long e;
    switch (type) {
    case DNS_T_A: return len == 4;
    case DNS_T_AAAA: return len == 16;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR: return s_wire_name(rd, len, 0) == (long)len;
    case DNS_T_MX: return len > 2 && s_wire_name(rd, len, 2) == (long)len;
    case DNS_T_SOA:
        e = s_wire_name(rd, len, 0);
        e = e < 0 ? -1 : s_wire_name(rd, len, (size_t)e);
        return e >= 0 && (size_t)e + 20 == len;
    case DNS_T_TXT:
        if (len == 0)
            return false;
        for (size_t off = 0; off < len; off += (size_t)rd[off] + 1)
            if (off + 1 + rd[off] > len)
                return false;
        return true;
    default: return true;
    }
}

/* Where the names are in an RDATA of our types: [*from, *to); false if none. */
static bool s_name_span(uint16_t type, const uint8_t *rd, size_t len, size_t *from, size_t *to)
{
    long a, b;
    switch (type) {
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        if ((a = s_wire_name(rd, len, 0)) < 0)
            return false;
        *from = 0, *to = (size_t)a;
        return true;
    case DNS_T_MX:
        if ((a = s_wire_name(rd, len, 2)) < 0)
            return false;
        *from = 2, *to = (size_t)a;
        return true;
    case DNS_T_SOA: /* MNAME and RNAME, back to back */
        if ((a = s_wire_name(rd, len, 0)) < 0 || (b = s_wire_name(rd, len, (size_t)a)) < 0)
            return false;
        *from = 0, *to = (size_t)b;
        return true;
    default: return false;
    }
}

int zone_rdata_cmp(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t fa = 0, ta = 0, fb = 0, tb = 0;
    s_name_span(type, a, alen, &fa, &ta);
    s_name_span(type, b, blen, &fb, &tb);
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        int ca = a[i], cb = b[i];
        /* label length octets are <= 63, below 'A': lowercasing a whole
         * name span only touches its letters */
        if (i >= fa && i < ta)
            ca = tolower(ca);
        if (i >= fb && i < tb)
            cb = tolower(cb);
        if (ca != cb)
            return ca - cb;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* ---------------------------------------------------------------- RDATA */

static int s_count(const char *tname, size_t want, size_t got, char *why, size_t whylen)
{
    snprintf(why, whylen, "%s needs %zu RDATA field%s, got %zu", tname, want, want == 1 ? "" : "s", got);
    return -1;
}

static int s_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3597 5: "\#" LEN then LEN octets in hex, which may be split into
 * several tokens. */
static int s_generic(uint16_t type, const char *tname, const zone_tok_t *tok, size_t ntok, uint8_t *rd,
                     size_t cap, size_t *rdlen, char *why, size_t whylen)
{
    uint32_t want;
    if (ntok < 2) {
        snprintf(why, whylen, "generic RDATA needs a length after \\#");
        return -1;
    }
    if (zone_rdata_u32(tok[1].text, 65535, &want) < 0) {
        snprintf(why, whylen, "bad generic RDATA length '%.32s'", tok[1].text);
        return -1;
    }
    size_t nib = 0;
    for (size_t i = 2; i < ntok; i++)
        for (const char *p = tok[i].text; *p; p++) {
            int v = s_hexval((unsigned char)*p);
            if (v < 0 || tok[i].quoted) {
                snprintf(why, whylen, "bad hex digit '%c' in generic RDATA", *p);
                return -1;
            }
            if (nib / 2 < cap) {
                if (nib % 2 == 0)
                    rd[nib / 2] = (uint8_t)(v << 4);
                else
                    rd[nib / 2] |= (uint8_t)v;
            }
            nib++;
        }
    if (nib % 2) {
        snprintf(why, whylen, "odd number of hex digits in generic RDATA");
        return -1;
    }
    if (nib / 2 != want) {
        snprintf(why, whylen, "generic RDATA length %u does not match %zu octets of data", want, nib / 2);
        return -1;
    }
    if (!s_wire_ok(type, rd, want)) {
        snprintf(why, whylen, "generic RDATA is not a valid %s", tname);
        return -1;
    }
    *rdlen = want;
    return 0;
}

/* One <character-string> (RFC 1035 3.3): \DDD and \X decoded. The length
 * octet goes at out[0]. Bytes written, or -1. */
static int s_string(const zone_tok_t *t, uint8_t *out, size_t cap, char *why, size_t whylen)
{
    size_t n = 0;
    for (const char *p = t->text; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '\\') {
            if (isdigit((unsigned char)p[1])) {
                if (!isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]) ||
                    (c = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0')) > 255) {
                    snprintf(why, whylen, "bad escape in '%.64s' (\\DDD is 000..255)", t->text);
                    return -1;
                }
                p += 3;
            } else {
                c = (unsigned char)*++p; /* the lexer never ends a token on a lone backslash */
            }
        }
        if (n >= 255) {
            snprintf(why, whylen, "TXT string longer than 255 octets");
            return -1;
        }
        if (1 + n < cap)
            out[1 + n] = (uint8_t)c;
        n++;
    }
    if (1 + n > cap) {
        snprintf(why, whylen, "RDATA longer than 65535 octets");
        return -1;
    }
    out[0] = (uint8_t)n;
    return (int)(1 + n);
}

static int s_name_field(const zone_tok_t *t, const dns_name_t *origin, uint8_t *rd, size_t cap, size_t *off,
                        char *why, size_t whylen)
{
    dns_name_t n;
    if (zone_rdata_name(t->text, origin, &n, why, whylen) < 0)
        return -1;
    int w = dns_rdata_put_name(&n, rd + *off, cap - *off);
    if (w < 0) {
        snprintf(why, whylen, "RDATA too long");
        return -1;
    }
    *off += (size_t)w;
    return 0;
}

static int s_soa(const zone_tok_t *tok, const dns_name_t *origin, uint8_t *rd, size_t cap, size_t *rdlen,
                 char *why, size_t whylen)
{
    static const char *const field[] = {"refresh", "retry", "expire", "minimum"};
    dns_soa_t soa;
    memset(&soa, 0, sizeof soa);
    if (zone_rdata_name(tok[0].text, origin, &soa.mname, why, whylen) < 0 ||
        zone_rdata_name(tok[1].text, origin, &soa.rname, why, whylen) < 0)
        return -1;
    if (zone_rdata_u32(tok[2].text, UINT32_MAX, &soa.serial) < 0) {
        snprintf(why, whylen, "bad SOA serial '%.32s'", tok[2].text);
        return -1;
    }
    uint32_t *v[] = {&soa.refresh, &soa.retry, &soa.expire, &soa.minimum};
    for (int i = 0; i < 4; i++)
        if (zone_rdata_ttl(tok[3 + i].text, UINT32_MAX, v[i]) < 0) {
            snprintf(why, whylen, "bad SOA %s '%.32s'", field[i], tok[3 + i].text);
            return -1;
        }
    int w = dns_rdata_put_soa(&soa, rd, cap);
    if (w < 0) {
        snprintf(why, whylen, "RDATA too long");
        return -1;
    }
    *rdlen = (size_t)w;
    return 0;
}

int zone_rdata_parse(uint16_t type, const zone_tok_t *tok, size_t ntok, const dns_name_t *origin,
                     uint8_t *rd, size_t cap, size_t *rdlen, char *why, size_t whylen)
{
    char tname[16];
    zone_rdata_type_name(type, tname);
    if (ntok > 0 && !tok[0].quoted && strcmp(tok[0].text, "\\#") == 0)
        return s_generic(type, tname, tok, ntok, rd, cap, rdlen, why, whylen);
    size_t off = 0;
    uint32_t pref;
    int r;
    switch (type) {
    case DNS_T_A:
        if (ntok != 1)
            return s_count(tname, 1, ntok, why, whylen);
        if (inet_pton(AF_INET, tok[0].text, rd) != 1) {
            snprintf(why, whylen, "bad IPv4 address '%.64s'", tok[0].text);
            return -1;
        }
        *rdlen = 4;
        return 0;
    case DNS_T_AAAA:
        if (ntok != 1)
            return s_count(tname, 1, ntok, why, whylen);
        if (inet_pton(AF_INET6, tok[0].text, rd) != 1) {
            snprintf(why, whylen, "bad IPv6 address '%.64s'", tok[0].text);
            return -1;
        }
        *rdlen = 16;
        return 0;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        if (ntok != 1)
            return s_count(tname, 1, ntok, why, whylen);
        if (s_name_field(&tok[0], origin, rd, cap, &off, why, whylen) < 0)
            return -1;
        *rdlen = off;
        return 0;
    case DNS_T_MX:
        if (ntok != 2)
            return s_count(tname, 2, ntok, why, whylen);
        if ((r = zone_rdata_u32(tok[0].text, 65535, &pref)) < 0) {
            if (r == -2)
                snprintf(why, whylen, "MX preference %.32s out of range (0..65535)", tok[0].text);
            else
                snprintf(why, whylen, "bad MX preference '%.32s'", tok[0].text);
            return -1;
        }
        wr_be16(rd, (uint16_t)pref);
        off = 2;
        if (s_name_field(&tok[1], origin, rd, cap, &off, why, whylen) < 0)
            return -1;
        *rdlen = off;
        return 0;
    case DNS_T_SOA:
        if (ntok != 7)
            return s_count(tname, 7, ntok, why, whylen);
        return s_soa(tok, origin, rd, cap, rdlen, why, whylen);
    case DNS_T_TXT:
        if (ntok == 0) {
            snprintf(why, whylen, "TXT needs at least one string");
            return -1;
        }
        for (size_t i = 0; i < ntok; i++) {
            if ((r = s_string(&tok[i], rd + off, cap - off, why, whylen)) < 0)
                return -1;
            off += (size_t)r;
        }
        *rdlen = off;
        return 0;
    default:
        snprintf(why, whylen, "%s has no text form here: use the RFC 3597 generic form (\\# LEN HEX)", tname);
        return -1;
    }
}
