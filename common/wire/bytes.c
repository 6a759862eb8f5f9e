/*
 * bytes.c -- text forms of addresses (dotted quad, colon-separated MAC).
 *
 * Used by loggers, stackctl and the topology loader. Parsing is strict:
 * anything but exactly four decimal octets, or six hex pairs, is rejected.
 */
#include "wire/bytes.h"

#include <stdio.h>
#include <ctype.h>

char *ip4_fmt(uint32_t a, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    return buf;
}

int ip4_parse(const char *s, uint32_t *addr)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        unsigned n = 0;
        int digits = 0;
        while (isdigit((unsigned char)*s)) {
            n = n * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || n > 255)
                return -1;
        }
        v = v << 8 | n;
        if (i < 3 && *s++ != '.')
            return -1;
    }
    if (*s != '\0')
        return -1;
    *addr = v;
    return 0;
}

char *mac_fmt(const uint8_t m[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

static int s_hex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int hi = s_hex(s[0]), lo = hi < 0 ? -1 : s_hex(s[1]);
        if (hi < 0 || lo < 0)
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    return *s == '\0' ? 0 : -1;
}
