/*
 * http-get -- fetch a URL with HTTP/1.0 (RFC 1945) and print the body, like
 * `curl URL` (-i also prints the status line and headers).
 *
 * Call chain: main -> s_parse_url (http://HOST[:PORT]/PATH) -> app_resolve
 * -> sock_lib_new -> socket -> connect -> send "GET PATH HTTP/1.0" -> recv
 * until EOF -> split headers / body -> print. Exit 0 for 2xx/3xx, 1 else.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/resolve.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"

#define MAX_RESPONSE (4 * 1024 * 1024)

static void s_usage(FILE *f)
{
    fprintf(f, "usage: http-get [-i] [-m SECONDS] URL\n"
               "Fetch URL (http://HOST[:PORT][/PATH], HOST a name or an address) with an\n"
               "HTTP/1.0 GET and print the body.\n"
               "  -i          also print the status line and headers\n"
               "  -m SECONDS  give up after this long without progress (default 10)\n"
               "Exit status: 0 for a 2xx/3xx answer, 1 for other answers or errors, 2 usage.\n"
               "Run with: stackctl exec HOST http-get ...\n");
}

static int s_parse_url(const char *url, char *host, size_t hcap, int *port, char *path, size_t pcap)
{
    const char *p = url;
    if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else if (strstr(p, "://"))
        return -1;
    size_t n = strcspn(p, ":/");
    if (n == 0 || n >= hcap)
        return -1;
    memcpy(host, p, n);
    host[n] = 0;
    p += n;
    *port = 80;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v <= 0 || v > 65535 || (*end && *end != '/'))
            return -1;
        *port = (int)v;
        p = end;
    }
    snprintf(path, pcap, "%s", *p ? p : "/");
    return 0;
}

int main(int argc, char **argv)
{
    int c, show_headers = 0;
    double maxtime = 10;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "im:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': show_headers = 1; break;
        case 'm': maxtime = app_parse_seconds(optarg); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || maxtime <= 0) {
        s_usage(stderr);
        return 2;
    }
    char host[256], path[2048];
    int port;
    if (s_parse_url(argv[optind], host, sizeof host, &port, path, sizeof path) < 0) {
        fprintf(stderr, "http-get: bad URL '%s' (expected http://HOST[:PORT]/PATH)\n", argv[optind]);
        return 2;
    }
    app_t app;
    if (app_init(&app, "http-get") < 0)
        return 2;
    uint32_t dst;
    int grc = app_resolve(&app, host, &dst);
    if (grc < 0) {
        fprintf(stderr, "http-get: (6) Could not resolve host: %s (%s)\n", host, app_gai_strerror(grc));
        app_fini(&app);
        return 1;
    }
    sock_lib_t *lib = sock_lib_new(&app);
    if (!lib) {
        app_fini(&app);
        return 2;
    }
    int rc = 1;
    char a[16];
    char *resp = NULL;
    int fd = sock_socket(lib, SOCK_T_TCP);
    if (fd < 0) {
        fprintf(stderr, "http-get: socket: %s\n", strerror(errno));
        goto out;
    }
    sock_set_timeout(lib, fd, (int)(maxtime * 1000));
    if (sock_connect(lib, fd, dst, (uint16_t)port) < 0) {
        fprintf(stderr, "http-get: failed to connect to %s port %d: %s\n", ip4_fmt(dst, a), port, strerror(errno));
        goto out;
    }
    char req[2600];
    int rlen = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: layerstack-http-get\r\n\r\n",
                        path, host);
    if (sock_send(lib, fd, req, (size_t)rlen) != rlen) {
        fprintf(stderr, "http-get: send: %s\n", strerror(errno));
        goto out;
    }
    resp = malloc(MAX_RESPONSE + 1);
    size_t len = 0;
    for (;;) {
        if (len == MAX_RESPONSE) {
            fprintf(stderr, "http-get: response larger than %d bytes\n", MAX_RESPONSE);
            goto out;
        }
        ssize_t n = sock_recv(lib, fd, resp + len, MAX_RESPONSE - len);
        if (n == 0)
            break;
        if (n < 0) {
            fprintf(stderr, "http-get: recv: %s\n", errno == EAGAIN ? "timed out" : strerror(errno));
            goto out;
        }
        len += (size_t)n;
    }
    resp[len] = 0;
    char *body = strstr(resp, "\r\n\r\n");
    size_t skip = 4;
    if (!body) {
        body = strstr(resp, "\n\n");
        skip = 2;
    }
    int status = 0;
    if (!body || sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1) {
        fprintf(stderr, "http-get: not an HTTP response (%zu bytes)\n", len);
        goto out;
    }
    body += skip;
    if (show_headers)
        fwrite(resp, 1, (size_t)(body - resp), stdout);
    fwrite(body, 1, len - (size_t)(body - resp), stdout);
    fflush(stdout);
    rc = status >= 200 && status < 400 ? 0 : 1;
    if (rc)
        fprintf(stderr, "http-get: server answered %d\n", status);
out:
    free(resp);
    if (fd >= 0)
        sock_close(lib, fd);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
