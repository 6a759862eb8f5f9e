/*
 * dns_text.c -- DNS presentation forms: names to and from text (RFC 1035
 * 5.1 escapes), RDATA as dig prints it (RFC 3597 5 for unknown types), the
 * names of types, classes and rcodes, tcpdump's one-line summary
 * (print-domain.c, non-verbose), and the reason strings and counter names
 * of dns_reason_t. The wire codec is dns.c.
 *
 * Call chain: zone.c (master files) and apps/dig, apps/host ->
 * dns_name_from_text, dns_type_from_text; apps/dig -> dns_name_to_text,
 * dns_rdata_to_text, dns_*_to_text; every dns-svc log line -> dns_summary;
 * every dns-svc drop -> dns_reason_str, dns_reason_counter.
 *
 * Output goes into caller buffers through s_out_t, which truncates safely
 * and always NUL-terminates (when cap > 0).
 */
#include "wire/dns.h"
#include "wire/bytes.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ reasons */

static const char *const s_reason_str[DNS_ERR_COUNT] = {
    [DNS_OK] = "ok",
    [DNS_ERR_TRUNC_HEADER] = "truncated header",
    [DNS_ERR_COUNT_OVERRUN] = "counts overrun the message",
    [DNS_ERR_PTR_LOOP] = "compression pointer loop",
    [DNS_ERR_PTR_FORWARD] = "forward compression pointer",
    [DNS_ERR_PTR_PAST_END] = "compression pointer past the end",
    [DNS_ERR_LABEL_LEN] = "label longer than 63 octets",
    [DNS_ERR_LABEL_TYPE] = "unsupported label type",
    [DNS_ERR_NAME_LEN] = "name longer than 255 octets",
    [DNS_ERR_NAME_TRUNC] = "name runs past the end",
    [DNS_ERR_RDLEN] = "rdlength runs past the end",
    [DNS_ERR_RDATA] = "malformed rdata",
    [DNS_ERR_TOO_MANY] = "too many records",
    [DNS_ERR_OPT] = "misplaced or duplicate OPT",
    [DNS_ERR_NAME_SYNTAX] = "bad name syntax",
};

static const char *const s_reason_counter[DNS_ERR_COUNT] = {
    [DNS_OK] = "ok",
    [DNS_ERR_TRUNC_HEADER] = "trunc_header",
    [DNS_ERR_COUNT_OVERRUN] = "count_overrun",
    [DNS_ERR_PTR_LOOP] = "ptr_loop",
    [DNS_ERR_PTR_FORWARD] = "ptr_forward",
    [DNS_ERR_PTR_PAST_END] = "ptr_past_end",
    [DNS_ERR_LABEL_LEN] = "label_len",
    [DNS_ERR_LABEL_TYPE] = "label_type",
    [DNS_ERR_NAME_LEN] = "name_len",
    [DNS_ERR_NAME_TRUNC] = "name_trunc",
    [DNS_ERR_RDLEN] = "rdlen",
    [DNS_ERR_RDATA] = "rdata",
    [DNS_ERR_TOO_MANY] = "too_many",
    [DNS_ERR_OPT] = "opt",
    [DNS_ERR_NAME_SYNTAX] = "name_syntax",
};

const char *dns_reason_str(int reason)
{
    return reason >= 0 && reason < DNS_ERR_COUNT ? s_reason_str[reason] : "unknown";
}

const char *dns_reason_counter(int reason)
{
    return reason >= 0 && reason < DNS_ERR_COUNT ? s_reason_counter[reason] : "unknown";
}

/* ------------------------------------------------------------ output buffer */

typedef struct {
    char *buf;
    size_t cap, len; /* len counts what fitted; the text stays NUL-terminated */
} s_out_t;

static s_out_t s_out(char *buf, size_t cap)
{
    if (buf && cap)
        buf[0] = '\0';
    return (s_out_t){.buf = buf, .cap = buf ? cap : 0, .len = 0};
}

static void s_putc(s_out_t *o, char c)
{
    if (o->len + 1 < o->cap) {
        o->buf[o->len++] = c;
        o->buf[o->len] = '\0';
    }
}

static void s_puts(s_out_t *o, const char *s)
{
    while (*s)
        s_putc(o, *s++);
}

