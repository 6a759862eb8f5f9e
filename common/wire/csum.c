/*
 * csum.c -- RFC 1071 Internet checksum and RFC 1624 incremental update.
 *
 * Callers: ipv4 (header), icmp (message), udp/tcp (pseudo-header + segment),
 * net-svc forwarding (TTL decrement via csum_update16).
 */
#include "wire/csum.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
#if defined(__SSE2__)
    /* x86-64 (SSE2 is baseline): sixteen bytes per step, even- and
     * odd-offset bytes summed separately by PSADBW into 64-bit lanes (which
     * cannot overflow at any length this function is given). */
    if (len >= 16) {
        const __m128i lowbytes = _mm_set1_epi16(0x00ff), zero = _mm_setzero_si128();
        __m128i ev = zero, od = zero;
        for (; len >= 16; len -= 16, buf += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)buf);
            ev = _mm_add_epi64(ev, _mm_sad_epu8(_mm_and_si128(v, lowbytes), zero)); /* offsets 0,2,4.. */
            od = _mm_add_epi64(od, _mm_sad_epu8(_mm_srli_epi16(v, 8), zero));      /* offsets 1,3,5.. */
        }
        uint64_t e = (uint64_t)_mm_cvtsi128_si64(ev) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(ev, ev));
        uint64_t o = (uint64_t)_mm_cvtsi128_si64(od) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(od, od));
        s += (e << 8) + o;
    }
#endif
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
