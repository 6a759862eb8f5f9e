/*
 * nc -- a TCP netcat: connect to HOST PORT (or listen with -l PORT) and copy
 * stdin to the connection and the connection to stdout. EOF on stdin
 * half-closes (FIN); the program ends when the peer has closed its side.
 *
 * Call chain: main -> sock_lib_open (app_init, [app_resolve], sock_lib_new) ->
 * connect | listen+accept -> loop { sock_poll(socket + stdin) -> stdin ->
 * sock_send | sock_recv -> stdout; stdin EOF -> sock_shutdown(WR) } -> sock_close.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig) { s_stop = sig; }

static void s_usage(FILE *f)
{
    fprintf(f, "usage: nc [-v] [-p LOCALPORT] HOST PORT\n"
               "       nc [-v] -l PORT\n"
               "Copy stdin to a TCP connection and the connection to stdout. With -l, wait\n"
               "for one connection on PORT. EOF on stdin sends FIN (half-close); nc exits\n"
               "when the peer closes. -v reports the connection on stderr. -p binds the\n"
               "connecting socket to LOCALPORT first (two nc -p aimed at each other make a\n"
               "simultaneous open).\n"
               "Run with: stackctl exec HOST nc ...\n");
}

int main(int argc, char **argv)
{
    int listen_mode = 0, verbose = 0, lport = 0, c;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "lvp:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen_mode = 1; break;
        case 'v': verbose = 1; break;
        case 'p':
            lport = sock_parse_port(optarg);
            if (lport < 0) {
                fprintf(stderr, "nc: bad local port '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    int nargs = argc - optind;
    if ((listen_mode && (nargs != 1 || lport)) || (!listen_mode && nargs != 2)) {
        s_usage(stderr);
        return 2;
    }
    int port = sock_parse_port(argv[argc - 1]);
    if (port < 0) {
        fprintf(stderr, "nc: bad port '%s'\n", argv[argc - 1]);
        return 2;
    }
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    signal(SIGPIPE, SIG_IGN);
    app_t app;
    uint32_t dst = 0;
    sock_lib_t *lib = sock_lib_open(&app, "nc", listen_mode ? NULL : argv[optind], &dst);
    if (!lib)
        return 2;
    int rc = 1, fd = -1;
    char a[16];
    int s = sock_socket(lib, SOCK_T_TCP);
    if (s < 0) {
        fprintf(stderr, "nc: socket: %s\n", strerror(errno));
        goto out;
    }
    if (listen_mode) {
        if (sock_bind(lib, s, 0, (uint16_t)port) < 0 || sock_listen(lib, s, 1) < 0) {
            fprintf(stderr, "nc: port %d: %s\n", port, strerror(errno));
            goto out;
        }
        uint32_t ip;
        uint16_t rport;
        while (!s_stop) {
            sock_pollfd_t p = {.fd = s, .events = SOCK_POLLIN};
            if (sock_poll(lib, &p, 1, 1000) > 0) {
                fd = sock_accept(lib, s, &ip, &rport);
                if (fd >= 0)
                    break;
            }
        }
        if (fd < 0)
            goto out;
        sock_close(lib, s);
        if (verbose)
            fprintf(stderr, "Connection received on %s %u\n", ip4_fmt(ip, a), rport);
    } else {
        if (lport && sock_bind(lib, s, 0, (uint16_t)lport) < 0) {
            fprintf(stderr, "nc: bind to port %d: %s\n", lport, strerror(errno));
            goto out;
        }
        if (sock_connect(lib, s, dst, (uint16_t)port) < 0) {
            fprintf(stderr, "nc: connect to %s port %d (tcp) failed: %s\n", ip4_fmt(dst, a), port, strerror(errno));
            goto out;
        }
        fd = s;
        if (verbose)
            fprintf(stderr, "Connection to %s %d port [tcp/*] succeeded!\n", ip4_fmt(dst, a), port);
    }
    s = -1;
    int stdin_open = 1;
    static char buf[65536];
    rc = 0;
    while (!s_stop) {
        sock_pollfd_t p[2] = {{.fd = fd, .events = SOCK_POLLIN}, {.fd = -1, .os_fd = 0, .events = SOCK_POLLIN}};
        int n = sock_poll(lib, p, stdin_open ? 2 : 1, 1000);
        if (n < 0) {
            fprintf(stderr, "nc: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        if (stdin_open && p[1].revents) {
            ssize_t len = read(0, buf, sizeof buf);
            if (len > 0) {
                if (sock_send(lib, fd, buf, (size_t)len) != len) {
                    fprintf(stderr, "nc: send: %s\n", strerror(errno));
                    rc = 1;
                    break;
                }
            } else {
                stdin_open = 0;
                sock_shutdown(lib, fd, SOCK_SHUT_WR); /* half-close: FIN after the data */
            }
        }
        if (p[0].revents) {
            ssize_t len = sock_recv(lib, fd, buf, sizeof buf);
            if (len > 0) {
                fwrite(buf, 1, (size_t)len, stdout);
                fflush(stdout);
            } else if (len == 0) {
                break; /* the peer closed */
            } else if (errno != EAGAIN) {
                fprintf(stderr, "nc: recv: %s\n", strerror(errno));
                rc = 1;
                break;
            }
        }
    }
out:
    if (fd >= 0)
        sock_close(lib, fd);
    if (s >= 0)
        sock_close(lib, s);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
