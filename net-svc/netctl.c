/*
 * netctl.c -- pure helpers of net-svc's control plane (see netctl.h):
 * route(8)-style argument parsing and the raw ICMP listener table.
 *
 * Call chain: nsvc.c s_ctl ("route-add"/"route-del" -> netctl_route_parse;
 * "raw-open"/"raw-close" -> netctl_raw_open/close); nsvc.c s_raw_rx (from
 * net_core's raw_rx callback) -> netctl_icmp_key -> netctl_raw_next.
 * No I/O, no clock.
 */
#include "net-svc/netctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

static int s_err(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, arg);
    return -1;
}

static uint32_t s_mask(uint8_t plen)
{
    return plen == 0 ? 0 : plen >= 32 ? 0xffffffffu : 0xffffffffu << (32 - plen);
}

/* Parse "A.B.C.D[/LEN]" or "default"; *has_len tells if /LEN was given. */
static int s_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen, bool *has_len)
{
    *has_len = false;
    if (strcmp(s, "default") == 0) {
        *addr = 0;
        *plen = 0;
        *has_len = true;
        return 0;
    }
    char buf[32];
    if (strlen(s) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    unsigned long len = 32;
    if (slash) {
        *slash = '\0';
        char *end;
        errno = 0;
        len = strtoul(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || len > 32)
            return -1;
        *has_len = true;
    }
    if (ip4_parse(buf, addr) < 0)
        return -1;
    *plen = (uint8_t)len;
    return 0;
}

int netctl_route_parse(const char *const *args, size_t nargs, netctl_route_t *out, char *err,
                       size_t errlen)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    size_t i = 0;
    bool host_word = false, net_word = false;
    while (i < nargs && (strcmp(args[i], "-net") == 0 || strcmp(args[i], "-host") == 0)) {
        host_word |= strcmp(args[i], "-host") == 0;
        net_word |= strcmp(args[i], "-net") == 0;
        i++;
    }
    if (i >= nargs)
        return s_err(err, errlen, "%sroute: missing destination (DST/LEN or default)", "");
    bool has_len;
    if (s_parse_prefix(args[i], &out->dst, &out->prefix_len, &has_len) < 0)
        return s_err(err, errlen, "route: bad destination '%s' (want A.B.C.D/LEN or default)",
                     args[i]);
    const char *dst_arg = args[i];
    i++;
    for (; i < nargs; i++) {
        const char *k = args[i];
        if (i + 1 >= nargs)
            return s_err(err, errlen, "route: '%s' needs a value", k);
        const char *v = args[++i];
        if (strcmp(k, "via") == 0 || strcmp(k, "gw") == 0) {
            if (ip4_parse(v, &out->gateway) < 0 || out->gateway == 0)
                return s_err(err, errlen, "route: bad gateway '%s'", v);
        } else if (strcmp(k, "dev") == 0) {
            if (!*v || strlen(v) >= sizeof out->dev)
                return s_err(err, errlen, "route: bad interface name '%s'", v);
            snprintf(out->dev, sizeof out->dev, "%s", v);
        } else if (strcmp(k, "metric") == 0) {
            char *end;
            errno = 0;
            unsigned long m = strtoul(v, &end, 10);
            if (errno || end == v || *end || m > 0xffffffffu)
                return s_err(err, errlen, "route: bad metric '%s'", v);
            out->metric = (uint32_t)m;
            out->has_metric = true;
        } else if (strcmp(k, "netmask") == 0) {
            uint32_t m;
            if (ip4_parse(v, &m) < 0)
                return s_err(err, errlen, "route: bad netmask '%s'", v);
            uint8_t plen = 0;
            while (plen < 32 && (m & (0x80000000u >> plen)))
                plen++;
            if (s_mask(plen) != m)
                return s_err(err, errlen, "route: netmask '%s' is not contiguous", v);
            out->prefix_len = plen;
            has_len = true;
        } else {
            return s_err(err, errlen, "route: unknown keyword '%s' (via, dev, metric, netmask)", k);
        }
    }
    (void)host_word;
    if (!has_len && net_word)
        return s_err(err, errlen, "route: -net %s needs a prefix length or netmask", dst_arg);
    out->dst &= s_mask(out->prefix_len);
    return 0;
}

/* ---- raw listeners ---- */

static bool s_same_peer(const ls_ctl_peer_t *a, const ls_ctl_peer_t *b)
{
    return a->len == b->len && memcmp(a->id, b->id, a->len) == 0;
}

int netctl_raw_open(netctl_raws_t *t, const ls_ctl_peer_t *peer, uint16_t icmp_id)
{
    return netctl_raw_open_proto(t, peer, IP_PROTO_ICMP, icmp_id);
}

