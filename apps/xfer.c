/*
 * xfer -- bulk TCP transfer with proof of integrity: the sender streams
 * BYTES of seeded pseudo-random data, the receiver counts them; both print
 * the same three lines (bytes, goodput, SHA-256) so the digests can be
 * compared, like an iperf run with a checksum.
 *
 * Call chain: main -> sock_lib_open (app_init, [app_resolve], sock_lib_new) ->
 *   -l PORT:          listen -> accept one -> recv until EOF (sha256_update)
 *                     -> close -> report
 *   HOST PORT BYTES:  sock_connect_to -> send chunks (xorshift64* stream, sha256_update)
 *                     -> shutdown(WR) -> wait for the receiver's close -> report
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/sha256.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"
#include "runtime/loop.h"

#define CHUNK (64 * 1024)

static void s_usage(FILE *f)
{
    fprintf(f, "usage: xfer [-s SEED] HOST PORT BYTES    send BYTES (suffix K, M, G: powers of 1024)\n"
               "       xfer -l PORT                      receive one transfer\n"
               "Both ends print:\n"
               "  bytes: N\n"
               "  goodput: X Mbit/s (T s)\n"
               "  sha256: HEX\n"
               "The data is a pseudo-random stream from SEED (default 1), so two runs with the\n"
               "same seed and size have the same digest. Run with: stackctl exec HOST xfer ...\n");
}

static int s_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024;
    else if (*end)
        return -1;
    if (*end && end[1])
        return -1;
    *out = v * mul;
    return 0;
}

static void s_report(uint64_t bytes, uint64_t t0, sha256_t *sh)
{
    double secs = (double)(ls_now_ns() - t0) / 1e9;
    uint8_t d[SHA256_LEN];
    char hex[65];
    sha256_final(sh, d);
    printf("bytes: %llu\n", (unsigned long long)bytes);
    printf("goodput: %.2f Mbit/s (%.3f s)\n", secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0.0, secs);
    printf("sha256: %s\n", sha256_to_hex(d, hex));
    fflush(stdout);
}

/* xorshift64* (Vigna): a cheap reproducible byte stream */
static void s_fill(uint64_t *st, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = *st;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *st = x;
        uint64_t v = x * 0x2545f4914f6cdd1dull;
        for (size_t k = 0; k < 8 && i + k < n; k++)
            buf[i + k] = (uint8_t)(v >> (8 * k));
    }
}

static int s_receive(sock_lib_t *lib, int port)
{
    char a[16];
    int s = sock_socket(lib, SOCK_T_TCP);
    if (s < 0 || sock_bind(lib, s, 0, (uint16_t)port) < 0 || sock_listen(lib, s, 1) < 0) {
        fprintf(stderr, "xfer: port %d: %s\n", port, strerror(errno));
        return 1;
    }
    printf("listening on 0.0.0.0:%d\n", port);
    fflush(stdout);
    uint32_t ip;
    uint16_t rport;
    int fd = sock_accept(lib, s, &ip, &rport);
    if (fd < 0) {
        fprintf(stderr, "xfer: accept: %s\n", strerror(errno));
        return 1;
    }
    sock_close(lib, s);
    printf("connection from %s:%u\n", ip4_fmt(ip, a), rport);
    fflush(stdout);
    sha256_t sh;
    sha256_init(&sh);
    uint64_t total = 0, t0 = ls_now_ns();
    static uint8_t buf[CHUNK];
    int rc = 0;
    for (;;) {
        ssize_t n = sock_recv(lib, fd, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            fprintf(stderr, "xfer: recv after %llu bytes: %s\n", (unsigned long long)total, strerror(errno));
            rc = 1;
            break;
        }
        sha256_update(&sh, buf, (size_t)n);
        total += (uint64_t)n;
    }
    sock_close(lib, fd);
    s_report(total, t0, &sh);
    return rc;
}

static int s_send(sock_lib_t *lib, uint32_t dst, int port, uint64_t bytes, uint64_t seed)
{
    int fd = sock_connect_to(lib, SOCK_T_TCP, dst, (uint16_t)port, "xfer");
    if (fd < 0)
        return 1;
    sha256_t sh;
    sha256_init(&sh);
    uint64_t st = seed * 0x9e3779b97f4a7c15ull + 1, sent = 0, t0 = ls_now_ns();
    static uint8_t buf[CHUNK];
    while (sent < bytes) {
        size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
        s_fill(&st, buf, n);
        sha256_update(&sh, buf, n);
        ssize_t w = sock_send(lib, fd, buf, n);
        if (w != (ssize_t)n) {
            fprintf(stderr, "xfer: send after %llu bytes: %s\n", (unsigned long long)sent, strerror(errno));
            sock_close(lib, fd);
            return 1;
        }
        sent += n;
    }
    /* FIN, then wait for the receiver's close: the data has been read */
    sock_shutdown(lib, fd, SOCK_SHUT_WR);
    int rc = 0;
    for (;;) {
        ssize_t n = sock_recv(lib, fd, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            fprintf(stderr, "xfer: waiting for the receiver to close: %s\n", strerror(errno));
            rc = 1;
            break;
        }
    }
    sock_close(lib, fd);
    s_report(sent, t0, &sh);
    return rc;
}

int main(int argc, char **argv)
{
    int c, listen_port = 0;
    uint64_t seed = 1;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "l:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen_port = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    uint64_t bytes = 0;
    int port = 0;
    if (listen_port) {
        if (optind != argc || listen_port < 1 || listen_port > 65535) {
            s_usage(stderr);
            return 2;
        }
    } else {
        if (optind != argc - 3) {
            s_usage(stderr);
            return 2;
        }
        port = sock_parse_port(argv[optind + 1]);
        if (port < 0) {
            fprintf(stderr, "xfer: bad port '%s'\n", argv[optind + 1]);
            return 2;
        }
        if (s_parse_size(argv[optind + 2], &bytes) < 0) {
            fprintf(stderr, "xfer: bad size '%s' (examples: 1000, 64K, 10M, 1G)\n", argv[optind + 2]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    app_t app;
    uint32_t dst = 0;
    sock_lib_t *lib = sock_lib_open(&app, "xfer", listen_port ? NULL : argv[optind], &dst);
    if (!lib)
        return 2;
    int rc = listen_port ? s_receive(lib, listen_port) : s_send(lib, dst, port, bytes, seed);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
