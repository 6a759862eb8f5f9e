/*
 * connrate -- TCP connection rate over layerstack: connect, one 64-byte
 * request, one 64-byte response, close; the SERVER closes first (so TIME-WAIT
 * sits on the server and the client's ephemeral ports come back at once).
 *
 *   stackctl exec hostb connrate -l PORT             # server: answer, then close first
 *   stackctl exec hosta connrate [--json] HOST PORT SECONDS
 *
 * Output mirrors a load generator's summary line:
 *   12345 connections in 5.00 s: 2469.0 conn/s (connect + request/response + close; server closes first), 0 failed
 *
 * Call chain: main -> sock_lib_open (app_init, [app_resolve], sock_lib_new) ->
 *   (server) s_serve: sock_accept -> sock_recv request -> sock_send response -> sock_close;
 *   (client) s_client: loop until SECONDS: sock_socket -> sock_connect ->
 *   sock_send -> sock_recv response -> sock_recv EOF (the server's FIN) -> sock_close.
 * Used by bench/run.sh (row "connection rate").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"
#include "runtime/loop.h"

#define CR_MSG_BYTES 64
#define CR_TIMEOUT_MS 5000

static const char *const s_usage =
    "usage: connrate -l PORT                       serve: read a request, answer, close first\n"
    "       connrate [--json] HOST PORT SECONDS    connect/request/response/close for SECONDS\n"
    "Run under `stackctl exec HOST`. Requests and responses are 64 bytes.\n";

static int s_serve(sock_lib_t *lib, uint16_t port)
{
    int lfd = sock_socket(lib, SOCK_T_TCP);
    if (lfd < 0 || sock_bind(lib, lfd, 0, port) < 0 || sock_listen(lib, lfd, 128) < 0) {
        fprintf(stderr, "connrate: listen on port %u: %s\n", port, strerror(errno));
        return 1;
    }
    printf("connrate: listening on port %u\n", port);
    fflush(stdout);
    uint8_t buf[CR_MSG_BYTES];
    unsigned long served = 0;
    for (;;) {
        int fd = sock_accept(lib, lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                break;
            fprintf(stderr, "connrate: accept: %s\n", strerror(errno));
            if (errno == EIO)
                break;
            continue;
        }
        sock_set_timeout(lib, fd, CR_TIMEOUT_MS);
        if (sock_recv_all(lib, fd, buf, sizeof buf) == (ssize_t)sizeof buf) {
            buf[0] = 'R';
            sock_send(lib, fd, buf, sizeof buf);
            served++;
        }
        sock_close(lib, fd); /* the server closes first */
    }
    printf("connrate: served %lu connections\n", served);
    return 0;
}

static int s_client(sock_lib_t *lib, uint32_t ip, uint16_t port, double seconds, int json)
{
    uint8_t req[CR_MSG_BYTES], rsp[CR_MSG_BYTES];
    memset(req, 'Q', sizeof req);
    unsigned long ok = 0, failed = 0;
    int last_errno = 0;
    uint64_t t0 = ls_now_ns(), end = t0 + (uint64_t)(seconds * 1e9), now = t0;
    while ((now = ls_now_ns()) < end) {
        int fd = sock_socket(lib, SOCK_T_TCP);
        if (fd < 0) {
            fprintf(stderr, "connrate: socket: %s\n", strerror(errno));
            return 1;
        }
        sock_set_timeout(lib, fd, CR_TIMEOUT_MS);
        int good = sock_connect(lib, fd, ip, port) == 0 && sock_send(lib, fd, req, sizeof req) == (ssize_t)sizeof req &&
                   sock_recv_all(lib, fd, rsp, sizeof rsp) == (ssize_t)sizeof rsp && rsp[0] == 'R' &&
                   sock_recv(lib, fd, rsp, sizeof rsp) == 0; /* the server's FIN */
        if (!good)
            last_errno = errno;
        sock_close(lib, fd);
        if (good)
            ok++;
        else
            failed++;
        if (failed > 100 && ok == 0)
            break;
    }
    double el = (double)(now - t0) / 1e9;
    double rate = el > 0 ? (double)ok / el : 0;
    if (json)
        printf("{\"connections\": %lu, \"failed\": %lu, \"seconds\": %.3f, \"per_s\": %.1f, "
               "\"request_bytes\": %d, \"response_bytes\": %d, \"closes_first\": \"server\"%s%s%s}\n",
               ok, failed, el, rate, CR_MSG_BYTES, CR_MSG_BYTES, last_errno ? ", \"last_error\": \"" : "",
               last_errno ? strerror(last_errno) : "", last_errno ? "\"" : "");
    else
        printf("%lu connections in %.2f s: %.1f conn/s (connect + request/response + close; server closes "
               "first), %lu failed%s%s\n",
               ok, el, rate, failed, last_errno ? ", last error: " : "", last_errno ? strerror(last_errno) : "");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    long lport = -1;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "l:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            lport = sock_parse_port(optarg);
            if (lport < 0) {
                fprintf(stderr, "connrate: -l: '%s' is not a port\n", optarg);
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
    double secs = 0;
    if (lport < 0) {
        port = sock_parse_port(argv[optind + 1]);
        if (port < 0) {
            fprintf(stderr, "connrate: '%s' is not a port\n", argv[optind + 1]);
            return 2;
        }
        secs = app_parse_seconds(argv[optind + 2]);
        if (secs <= 0) {
            fprintf(stderr, "connrate: '%s' is not a duration in seconds\n", argv[optind + 2]);
            return 2;
        }
    }
    app_t app;
    uint32_t ip = 0;
    sock_lib_t *lib = sock_lib_open(&app, "connrate", lport < 0 ? argv[optind] : NULL, &ip);
    if (!lib)
        return 2;
    int rc = lport >= 0 ? s_serve(lib, (uint16_t)lport) : s_client(lib, ip, (uint16_t)port, secs, json);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
