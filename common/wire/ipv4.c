/*
 * ipv4.c -- IPv4 header codec (RFC 791): parse/validate, emit, TTL decrement
 * with incremental checksum (RFC 1624), tcpdump-style summaries.
 *
 * Call chain: net-svc main -> net_core_link_rx -> ipv4_parse (validation, one
 * reason code per drop counter); net_core_send / frag -> ipv4_emit /
 * ipv4_set_checksum; net_core forward -> ipv4_decrement_ttl; every layer's
 * logger -> ipv4_summary (which calls icmp_summary for ICMP).
 */
#include "wire/ipv4.h"
#include "wire/icmp.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const s_reason_str[IPV4_ERR__COUNT] = {
    [IPV4_OK] = "ok",
    [IPV4_ERR_TRUNCATED] = "truncated",
    [IPV4_ERR_VERSION] = "bad version",
    [IPV4_ERR_IHL] = "bad header length",
    [IPV4_ERR_TOTAL_LEN] = "bad total length",
    [IPV4_ERR_CHECKSUM] = "bad header checksum",
};

static const char *const s_reason_counter[IPV4_ERR__COUNT] = {
    [IPV4_OK] = NULL,
    [IPV4_ERR_TRUNCATED] = "ip.drop.truncated",
    [IPV4_ERR_VERSION] = "ip.drop.bad_version",
    [IPV4_ERR_IHL] = "ip.drop.bad_ihl",
    [IPV4_ERR_TOTAL_LEN] = "ip.drop.bad_total_len",
    [IPV4_ERR_CHECKSUM] = "ip.drop.bad_checksum",
};

const char *ipv4_reason_str(int code)
{
    if (code < 0 || code >= IPV4_ERR__COUNT)
        return "unknown";
    return s_reason_str[code];
}

const char *ipv4_reason_counter(int code)
{
    if (code <= 0 || code >= IPV4_ERR__COUNT)
        return code == 0 ? NULL : "ip.drop.unknown";
    return s_reason_counter[code];
}

int ipv4_parse(const uint8_t *buf, size_t len, ipv4_repr_t *repr)
{
    /* RFC 1122 3.2.1.1 / RFC 1812 5.2.2: a datagram whose header fails any of
     * these checks MUST be silently discarded. Order is fixed so that each
     * failure maps to exactly one drop counter. */
    if (!buf || len < IP4_HDR_MIN)
        return IPV4_ERR_TRUNCATED;
    uint8_t vihl = rd_u8(buf + IP4_OFF_VER_IHL);
    /* RFC 1122 3.2.1.1: version number not 4 MUST be silently discarded. */
    if ((vihl >> 4) != 4)
        return IPV4_ERR_VERSION;
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if (hlen < IP4_HDR_MIN || hlen > len)
        return IPV4_ERR_IHL;
    size_t total = rd_be16(buf + IP4_OFF_LEN);
    /* RFC 1812 5.2.2: total length must cover the header and fit in what
     * the link delivered. A link frame longer than total_len (Ethernet pads to
     * 60 bytes) is fine: the caller trims, as FreeBSD's ip_input does. */
    if (total < hlen || total > len)
        return IPV4_ERR_TOTAL_LEN;
    /* RFC 1122 3.2.1.2: a host MUST verify the header checksum and silently
     * discard a datagram that has a bad checksum. */
    if (csum(buf, hlen) != 0)
        return IPV4_ERR_CHECKSUM;
    if (repr) {
        uint16_t fo = rd_be16(buf + IP4_OFF_FRAG);
        repr->tos = rd_u8(buf + IP4_OFF_TOS);
        repr->ttl = rd_u8(buf + IP4_OFF_TTL);
        repr->proto = rd_u8(buf + IP4_OFF_PROTO);
        repr->total_len = (uint16_t)total;
        repr->id = rd_be16(buf + IP4_OFF_ID);
        repr->frag_off = fo & IP4_FRAG_MASK;
        repr->df = (fo & IP4_FLAG_DF) != 0;
        repr->mf = (fo & IP4_FLAG_MF) != 0;
        repr->src = rd_be32(buf + IP4_OFF_SRC);
        repr->dst = rd_be32(buf + IP4_OFF_DST);
        repr->hdr_len = (uint8_t)hlen;
        repr->checksum = rd_be16(buf + IP4_OFF_CSUM);
    }
    return IPV4_OK;
}

