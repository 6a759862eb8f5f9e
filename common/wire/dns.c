/*
 * dns.c -- DNS message codec (RFC 1035 4.1): parse with every compression
 * pointer expanded and every count, length and RDATA checked; emit with name
 * compression and UDP truncation; the message builders; wire-form name
 * operations; the decoders of the RFC 1035 RDATA formats. Text forms
 * (names, RDATA, types, rcodes, the tcpdump summary, reasons) live in
 * dns_text.c.
 *
 * Call chain: dns-svc (stub, resolver, authoritative) -> dns_parse() for
 * every message from the dns:transport pipe and dns_emit() for every reply
 * or query it sends; apps/dig and apps/host -> dns_msg_init_query, dns_emit,
 * dns_parse, dns_rdata_*; zone.c -> dns_name_* and dns_rdata_put_*.
 *
 * Parse roadmap (RFC 1035 4.1): header (4.1.1), QDCOUNT questions (4.1.2),
 * then ANCOUNT + NSCOUNT + ARCOUNT records (4.1.3); each name is read by
 * s_read_name, which follows pointers (4.1.4) and enforces 2.3.4; each
 * record's RDATA is checked against its type by s_parse_rdata and copied,
 * expanded, into the message's pool; OPT (RFC 6891 6.1) goes to the edns
 * fields. The first problem found decides the reason; nothing is repaired.
 */
#include "wire/dns.h"
#include "wire/bytes.h"

#include <stddef.h>
#include <string.h>

#define DNS_RR_FIXED 10        /* TYPE, CLASS, TTL, RDLENGTH (RFC 1035 4.1.3) */
#define DNS_RR_OFF_TYPE 0
#define DNS_RR_OFF_CLASS 2
#define DNS_RR_OFF_TTL 4
#define DNS_RR_OFF_RDLEN 8
#define DNS_Q_FIXED 4          /* QTYPE, QCLASS (RFC 1035 4.1.2) */
#define DNS_SOA_FIXED 20       /* SERIAL REFRESH RETRY EXPIRE MINIMUM */
#define DNS_PTR_MASK 0xc0
#define DNS_PTR_MAX_OFF 0x3fff /* 14-bit offset (RFC 1035 4.1.4) */
#define DNS_PTR_MAX_HOPS 127   /* a legal chain cannot be longer: each hop needs a new label */
#define DNS_COMPRESS_MAX 512   /* suffix offsets remembered by the emitter */

/* Header part of dns_msg_t (everything before the RDATA pool), cleared on parse. */
#define DNS_MSG_HEAD offsetof(dns_msg_t, rdata)

/* ------------------------------------------------------------ names (wire) */

static inline uint8_t s_lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

/* RFC 4343 3: ASCII case-insensitive comparison of octets. */
static bool s_caseless_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_lower(a[i]) != s_lower(b[i]))
            return false;
    return true;
}

/*
 * Read a possibly compressed name at buf[*off]; *off moves past the name as
 * it appears at that position (up to and including the first pointer).
 * Until the first pointer the name must end by lim (the message, or the
 * RDATA holding it), else trunc_rc; pointer targets may be anywhere before
 * the pointer in the message. RFC 1035 4.1.4: a pointer refers to a prior occurrence; targets past the
 * end, loops and forward references are rejected, in that order.
 */
