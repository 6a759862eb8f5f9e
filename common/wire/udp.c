/*
 * udp.c -- UDP codec (RFC 768): parse validates the length field and the
 * optional pseudo-header checksum; emit fills the checksum (0 -> 0xFFFF).
 *
 * Call chain: transport-svc UDP demux -> udp_parse(); UDP send -> udp_emit().
 */
#include "wire/udp.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include <stdio.h>
#include <string.h>

int udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, udp_repr_t *r)
{
    memset(r, 0, sizeof *r);
    if (!buf || len < UDP_HDR_LEN)
        return UDP_PARSE_TRUNCATED;
    uint16_t ulen = rd_be16(buf + UDP_OFF_LEN);
    /* RFC 1122 4.1.3.4 / RFC 768: the length field covers header + data */
    if (ulen < UDP_HDR_LEN)
        return UDP_PARSE_BAD_LENGTH;
    if (ulen > len)
        return UDP_PARSE_TRUNCATED;
    r->sport = rd_be16(buf + UDP_OFF_SPORT);
    r->dport = rd_be16(buf + UDP_OFF_DPORT);
    r->len = ulen;
    r->csum = rd_be16(buf + UDP_OFF_CSUM);
    r->no_csum = r->csum == 0;
    /* RFC 768: an all-zero transmitted checksum means "no checksum";
     * RFC 1122 4.1.3.4: if present, a failing checksum MUST cause a silent discard. */
    if (r->csum != 0 &&
        csum_fold(csum_add(csum_pseudo(src, dst, UDP_PROTO, ulen), buf, ulen)) != 0)
        return UDP_PARSE_BAD_CHECKSUM;
    r->payload = buf + UDP_HDR_LEN;
    r->payload_len = (size_t)ulen - UDP_HDR_LEN;
    return UDP_PARSE_OK;
}

const char *udp_reason_str(int reason)
{
    switch (reason) {
    case UDP_PARSE_OK: return "ok";
    case UDP_PARSE_TRUNCATED: return "truncated";
    case UDP_PARSE_BAD_LENGTH: return "bad length";
    case UDP_PARSE_BAD_CHECKSUM: return "bad checksum";
    default: return "unknown";
    }
}

int udp_emit(const udp_repr_t *r, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap)
{
    size_t total = UDP_HDR_LEN + r->payload_len;
    if (!buf || total > cap || total > 0xffff)
        return -1;
    wr_be16(buf + UDP_OFF_SPORT, r->sport);
    wr_be16(buf + UDP_OFF_DPORT, r->dport);
    wr_be16(buf + UDP_OFF_LEN, (uint16_t)total);
    wr_be16(buf + UDP_OFF_CSUM, 0);
    if (r->payload_len)
        memcpy(buf + UDP_HDR_LEN, r->payload, r->payload_len);
    if (!r->no_csum) {
        uint16_t c = csum_fold(csum_add(csum_pseudo(src, dst, UDP_PROTO, (uint16_t)total), buf, total));
        /* RFC 768: a computed checksum of zero is transmitted as all ones */
        wr_be16(buf + UDP_OFF_CSUM, c == 0 ? 0xffff : c);
    }
    return (int)total;
}

char *udp_summary(const udp_repr_t *r, char *buf, size_t cap)
{
    if (buf && cap)
        snprintf(buf, cap, "UDP, length %zu", r->payload_len);
    return buf;
}