int ipv4_emit(ipv4_repr_t *repr, uint8_t *buf, size_t cap)
{
    if (!repr || !buf || cap < IP4_HDR_MIN || repr->frag_off > IP4_FRAG_MASK)
        return -1;
    uint16_t fo = repr->frag_off;
    if (repr->df)
        fo |= IP4_FLAG_DF;
    if (repr->mf)
        fo |= IP4_FLAG_MF;
    wr_u8(buf + IP4_OFF_VER_IHL, 0x45);
    wr_u8(buf + IP4_OFF_TOS, repr->tos);
    wr_be16(buf + IP4_OFF_LEN, repr->total_len);
    wr_be16(buf + IP4_OFF_ID, repr->id);
    wr_be16(buf + IP4_OFF_FRAG, fo);
    wr_u8(buf + IP4_OFF_TTL, repr->ttl);
    wr_u8(buf + IP4_OFF_PROTO, repr->proto);
    wr_be16(buf + IP4_OFF_CSUM, 0);
    wr_be32(buf + IP4_OFF_SRC, repr->src);
    wr_be32(buf + IP4_OFF_DST, repr->dst);
    uint16_t c = csum(buf, IP4_HDR_MIN);
    wr_be16(buf + IP4_OFF_CSUM, c);
    repr->hdr_len = IP4_HDR_MIN;
    repr->checksum = c;
    return IP4_HDR_MIN;
}

void ipv4_set_checksum(uint8_t *buf)
{
    size_t hlen = (size_t)(rd_u8(buf + IP4_OFF_VER_IHL) & 0x0f) * 4;
    wr_be16(buf + IP4_OFF_CSUM, 0);
    wr_be16(buf + IP4_OFF_CSUM, csum(buf, hlen));
}

int ipv4_decrement_ttl(uint8_t *buf)
{
    uint8_t ttl = rd_u8(buf + IP4_OFF_TTL);
    if (ttl == 0)
        return -1;
    /* TTL shares a 16-bit word with protocol (offset 8). RFC 1624 eqn. 3. */
    uint16_t old_w = rd_be16(buf + IP4_OFF_TTL);
    wr_u8(buf + IP4_OFF_TTL, (uint8_t)(ttl - 1));
    uint16_t new_w = rd_be16(buf + IP4_OFF_TTL);
    wr_be16(buf + IP4_OFF_CSUM, csum_update16(rd_be16(buf + IP4_OFF_CSUM), old_w, new_w));
    return ttl - 1;
}

const char *ipv4_proto_name(uint8_t proto)
{
    switch (proto) {
    case IP_PROTO_ICMP: return "icmp";
    case IP_PROTO_TCP: return "tcp";
    case IP_PROTO_UDP: return "udp";
    default: return NULL;
    }
}