static int s_read_name(const uint8_t *buf, size_t len, size_t lim, int trunc_rc, size_t *off, dns_name_t *out)
{
    size_t pos = *off, end = 0;
    bool jumped = false;
    uint16_t seen[DNS_PTR_MAX_HOPS + 2];
    int nseen = 0, hops = 0;
    seen[nseen++] = (uint16_t)pos;
    out->len = 0;
    for (;;) {
        size_t bound = jumped ? len : lim;
        if (pos >= bound)
            return trunc_rc;
        uint8_t c = buf[pos];
        if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
            if (pos + 2 > bound)
                return trunc_rc;
            size_t target = rd_be16(buf + pos) & DNS_PTR_MAX_OFF;
            if (target >= len)
                return DNS_ERR_PTR_PAST_END;
            if (target == pos || ++hops > DNS_PTR_MAX_HOPS)
                return DNS_ERR_PTR_LOOP;
            for (int i = 0; i < nseen; i++)
                if (seen[i] == target)
                    return DNS_ERR_PTR_LOOP;
            if (target > pos)
                return DNS_ERR_PTR_FORWARD;
            seen[nseen++] = (uint16_t)target;
            if (!jumped)
                end = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        /* RFC 6891 5: label types 01 and 10 (extended/binary labels) are not supported */
        if (c & DNS_PTR_MASK)
            return DNS_ERR_LABEL_TYPE;
        /* RFC 1035 2.3.4: names are at most 255 octets, root label included */
        if ((size_t)out->len + 1 + c > DNS_NAME_MAX)
            return DNS_ERR_NAME_LEN;
        if (pos + 1 + c > bound)
            return trunc_rc;
        memcpy(out->wire + out->len, buf + pos, (size_t)c + 1);
        out->len = (uint8_t)(out->len + 1 + c);
        pos += 1 + (size_t)c;
        if (c == 0)
            break;
    }
    *off = jumped ? end : pos;
    return DNS_OK;
}

/* An uncompressed name at the start of rd[0..len); its wire length, or -1. */
static int s_wire_name(const uint8_t *rd, size_t len, dns_name_t *out)
{
    size_t pos = 0;
    for (;;) {
        if (pos >= len)
            return -1;
        uint8_t c = rd[pos];
        if ((c & DNS_PTR_MASK) || pos + 1 + c > len || pos + 1 + c > DNS_NAME_MAX)
            return -1;
        pos += 1 + (size_t)c;
        if (c == 0)
            break;
    }
    if (out) {
        memcpy(out->wire, rd, pos);
        out->len = (uint8_t)pos;
    }
    return (int)pos;
}

bool dns_name_eq(const dns_name_t *a, const dns_name_t *b)
{
    /* length octets are < 64, so they compare unchanged under s_lower */
    return a->len == b->len && s_caseless_eq(a->wire, b->wire, a->len);
}

bool dns_name_is_sub(const dns_name_t *name, const dns_name_t *zone)
{
    size_t pos = 0;
    while (pos < name->len) {
        if (name->len - pos == zone->len && s_caseless_eq(name->wire + pos, zone->wire, zone->len))
            return true;
        if (name->wire[pos] == 0)
            break;
        pos += 1 + (size_t)name->wire[pos];
    }
    return false;
}

int dns_name_labels(const dns_name_t *name)
{
    int n = 0;
    size_t pos = 0;
    while (pos < name->len && name->wire[pos] != 0) {
        pos += 1 + (size_t)name->wire[pos];
        n++;
    }
    return n;
}

int dns_name_parent(const dns_name_t *name, int n, dns_name_t *out)
{
    if (n < 0 || n > dns_name_labels(name))
        return -1;
    size_t pos = 0;
    for (int i = 0; i < n; i++)
        pos += 1 + (size_t)name->wire[pos];
    uint8_t len = (uint8_t)(name->len - pos);
    memmove(out->wire, name->wire + pos, len);
    out->len = len;
    return 0;
}

int dns_name_concat(const dns_name_t *prefix, const dns_name_t *suffix, dns_name_t *out)
{
    size_t plen = prefix->len ? (size_t)prefix->len - 1 : 0;
    /* RFC 1035 2.3.4 */
    if (plen + suffix->len > DNS_NAME_MAX)
        return DNS_ERR_NAME_LEN;
    memcpy(out->wire, prefix->wire, plen);
    memcpy(out->wire + plen, suffix->wire, suffix->len);
    out->len = (uint8_t)(plen + suffix->len);
    return DNS_OK;
}