__attribute__((format(printf, 2, 3))) static void s_printf(s_out_t *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    s_puts(o, tmp);
}

/* ------------------------------------------------------------ names */

int dns_name_from_text(const char *text, const dns_name_t *origin, dns_name_t *out)
{
    out->len = 0;
    if (!text || !*text)
        return DNS_ERR_NAME_SYNTAX;
    /* RFC 1035 5.1: "@" alone denotes the current origin */
    if (strcmp(text, "@") == 0) {
        if (!origin)
            return DNS_ERR_NAME_SYNTAX;
        *out = *origin;
        return DNS_OK;
    }
    if (strcmp(text, ".") == 0) {
        out->wire[0] = 0;
        out->len = 1;
        return DNS_OK;
    }
    uint8_t label[DNS_LABEL_MAX];
    size_t llen = 0, wlen = 0;
    bool absolute = false;
    const char *p = text;
    while (*p) {
        unsigned c = (unsigned char)*p++;
        if (c == '.') {
            /* RFC 1035 3.1: only the root label is empty */
            if (llen == 0)
                return DNS_ERR_NAME_SYNTAX;
            if (wlen + 1 + llen + 1 > DNS_NAME_MAX) /* RFC 1035 2.3.4, root label included */
                return DNS_ERR_NAME_LEN;
            out->wire[wlen] = (uint8_t)llen;
            memcpy(out->wire + wlen + 1, label, llen);
            wlen += 1 + llen;
            llen = 0;
            if (!*p)
                absolute = true;
            continue;
        }
        if (c == '\\') {
            /* RFC 1035 5.1: \X is X itself, \DDD the octet with decimal value DDD */
            if (!*p)
                return DNS_ERR_NAME_SYNTAX;
            if (*p >= '0' && *p <= '9') {
                if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
                    return DNS_ERR_NAME_SYNTAX;
                c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
                if (c > 255)
                    return DNS_ERR_NAME_SYNTAX;
                p += 3;
            } else {
                c = (unsigned char)*p++;
            }
        }
        /* RFC 1035 2.3.4: labels are 63 octets or less */
        if (llen == DNS_LABEL_MAX)
            return DNS_ERR_LABEL_LEN;
        label[llen++] = (uint8_t)c;
    }
    if (llen) {
        if (wlen + 1 + llen + 1 > DNS_NAME_MAX)
            return DNS_ERR_NAME_LEN;
        out->wire[wlen] = (uint8_t)llen;
        memcpy(out->wire + wlen + 1, label, llen);
        wlen += 1 + llen;
    }
    out->wire[wlen++] = 0;
    out->len = (uint8_t)wlen;
    if (!absolute && origin) {
        dns_name_t rel = *out;
        return dns_name_concat(&rel, origin, out);
    }
    return DNS_OK;
}

/* One label's octets in presentation form, escaped as BIND/dig does. */
static void s_put_label(s_out_t *o, const uint8_t *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = l[i];
        if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' || c == '$') {
            s_putc(o, '\\');
            s_putc(o, (char)c);
        } else if (c <= 0x20 || c >= 0x7f) {
            s_printf(o, "\\%03u", c);
        } else {
            s_putc(o, (char)c);
        }
    }
}

static void s_put_name(s_out_t *o, const dns_name_t *name)
{
    size_t pos = 0;
    if (name->len <= 1) {
        s_putc(o, '.');
        return;
    }
    while (pos < name->len && name->wire[pos] != 0) {
        size_t n = name->wire[pos];
        if (pos + 1 + n > name->len)
            break;
        s_put_label(o, name->wire + pos + 1, n);
        s_putc(o, '.');
        pos += 1 + n;
    }
}

char *dns_name_to_text(const dns_name_t *name, char *buf, size_t cap)
{
    s_out_t o = s_out(buf, cap);
    s_put_name(&o, name);
    return buf;
}

/* ------------------------------------------------------------ RDATA */

static void s_put_generic(s_out_t *o, const uint8_t *rd, uint16_t len)
{
    /* RFC 3597 5: \# <length> <hex> */
    s_printf(o, "\\# %u", len);
    if (len)
        s_putc(o, ' ');
    for (uint16_t i = 0; i < len; i++)
        s_printf(o, "%02x", rd[i]);
}