/* Append printf-style text at *pos without overrunning cap. */
static void s_cat(char *out, size_t cap, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_cat(char *out, size_t cap, size_t *pos, const char *fmt, ...)
{
    if (*pos >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = (*pos + (size_t)n < cap) ? *pos + (size_t)n : cap - 1;
}

char *ipv4_summary(const uint8_t *buf, size_t len, char *out, size_t cap)
{
    if (!out || cap == 0)
        return out;
    out[0] = '\0';
    size_t pos = 0;
    if (!buf || len < IP4_HDR_MIN) {
        s_cat(out, cap, &pos, "IP truncated-ip - %zu bytes", len);
        return out;
    }
    uint8_t vihl = rd_u8(buf);
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if ((vihl >> 4) != 4) {
        s_cat(out, cap, &pos, "IP bad-version %u, length %zu", vihl >> 4, len);
        return out;
    }
    if (hlen < IP4_HDR_MIN || hlen > len) {
        s_cat(out, cap, &pos, "IP bad-hlen %zu, length %zu", hlen, len);
        return out;
    }
    size_t total = rd_be16(buf + IP4_OFF_LEN);
    if (total < hlen) {
        s_cat(out, cap, &pos, "IP bad-len %zu", total);
        return out;
    }
    if (total > len)
        total = len; /* truncated capture: summarize what we have */
    char sa[16], da[16];
    ip4_fmt(rd_be32(buf + IP4_OFF_SRC), sa);
    ip4_fmt(rd_be32(buf + IP4_OFF_DST), da);
    uint8_t proto = rd_u8(buf + IP4_OFF_PROTO);
    uint16_t fo = rd_be16(buf + IP4_OFF_FRAG);
    unsigned off = (unsigned)(fo & IP4_FRAG_MASK) * 8;
    bool mf = (fo & IP4_FLAG_MF) != 0;
    const uint8_t *pl = buf + hlen;
    size_t plen = total - hlen;
    const char *pname = ipv4_proto_name(proto);

    if (off != 0) {
        /* non-first fragment: no transport header to show */
        if (pname)
            s_cat(out, cap, &pos, "IP %s > %s: %s", sa, da, pname);
        else
            s_cat(out, cap, &pos, "IP %s > %s: ip-proto-%u", sa, da, proto);
    } else if (proto == IP_PROTO_ICMP) {
        char ib[160];
        s_cat(out, cap, &pos, "IP %s > %s: %s", sa, da, icmp_summary(pl, plen, ib, sizeof ib));
    } else if ((proto == IP_PROTO_TCP || proto == IP_PROTO_UDP) && plen >= 4) {
        unsigned sp = rd_be16(pl), dp = rd_be16(pl + 2);
        if (proto == IP_PROTO_UDP) {
            size_t ulen = plen >= 6 ? rd_be16(pl + 4) : 0;
            s_cat(out, cap, &pos, "IP %s.%u > %s.%u: UDP, length %zu", sa, sp, da, dp,
                  ulen >= 8 ? ulen - 8 : 0);
        } else {
            size_t doff = plen >= 13 ? (size_t)(rd_u8(pl + 12) >> 4) * 4 : 0;
            size_t dlen = (doff >= 20 && doff <= plen) ? plen - doff : 0;
            s_cat(out, cap, &pos, "IP %s.%u > %s.%u: tcp %zu", sa, sp, da, dp, dlen);
        }
    } else {
        s_cat(out, cap, &pos, "IP %s > %s: ip-proto-%u %zu", sa, da, proto, plen);
    }
    if (off != 0 || mf)
        s_cat(out, cap, &pos, " (frag %u:%zu@%u%s)", rd_be16(buf + IP4_OFF_ID), plen, off,
              mf ? "+" : "");
    return out;
}

char *ipv4_summary_v(const uint8_t *buf, size_t len, char *out, size_t cap)
{
    if (!out || cap == 0)
        return out;
    if (!buf || len < IP4_HDR_MIN || (rd_u8(buf) >> 4) != 4)
        return ipv4_summary(buf, len, out, cap);
    uint16_t fo = rd_be16(buf + IP4_OFF_FRAG);
    const char *flags = (fo & IP4_FLAG_DF) ? ((fo & IP4_FLAG_MF) ? "DF+" : "DF")
                        : (fo & IP4_FLAG_MF) ? "+" : "none";
    uint8_t proto = rd_u8(buf + IP4_OFF_PROTO);
    const char *pn = proto == IP_PROTO_ICMP ? "ICMP" : proto == IP_PROTO_TCP ? "TCP"
                   : proto == IP_PROTO_UDP ? "UDP" : "unknown";
    int n = snprintf(out, cap, "IP (tos 0x%x, ttl %u, id %u, offset %u, flags [%s], proto %s (%u), length %u) ",
                     rd_u8(buf + IP4_OFF_TOS), rd_u8(buf + IP4_OFF_TTL), rd_be16(buf + IP4_OFF_ID),
                     (unsigned)(fo & IP4_FRAG_MASK) * 8, flags, pn, proto, rd_be16(buf + IP4_OFF_LEN));
    if (n < 0 || (size_t)n >= cap)
        return out;
    char rest[256];
    ipv4_summary(buf, len, rest, sizeof rest);
    /* drop the leading "IP " of the short form */
    snprintf(out + n, cap - (size_t)n, "%s", strncmp(rest, "IP ", 3) == 0 ? rest + 3 : rest);
    return out;
}
