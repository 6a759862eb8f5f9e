/*
 * udp-send -- send one UDP datagram (like `echo MESSAGE | nc -u -w1 HOST PORT`),
 * optionally waiting for one reply (a round trip with `udp-recv -e`).
 *
 * Call chain: main -> sock_lib_open (app_init, app_resolve, sock_lib_new) -> sock_socket(UDP) ->
 * [sock_set_ttl] -> sock_sendto -> [sock_recvfrom with a timeout] -> exit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: udp-send [-r] [-w SECONDS] [-p SRCPORT] [-t TTL] HOST PORT MESSAGE\n"
               "Send MESSAGE as one UDP datagram to HOST:PORT from this host.\n"
               "  -r          wait for one reply datagram and print it (exit 1 if none)\n"
               "  -w SECONDS  how long -r waits (default 2)\n"
               "  -p SRCPORT  bind this source port (default: ephemeral)\n"
               "  -t TTL      IP time-to-live (default 64)\n"
               "Run with: stackctl exec HOST udp-send ...\n");
}

int main(int argc, char **argv)
{
    int reply = 0, ttl = 0, c;
    long sport = 0;
    double wait = 2.0;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "rw:p:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': reply = 1; break;
        case 'w': wait = app_parse_seconds(optarg); break;
        case 'p': sport = strtol(optarg, NULL, 10); break;
        case 't': ttl = atoi(optarg); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind != argc - 3 || wait < 0 || sport < 0 || sport > 65535 || ttl < 0 || ttl > 255) {
        s_usage(stderr);
        return 2;
    }
    int port = sock_parse_port(argv[optind + 1]);
    if (port < 0) {
        fprintf(stderr, "udp-send: bad port '%s'\n", argv[optind + 1]);
        return 2;
    }
    app_t app;
    uint32_t dst;
    sock_lib_t *lib = sock_lib_open(&app, "udp-send", argv[optind], &dst);
    if (!lib)
        return 2;
    int rc = 1;
    const char *msg = argv[optind + 2];
    int fd = sock_socket(lib, SOCK_T_UDP);
    if (fd < 0 || (sport && sock_bind(lib, fd, 0, (uint16_t)sport) < 0) || (ttl && sock_set_ttl(lib, fd, ttl) < 0)) {
        fprintf(stderr, "udp-send: socket: %s\n", strerror(errno));
        goto out;
    }
    char ip[16];
    ip4_fmt(dst, ip);
    if (sock_sendto(lib, fd, msg, strlen(msg), dst, (uint16_t)port) < 0) {
        fprintf(stderr, "udp-send: sendto %s:%d: %s\n", ip, port, strerror(errno));
        goto out;
    }
    printf("sent %zu bytes to %s:%d\n", strlen(msg), ip, port);
    rc = 0;
    if (reply) {
        char buf[65536];
        uint32_t from;
        uint16_t fport;
        sock_set_timeout(lib, fd, (int)(wait * 1000));
        ssize_t n = sock_recvfrom(lib, fd, buf, sizeof buf - 1, &from, &fport);
        if (n < 0) {
            fprintf(stderr, "udp-send: no reply: %s\n", errno == EAGAIN ? "timed out" : strerror(errno));
            rc = 1;
        } else {
            buf[n] = 0;
            char fa[16];
            printf("reply from %s:%u: %zd bytes: %s\n", ip4_fmt(from, fa), fport, n, buf);
        }
    }
out:
    fflush(stdout);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
