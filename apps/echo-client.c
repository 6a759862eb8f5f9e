/*
 * echo-client -- send each line of stdin to an echo server over TCP and
 * print what comes back (one line out, one line in).
 *
 * Call chain: main -> sock_lib_open (app_init, app_resolve, sock_lib_new) ->
 * sock_connect_to (socket, connect) -> per line { send -> recv until the same byte count } ->
 * shutdown(WR) -> recv until EOF -> close.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: echo-client HOST PORT\n"
               "Send each line read from stdin to the TCP echo server at HOST:PORT and print\n"
               "the echoed line. Exits 0 when every line came back intact.\n"
               "Run with: stackctl exec HOST echo-client ...\n");
}

int main(int argc, char **argv)
{
    int c;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            s_usage(stdout);
            return 0;
        }
        s_usage(stderr);
        return 2;
    }
    int port = optind == argc - 2 ? sock_parse_port(argv[optind + 1]) : -1;
    if (port < 0) {
        s_usage(stderr);
        return 2;
    }
    app_t app;
    uint32_t dst;
    sock_lib_t *lib = sock_lib_open(&app, "echo-client", argv[optind], &dst);
    if (!lib)
        return 2;
    int rc = 0;
    int fd = sock_connect_to(lib, SOCK_T_TCP, dst, (uint16_t)port, "echo-client");
    if (fd < 0) {
        sock_lib_destroy(&lib);
        app_fini(&app);
        return 1;
    }
    char line[4096], back[4096];
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        if (sock_send(lib, fd, line, len) != (ssize_t)len) {
            fprintf(stderr, "echo-client: send: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        size_t got = 0;
        while (got < len) {
            ssize_t n = sock_recv(lib, fd, back + got, len - got);
            if (n <= 0) {
                fprintf(stderr, "echo-client: recv: %s\n", n == 0 ? "connection closed by the server" : strerror(errno));
                rc = 1;
                break;
            }
            got += (size_t)n;
        }
        if (rc)
            break;
        fwrite(back, 1, got, stdout);
        fflush(stdout);
        if (memcmp(back, line, len) != 0)
            rc = 1;
    }
    if (!rc) {
        sock_shutdown(lib, fd, SOCK_SHUT_WR);
        while (sock_recv(lib, fd, back, sizeof back) > 0)
            ;
    }
    sock_close(lib, fd);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
