/*
 * icmp_rules.c -- the RFC 1122 3.2.2 "MUST NOT send an ICMP error message"
 * list, and an ICMP error rate limiter (RFC 1812 4.3.2.8).
 *
 * Call chain: net_core (forward TTL expiry, no route, frag needed, protocol
 * unreachable, resolve failed, reassembly timeout, transport's port
 * unreachable) -> icmp_error_allowed_ex -> icmp_ratelimit_allow -> build.
 */
#include "net-svc/icmp_rules.h"
#include "wire/ipv4.h"
#include "wire/icmp.h"
#include "wire/bytes.h"

static const char *const s_str[ICMP_RULE__COUNT] = {
    [ICMP_RULE_OK] = "allowed",
    [ICMP_RULE_TRUNCATED] = "offending datagram truncated",
    [ICMP_RULE_ERROR_ABOUT_ERROR] = "no error about an ICMP error",
    [ICMP_RULE_DST_BCAST] = "destination is broadcast",
    [ICMP_RULE_DST_MCAST] = "destination is multicast",
    [ICMP_RULE_LINK_BCAST] = "link-layer broadcast",
    [ICMP_RULE_LINK_MCAST] = "link-layer multicast",
    [ICMP_RULE_NON_INITIAL_FRAG] = "non-initial fragment",
    [ICMP_RULE_BAD_SRC] = "source is not a unicast host",
};

static const char *const s_counter[ICMP_RULE__COUNT] = {
    [ICMP_RULE_OK] = NULL,
    [ICMP_RULE_TRUNCATED] = "icmp.suppress.truncated",
    [ICMP_RULE_ERROR_ABOUT_ERROR] = "icmp.suppress.error_about_error",
    [ICMP_RULE_DST_BCAST] = "icmp.suppress.dst_bcast",
    [ICMP_RULE_DST_MCAST] = "icmp.suppress.dst_mcast",
    [ICMP_RULE_LINK_BCAST] = "icmp.suppress.link_bcast",
    [ICMP_RULE_LINK_MCAST] = "icmp.suppress.link_mcast",
    [ICMP_RULE_NON_INITIAL_FRAG] = "icmp.suppress.non_initial_frag",
    [ICMP_RULE_BAD_SRC] = "icmp.suppress.bad_src",
};

const char *icmp_rule_str(int code)
{
    return (code >= 0 && code < ICMP_RULE__COUNT) ? s_str[code] : "unknown";
}

const char *icmp_rule_counter(int code)
{
    return (code > 0 && code < ICMP_RULE__COUNT) ? s_counter[code] : NULL;
}

static bool s_is_mcast(uint32_t a) { return (a >> 28) == 0xe; }

int icmp_error_allowed_ex(const uint8_t *off, size_t len, const icmp_err_ctx_t *c)
{
    icmp_err_ctx_t none = {0};
    if (!c)
        c = &none;
    if (!off || len < IP4_HDR_MIN)
        return ICMP_RULE_TRUNCATED;
    size_t hlen = (size_t)(rd_u8(off + IP4_OFF_VER_IHL) & 0x0f) * 4;
    if (hlen < IP4_HDR_MIN || hlen > len)
        return ICMP_RULE_TRUNCATED;
    uint8_t proto = rd_u8(off + IP4_OFF_PROTO);
    uint16_t frag = rd_be16(off + IP4_OFF_FRAG) & IP4_FRAG_MASK;
    uint32_t src = rd_be32(off + IP4_OFF_SRC), dst = rd_be32(off + IP4_OFF_DST);

    /* RFC 1122 3.2.2: an ICMP error message MUST NOT be sent as the result
     * of receiving: */
    /* ... a datagram fragment other than the first fragment; */
    if (frag != 0)
        return ICMP_RULE_NON_INITIAL_FRAG;
    /* ... an ICMP error message (query messages such as echo are fine); */
    if (proto == IP_PROTO_ICMP) {
        if (len < hlen + 1)
            return ICMP_RULE_TRUNCATED; /* cannot tell: stay silent (Linux) */
        if (icmp_is_error(rd_u8(off + hlen)))
            return ICMP_RULE_ERROR_ABOUT_ERROR;
    }
    /* ... a datagram destined to an IP broadcast or IP multicast address; */
    if (dst == 0xffffffffu || c->dst_bcast)
        return ICMP_RULE_DST_BCAST;
    if (s_is_mcast(dst))
        return ICMP_RULE_DST_MCAST;
    /* ... a datagram sent as a link-layer broadcast or multicast; */
    if (c->link_bcast)
        return ICMP_RULE_LINK_BCAST;
    if (c->link_mcast)
        return ICMP_RULE_LINK_MCAST;
    /* ... a datagram whose source address does not define a single host --
     * e.g., a zero address, a loopback address, a broadcast address, a
     * multicast address, or a Class E address. */
    if (src == 0 || src == 0xffffffffu || c->src_bcast || s_is_mcast(src) || (src >> 28) == 0xf)
        return ICMP_RULE_BAD_SRC;
    if ((src >> 24) == 127 && !c->on_loopback)
        return ICMP_RULE_BAD_SRC;
    return ICMP_RULE_OK;
}

int icmp_error_allowed(const uint8_t *offending, size_t len, bool link_bcast, bool link_mcast)
{
    icmp_err_ctx_t c = {.link_bcast = link_bcast, .link_mcast = link_mcast};
    return icmp_error_allowed_ex(offending, len, &c);
}

void icmp_ratelimit_init(icmp_ratelimit_t *rl, uint32_t rate_per_sec, uint32_t burst)
{
    rl->rate = rate_per_sec;
    rl->burst = burst ? burst : 1;
    rl->credit_ns = 0;
    rl->last_ns = 0;
    rl->started = false;
}

bool icmp_ratelimit_allow(icmp_ratelimit_t *rl, uint64_t now_ns)
{
    /* RFC 1812 4.3.2.8: a router SHOULD limit the rate of ICMP errors it
     * sends; a token bucket lets bursts (traceroute) through. */
    if (!rl || rl->rate == 0)
        return true;
    uint64_t per = 1000000000ull / rl->rate; /* ns of refill per token */
    if (per == 0)
        per = 1;
    uint64_t cap = per * rl->burst;
    if (!rl->started) {
        rl->started = true;
        rl->credit_ns = cap;
        rl->last_ns = now_ns;
    } else if (now_ns > rl->last_ns) {
        uint64_t add = now_ns - rl->last_ns;
        rl->credit_ns = (add >= cap || rl->credit_ns + add >= cap) ? cap : rl->credit_ns + add;
        rl->last_ns = now_ns;
    }
    if (rl->credit_ns >= per) {
        rl->credit_ns -= per;
        return true;
    }
    return false;
}