/* TXT: each <character-string> quoted, as dig prints them; -1 if malformed. */
static int s_put_txt(s_out_t *o, const uint8_t *rd, uint16_t len)
{
    size_t p = 0;
    if (len == 0)
        return -1;
    while (p < len) {
        size_t n = rd[p];
        if (p + 1 + n > len)
            return -1;
        p += 1 + n;
    }
    for (p = 0; p < len;) {
        size_t n = rd[p++];
        if (p > 1)
            s_putc(o, ' ');
        s_putc(o, '"');
        for (size_t i = 0; i < n; i++, p++) {
            uint8_t c = rd[p];
            if (c == '"' || c == '\\') {
                s_putc(o, '\\');
                s_putc(o, (char)c);
            } else if (c < 0x20 || c >= 0x7f) {
                s_printf(o, "\\%03u", c);
            } else {
                s_putc(o, (char)c);
            }
        }
        s_putc(o, '"');
    }
    return 0;
}

char *dns_rdata_to_text(uint16_t type, const uint8_t *rd, uint16_t len, char *buf, size_t cap)
{
    s_out_t o = s_out(buf, cap);
    dns_name_t n;
    dns_soa_t soa;
    uint32_t a;
    uint16_t pref;
    char tmp[INET6_ADDRSTRLEN];
    int ok = -1;
    switch (type) {
    case DNS_T_A:
        if ((ok = dns_rdata_a(rd, len, &a)) == 0)
            s_puts(&o, ip4_fmt(a, tmp));
        break;
    case DNS_T_AAAA: /* RFC 3596 2.2 */
        if (len == 16 && inet_ntop(AF_INET6, rd, tmp, sizeof tmp)) {
            s_puts(&o, tmp);
            ok = 0;
        }
        break;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        if ((ok = dns_rdata_name(rd, len, &n)) == 0)
            s_put_name(&o, &n);
        break;
    case DNS_T_MX:
        if ((ok = dns_rdata_mx(rd, len, &pref, &n)) == 0) {
            s_printf(&o, "%u ", pref);
            s_put_name(&o, &n);
        }
        break;
    case DNS_T_SOA:
        if ((ok = dns_rdata_soa(rd, len, &soa)) == 0) {
            s_put_name(&o, &soa.mname);
            s_putc(&o, ' ');
            s_put_name(&o, &soa.rname);
            s_printf(&o, " %u %u %u %u %u", soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum);
        }
        break;
    case DNS_T_TXT:
        ok = s_put_txt(&o, rd, len);
        break;
    default:
        break;
    }
    if (ok != 0) {
        o = s_out(buf, cap);
        s_put_generic(&o, rd, len);
    }
    return buf;
}

/* ------------------------------------------------------------ names of things */

static const struct {
    uint16_t type;
    const char *name;
} s_types[] = {
    {DNS_T_A, "A"},     {DNS_T_NS, "NS"},   {DNS_T_CNAME, "CNAME"}, {DNS_T_SOA, "SOA"}, {DNS_T_PTR, "PTR"},
    {DNS_T_MX, "MX"},   {DNS_T_TXT, "TXT"}, {DNS_T_AAAA, "AAAA"},   {DNS_T_OPT, "OPT"}, {DNS_T_ANY, "ANY"},
};

char *dns_type_to_text(uint16_t type, char *buf)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (s_types[i].type == type)
            return strcpy(buf, s_types[i].name);
    snprintf(buf, 16, "TYPE%u", type); /* RFC 3597 5 */
    return buf;
}

/* "PREFIXnnn" (case-insensitive prefix, decimal 0..65535) -> nnn, or -1. */
static long s_generic_num(const char *text, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncasecmp(text, prefix, pl) != 0 || !text[pl])
        return -1;
    long v = 0;
    for (const char *p = text + pl; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > 0xffff)
            return -1;
    }
    return v;
}

int dns_type_from_text(const char *text)
{
    if (!text)
        return -1;
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcasecmp(text, s_types[i].name) == 0)
            return s_types[i].type;
    return (int)s_generic_num(text, "TYPE");
}