int netctl_raw_open_proto(netctl_raws_t *t, const ls_ctl_peer_t *peer, uint8_t proto, uint16_t key)
{
    if (!t || !peer || (proto != IP_PROTO_ICMP && proto != IP_PROTO_UDP))
        return -1;
    netctl_raw_t *slot = NULL;
    for (size_t i = 0; i < NETCTL_RAW_MAX; i++) {
        netctl_raw_t *r = &t->regs[i];
        if (r->active && s_same_peer(&r->peer, peer)) {
            slot = r;
            break;
        }
        if (!r->active && !slot)
            slot = r;
    }
    if (!slot)
        return -1;
    memset(slot, 0, sizeof *slot);
    slot->peer = *peer;
    slot->proto = proto;
    slot->icmp_id = key;
    slot->active = true;
    return 0;
}

int netctl_raw_close(netctl_raws_t *t, const ls_ctl_peer_t *peer)
{
    if (!t || !peer)
        return -1;
    for (size_t i = 0; i < NETCTL_RAW_MAX; i++)
        if (t->regs[i].active && s_same_peer(&t->regs[i].peer, peer)) {
            t->regs[i].active = false;
            return 0;
        }
    return -1;
}

size_t netctl_raw_count(const netctl_raws_t *t)
{
    size_t n = 0;
    for (size_t i = 0; t && i < NETCTL_RAW_MAX; i++)
        n += t->regs[i].active;
    return n;
}

netctl_raw_t *netctl_raw_next(netctl_raws_t *t, uint8_t proto, uint16_t key, size_t *cursor)
{
    if (!t || !cursor)
        return NULL;
    while (*cursor < NETCTL_RAW_MAX) {
        netctl_raw_t *r = &t->regs[(*cursor)++];
        if (r->active && r->proto == proto && r->icmp_id == key)
            return r;
    }
    return NULL;
}

int netctl_icmp_key(const uint8_t *d, size_t len, uint16_t *id)
{
    uint8_t proto;
    uint16_t key;
    if (netctl_icmp_key_ex(d, len, &proto, &key) < 0 || proto != IP_PROTO_ICMP)
        return -1;
    *id = key;
    return 0;
}

int netctl_icmp_key_ex(const uint8_t *d, size_t len, uint8_t *proto, uint16_t *key)
{
    if (!d || len < IP4_HDR_MIN || (rd_u8(d + IP4_OFF_VER_IHL) >> 4) != 4)
        return -1;
    size_t ihl = (size_t)(rd_u8(d + IP4_OFF_VER_IHL) & 0x0f) * 4;
    if (ihl < IP4_HDR_MIN || rd_u8(d + IP4_OFF_PROTO) != IP_PROTO_ICMP ||
        len < ihl + ICMP_HDR_LEN)
        return -1;
    const uint8_t *ic = d + ihl;
    size_t il = len - ihl;
    uint8_t type = rd_u8(ic + ICMP_OFF_TYPE);
    if (type == ICMP_ECHO_REPLY) {
        *proto = IP_PROTO_ICMP;
        *key = rd_be16(ic + ICMP_OFF_ID);
        return 0;
    }
    if (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED && type != ICMP_PARAM_PROBLEM &&
        type != ICMP_SOURCE_QUENCH && type != ICMP_REDIRECT)
        return -1;
    /* the quoted datagram: its IP header + at least 8 bytes (RFC 792) */
    const uint8_t *q = ic + ICMP_OFF_DATA;
    size_t ql = il - ICMP_OFF_DATA;
    if (ql < IP4_HDR_MIN || (rd_u8(q + IP4_OFF_VER_IHL) >> 4) != 4)
        return -1;
    size_t qihl = (size_t)(rd_u8(q + IP4_OFF_VER_IHL) & 0x0f) * 4;
    uint8_t qp = rd_u8(q + IP4_OFF_PROTO);
    if (qihl < IP4_HDR_MIN || (qp != IP_PROTO_ICMP && qp != IP_PROTO_UDP) || ql < qihl + 8)
        return -1;
    /* only the first fragment carries the ICMP/UDP header */
    if (rd_be16(q + IP4_OFF_FRAG) & IP4_FRAG_MASK)
        return -1;
    if (qp == IP_PROTO_UDP) {
        *proto = IP_PROTO_UDP;
        *key = rd_be16(q + qihl); /* the UDP source port */
        return 0;
    }
    if (rd_u8(q + qihl + ICMP_OFF_TYPE) != ICMP_ECHO_REQUEST)
        return -1;
    *proto = IP_PROTO_ICMP;
    *key = rd_be16(q + qihl + ICMP_OFF_ID);
    return 0;
}
