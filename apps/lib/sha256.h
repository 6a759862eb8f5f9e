/*
 * sha256.h -- SHA-256 (FIPS 180-4), written here so the apps need no crypto
 * library. Used by xfer to prove that what arrived is what was sent.
 *
 * Call chain: apps/xfer.c -> sha256_init / sha256_update / sha256_final;
 * tests/unit/test_sha256.c checks the FIPS 180-4 example vectors.
 */
#ifndef LS_SHA256_H
#define LS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

typedef struct {
    uint32_t h[8];
    uint64_t nbytes;
    uint8_t block[64];
    size_t blen;
} sha256_t;

void sha256_init(sha256_t *s);
void sha256_update(sha256_t *s, const void *data, size_t len);
void sha256_final(sha256_t *s, uint8_t out[SHA256_LEN]);
/* One-shot digest as 64 lowercase hex digits + NUL; returns hex. */
char *sha256_hex(const void *data, size_t len, char hex[65]);
/* Digest bytes -> hex. */
char *sha256_to_hex(const uint8_t d[SHA256_LEN], char hex[65]);

#endif
