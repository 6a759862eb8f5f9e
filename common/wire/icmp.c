/*
 * icmp.c -- ICMP codec (RFC 792; RFC 1191 next-hop MTU in bytes 6-7 of
 * "fragmentation needed"), error construction, tcpdump-style summaries.
 *
 * Call chain: net_core_link_rx -> icmp_parse (echo request -> icmp_emit reply;
 * errors -> passed up); net_core forward/send/resolve_failed ->
 * icmp_build_error; ipv4_summary -> icmp_summary.
 */
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include <stdio.h>
#include <string.h>

static const char *const s_reason_str[ICMP_ERR__COUNT] = {
    [ICMP_OK] = "ok",
    [ICMP_ERR_TRUNCATED] = "truncated",
    [ICMP_ERR_CHECKSUM] = "bad checksum",
    [ICMP_ERR_TYPE] = "unknown type",
};

static const char *const s_reason_counter[ICMP_ERR__COUNT] = {
    [ICMP_OK] = NULL,
    [ICMP_ERR_TRUNCATED] = "icmp.drop.truncated",
    [ICMP_ERR_CHECKSUM] = "icmp.drop.bad_checksum",
    [ICMP_ERR_TYPE] = "icmp.drop.unknown_type",
};

const char *icmp_reason_str(int code)
{
    if (code < 0 || code >= ICMP_ERR__COUNT)
        return "unknown";
    return s_reason_str[code];
}

const char *icmp_reason_counter(int code)
{
    if (code <= 0 || code >= ICMP_ERR__COUNT)
        return code == 0 ? NULL : "icmp.drop.unknown";
    return s_reason_counter[code];
}

int icmp_is_error(uint8_t type)
{
    switch (type) {
    case ICMP_DEST_UNREACH:
    case ICMP_SOURCE_QUENCH:
    case ICMP_REDIRECT:
    case ICMP_TIME_EXCEEDED:
    case ICMP_PARAM_PROBLEM:
        return 1;
    default:
        return 0;
    }
}

static int s_known_type(uint8_t type)
{
    return icmp_is_error(type) || type == ICMP_ECHO_REPLY || type == ICMP_ECHO_REQUEST ||
           type == ICMP_TIMESTAMP || type == ICMP_TIMESTAMP_REPLY;
}

int icmp_parse(const uint8_t *buf, size_t len, icmp_repr_t *repr)
{
    if (!buf || len < ICMP_HDR_LEN)
        return ICMP_ERR_TRUNCATED;
    /* RFC 792 / RFC 1122 3.2.2: the checksum covers the whole ICMP message;
     * a message failing it is silently discarded. */
    if (csum(buf, len) != 0)
        return ICMP_ERR_CHECKSUM;
    if (repr) {
        memset(repr, 0, sizeof *repr);
        repr->type = rd_u8(buf + ICMP_OFF_TYPE);
        repr->code = rd_u8(buf + ICMP_OFF_CODE);
        repr->checksum = rd_be16(buf + ICMP_OFF_CSUM);
        repr->rest = rd_be32(buf + ICMP_OFF_REST);
        repr->data = buf + ICMP_OFF_DATA;
        repr->data_len = len - ICMP_HDR_LEN;
        switch (repr->type) {
        case ICMP_ECHO_REQUEST:
        case ICMP_ECHO_REPLY:
        case ICMP_TIMESTAMP:
        case ICMP_TIMESTAMP_REPLY:
            repr->id = rd_be16(buf + ICMP_OFF_ID);
            repr->seq = rd_be16(buf + ICMP_OFF_SEQ);
            break;
        case ICMP_DEST_UNREACH:
            if (repr->code == ICMP_UNREACH_NEEDFRAG)
                repr->mtu = rd_be16(buf + ICMP_OFF_MTU); /* RFC 1191 4 */
            break;
        case ICMP_PARAM_PROBLEM:
            repr->pointer = rd_u8(buf + ICMP_OFF_POINTER);
            break;
        case ICMP_REDIRECT:
            repr->gateway = rd_be32(buf + ICMP_OFF_GATEWAY);
            break;
        default:
            break;
        }
    }
    /* RFC 1122 3.2.2: an ICMP message of unknown type MUST be silently
     * discarded -- the repr is filled so the caller can log what it was. */
    if (!s_known_type(rd_u8(buf + ICMP_OFF_TYPE)))
        return ICMP_ERR_TYPE;
    return ICMP_OK;
}

