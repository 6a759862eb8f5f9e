/*
 * udp-recv -- print UDP datagrams arriving on PORT (like `nc -u -l PORT`),
 * one line each; -e echoes each back to its sender (udp-send -r round trip).
 *
 * Call chain: main -> sock_lib_open (app_init, sock_lib_new) -> sock_socket(UDP) ->
 * sock_bind -> loop { sock_poll (1 s, to notice signals) -> sock_recvfrom ->
 * print -> [sock_sendto back] } until COUNT datagrams or SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig) { s_stop = sig; }

static void s_usage(FILE *f)
{
    fprintf(f, "usage: udp-recv [-e] [-c COUNT] PORT\n"
               "Print each UDP datagram received on PORT as 'IP:PORT: N bytes: TEXT'.\n"
               "  -e        echo each datagram back to its sender\n"
               "  -c COUNT  exit after COUNT datagrams (default: run until interrupted)\n"
               "Run with: stackctl exec HOST udp-recv ...\n");
}

int main(int argc, char **argv)
{
    int echo = 0, c;
    long count = 0;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "ec:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': echo = 1; break;
        case 'c': count = strtol(optarg, NULL, 10); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    int port = optind == argc - 1 ? sock_parse_port(argv[optind]) : -1;
    if (port < 0 || count < 0) {
        s_usage(stderr);
        return 2;
    }
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    app_t app;
    sock_lib_t *lib = sock_lib_open(&app, "udp-recv", NULL, NULL);
    if (!lib)
        return 2;
    int rc = 0;
    int fd = sock_socket(lib, SOCK_T_UDP);
    if (fd < 0 || sock_bind(lib, fd, 0, (uint16_t)port) < 0) {
        fprintf(stderr, "udp-recv: bind port %d: %s\n", port, strerror(errno));
        rc = 1;
        goto out;
    }
    printf("listening on UDP port %d\n", port);
    fflush(stdout);
    long got = 0;
    static char buf[65536];
    while (!s_stop && (!count || got < count)) {
        sock_pollfd_t p = {.fd = fd, .events = SOCK_POLLIN};
        int n = sock_poll(lib, &p, 1, 1000);
        if (n < 0) {
            fprintf(stderr, "udp-recv: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        if (n == 0)
            continue;
        uint32_t from;
        uint16_t fport;
        ssize_t len = sock_recvfrom(lib, fd, buf, sizeof buf - 1, &from, &fport);
        if (len < 0) {
            if (errno == EAGAIN)
                continue;
            fprintf(stderr, "udp-recv: recvfrom: %s\n", strerror(errno));
            continue;
        }
        buf[len] = 0;
        char a[16];
        printf("%s:%u: %zd bytes: %s\n", ip4_fmt(from, a), fport, len, buf);
        fflush(stdout);
        got++;
        if (echo && sock_sendto(lib, fd, buf, (size_t)len, from, fport) < 0)
            fprintf(stderr, "udp-recv: echo to %s:%u: %s\n", a, fport, strerror(errno));
    }
out:
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