void dns_name_reverse4(uint32_t addr, dns_name_t *out)
{
    /* RFC 1035 3.5: the octets in reverse order under in-addr.arpa. */
    size_t pos = 0;
    for (int i = 0; i < 4; i++) {
        unsigned o = (addr >> (8 * i)) & 0xff;
        uint8_t *l = out->wire + pos++;
        *l = 0;
        if (o >= 100)
            out->wire[pos++] = (uint8_t)('0' + o / 100), (*l)++;
        if (o >= 10)
            out->wire[pos++] = (uint8_t)('0' + o / 10 % 10), (*l)++;
        out->wire[pos++] = (uint8_t)('0' + o % 10), (*l)++;
    }
    static const uint8_t arpa[] = "\7in-addr\4arpa";
    memcpy(out->wire + pos, arpa, sizeof arpa); /* with the root label (the NUL) */
    out->len = (uint8_t)(pos + sizeof arpa);
}

/* ------------------------------------------------------------ RDATA views */

int dns_rdata_a(const uint8_t *rd, uint16_t len, uint32_t *addr)
{
    if (len != 4)
        return -1;
    *addr = rd_be32(rd);
    return 0;
}

int dns_rdata_name(const uint8_t *rd, uint16_t len, dns_name_t *out)
{
    return s_wire_name(rd, len, out) == (int)len ? 0 : -1;
}

int dns_rdata_mx(const uint8_t *rd, uint16_t len, uint16_t *pref, dns_name_t *exchange)
{
    if (len < 3 || s_wire_name(rd + 2, (size_t)len - 2, exchange) != (int)len - 2)
        return -1;
    *pref = rd_be16(rd);
    return 0;
}

int dns_rdata_soa(const uint8_t *rd, uint16_t len, dns_soa_t *soa)
{
    int m = s_wire_name(rd, len, &soa->mname);
    if (m < 0)
        return -1;
    int r = s_wire_name(rd + m, (size_t)len - (size_t)m, &soa->rname);
    if (r < 0 || (size_t)m + (size_t)r + DNS_SOA_FIXED != len)
        return -1;
    const uint8_t *p = rd + m + r;
    soa->serial = rd_be32(p);
    soa->refresh = rd_be32(p + 4);
    soa->retry = rd_be32(p + 8);
    soa->expire = rd_be32(p + 12);
    soa->minimum = rd_be32(p + 16);
    return 0;
}

int dns_rdata_put_name(const dns_name_t *name, uint8_t *rd, size_t cap)
{
    if (name->len > cap)
        return -1;
    memcpy(rd, name->wire, name->len);
    return name->len;
}

int dns_rdata_put_soa(const dns_soa_t *soa, uint8_t *rd, size_t cap)
{
    size_t need = (size_t)soa->mname.len + soa->rname.len + DNS_SOA_FIXED;
    if (need > cap)
        return -1;
    uint8_t *p = rd;
    memcpy(p, soa->mname.wire, soa->mname.len);
    p += soa->mname.len;
    memcpy(p, soa->rname.wire, soa->rname.len);
    p += soa->rname.len;
    wr_be32(p, soa->serial);
    wr_be32(p + 4, soa->refresh);
    wr_be32(p + 8, soa->retry);
    wr_be32(p + 12, soa->expire);
    wr_be32(p + 16, soa->minimum);
    return (int)need;
}

/* ------------------------------------------------------------ parse */

int dns_parse_header(const uint8_t *buf, size_t len, dns_msg_t *m)
{
    memset(m, 0, DNS_MSG_HEAD);
    /* RFC 1035 4.1.1: the header is always present and 12 octets long */
    if (!buf || len < DNS_HDR_LEN)
        return DNS_ERR_TRUNC_HEADER;
    uint16_t f = rd_be16(buf + DNS_OFF_FLAGS);
    m->id = rd_be16(buf + DNS_OFF_ID);
    m->qr = f & DNS_FLAG_QR;
    m->opcode = (uint8_t)((f >> 11) & 0xf);
    m->aa = f & DNS_FLAG_AA;
    m->tc = f & DNS_FLAG_TC;
    m->rd = f & DNS_FLAG_RD;
    m->ra = f & DNS_FLAG_RA;
    m->ad = f & DNS_FLAG_AD;
    m->cd = f & DNS_FLAG_CD;
    m->rcode = f & 0xf;
    m->qdcount = rd_be16(buf + DNS_OFF_QDCOUNT);
    m->count[DNS_SEC_ANSWER] = rd_be16(buf + DNS_OFF_ANCOUNT);
    m->count[DNS_SEC_AUTHORITY] = rd_be16(buf + DNS_OFF_NSCOUNT);
    m->count[DNS_SEC_ADDITIONAL] = rd_be16(buf + DNS_OFF_ARCOUNT);
    return DNS_OK;
}

