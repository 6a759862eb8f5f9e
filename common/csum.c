/*
 * csum.c -- RFC 1071 Internet checksum and RFC 1624 incremental update.
 *
 * Callers: ipv4 (header), icmp (message), udp/tcp (pseudo-header + segment),
 * net-svc forwarding (TTL decrement via csum_update16).
 */
#include "csum.h"

#include <string.h>

uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    /* The exact integer sum of the big-endian 16-bit words (the same value the
     * word-at-a-time loop gives), eight bytes per step: the sum is
     * 256 * (sum of even-offset bytes) + (sum of odd-offset bytes). Each
     * 8-byte load (memcpy, so any alignment; little- or big-endian host alike)
     * is split into its four even-offset and four odd-offset bytes, each in a
     * 16-bit lane; a lane gains at most 255 per step, so the lanes are
     * flushed every 256 steps, before they can overflow. */
    uint64_t s = sum;
    const uint64_t m = 0x00ff00ff00ff00ffull;
    while (len >= 8) {
        size_t steps = len / 8 > 256 ? 256 : len / 8;
        uint64_t lo = 0, hi = 0;
        for (size_t k = 0; k < steps; k++, buf += 8) {
            uint64_t x;
            memcpy(&x, buf, 8);
            lo += x & m;
            hi += (x >> 8) & m;
        }
        len -= steps * 8;
        uint64_t a = (lo & 0xffff) + (lo >> 16 & 0xffff) + (lo >> 32 & 0xffff) + (lo >> 48);
        uint64_t b = (hi & 0xffff) + (hi >> 16 & 0xffff) + (hi >> 32 & 0xffff) + (hi >> 48);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        s += (a << 8) + b; /* LE: the low byte of each lane is the even offset */
#else
        s += (b << 8) + a;
#endif
    }
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