char *dns_rcode_to_text(uint16_t rcode, char *buf)
{
    /* RFC 1035 4.1.1, RFC 2136 2.2, RFC 6891 9 */
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
                                        "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
    if (rcode < sizeof names / sizeof names[0])
        return strcpy(buf, names[rcode]);
    if (rcode == DNS_RCODE_BADVERS)
        return strcpy(buf, "BADVERS");
    snprintf(buf, 16, "RCODE%u", rcode);
    return buf;
}

char *dns_class_to_text(uint16_t rclass, char *buf)
{
    switch (rclass) {
    case DNS_C_IN: return strcpy(buf, "IN");
    case 3: return strcpy(buf, "CH");
    case 4: return strcpy(buf, "HS");
    case 254: return strcpy(buf, "NONE"); /* RFC 2136 */
    case DNS_C_ANY: return strcpy(buf, "ANY");
    default: snprintf(buf, 16, "CLASS%u", rclass); return buf;
    }
}

/* ------------------------------------------------------------ summary */

/* tcpdump's spellings (print-domain.c ns_rcode, ns_ops). */
static const char *s_tcpdump_rcode(uint16_t rcode, char *tmp)
{
    static const char *const names[] = {"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused"};
    if (rcode < sizeof names / sizeof names[0])
        return names[rcode];
    snprintf(tmp, 16, " Resp%u", rcode);
    return tmp;
}

static const char *s_tcpdump_op(uint8_t opcode, char *tmp)
{
    static const char *const names[] = {"", " inv_q", " stat", " op3", " notify", " update"};
    if (opcode < sizeof names / sizeof names[0])
        return names[opcode];
    snprintf(tmp, 16, " op%u", opcode);
    return tmp;
}

char *dns_summary(const dns_msg_t *m, size_t wire_len, char *buf, size_t cap)
{
    s_out_t o = s_out(buf, cap);
    char t1[16], t2[16];
    /* the wire's ARCOUNT includes the OPT pseudo-record */
    size_t ar = m->count[DNS_SEC_ADDITIONAL] + (m->edns ? 1 : 0);
    s_printf(&o, "%u%s", m->id, s_tcpdump_op(m->opcode, t1));
    if (!m->qr) {
        s_puts(&o, m->rd ? "+" : "");
        s_puts(&o, m->cd ? "%" : "");
        if (m->qdcount != 1)
            s_printf(&o, " [%zuq]", m->qdcount);
        if (m->count[DNS_SEC_ANSWER])
            s_printf(&o, " [%zua]", m->count[DNS_SEC_ANSWER]);
        if (m->count[DNS_SEC_AUTHORITY])
            s_printf(&o, " [%zun]", m->count[DNS_SEC_AUTHORITY]);
        if (ar)
            s_printf(&o, " [%zuau]", ar);
        if (m->qdcount) {
            s_printf(&o, " %s? ", dns_type_to_text(m->qd[0].qtype, t1));
            s_put_name(&o, &m->qd[0].name);
        }
    } else {
        s_puts(&o, s_tcpdump_rcode(m->rcode, t2));
        s_puts(&o, m->aa ? "*" : "");
        s_puts(&o, m->ra ? "" : "-");
        s_puts(&o, m->tc ? "|" : "");
        if (m->qdcount != 1)
            s_printf(&o, " [%zuq]", m->qdcount);
        s_printf(&o, " %zu/%zu/%zu", m->count[DNS_SEC_ANSWER], m->count[DNS_SEC_AUTHORITY], ar);
        const dns_rr_t *an = dns_msg_section_c(m, DNS_SEC_ANSWER);
        char rdtext[DNS_NAME_TEXT_MAX];
        for (size_t i = 0; i < m->count[DNS_SEC_ANSWER] && o.len + 1 < o.cap; i++) {
            if (i)
                s_putc(&o, ',');
            s_printf(&o, " %s ", dns_type_to_text(an[i].type, t1));
            s_puts(&o, dns_rdata_to_text(an[i].type, dns_rr_rdata(m, &an[i]), an[i].rdlen, rdtext, sizeof rdtext));
        }
    }
    s_printf(&o, " (%zu)", wire_len);
    return buf;
}