/* Reserve n bytes of the RDATA pool. */
static uint8_t *s_pool(dns_msg_t *m, size_t n)
{
    if (n > DNS_RDATA_POOL - m->rdused)
        return NULL;
    return m->rdata + m->rdused;
}

/* A name inside RDATA at buf[*pos], which must end by rdend; expanded into dst. */
static int s_rdata_name(const uint8_t *buf, size_t len, size_t *pos, size_t rdend, uint8_t *dst, size_t *dlen)
{
    dns_name_t n;
    int rc = s_read_name(buf, len, rdend, DNS_ERR_RDATA, pos, &n);
    if (rc != DNS_OK)
        return rc;
    memcpy(dst + *dlen, n.wire, n.len);
    *dlen += n.len;
    return DNS_OK;
}

/*
 * Check RDATA buf[pos..pos+rdlen) against its type and copy it, names
 * expanded, into the pool at rr->rdoff. RFC 3597 4: only the RFC 1035 types
 * carry compressed names; every other type is opaque.
 */
static int s_parse_rdata(const uint8_t *buf, size_t len, size_t pos, uint16_t rdlen, dns_msg_t *m, dns_rr_t *rr)
{
    size_t rdend = pos + rdlen, dlen = 0;
    uint8_t tmp[2 * DNS_NAME_MAX + DNS_SOA_FIXED];
    uint8_t *dst;
    int rc = DNS_OK;
    switch (rr->type) {
    case DNS_T_A:    /* RFC 1035 3.4.1: a 32-bit address */
    case DNS_T_AAAA: /* RFC 3596 2.2: a 128-bit address */
        /* class-specific formats (RFC 3597 4): only IN's are known; a CH A
         * (RFC 1035 3.4.1 does not define it) stays opaque */
        if (rr->rclass == DNS_C_IN && rdlen != (rr->type == DNS_T_A ? 4 : 16))
            return DNS_ERR_RDATA;
        goto opaque;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR: /* RFC 1035 3.3.11, 3.3.1, 3.3.12: one name */
        rc = s_rdata_name(buf, len, &pos, rdend, tmp, &dlen);
        break;
    case DNS_T_MX: /* RFC 1035 3.3.9: PREFERENCE, EXCHANGE */
        if (rdlen < 2)
            return DNS_ERR_RDATA;
        memcpy(tmp, buf + pos, 2);
        dlen = 2;
        pos += 2;
        rc = s_rdata_name(buf, len, &pos, rdend, tmp, &dlen);
        break;
    case DNS_T_SOA: /* RFC 1035 3.3.13: MNAME RNAME and five 32-bit fields */
        rc = s_rdata_name(buf, len, &pos, rdend, tmp, &dlen);
        if (rc == DNS_OK)
            rc = s_rdata_name(buf, len, &pos, rdend, tmp, &dlen);
        if (rc == DNS_OK && rdend - pos != DNS_SOA_FIXED)
            return DNS_ERR_RDATA;
        if (rc == DNS_OK) {
            memcpy(tmp + dlen, buf + pos, DNS_SOA_FIXED);
            dlen += DNS_SOA_FIXED;
            pos = rdend;
        }
        break;
    case DNS_T_TXT: { /* RFC 1035 3.3.14: one or more <character-string> */
        size_t p = pos;
        if (rdlen == 0)
            return DNS_ERR_RDATA;
        while (p < rdend)
            p += 1 + (size_t)buf[p];
        if (p != rdend)
            return DNS_ERR_RDATA;
        goto opaque;
    }
    default:
        goto opaque;
    }
    if (rc != DNS_OK)
        return rc;
    /* the names (and fixed fields) must fill RDLENGTH exactly */
    if (pos != rdend)
        return DNS_ERR_RDATA;
    if (!(dst = s_pool(m, dlen)))
        return DNS_ERR_TOO_MANY;
    memcpy(dst, tmp, dlen);
    rr->rdoff = m->rdused;
    rr->rdlen = (uint16_t)dlen;
    m->rdused += (uint32_t)dlen;
    return DNS_OK;
opaque:
    if (!(dst = s_pool(m, rdlen)))
        return DNS_ERR_TOO_MANY;
    memcpy(dst, buf + pos, rdlen);
    rr->rdoff = m->rdused;
    rr->rdlen = rdlen;
    m->rdused += rdlen;
    return DNS_OK;
}