int icmp_emit(icmp_repr_t *repr, uint8_t *buf, size_t cap)
{
    if (!repr || !buf)
        return -1;
    size_t dlen = repr->data ? repr->data_len : 0;
    if (cap < ICMP_HDR_LEN || dlen > cap - ICMP_HDR_LEN || dlen > 65535 - ICMP_HDR_LEN)
        return -1;
    wr_u8(buf + ICMP_OFF_TYPE, repr->type);
    wr_u8(buf + ICMP_OFF_CODE, repr->code);
    wr_be16(buf + ICMP_OFF_CSUM, 0);
    switch (repr->type) {
    case ICMP_ECHO_REQUEST:
    case ICMP_ECHO_REPLY:
    case ICMP_TIMESTAMP:
    case ICMP_TIMESTAMP_REPLY:
        wr_be16(buf + ICMP_OFF_ID, repr->id);
        wr_be16(buf + ICMP_OFF_SEQ, repr->seq);
        break;
    case ICMP_DEST_UNREACH:
        wr_be16(buf + ICMP_OFF_REST, 0);
        wr_be16(buf + ICMP_OFF_MTU, repr->code == ICMP_UNREACH_NEEDFRAG ? repr->mtu : 0);
        break;
    case ICMP_TIME_EXCEEDED:
    case ICMP_SOURCE_QUENCH:
        wr_be32(buf + ICMP_OFF_REST, 0);
        break;
    case ICMP_PARAM_PROBLEM:
        wr_be32(buf + ICMP_OFF_REST, (uint32_t)repr->pointer << 24);
        break;
    case ICMP_REDIRECT:
        wr_be32(buf + ICMP_OFF_GATEWAY, repr->gateway);
        break;
    default:
        wr_be32(buf + ICMP_OFF_REST, repr->rest);
        break;
    }
    if (dlen)
        memmove(buf + ICMP_OFF_DATA, repr->data, dlen);
    uint16_t c = csum(buf, ICMP_HDR_LEN + dlen);
    wr_be16(buf + ICMP_OFF_CSUM, c);
    repr->checksum = c;
    return (int)(ICMP_HDR_LEN + dlen);
}

int icmp_build_error(uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *offending_dgram,
                     size_t dlen, uint8_t *out, size_t cap)
{
    if (!offending_dgram || dlen < 1 || !out)
        return -1;
    /* RFC 792: "Internet Header + 64 bits of Original Data Datagram".
     * (RFC 1812 4.3.2.3 allows quoting more; we quote exactly IHL*4 + 8.) */
    size_t ihl = (size_t)(rd_u8(offending_dgram + IP4_OFF_VER_IHL) & 0x0f) * 4;
    size_t q = ihl + 8;
    if (q > dlen)
        q = dlen;
    if (dlen >= IP4_HDR_MIN) {
        size_t total = rd_be16(offending_dgram + IP4_OFF_LEN);
        if (total >= ihl && total < q)
            q = total; /* never quote link padding */
    }
    icmp_repr_t r = {.type = type, .code = code, .mtu = mtu, .data = offending_dgram,
                     .data_len = q};
    return icmp_emit(&r, out, cap);
}

