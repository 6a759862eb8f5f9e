/*
 * dns-spoof -- the cache-poisoning attempt of the DNS lessons: forge
 * answers for a query a recursive resolver has in flight, each one wrong
 * in exactly one of the fields a resolver checks (RFC 5452 4.1), and show
 * that none is accepted.
 *
 * It asks the resolver for NAME itself (so there is a query in flight),
 * watches the resolver's outstanding queries the way an on-path observer
 * sees them on the wire (ctl "table pending" of RESOLVER-dns: id, server,
 * source port), then sends, through this host's net-svc with a forged
 * source address (raw-send ... 17: a raw socket, as packet-crafting tools
 * use), answers claiming NAME is at ADDR:
 *   id        from SERVER:53 to the right port, id + 1
 *   addr      the right id and port, from this host's own address
 *   port      the right id, from SERVER:5353
 *   question  the right id, port and source, for another name
 *   guess     the right id, to the source port + 1 (a blind guess)
 * then prints the answer the resolver gives: the genuine one.
 *
 * Call chain: main -> sock_lib_open -> sock_sendto (the trigger query) ->
 * s_observe (ctl "table pending", polled) -> s_forge (dns_emit, udp_emit
 * with the forged source's pseudo-header) -> ctl "raw-send" on HOST-net ->
 * sock_recvfrom (the resolver's answer).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apps/lib/app.h"
#include "apps/lib/resolve.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"
#include "runtime/ctl_client.h"
#include "wire/dns.h"
#include "runtime/loop.h"
#include "wire/udp.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: dns-spoof --to RESOLVER --as SERVER [--name NAME] [--answer ADDR] [-w SECONDS]\n"
               "Ask RESOLVER (a host running the recursive resolver) for NAME, watch its query to\n"
               "SERVER, and send it forged answers (wrong id, source address, source port,\n"
               "question, destination port), each claiming NAME is at ADDR; then print what\n"
               "the resolver answers.\n"
               "  --name NAME     default www.example.test\n"
               "  --answer ADDR   the forged address (default 192.0.2.66)\n"
               "  -w SECONDS      how long to wait for the query and for the answer (default 10)\n"
               "Run with: stackctl exec HOST dns-spoof ...  (HOST: any host; hostb sits beside ns)\n");
}

typedef struct {
    app_t *app;
    const char *resolver_host;
    uint32_t resolver, server, forged;
    dns_name_t name;
    uint16_t id, port;
    ls_ctl_client_t *net;
} s_spoof_t;

/* The resolver's query for name to the server, as its "table pending" lists it. */
static int s_observe(s_spoof_t *s, uint64_t until)
{
    char svc[96];
    snprintf(svc, sizeof svc, "%s-dns", s->resolver_host);
    char ep[400];
    if (topo_endpoint(s->app->topo, s->app->mode, s->app->run_dir, svc, TOPO_EP_CTL, NULL, false, ep, sizeof ep) < 0)
        return -1;
    ls_ctl_client_t *c = ls_ctl_client_new(s->app->zctx, ep);
    if (!c)
        return -1;
    char want[DNS_NAME_TEXT_MAX], srv[16];
    dns_name_to_text(&s->name, want, sizeof want);
    ip4_fmt(s->server, srv);
    int rc = -1;
    while (rc < 0 && ls_now_ns() < until) {
        const char *args[] = {"pending"};
        Ls__CtlReply *rep = ls_ctl_call(c, "table", args, 1, 2000);
        for (size_t i = 1; rep && i < rep->n_rows && rc < 0; i++) {
            unsigned handle, id, port;
            char server[32], proto[8], qname[300], qtype[16];
            if (sscanf(rep->rows[i], "%u %u %31s %7s %u %299s %15s", &handle, &id, server, proto, &port, qname,
                       qtype) == 7 && strcmp(server, srv) == 0 && strcmp(proto, "udp") == 0 &&
                strcasecmp(qname, want) == 0) {
                s->id = (uint16_t)id;
                s->port = (uint16_t)port;
                rc = 0;
            }
        }
        ls_ctl_reply_free(&rep);
        if (rc < 0) {
            struct timespec ts = {0, 5000000}; /* the observer's polling interval */
            nanosleep(&ts, NULL);
        }
    }
    ls_ctl_client_destroy(&c);
    return rc;
}