/* RFC 6891 6.1.2-6.1.3: the OPT pseudo-RR's fields into the edns repr. */
static int s_parse_opt(const uint8_t *buf, size_t pos, uint16_t rdlen, const dns_name_t *owner, uint16_t rclass,
                       uint32_t ttl, dns_section_t sec, dns_msg_t *m)
{
    /* RFC 6891 6.1.1: at most one OPT, in the additional section, owner root */
    if (sec != DNS_SEC_ADDITIONAL || m->edns || owner->len != 1)
        return DNS_ERR_OPT;
    if (rdlen > DNS_OPT_MAX)
        return DNS_ERR_TOO_MANY;
    m->edns = true;
    m->edns_udp_size = rclass;
    m->rcode = (uint16_t)(m->rcode | (ttl >> 24) << 4);
    m->edns_version = (uint8_t)(ttl >> 16);
    m->edns_do = ttl & 0x8000;
    m->edns_optlen = rdlen;
    memcpy(m->edns_opts, buf + pos, rdlen);
    return DNS_OK;
}

int dns_parse(const uint8_t *buf, size_t len, dns_msg_t *m)
{
    int rc = dns_parse_header(buf, len, m);
    if (rc != DNS_OK)
        return rc;
    size_t qd = m->qdcount;
    size_t want[DNS_SEC_COUNT] = {m->count[0], m->count[1], m->count[2]};
    m->qdcount = 0;
    memset(m->count, 0, sizeof m->count);
    size_t pos = DNS_HDR_LEN;

    /* RFC 1035 4.1.2: QDCOUNT entries of QNAME QTYPE QCLASS */
    for (size_t i = 0; i < qd; i++) {
        if (pos >= len)
            return DNS_ERR_COUNT_OVERRUN;
        if (i >= DNS_MSG_MAX_Q)
            return DNS_ERR_TOO_MANY;
        dns_question_t *q = &m->qd[i];
        if ((rc = s_read_name(buf, len, len, DNS_ERR_NAME_TRUNC, &pos, &q->name)) != DNS_OK)
            return rc;
        if (len - pos < DNS_Q_FIXED)
            return DNS_ERR_COUNT_OVERRUN;
        q->qtype = rd_be16(buf + pos);
        q->qclass = rd_be16(buf + pos + 2);
        pos += DNS_Q_FIXED;
        m->qdcount++;
    }

    /* RFC 1035 4.1.3: the answer, authority and additional records, in order */
    size_t nrr = 0;
    for (int sec = 0; sec < DNS_SEC_COUNT; sec++) {
        for (size_t i = 0; i < want[sec]; i++) {
            if (pos >= len)
                return DNS_ERR_COUNT_OVERRUN;
            dns_rr_t rr;
            if ((rc = s_read_name(buf, len, len, DNS_ERR_NAME_TRUNC, &pos, &rr.name)) != DNS_OK)
                return rc;
            if (len - pos < DNS_RR_FIXED)
                return DNS_ERR_COUNT_OVERRUN;
            rr.type = rd_be16(buf + pos + DNS_RR_OFF_TYPE);
            rr.rclass = rd_be16(buf + pos + DNS_RR_OFF_CLASS);
            rr.ttl = rd_be32(buf + pos + DNS_RR_OFF_TTL);
            uint16_t rdlen = rd_be16(buf + pos + DNS_RR_OFF_RDLEN);
            pos += DNS_RR_FIXED;
            if (len - pos < rdlen)
                return DNS_ERR_RDLEN;
            if (rr.type == DNS_T_OPT) {
                rc = s_parse_opt(buf, pos, rdlen, &rr.name, rr.rclass, rr.ttl, (dns_section_t)sec, m);
            } else if (nrr >= DNS_MSG_MAX_RR) {
                rc = DNS_ERR_TOO_MANY;
            } else if ((rc = s_parse_rdata(buf, len, pos, rdlen, m, &rr)) == DNS_OK) {
                m->rr[nrr++] = rr;
                m->count[sec]++;
            }
            if (rc != DNS_OK)
                return rc;
            pos += rdlen;
        }
    }
    /* RFC 1035 does not forbid trailing bytes; they are ignored */
    return DNS_OK;
}

