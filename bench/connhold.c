/*
 * connhold -- open many idle TCP connections over layerstack and hold them,
 * so bench/run.sh can read transport-svc's resident memory per connection.
 *
 *   stackctl exec hostb connhold -l PORT            # server: accept and keep every connection
 *   stackctl exec hosta connhold [--json] HOST PORT N
 *
 * The client connects N sockets one after another, prints one summary line
 * ("held 10000 of 10000 connections in 8.21 s (1218 conn/s), 0 failed") or
 * with --json one JSON object, then holds them idle until it is killed.
 *
 * Call chain: main -> sock_lib_open (app_init, [app_resolve], sock_lib_new) ->
 *   (server) s_serve: sock_accept forever; (client) s_client: N x (sock_socket -> sock_connect) -> summary ->
 *   pause() until SIGTERM (the sock library's heartbeat keeps the session).
 * Used by bench/run.sh (rows "idle connections held", "RSS per connection").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"
#include "runtime/loop.h"

#define CH_TIMEOUT_MS 5000
#define CH_MAX_FAILED_IN_A_ROW 50

static const char *const s_usage =
    "usage: connhold -l PORT                      accept connections and keep them open\n"
    "       connhold [--json] HOST PORT N         open N idle connections, report, hold until killed\n"
    "Run under `stackctl exec HOST`.\n";

static int s_serve(sock_lib_t *lib, uint16_t port)
{
    int lfd = sock_socket(lib, SOCK_T_TCP);
    if (lfd < 0 || sock_bind(lib, lfd, 0, port) < 0 || sock_listen(lib, lfd, 1024) < 0) {
        fprintf(stderr, "connhold: listen on port %u: %s\n", port, strerror(errno));
        return 1;
    }
    printf("connhold: listening on port %u\n", port);
    fflush(stdout);
    unsigned long held = 0;
    for (;;) {
        int fd = sock_accept(lib, lfd, NULL, NULL);
        if (fd < 0) {
            fprintf(stderr, "connhold: accept after %lu: %s\n", held, strerror(errno));
            if (errno == EIO || errno == EINTR)
                break;
            continue;
        }
        held++;
    }
    return 0;
}

static int s_client(sock_lib_t *lib, uint32_t ip, uint16_t port, unsigned long n, int json)
{
    unsigned long held = 0, failed = 0, in_a_row = 0;
    int last_errno = 0;
    uint64_t t0 = ls_now_ns();
    for (unsigned long i = 0; i < n && in_a_row < CH_MAX_FAILED_IN_A_ROW; i++) {
        int fd = sock_socket(lib, SOCK_T_TCP);
        if (fd < 0) {
            last_errno = errno;
            failed++;
            in_a_row++;
            continue;
        }
        sock_set_timeout(lib, fd, CH_TIMEOUT_MS);
        if (sock_connect(lib, fd, ip, port) < 0) {
            last_errno = errno;
            sock_close(lib, fd);
            failed++;
            in_a_row++;
            continue;
        }
        held++;
        in_a_row = 0;
    }
    double el = (double)(ls_now_ns() - t0) / 1e9;
    if (json)
        printf("{\"held\": %lu, \"wanted\": %lu, \"failed\": %lu, \"connect_s\": %.3f%s%s%s}\n", held, n, failed, el,
               last_errno ? ", \"last_error\": \"" : "", last_errno ? strerror(last_errno) : "",
               last_errno ? "\"" : "");
    else
        printf("held %lu of %lu connections in %.2f s (%.0f conn/s), %lu failed%s%s\n", held, n, el,
               el > 0 ? (double)held / el : 0, failed, last_errno ? ", last error: " : "",
               last_errno ? strerror(last_errno) : "");
    fflush(stdout);
    if (!held)
        return 1;
    for (;;)
        pause(); /* hold them idle until killed */
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    long lport = -1;
    int json = 0, c;
    char *end;
    while ((c = getopt_long(argc, argv, "l:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            lport = sock_parse_port(optarg);
            if (lport < 0) {
                fprintf(stderr, "connhold: -l: '%s' is not a port\n", optarg);
                return 2;
            }
            break;
        case 'j': json = 1; break;
        case 'h': fputs(s_usage, stdout); return 0;
        default: fputs(s_usage, stderr); return 2;
        }
    }
    if ((lport < 0 && argc - optind != 3) || (lport >= 0 && argc != optind)) {
        fputs(s_usage, stderr);
        return 2;
    }
    int port = 0;
    unsigned long n = 0;
    if (lport < 0) {
        port = sock_parse_port(argv[optind + 1]);
        if (port < 0) {
            fprintf(stderr, "connhold: '%s' is not a port\n", argv[optind + 1]);
            return 2;
        }
        n = strtoul(argv[optind + 2], &end, 10);
        if (*end || n < 1 || n > 1000000) {
            fprintf(stderr, "connhold: '%s' is not a connection count (1..1000000)\n", argv[optind + 2]);
            return 2;
        }
    }
    app_t app;
    uint32_t ip = 0;
    sock_lib_t *lib = sock_lib_open(&app, "connhold", lport < 0 ? argv[optind] : NULL, &ip);
    if (!lib)
        return 2;
    int rc = lport >= 0 ? s_serve(lib, (uint16_t)lport) : s_client(lib, ip, (uint16_t)port, n, json);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
