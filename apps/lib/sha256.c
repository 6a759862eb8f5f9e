/*
 * sha256.c -- SHA-256 per FIPS 180-4 sections 4.1.2, 4.2.2, 5.1.1, 6.2.
 * Call chain: apps/xfer.c (streaming digest of a transfer), test_sha256.c.
 */
#include "apps/lib/sha256.h"

#include <stdio.h>
#include <string.h>

#include "wire/bytes.h"

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes */
static const uint32_t s_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t s_ror(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void s_block(sha256_t *s, const uint8_t *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = rd_be32(p + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = s_ror(w[t - 15], 7) ^ s_ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = s_ror(w[t - 2], 17) ^ s_ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = s_ror(e, 6) ^ s_ror(e, 11) ^ s_ror(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + s_k[t] + w[t];
        uint32_t S0 = s_ror(a, 2) ^ s_ror(a, 13) ^ s_ror(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

void sha256_init(sha256_t *s)
{
    /* FIPS 180-4 5.3.3 */
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->nbytes = 0;
    s->blen = 0;
}

void sha256_update(sha256_t *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->nbytes += len;
    if (s->blen) {
        size_t take = 64 - s->blen < len ? 64 - s->blen : len;
        memcpy(s->block + s->blen, p, take);
        s->blen += take;
        p += take;
        len -= take;
        if (s->blen < 64)
            return;
        s_block(s, s->block);
        s->blen = 0;
    }
    while (len >= 64) {
        s_block(s, p);
        p += 64;
        len -= 64;
    }
    memcpy(s->block, p, len);
    s->blen = len;
}

void sha256_final(sha256_t *s, uint8_t out[SHA256_LEN])
{
    /* FIPS 180-4 5.1.1: a 1 bit, zeros to 56 mod 64, the 64-bit bit length */
    uint64_t bits = s->nbytes * 8;
    uint8_t pad = 0x80;
    uint64_t n = s->nbytes;
    sha256_update(s, &pad, 1);
    static const uint8_t zeros[64] = {0};
    sha256_update(s, zeros, s->blen <= 56 ? 56 - s->blen : 120 - s->blen);
    uint8_t len[8];
    wr_be32(len, (uint32_t)(bits >> 32));
    wr_be32(len + 4, (uint32_t)bits);
    sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++)
        wr_be32(out + 4 * i, s->h[i]);
    s->nbytes = n;
}

char *sha256_to_hex(const uint8_t d[SHA256_LEN], char hex[65])
{
    for (int i = 0; i < SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return hex;
}

char *sha256_hex(const void *data, size_t len, char hex[65])
{
    sha256_t s;
    uint8_t d[SHA256_LEN];
    sha256_init(&s);
    sha256_update(&s, data, len);
    sha256_final(&s, d);
    return sha256_to_hex(d, hex);
}
