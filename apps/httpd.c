/*
 * httpd -- a tiny HTTP/1.0 server (RFC 1945): `GET /` answers 200 with a
 * small HTML page naming the host, any other path 404, other methods 501.
 * One request per connection; the server closes after the response.
 *
 * Call chain: main -> sock_lib_open (app_init, sock_lib_new) -> socket/bind/listen ->
 * loop { sock_poll(listener, 1 s) -> accept -> recv until the blank line
 * (or 8 KiB / 5 s) -> s_respond -> close } until SIGINT/SIGTERM or -c COUNT.
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
    fprintf(f, "usage: httpd [-p PORT] [-c COUNT]\n"
               "Serve HTTP/1.0 on PORT (default 80): GET / -> 200 and a small page,\n"
               "other paths -> 404. Logs one line per request (common log style).\n"
               "  -c COUNT  exit after COUNT requests (default: run until interrupted)\n"
               "Run with: stackctl exec HOST httpd ...\n");
}

static void s_respond(sock_lib_t *lib, int fd, const char *req, const char *host, const char *peer)
{
    char method[16] = "", path[1024] = "", version[16] = "";
    int status;
    char body[1024];
    const char *reason;
    if (sscanf(req, "%15s %1023s %15s", method, path, version) < 2) {
        status = 400;
        reason = "Bad Request";
        snprintf(body, sizeof body, "<html><body><h1>400 Bad Request</h1></body></html>\n");
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        status = 501;
        reason = "Not Implemented";
        snprintf(body, sizeof body, "<html><body><h1>501 Not Implemented</h1></body></html>\n");
    } else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        status = 200;
        reason = "OK";
        snprintf(body, sizeof body,
                 "<html><head><title>layerstack</title></head>\n"
                 "<body><h1>Hello from %s</h1>\n"
                 "<p>Served by httpd over the layerstack TCP/IP stack.</p></body></html>\n", host);
    } else {
        status = 404;
        reason = "Not Found";
        snprintf(body, sizeof body, "<html><body><h1>404 Not Found</h1><p>%s</p></body></html>\n", "no such page");
    }
    char hdr[512];
    size_t blen = strlen(body);
    int hlen = snprintf(hdr, sizeof hdr,
                        "HTTP/1.0 %d %s\r\nServer: layerstack-httpd\r\nContent-Type: text/html\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, reason, blen);
    sock_send(lib, fd, hdr, (size_t)hlen);
    if (strcmp(method, "HEAD") != 0)
        sock_send(lib, fd, body, blen);
    printf("%s \"%s %s %s\" %d %zu\n", peer, method, path, version, status, blen);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int c;
    long port = 80, count = 0;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "p:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': port = strtol(optarg, NULL, 10); break;
        case 'c': count = strtol(optarg, NULL, 10); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind != argc || port <= 0 || port > 65535 || count < 0) {
        s_usage(stderr);
        return 2;
    }
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    app_t app;
    sock_lib_t *lib = sock_lib_open(&app, "httpd", NULL, NULL);
    if (!lib)
        return 2;
    int lfd = sock_socket(lib, SOCK_T_TCP);
    if (lfd < 0 || sock_bind(lib, lfd, 0, (uint16_t)port) < 0 || sock_listen(lib, lfd, 16) < 0) {
        fprintf(stderr, "httpd: port %ld: %s\n", port, strerror(errno));
        sock_lib_destroy(&lib);
        app_fini(&app);
        return 1;
    }
    printf("httpd: serving http://%s:%ld/\n", app.host, port);
    fflush(stdout);
    long served = 0;
    while (!s_stop && (!count || served < count)) {
        sock_pollfd_t p = {.fd = lfd, .events = SOCK_POLLIN};
        if (sock_poll(lib, &p, 1, 1000) <= 0)
            continue;
        uint32_t ip;
        uint16_t rport;
        int fd = sock_accept(lib, lfd, &ip, &rport);
        if (fd < 0)
            continue;
        char peer[32], a[16];
        snprintf(peer, sizeof peer, "%s:%u", ip4_fmt(ip, a), rport);
        sock_set_timeout(lib, fd, 5000);
        char req[8192];
        size_t len = 0;
        while (len < sizeof req - 1) {
            ssize_t n = sock_recv(lib, fd, req + len, sizeof req - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            req[len] = 0;
            if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
                break;
        }
        req[len] = 0;
        if (len)
            s_respond(lib, fd, req, app.host, peer);
        sock_close(lib, fd);
        served++;
    }
    sock_lib_destroy(&lib);
    app_fini(&app);
    return 0;
}
