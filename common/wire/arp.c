/*
 * arp.c -- ARP (RFC 826) / RARP (RFC 903) codec for Ethernet + IPv4, and the
 * tcpdump style summary.
 *
 * Call chain: link-svc rx (eth_parse -> arp_parse -> arp_cache_update / reply
 * with arp_emit), link-svc tx (arp_cache send_request callback -> arp_emit ->
 * eth_emit), eth_summary -> arp_summary for log lines.
 * Pure functions: no I/O, no clock, no mutable state.
 */
#include "wire/arp.h"
#include "wire/bytes.h"

#include <stdio.h>
#include <string.h>

arp_reason_t arp_parse(const uint8_t *buf, size_t len, arp_repr_t *repr)
{
    if (buf == NULL || len < ARP_LEN)
        return ARP_ERR_TRUNCATED;
    /* RFC 826 "Packet Reception": check ar$hrd, ar$pro (and the lengths that
     * follow from them); a pair we do not speak is discarded. */
    if (rd_be16(buf + ARP_OFF_HTYPE) != ARP_HTYPE_ETHERNET)
        return ARP_ERR_HTYPE;
    if (rd_be16(buf + ARP_OFF_PTYPE) != ARP_PTYPE_IPV4)
        return ARP_ERR_PTYPE;
    if (rd_u8(buf + ARP_OFF_HLEN) != ARP_HLEN_ETHERNET || rd_u8(buf + ARP_OFF_PLEN) != ARP_PLEN_IPV4)
        return ARP_ERR_LEN;
    uint16_t op = rd_be16(buf + ARP_OFF_OP);
    /* RFC 826 opcodes 1-2, RFC 903 opcodes 3-4; anything else is unknown. */
    if (op < ARP_OP_REQUEST || op > ARP_OP_RARP_REPLY)
        return ARP_ERR_OP;
    repr->op = op;
    memcpy(repr->sha, buf + ARP_OFF_SHA, 6);
    repr->spa = rd_be32(buf + ARP_OFF_SPA);
    memcpy(repr->tha, buf + ARP_OFF_THA, 6);
    repr->tpa = rd_be32(buf + ARP_OFF_TPA);
    return ARP_OK;
}

int arp_emit(const arp_repr_t *repr, uint8_t *buf, size_t cap)
{
    if (repr == NULL || buf == NULL || cap < ARP_LEN)
        return -1;
    if (repr->op < ARP_OP_REQUEST || repr->op > ARP_OP_RARP_REPLY)
        return -1;
    wr_be16(buf + ARP_OFF_HTYPE, ARP_HTYPE_ETHERNET);
    wr_be16(buf + ARP_OFF_PTYPE, ARP_PTYPE_IPV4);
    wr_u8(buf + ARP_OFF_HLEN, ARP_HLEN_ETHERNET);
    wr_u8(buf + ARP_OFF_PLEN, ARP_PLEN_IPV4);
    wr_be16(buf + ARP_OFF_OP, repr->op);
    memcpy(buf + ARP_OFF_SHA, repr->sha, 6);
    wr_be32(buf + ARP_OFF_SPA, repr->spa);
    memcpy(buf + ARP_OFF_THA, repr->tha, 6);
    wr_be32(buf + ARP_OFF_TPA, repr->tpa);
    return ARP_LEN;
}

const char *arp_reason_str(int code)
{
    switch (code) {
    case ARP_OK: return "ok";
    case ARP_ERR_TRUNCATED: return "truncated";
    case ARP_ERR_HTYPE: return "bad_htype";
    case ARP_ERR_PTYPE: return "bad_ptype";
    case ARP_ERR_LEN: return "bad_addr_len";
    case ARP_ERR_OP: return "bad_op";
    default: return "unknown";
    }
}

int arp_is_gratuitous(const arp_repr_t *repr)
{
    return (repr->op == ARP_OP_REQUEST || repr->op == ARP_OP_REPLY) && repr->spa == repr->tpa;
}

const char *arp_op_str(uint16_t op)
{
    switch (op) {
    case ARP_OP_REQUEST: return "request";
    case ARP_OP_REPLY: return "reply";
    case ARP_OP_RARP_REQUEST: return "rarp-request";
    case ARP_OP_RARP_REPLY: return "rarp-reply";
    default: return "unknown";
    }
}

/* snprintf result clamped to what actually fits (strlen(out)). */
static int s_clamp(int n, size_t cap)
{
    if (n < 0)
        return -1;
    return (size_t)n >= cap ? (int)(cap - 1) : n;
}

int arp_repr_summary(const arp_repr_t *r, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return -1;
    char a[16], b[16], m1[18], m2[18];
    int n;
    switch (r->op) {
    case ARP_OP_REQUEST:
        if (!(r->tha[0] | r->tha[1] | r->tha[2] | r->tha[3] | r->tha[4] | r->tha[5]))
            n = snprintf(out, cap, "Request who-has %s tell %s", ip4_fmt(r->tpa, a),
                         ip4_fmt(r->spa, b));
        else
            n = snprintf(out, cap, "Request who-has %s (%s) tell %s", ip4_fmt(r->tpa, a),
                         mac_fmt(r->tha, m1), ip4_fmt(r->spa, b));
        break;
    case ARP_OP_REPLY:
        n = snprintf(out, cap, "Reply %s is-at %s", ip4_fmt(r->spa, a), mac_fmt(r->sha, m1));
        break;
    case ARP_OP_RARP_REQUEST:
        n = snprintf(out, cap, "Reverse Request who-is %s tell %s", mac_fmt(r->tha, m1),
                     mac_fmt(r->sha, m2));
        break;
    case ARP_OP_RARP_REPLY:
        n = snprintf(out, cap, "Reverse Reply %s at %s", mac_fmt(r->tha, m1), ip4_fmt(r->tpa, a));
        break;
    default:
        n = snprintf(out, cap, "ARP, unknown operation %u", (unsigned)r->op);
        break;
    }
    return s_clamp(n, cap);
}

int arp_summary(const uint8_t *buf, size_t len, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return -1;
    arp_repr_t r;
    int rc = arp_parse(buf, len, &r);
    if (rc == ARP_ERR_TRUNCATED)
        return s_clamp(snprintf(out, cap, "[|arp]"), cap);
    if (rc != ARP_OK)
        return s_clamp(snprintf(out, cap, "ARP, %s", arp_reason_str(rc)), cap);
    return arp_repr_summary(&r, out, cap);
}