char *icmp_summary(const uint8_t *buf, size_t len, char *out, size_t cap)
{
    if (!out || cap == 0)
        return out;
    out[0] = '\0';
    if (!buf || len < ICMP_HDR_LEN) {
        snprintf(out, cap, "ICMP truncated, length %zu", len);
        return out;
    }
    uint8_t type = rd_u8(buf + ICMP_OFF_TYPE), code = rd_u8(buf + ICMP_OFF_CODE);
    const uint8_t *q = buf + ICMP_OFF_DATA;
    size_t qlen = len - ICMP_HDR_LEN;
    size_t qihl = qlen >= IP4_HDR_MIN ? (size_t)(rd_u8(q) & 0x0f) * 4 : 0;
    char da[16] = "?";
    if (qlen >= IP4_HDR_MIN)
        ip4_fmt(rd_be32(q + IP4_OFF_DST), da);
    switch (type) {
    case ICMP_ECHO_REQUEST:
    case ICMP_ECHO_REPLY:
        snprintf(out, cap, "ICMP echo %s, id %u, seq %u, length %zu",
                 type == ICMP_ECHO_REQUEST ? "request" : "reply", rd_be16(buf + ICMP_OFF_ID),
                 rd_be16(buf + ICMP_OFF_SEQ), len);
        break;
    case ICMP_DEST_UNREACH:
        switch (code) {
        case ICMP_UNREACH_NET:
            snprintf(out, cap, "ICMP net %s unreachable", da);
            break;
        case ICMP_UNREACH_HOST:
            snprintf(out, cap, "ICMP host %s unreachable", da);
            break;
        case ICMP_UNREACH_PROTOCOL:
            snprintf(out, cap, "ICMP %s protocol %u unreachable", da,
                     qlen >= IP4_HDR_MIN ? rd_u8(q + IP4_OFF_PROTO) : 0);
            break;
        case ICMP_UNREACH_PORT: {
            uint8_t p = qlen >= IP4_HDR_MIN ? rd_u8(q + IP4_OFF_PROTO) : 0;
            if (qihl >= IP4_HDR_MIN && qlen >= qihl + 4 && (p == IP_PROTO_UDP || p == IP_PROTO_TCP))
                snprintf(out, cap, "ICMP %s %s port %u unreachable", da,
                         p == IP_PROTO_UDP ? "udp" : "tcp", rd_be16(q + qihl + 2));
            else
                snprintf(out, cap, "ICMP %s port unreachable", da);
            break;
        }
        case ICMP_UNREACH_NEEDFRAG:
            snprintf(out, cap, "ICMP %s unreachable - need to frag (mtu %u)", da,
                     rd_be16(buf + ICMP_OFF_MTU));
            break;
        case ICMP_UNREACH_SRCFAIL:
            snprintf(out, cap, "ICMP %s unreachable - source route failed", da);
            break;
        default:
            snprintf(out, cap, "ICMP %s unreachable - code %u", da, code);
            break;
        }
        break;
    case ICMP_TIME_EXCEEDED:
        if (code == ICMP_EXC_TTL)
            snprintf(out, cap, "ICMP time exceeded in-transit");
        else if (code == ICMP_EXC_REASS)
            snprintf(out, cap, "ICMP ip reassembly time exceeded");
        else
            snprintf(out, cap, "ICMP time exceeded - code %u", code);
        break;
    case ICMP_SOURCE_QUENCH:
        snprintf(out, cap, "ICMP source quench");
        break;
    case ICMP_REDIRECT: {
        char gw[16];
        snprintf(out, cap, "ICMP redirect %s to %s %s", da, code == 1 ? "host" : "net",
                 ip4_fmt(rd_be32(buf + ICMP_OFF_GATEWAY), gw));
        break;
    }
    case ICMP_PARAM_PROBLEM:
        snprintf(out, cap, "ICMP parameter problem - octet %u", rd_u8(buf + ICMP_OFF_POINTER));
        break;
    case ICMP_TIMESTAMP:
    case ICMP_TIMESTAMP_REPLY:
        snprintf(out, cap, "ICMP time stamp %s id %u seq %u, length %zu",
                 type == ICMP_TIMESTAMP ? "query" : "reply", rd_be16(buf + ICMP_OFF_ID),
                 rd_be16(buf + ICMP_OFF_SEQ), len);
        break;
    default:
        snprintf(out, cap, "ICMP type-#%u, length %zu", type, len);
        break;
    }
    return out;
}
