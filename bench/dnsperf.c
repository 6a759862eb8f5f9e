/*
 * dnsperf -- lookups per second and latency of a DNS server over layerstack,
 * in the spirit of dnsperf(1): keep WINDOW queries in flight on one UDP
 * socket for SECONDS, each answer (matched by id) freeing a slot.
 *
 *   stackctl exec hosta dnsperf [--json] [-w WINDOW] [-m cached|uncached] SERVER SECONDS
 *
 *   cached     every query is www.example.test A (the resolver answers from its cache)
 *   uncached   every query is a new name, q<N>-<R>.example.test A: the resolver
 *              asks the example.test. server each time (NXDOMAIN)
 *
 * Output: "N lookups in S s: R lookups/s, latency p50 X us p99 Y us, L lost"
 * (--json: {"per_s", "p50_us", "p99_us", "answered", "lost", "window", "mode"}).
 * A query unanswered after 2 s counts as lost and its slot is reused.
 *
 * Call chain: main -> sock_lib_open (SERVER through the resolver) -> one UDP
 * socket -> s_send (dns_emit) x WINDOW -> loop: sock_recvfrom with a
 * timeout -> dns_parse_header (id) -> latency -> s_send. Used by
 * bench/run.sh (rows dns.cached.*, dns.uncached.*).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/sock.h"
#include "wire/dns.h"
#include "runtime/loop.h"

#define DP_MAX_WINDOW 256
#define DP_LOST_NS 2000000000ull

typedef struct {
    bool busy;
    uint16_t id;
    uint64_t sent;
} s_slot_t;

typedef struct {
    sock_lib_t *lib;
    int fd;
    uint32_t server;
    bool uncached;
    uint32_t seq, salt;
    dns_msg_t *q;
    s_slot_t slot[DP_MAX_WINDOW];
    uint64_t *lat;
    size_t nlat, cap;
} s_perf_t;

static int s_send(s_perf_t *p, int k)
{
    char name[128];
    if (p->uncached)
        snprintf(name, sizeof name, "q%u-%u.example.test.", ++p->seq, p->salt);
    else
        snprintf(name, sizeof name, "www.example.test.");
    dns_name_t qn;
    dns_name_from_text(name, NULL, &qn);
    uint16_t id = (uint16_t)(k + DP_MAX_WINDOW * (p->seq % 200 + 1)); /* the slot is id % window */
    dns_msg_init_query(p->q, id, &qn, DNS_T_A, true);
    dns_msg_set_edns(p->q, DNS_EDNS_SIZE);
    uint8_t buf[512];
    int n = dns_emit(p->q, buf, sizeof buf, 0, NULL);
    if (n < 0 || sock_sendto(p->lib, p->fd, buf, (size_t)n, p->server, DNS_PORT) < 0)
        return -1;
    p->slot[k] = (s_slot_t){.busy = true, .id = id, .sent = ls_now_ns()};
    if (!p->uncached)
        p->seq++;
    return 0;
}

static int s_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int json = 0, window = 16, c;
    const char *mode = "cached";
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "w:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'w': window = atoi(optarg); break;
        case 'm': mode = optarg; break;
        case 'h':
            printf("usage: dnsperf [--json] [-w WINDOW] [-m cached|uncached] SERVER SECONDS\n");
            return 0;
        default: return 2;
        }
    }
    double secs = optind + 1 < argc ? atof(argv[optind + 1]) : 0;
    if (optind + 2 != argc || secs <= 0 || window < 1 || window > DP_MAX_WINDOW ||
        (strcmp(mode, "cached") && strcmp(mode, "uncached"))) {
        fprintf(stderr, "usage: dnsperf [--json] [-w WINDOW] [-m cached|uncached] SERVER SECONDS\n");
        return 2;
    }
    app_t app;
    s_perf_t p = {.uncached = strcmp(mode, "uncached") == 0, .salt = (uint32_t)(ls_now_ns() % 1000000)};
    p.lib = sock_lib_open(&app, "dnsperf", argv[optind], &p.server);
    if (!p.lib)
        return 2;
    p.q = malloc(sizeof *p.q);
    p.cap = 1 << 16;
    p.lat = malloc(p.cap * sizeof *p.lat);
    p.fd = sock_socket(p.lib, SOCK_T_UDP);
    int rc = 1;
    if (!p.q || !p.lat || p.fd < 0)
        goto out;
    for (int k = 0; k < window; k++)
        if (s_send(&p, k) < 0)
            goto out;
    uint64_t t0 = ls_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
    size_t lost = 0;
    uint8_t buf[4096];
    dns_msg_t *h = malloc(sizeof *h);
    while (h && ls_now_ns() < end) {
        sock_set_timeout(p.lib, p.fd, 200);
        uint32_t from;
        uint16_t port;
        ssize_t n = sock_recvfrom(p.lib, p.fd, buf, sizeof buf, &from, &port);
        uint64_t now = ls_now_ns();
        if (n > 0 && from == p.server && dns_parse_header(buf, (size_t)n, h) == DNS_OK) {
            int k = h->id % DP_MAX_WINDOW;
            if (k < window && p.slot[k].busy && p.slot[k].id == h->id) {
                if (p.nlat == p.cap) {
                    uint64_t *nl = realloc(p.lat, 2 * p.cap * sizeof *nl);
                    if (nl) {
                        p.lat = nl;
                        p.cap *= 2;
                    }
                }
                if (p.nlat < p.cap)
                    p.lat[p.nlat++] = now - p.slot[k].sent;
                s_send(&p, k);
            }
        }
        now = ls_now_ns();
        for (int k = 0; k < window; k++)
            if (p.slot[k].busy && p.slot[k].sent < now && now - p.slot[k].sent > DP_LOST_NS) {
                lost++;
                s_send(&p, k);
            }
    }
    free(h);
    double el = (double)(ls_now_ns() - t0) / 1e9;
    qsort(p.lat, p.nlat, sizeof *p.lat, s_cmp);
    double p50 = p.nlat ? (double)p.lat[p.nlat / 2] / 1e3 : 0, p99 = p.nlat ? (double)p.lat[p.nlat * 99 / 100] / 1e3 : 0;
    if (json)
        printf("{\"per_s\": %.1f, \"p50_us\": %.0f, \"p99_us\": %.0f, \"answered\": %zu, \"lost\": %zu, \"window\": %d, "
               "\"mode\": \"%s\"}\n", (double)p.nlat / el, p50, p99, p.nlat, lost, window, mode);
    else
        printf("%zu lookups in %.2f s: %.1f lookups/s, latency p50 %.0f us p99 %.0f us, %zu lost (%s, %d in flight)\n",
               p.nlat, el, (double)p.nlat / el, p50, p99, lost, mode, window);
    rc = p.nlat ? 0 : 1;
out:
    free(p.q);
    free(p.lat);
    sock_lib_destroy(&p.lib);
    app_fini(&app);
    return rc;
}