/* Forge one answer and send it from src:sport to the resolver's dport. */
static int s_forge(s_spoof_t *s, const char *what, uint16_t id, uint32_t src, uint16_t sport, uint16_t dport,
                   const dns_name_t *qname)
{
    dns_msg_t *m = malloc(sizeof *m);
    uint8_t dns[512], dg[600], rd[4];
    if (!m)
        return -1;
    dns_msg_init_query(m, id, qname, DNS_T_A, false);
    m->qr = m->aa = true;
    wr_be32(rd, s->forged);
    dns_msg_add(m, DNS_SEC_ANSWER, qname, DNS_T_A, DNS_C_IN, 86400, rd, 4);
    int n = dns_emit(m, dns, sizeof dns, 0, NULL);
    free(m);
    udp_repr_t u = {.sport = sport, .dport = dport, .payload = dns, .payload_len = n > 0 ? (size_t)n : 0};
    int len = n > 0 ? udp_emit(&u, src, s->resolver, dg, sizeof dg) : -1;
    if (len < 0)
        return -1;
    char dst[16], from[16], ttl[] = "64", df[] = "0", proto[] = "17";
    ip4_fmt(s->resolver, dst);
    ip4_fmt(src, from);
    const char *args[] = {dst, ttl, df, from, proto};
    if (ls_ctl_send(s->net, "raw-send", args, 5, dg, (size_t)len) < 0)
        return -1;
    Ls__CtlReply *rep = ls_ctl_recv(s->net, 3000);
    int ok = rep && rep->rc == 0;
    char qn[DNS_NAME_TEXT_MAX], fa[16];
    printf("forged answer (%s): %s.%u > %s.%u id %u: %s A %s%s\n", what, from, sport, dst, dport, id,
           dns_name_to_text(qname, qn, sizeof qn), ip4_fmt(s->forged, fa), ok ? "" : " (not sent)");
    ls_ctl_reply_free(&rep);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *to = NULL, *as = NULL, *name = "www.example.test", *answer = "192.0.2.66";
    double wait = 10;
    int c;
    static const struct option opts[] = {{"to", required_argument, 0, 't'},   {"as", required_argument, 0, 'a'},
                                         {"name", required_argument, 0, 'n'}, {"answer", required_argument, 0, 'A'},
                                         {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'a': as = optarg; break;
        case 'n': name = optarg; break;
        case 'A': answer = optarg; break;
        case 'w': wait = app_parse_seconds(optarg); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    s_spoof_t s = {.resolver_host = to};
    if (!to || !as || optind != argc || wait <= 0 || ip4_parse(answer, &s.forged) < 0 ||
        dns_name_from_text(name, NULL, &s.name) != DNS_OK) {
        s_usage(stderr);
        return 2;
    }
    app_t app;
    sock_lib_t *lib = sock_lib_open(&app, "dns-spoof", to, &s.resolver);
    if (!lib)
        return 2;
    s.app = &app;
    int rc = 1, grc;
    if ((grc = app_resolve(&app, as, &s.server)) < 0) {
        fprintf(stderr, "dns-spoof: %s: %s\n", as, app_gai_strerror(grc));
        goto out;
    }
    if (!topo_host(app.topo, to)) {
        fprintf(stderr, "dns-spoof: --to names the resolver's host (a topology host), not '%s'\n", to);
        goto out;
    }
    s.net = app_connect(&app, "net");
    int fd = sock_socket(lib, SOCK_T_UDP);
    uint8_t q[512];
    dns_msg_t *m = malloc(sizeof *m);
    if (!s.net || fd < 0 || !m)
        goto out;
    dns_msg_init_query(m, 0x5eed, &s.name, DNS_T_A, true);
    int qlen = dns_emit(m, q, sizeof q, 0, NULL);
    char a[16], b[16];
    if (qlen < 0 || sock_sendto(lib, fd, q, (size_t)qlen, s.resolver, DNS_PORT) < 0) {
        fprintf(stderr, "dns-spoof: sendto %s: %s\n", to, strerror(errno));
        free(m);
        goto out;
    }
    printf("asked %s (%s) for %s A\n", to, ip4_fmt(s.resolver, a), name);
    uint64_t until = ls_now_ns() + (uint64_t)(wait * 1e9);
    if (s_observe(&s, until) < 0) {
        fprintf(stderr, "dns-spoof: saw no query of %s to %s for %s (is it cached already? flush it: "
                        "stackctl dns %s flush)\n", to, ip4_fmt(s.server, b), name, to);
        free(m);
        goto out;
    }
    printf("observed: %s.%u > %s.53 id %u: %s A?\n", a, s.port, ip4_fmt(s.server, b), s.id, name);
    dns_name_t other;
    dns_name_from_text("decoy.example.test.", NULL, &other);
    s_forge(&s, "wrong id", (uint16_t)(s.id + 1), s.server, DNS_PORT, s.port, &s.name);
    s_forge(&s, "wrong source address", s.id, app.h->ifaces[0].addr, DNS_PORT, s.port, &s.name);
    s_forge(&s, "wrong source port", s.id, s.server, 5353, s.port, &s.name);
    s_forge(&s, "wrong question", s.id, s.server, DNS_PORT, s.port, &other);
    s_forge(&s, "guessed destination port", s.id, s.server, DNS_PORT, (uint16_t)(s.port + 1), &s.name);
    /* the resolver's answer to our own query */
    uint8_t buf[4096];
    uint32_t from;
    uint16_t fport;
    uint64_t now = ls_now_ns();
    sock_set_timeout(lib, fd, now < until ? (int)((until - now) / 1000000) + 1 : 1);
    ssize_t n = sock_recvfrom(lib, fd, buf, sizeof buf, &from, &fport);
    if (n < 0 || dns_parse(buf, (size_t)n, m) != DNS_OK) {
        fprintf(stderr, "dns-spoof: no answer from %s: %s\n", to, n < 0 ? strerror(errno) : "malformed");
        free(m);
        goto out;
    }
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_ANSWER);
    bool poisoned = false;
    for (size_t i = 0; i < m->count[DNS_SEC_ANSWER]; i++) {
        uint32_t addr;
        if (rr[i].type == DNS_T_A && dns_rdata_a(dns_rr_rdata(m, &rr[i]), rr[i].rdlen, &addr) == 0) {
            printf("%s answered: %s A %s\n", to, name, ip4_fmt(addr, a));
            poisoned |= addr == s.forged;
        }
    }
    printf(poisoned ? "POISONED: the resolver took a forged answer\n"
                    : "no forged answer was accepted\n");
    rc = poisoned ? 1 : 0;
    free(m);
out:
    ls_ctl_client_destroy(&s.net);
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