/* ------------------------------------------------------------ emit */

typedef struct {
    uint8_t *buf;
    size_t cap, len;
    bool full;                          /* a write did not fit */
    uint16_t sfx[DNS_COMPRESS_MAX];     /* offsets of written labels, for pointers */
    size_t nsfx;
} s_writer_t;

static uint8_t *s_room(s_writer_t *w, size_t n)
{
    if (w->full || n > w->cap - w->len) {
        w->full = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void s_put16(s_writer_t *w, uint16_t v)
{
    uint8_t *p = s_room(w, 2);
    if (p)
        wr_be16(p, v);
}

static void s_put32(s_writer_t *w, uint32_t v)
{
    uint8_t *p = s_room(w, 4);
    if (p)
        wr_be32(p, v);
}

static void s_put_bytes(s_writer_t *w, const uint8_t *src, size_t n)
{
    uint8_t *p = s_room(w, n);
    if (p && n)
        memcpy(p, src, n);
}

/* The name already written at offset o (pointers followed) equals the
 * uncompressed suffix sfx, octet for octet: exact match keeps the case the
 * caller gave (RFC 4343 4.1). */
static bool s_match_at(const s_writer_t *w, size_t o, const uint8_t *sfx)
{
    for (int hops = 0; hops <= DNS_PTR_MAX_HOPS && o < w->len;) {
        uint8_t c = w->buf[o];
        if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
            o = rd_be16(w->buf + o) & DNS_PTR_MAX_OFF;
            hops++;
            continue;
        }
        if (c != *sfx)
            return false;
        if (c == 0)
            return true;
        if (memcmp(w->buf + o + 1, sfx + 1, c) != 0)
            return false;
        o += 1 + (size_t)c;
        sfx += 1 + (size_t)c;
    }
    return false;
}

/* RFC 1035 4.1.4: write name, replacing its longest suffix already in the
 * message with a pointer (only offsets that fit in 14 bits are remembered). */
static void s_put_name(s_writer_t *w, const uint8_t *wire, size_t wlen)
{
    size_t pos = 0, ptr_at = wlen, ptr = 0;
    /* a dns_name_t that is not a well-formed wire name cannot be encoded */
    if (s_wire_name(wire, wlen, NULL) != (int)wlen) {
        w->full = true;
        return;
    }
    for (size_t p = 0; p < wlen && wire[p] != 0 && ptr_at == wlen; p += 1 + (size_t)wire[p]) {
        for (size_t i = 0; i < w->nsfx; i++) {
            if (s_match_at(w, w->sfx[i], wire + p)) {
                ptr_at = p;
                ptr = w->sfx[i];
                break;
            }
        }
    }
    while (pos < wlen && pos < ptr_at && wire[pos] != 0) {
        if (w->len <= DNS_PTR_MAX_OFF && w->nsfx < DNS_COMPRESS_MAX)
            w->sfx[w->nsfx++] = (uint16_t)w->len;
        s_put_bytes(w, wire + pos, 1 + (size_t)wire[pos]);
        pos += 1 + (size_t)wire[pos];
    }
    if (ptr_at != wlen)
        s_put16(w, (uint16_t)(0xc000 | ptr));
    else
        s_put_bytes(w, (const uint8_t *)"", 1);
}

/* RDATA with its RFC 1035 names compressed; other types (and RDATA that
 * does not decode) go out as given. RFC 3597 4: no compression elsewhere. */
static void s_put_rdata(s_writer_t *w, uint16_t type, const uint8_t *rd, uint16_t len)
{
    dns_name_t n;
    uint16_t pref;
    dns_soa_t soa;
    if ((type == DNS_T_NS || type == DNS_T_CNAME || type == DNS_T_PTR) && dns_rdata_name(rd, len, &n) == 0) {
        s_put_name(w, n.wire, n.len);
    } else if (type == DNS_T_MX && dns_rdata_mx(rd, len, &pref, &n) == 0) {
        s_put16(w, pref);
        s_put_name(w, n.wire, n.len);
    } else if (type == DNS_T_SOA && dns_rdata_soa(rd, len, &soa) == 0) {
        s_put_name(w, soa.mname.wire, soa.mname.len);
        s_put_name(w, soa.rname.wire, soa.rname.len);
        s_put_bytes(w, rd + len - DNS_SOA_FIXED, DNS_SOA_FIXED);
    } else {
        s_put_bytes(w, rd, len);
    }
}

static void s_put_rr(s_writer_t *w, const dns_msg_t *m, const dns_rr_t *rr)
{
    s_put_name(w, rr->name.wire, rr->name.len);
    s_put16(w, rr->type);
    s_put16(w, rr->rclass);
    s_put32(w, rr->ttl);
    size_t at = w->len;
    s_put16(w, 0);
    s_put_rdata(w, rr->type, dns_rr_rdata(m, rr), rr->rdlen);
    if (!w->full)
        wr_be16(w->buf + at + 0, (uint16_t)(w->len - at - 2));
}

/* RFC 6891 6.1.2-6.1.3 */
static void s_put_opt(s_writer_t *w, const dns_msg_t *m)
{
    s_put_bytes(w, (const uint8_t *)"", 1); /* owner: root */
    s_put16(w, DNS_T_OPT);
    s_put16(w, m->edns_udp_size);
    s_put32(w, (uint32_t)(m->rcode >> 4 & 0xff) << 24 | (uint32_t)m->edns_version << 16 |
                   (m->edns_do ? 0x8000u : 0));
    s_put16(w, m->edns_optlen);
    s_put_bytes(w, m->edns_opts, m->edns_optlen);
}

/* One encoding of m; with_records false gives the RFC 2181 9 truncated form. */
static int s_encode(const dns_msg_t *m, s_writer_t *w, bool with_records)
{
    size_t nrr = m->count[0] + m->count[1] + m->count[2];
    w->len = 0;
    w->nsfx = 0;
    w->full = false;
    uint16_t f = (uint16_t)((m->qr ? DNS_FLAG_QR : 0) | (m->opcode & 0xf) << 11 | (m->aa ? DNS_FLAG_AA : 0) |
                            (m->tc || !with_records ? DNS_FLAG_TC : 0) | (m->rd ? DNS_FLAG_RD : 0) |
                            (m->ra ? DNS_FLAG_RA : 0) | (m->ad ? DNS_FLAG_AD : 0) | (m->cd ? DNS_FLAG_CD : 0) |
                            (m->rcode & 0xf));
    s_put16(w, m->id);
    s_put16(w, f);
    s_put16(w, (uint16_t)m->qdcount);
    s_put16(w, with_records ? (uint16_t)m->count[DNS_SEC_ANSWER] : 0);
    s_put16(w, with_records ? (uint16_t)m->count[DNS_SEC_AUTHORITY] : 0);
    s_put16(w, (uint16_t)((with_records ? m->count[DNS_SEC_ADDITIONAL] : 0) + (m->edns ? 1 : 0)));
    for (size_t i = 0; i < m->qdcount; i++) {
        s_put_name(w, m->qd[i].name.wire, m->qd[i].name.len);
        s_put16(w, m->qd[i].qtype);
        s_put16(w, m->qd[i].qclass);
    }
    for (size_t i = 0; with_records && i < nrr; i++)
        s_put_rr(w, m, &m->rr[i]);
    if (m->edns)
        s_put_opt(w, m);
    return w->full ? -1 : (int)w->len;
}

int dns_emit(const dns_msg_t *m, uint8_t *buf, size_t cap, size_t limit, bool *truncated)
{
    if (truncated)
        *truncated = false;
    size_t nrr = m->count[0] + m->count[1] + m->count[2];
    if (!buf || m->qdcount > DNS_MSG_MAX_Q || nrr > DNS_MSG_MAX_RR || m->edns_optlen > DNS_OPT_MAX)
        return -1;
    for (size_t i = 0; i < nrr; i++)
        if ((size_t)m->rr[i].rdoff + m->rr[i].rdlen > DNS_RDATA_POOL)
            return -1;
    /* a cap below limit acts as the limit: the datagram cannot be longer */
    s_writer_t w = {.buf = buf, .cap = limit > 0 && limit < cap ? limit : cap};
    int n = s_encode(m, &w, true);
    if (n >= 0 || limit == 0)
        return n;
    /* RFC 1035 4.2.1, RFC 2181 9: too long for the datagram -> TC=1 and only
     * the question (and OPT), so the client retries over TCP */
    w.cap = cap;
    n = s_encode(m, &w, false);
    if (n >= 0 && truncated)
        *truncated = true;
    return n;
}

/* ------------------------------------------------------------ building */

void dns_msg_init_query(dns_msg_t *m, uint16_t id, const dns_name_t *qname, uint16_t qtype, bool rd)
{
    memset(m, 0, DNS_MSG_HEAD);
    m->id = id;
    m->rd = rd;
    m->opcode = DNS_OP_QUERY;
    m->qdcount = 1;
    m->qd[0].name = *qname;
    m->qd[0].qtype = qtype;
    m->qd[0].qclass = DNS_C_IN;
}

void dns_msg_init_response(dns_msg_t *m, const dns_msg_t *q)
{
    uint16_t id = q->id;
    uint8_t opcode = q->opcode;
    bool rd = q->rd;
    size_t qd = q->qdcount <= DNS_MSG_MAX_Q ? q->qdcount : DNS_MSG_MAX_Q;
    dns_question_t qs[DNS_MSG_MAX_Q];
    memcpy(qs, q->qd, sizeof qs); /* q may be m */
    memset(m, 0, DNS_MSG_HEAD);
    m->id = id;
    m->qr = true;
    m->opcode = opcode;
    m->rd = rd;
    m->qdcount = qd;
    memcpy(m->qd, qs, sizeof qs);
}

int dns_msg_add(dns_msg_t *m, dns_section_t sec, const dns_name_t *name, uint16_t type, uint16_t rclass,
                uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
    if ((int)sec < 0 || sec >= DNS_SEC_COUNT)
        return -1;
    for (int s = (int)sec + 1; s < DNS_SEC_COUNT; s++)
        if (m->count[s])
            return -1; /* sections are filled in order */
    size_t n = m->count[0] + m->count[1] + m->count[2];
    uint8_t *dst = s_pool(m, rdlen);
    if (n >= DNS_MSG_MAX_RR || !dst)
        return -1;
    if (rdlen)
        memcpy(dst, rdata, rdlen);
    dns_rr_t *rr = &m->rr[n];
    rr->name = *name;
    rr->type = type;
    rr->rclass = rclass;
    rr->ttl = ttl;
    rr->rdlen = rdlen;
    rr->rdoff = m->rdused;
    m->rdused += rdlen;
    m->count[sec]++;
    return 0;
}

void dns_msg_set_edns(dns_msg_t *m, uint16_t udp_size)
{
    m->edns = true;
    m->edns_udp_size = udp_size;
    m->edns_version = 0;
    m->edns_do = false;
    m->edns_optlen = 0;
}

static size_t s_section_first(const dns_msg_t *m, dns_section_t sec)
{
    size_t first = 0;
    for (int s = 0; s < (int)sec && s < DNS_SEC_COUNT; s++)
        first += m->count[s];
    return first;
}

dns_rr_t *dns_msg_section(dns_msg_t *m, dns_section_t sec) { return &m->rr[s_section_first(m, sec)]; }

const dns_rr_t *dns_msg_section_c(const dns_msg_t *m, dns_section_t sec) { return &m->rr[s_section_first(m, sec)]; }
