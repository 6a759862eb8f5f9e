/*
 * echo-server -- the RFC 862 echo service over TCP: every byte a client
 * sends comes back. Serves up to 8 clients at once with sock_poll.
 *
 * Call chain: main -> sock_lib_open (app_init, sock_lib_new) -> socket/bind/listen ->
 * loop { sock_poll(listener + clients, 1 s) -> accept | recv -> send back;
 * EOF -> close } until SIGINT/SIGTERM.
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

#define MAX_CLIENTS 8

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig) { s_stop = sig; }

static void s_usage(FILE *f)
{
    fprintf(f, "usage: echo-server [-c COUNT] PORT\n"
               "Echo back everything TCP clients send to PORT (RFC 862), up to %d at once.\n"
               "  -c COUNT  exit after COUNT connections have finished (default: run until interrupted)\n"
               "Run with: stackctl exec HOST echo-server ...\n", MAX_CLIENTS);
}

int main(int argc, char **argv)
{
    int c;
    long count = 0;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
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
    sock_lib_t *lib = sock_lib_open(&app, "echo-server", NULL, NULL);
    if (!lib)
        return 2;
    int rc = 0, lfd = sock_socket(lib, SOCK_T_TCP);
    if (lfd < 0 || sock_bind(lib, lfd, 0, (uint16_t)port) < 0 || sock_listen(lib, lfd, 16) < 0) {
        fprintf(stderr, "echo-server: port %d: %s\n", port, strerror(errno));
        sock_lib_destroy(&lib);
        app_fini(&app);
        return 1;
    }
    printf("echo-server: listening on 0.0.0.0:%d\n", port);
    fflush(stdout);
    int clients[MAX_CLIENTS];
    int nclients = 0;
    long finished = 0;
    static char buf[65536];
    while (!s_stop && (!count || finished < count)) {
        sock_pollfd_t p[MAX_CLIENTS + 1];
        size_t np = 0;
        if (nclients < MAX_CLIENTS)
            p[np++] = (sock_pollfd_t){.fd = lfd, .events = SOCK_POLLIN};
        for (int i = 0; i < nclients; i++)
            p[np++] = (sock_pollfd_t){.fd = clients[i], .events = SOCK_POLLIN};
        int n = sock_poll(lib, p, np, 1000);
        if (n < 0) {
            fprintf(stderr, "echo-server: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        for (size_t i = 0; i < np && n > 0; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == lfd) {
                uint32_t ip;
                uint16_t rport;
                int cfd = sock_accept(lib, lfd, &ip, &rport);
                if (cfd >= 0) {
                    char a[16];
                    printf("connection from %s:%u\n", ip4_fmt(ip, a), rport);
                    fflush(stdout);
                    clients[nclients++] = cfd;
                }
                continue;
            }
            ssize_t len = sock_recv(lib, p[i].fd, buf, sizeof buf);
            if (len > 0 && sock_send(lib, p[i].fd, buf, (size_t)len) == len)
                continue;
            if (len < 0 && errno == EAGAIN)
                continue;
            if (len < 0)
                fprintf(stderr, "echo-server: socket %d: %s\n", p[i].fd, strerror(errno));
            sock_close(lib, p[i].fd);
            for (int k = 0; k < nclients; k++)
                if (clients[k] == p[i].fd)
                    clients[k] = clients[--nclients];
            finished++;
        }
    }
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
