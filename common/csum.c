/*
 * csum.c -- RFC 1071 Internet checksum and RFC 1624 incremental update.
 *
 * Callers: ipv4 (header), icmp (message), udp/tcp (pseudo-header + segment),
 * net-svc forwarding (TTL decrement via csum_update16).
 */
#include "csum.h"

uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += (uint32_t)buf[i] << 8 | buf[i + 1];
    if (i < len)
        s += (uint32_t)buf[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t csum(const uint8_t *buf, size_t len) { return csum_fold(csum_add(0, buf, len)); }

uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    uint32_t s = 0;
    s += src >> 16; s += src & 0xffff;
    s += dst >> 16; s += dst & 0xffff;
    s += proto;
    s += len;
    return s;
}

uint16_t csum_update16(uint16_t check, uint16_t old_w, uint16_t new_w)
{
    /* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') */
    uint32_t s = (uint16_t)~check;
    s += (uint16_t)~old_w;
    s += new_w;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
