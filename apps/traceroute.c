/*
 * traceroute -- print the route to a host, like Linux traceroute -I: ICMP
 * echo probes with TTL 1, 2, ... each answered by the hop where the TTL ran
 * out (ICMP time exceeded, RFC 792 / RFC 1812 5.3.1) until the destination
 * itself answers (echo reply).
 *
 * Call chain: main -> app_init -> app_connect("net") -> ctl "raw-open ID"
 * -> per hop: s_hop sends -q probes (ctl "raw-send DST TTL 0" + echo
 * request, seq = probe number) and collects "icmp" events (the whole
 * datagram: echo reply or an error quoting our request) until all are
 * answered or -w runs out -> one output line per hop -> "raw-close".
 * -U: UDP probes to ports 33434+ sent through transport-svc's socket library
 * (apps/lib/sock.h, sock_set_ttl + sock_sendto); the answers (time exceeded,
 * port unreachable from the destination) are ICMP errors quoting our UDP
 * source port, streamed by net-svc after "raw-open udp SPORT".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/lib/app.h"
#include "apps/lib/resolve.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "runtime/loop.h"

#define TR_MAX_PROBES 10
#define TR_UDP_PORT 33434

typedef struct {
    uint64_t sent_ns;
    int answered;      /* 0 no, 1 yes */
    uint32_t from;
    double ms;
    uint8_t type, code;
    uint16_t mtu;
    uint16_t dport;    /* -U: the probe's destination port */
} s_probe_t;

typedef struct {
    int max_hops, nprobes, first_ttl, numeric, packetlen;
    double wait;
    const char *name;
    uint32_t dst;
    char dst_s[16];
    uint16_t id;
    uint16_t seq;
    ls_ctl_client_t *cl;
    app_t *app;
    int udp;
    sock_lib_t *lib;
    int fd;
    uint16_t sport, next_port;
} s_tr_t;

static volatile sig_atomic_t s_interrupted;

static void s_on_sigint(int sig)
{
    (void)sig;
    s_interrupted = 1;
}

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: traceroute [-I|-U] [-n] [-f FIRST_TTL] [-m MAX_TTL] [-q NQUERIES] [-w WAIT]\n"
            "                  HOST [PACKETLEN]\n"
            "Print the route packets take to HOST (address or topology host name) from this\n"
            "host, with ICMP echo probes. Run with: stackctl exec HOST traceroute ...\n"
            "  -I            ICMP echo probes (default)\n"
            "  -U            UDP probes to port 33434+ (through transport-svc)\n"
            "  -n            print addresses only, no host names\n"
            "  -f FIRST_TTL  start at this hop (default 1)\n"
            "  -m MAX_TTL    maximum number of hops (default 30)\n"
            "  -q NQUERIES   probes per hop (default 3, at most %d)\n"
            "  -w WAIT       seconds to wait for a probe's answer (default 5)\n"
            "  PACKETLEN     IP datagram size (default 60)\n",
            TR_MAX_PROBES);
}

static void s_addr(s_tr_t *t, uint32_t a, char *out, size_t cap)
{
    char ip[16];
    ip4_fmt(a, ip);
    const char *name = t->numeric ? NULL : app_name_of(t->app, a);
    if (t->numeric)
        snprintf(out, cap, "%s", ip);
    else
        snprintf(out, cap, "%s (%s)", name ? name : ip, ip);
}

/* Match an "icmp" event to one of this hop's probes (seq base..base+n-1). */
static void s_on_icmp(s_tr_t *t, const Ls__CtlReply *rep, s_probe_t *pr, int n, uint16_t base)
{
    if (!rep->has_data)
        return;
    const uint8_t *d = rep->data.data;
    ipv4_repr_t ip;
    if (ipv4_parse(d, rep->data.len, &ip) != IPV4_OK || ip.proto != IP_PROTO_ICMP)
        return;
    icmp_repr_t ic;
    if (icmp_parse(d + ip.hdr_len, ip.total_len - ip.hdr_len, &ic) != ICMP_OK)
        return;
    uint16_t seq;
    int k;
    if (t->udp) {
        /* an error quoting one of our UDP probes: match its destination port */
        const uint8_t *q = ic.data;
        size_t ql = ic.data_len;
        if (ic.type == ICMP_ECHO_REPLY || ql < IP4_HDR_MIN)
            return;
        size_t qihl = (size_t)(rd_u8(q) & 0x0f) * 4;
        if (qihl < IP4_HDR_MIN || ql < qihl + 8 || rd_u8(q + IP4_OFF_PROTO) != IP_PROTO_UDP ||
            rd_be16(q + qihl) != t->sport)
            return;
        uint16_t dport = rd_be16(q + qihl + 2);
        for (k = 0; k < n && pr[k].dport != dport; k++)
            ;
        if (k >= n)
            return;
        goto found;
    }
    if (ic.type == ICMP_ECHO_REPLY) {
        if (ic.id != t->id)
            return;
        seq = ic.seq;
    } else {
        const uint8_t *q = ic.data;
        size_t ql = ic.data_len;
        if (ql < IP4_HDR_MIN)
            return;
        size_t qihl = (size_t)(rd_u8(q) & 0x0f) * 4;
        if (qihl < IP4_HDR_MIN || ql < qihl + 8 || rd_be16(q + qihl + ICMP_OFF_ID) != t->id)
            return;
        seq = rd_be16(q + qihl + ICMP_OFF_SEQ);
    }
    k = (uint16_t)(seq - base);
found:
    if (k >= n || pr[k].answered)
        return;
    const char *ts = ls_ctl_reply_get(rep, "ts_ns");
    uint64_t rx = ts ? strtoull(ts, NULL, 10) : ls_now_ns();
    pr[k].answered = 1;
    pr[k].from = ip.src;
    pr[k].ms = (double)(rx - pr[k].sent_ns) / 1e6;
    pr[k].type = ic.type;
    pr[k].code = ic.code;
    pr[k].mtu = ic.mtu;
}

/* Linux traceroute's annotations after a time: !H, !N, !P, !F-mtu, !X ... */
static const char *s_annot(const s_probe_t *p, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (p->type != ICMP_DEST_UNREACH)
        return buf;
    switch (p->code) {
    case ICMP_UNREACH_NET: snprintf(buf, cap, " !N"); break;
    case ICMP_UNREACH_HOST: snprintf(buf, cap, " !H"); break;
    case ICMP_UNREACH_PROTOCOL: snprintf(buf, cap, " !P"); break;
    case ICMP_UNREACH_PORT: break; /* the destination answered */
    case ICMP_UNREACH_NEEDFRAG: snprintf(buf, cap, " !F-%u", p->mtu); break;
    case ICMP_UNREACH_SRCFAIL: snprintf(buf, cap, " !S"); break;
    case 13: snprintf(buf, cap, " !X"); break;
    default: snprintf(buf, cap, " !<%u>", p->code); break;
    }
    return buf;
}

/* One hop: send the probes, wait, print. Returns 1 when the trace is done. */
static int s_hop(s_tr_t *t, int ttl)
{
    s_probe_t pr[TR_MAX_PROBES];
    memset(pr, 0, sizeof pr);
    uint16_t base = (uint16_t)(t->seq + 1);
    size_t dlen = (size_t)(t->packetlen - IP4_HDR_MIN - ICMP_HDR_LEN);
    uint8_t *data = calloc(1, dlen + 1), *msg = malloc(ICMP_HDR_LEN + dlen);
    if (!data || !msg) {
        free(data);
        free(msg);
        return -1;
    }
    for (size_t i = 0; i < dlen; i++)
        data[i] = (uint8_t)(0x40 + i % 32);
    char ttl_s[8];
    snprintf(ttl_s, sizeof ttl_s, "%d", ttl);
    const char *args[] = {t->dst_s, ttl_s, "0"};
    int sent = 0, acks = 0, local_err = 0;
    if (t->udp) {
        size_t ulen = (size_t)(t->packetlen - IP4_HDR_MIN - 8);
        if (sock_set_ttl(t->lib, t->fd, ttl) < 0) {
            fprintf(stderr, "traceroute: setsockopt IP_TTL: %s\n", strerror(errno));
            local_err = 1;
        }
        for (int i = 0; i < t->nprobes && !local_err; i++) {
            pr[i].dport = t->next_port++;
            pr[i].sent_ns = ls_now_ns();
            ssize_t w = sock_sendto(t->lib, t->fd, data, ulen, t->dst, pr[i].dport);
            if (w < 0 && sock_error(t->lib, t->fd) >= 0) /* a stale ICMP error: clear, retry */
                w = sock_sendto(t->lib, t->fd, data, ulen, t->dst, pr[i].dport);
            if (w < 0) {
                fprintf(stderr, "traceroute: send: %s\n", strerror(errno));
                local_err = 1;
                break;
            }
            sent++;
        }
        acks = sent; /* no raw-send acks for UDP probes */
    }
    for (int i = 0; i < t->nprobes && !t->udp; i++) {
        icmp_repr_t r = {.type = ICMP_ECHO_REQUEST, .id = t->id, .seq = ++t->seq, .data = data,
                         .data_len = dlen};
        int n = icmp_emit(&r, msg, ICMP_HDR_LEN + dlen);
        pr[i].sent_ns = ls_now_ns();
        if (n < 0 || ls_ctl_send(t->cl, "raw-send", args, 3, msg, (size_t)n) < 0)
            break;
        sent++;
    }
    free(data);
    free(msg);
    uint64_t until = ls_now_ns() + (uint64_t)(t->wait * 1e9);
    for (;;) {
        int done = acks >= sent;
        for (int i = 0; done && i < sent; i++)
            done = pr[i].answered;
        if (done || s_interrupted)
            break;
        uint64_t now = ls_now_ns();
        if (now >= until)
            break;
        Ls__CtlReply *rep = ls_ctl_recv(t->cl, (int)((until - now + 999999) / 1000000));
        while (rep) {
            if (rep->event && strcmp(rep->event, "icmp") == 0) {
                s_on_icmp(t, rep, pr, sent, base);
            } else if (rep->event && strcmp(rep->event, "sent") == 0) {
                acks++;
            } else if (rep->rc != 0) {
                acks++;
                if (!local_err)
                    fprintf(stderr, "traceroute: send: %s\n", rep->error ? rep->error : "failed");
                local_err = 1;
            }
            ls_ctl_reply_free(&rep);
            rep = ls_ctl_recv(t->cl, 0);
        }
        if (local_err)
            break;
    }
    printf("%2d ", ttl);
    uint32_t last = 0;
    int have_last = 0, reached = 0, unreach = 0;
    for (int i = 0; i < t->nprobes; i++) {
        if (!pr[i].answered) {
            printf(" *");
            continue;
        }
        if (!have_last || pr[i].from != last) {
            char a[64];
            s_addr(t, pr[i].from, a, sizeof a);
            printf(" %s", a);
            last = pr[i].from;
            have_last = 1;
        }
        char an[16];
        printf("  %.3f ms%s", pr[i].ms, s_annot(&pr[i], an, sizeof an));
        if (pr[i].type == ICMP_ECHO_REPLY || pr[i].from == t->dst ||
            (pr[i].type == ICMP_DEST_UNREACH && pr[i].code == ICMP_UNREACH_PORT))
            reached = 1;
        else if (pr[i].type == ICMP_DEST_UNREACH)
            unreach = 1;
    }
    printf("\n");
    fflush(stdout);
    return reached || unreach || local_err;
}

int main(int argc, char **argv)
{
    s_tr_t t = {.max_hops = 30, .nprobes = 3, .first_ttl = 1, .packetlen = 60, .wait = 5.0};
    int c, udp = 0;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "IUnf:m:q:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'I': udp = 0; break;
        case 'U': udp = 1; break;
        case 'n': t.numeric = 1; break;
        case 'f': t.first_ttl = atoi(optarg); break;
        case 'm': t.max_hops = atoi(optarg); break;
        case 'q': t.nprobes = atoi(optarg); break;
        case 'w':
            t.wait = app_parse_seconds(optarg);
            if (t.wait < 0) {
                fprintf(stderr, "traceroute: bad wait time '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind >= argc || argc - optind > 2) {
        s_usage(stderr);
        return 2;
    }
    if (t.max_hops < 1 || t.max_hops > 255) {
        fprintf(stderr, "traceroute: max hops cannot be more than 255\n");
        return 2;
    }
    if (t.first_ttl < 1 || t.first_ttl > t.max_hops) {
        fprintf(stderr, "traceroute: first hop out of range\n");
        return 2;
    }
    if (t.nprobes < 1 || t.nprobes > TR_MAX_PROBES) {
        fprintf(stderr, "traceroute: no more than %d probes per hop\n", TR_MAX_PROBES);
        return 2;
    }
    if (optind + 1 < argc) {
        t.packetlen = atoi(argv[optind + 1]);
        if (t.packetlen < IP4_HDR_MIN + ICMP_HDR_LEN || t.packetlen > 65000) {
            fprintf(stderr, "traceroute: bad packet length '%s'\n", argv[optind + 1]);
            return 2;
        }
    }
    t.name = argv[optind];
    app_t app;
    if (app_init(&app, "traceroute") < 0)
        return 2;
    t.app = &app;
    int rc = 2;
    int grc = app_resolve(&app, t.name, &t.dst);
    if (grc < 0) {
        fprintf(stderr, "%s: %s\nCannot handle \"host\" cmdline arg `%s' on position 1 (argc %d)\n", t.name,
                app_gai_strerror(grc), t.name, optind);
        app_fini(&app);
        return 2;
    }
    ip4_fmt(t.dst, t.dst_s);
    t.cl = app_connect(&app, "net");
    if (!t.cl)
        goto out;
    t.id = (uint16_t)(getpid() & 0xffff);
    char idbuf[8];
    snprintf(idbuf, sizeof idbuf, "%u", t.id);
    const char *oargs[] = {"udp", idbuf};
    t.udp = udp;
    t.fd = -1;
    if (udp) {
        /* a UDP socket on transport-svc; its source port keys the ICMP we get */
        if (!app.h->layers[TOPO_LAYER_TRANSPORT][0]) {
            fprintf(stderr, "traceroute: UDP probes need transport-svc, and %s runs none; use -I\n", app.host);
            goto out;
        }
        t.lib = sock_lib_new(&app);
        if (!t.lib)
            goto out;
        t.fd = sock_socket(t.lib, SOCK_T_UDP);
        uint32_t la;
        if (t.fd < 0 || sock_bind(t.lib, t.fd, 0, 0) < 0 ||
            sock_getsockname(t.lib, t.fd, &la, &t.sport) < 0) {
            fprintf(stderr, "traceroute: UDP socket: %s\n", strerror(errno));
            goto out;
        }
        t.next_port = TR_UDP_PORT;
        snprintf(idbuf, sizeof idbuf, "%u", t.sport);
    }
    if (app_raw_open(&app, t.cl, udp ? oargs : oargs + 1, udp ? 2 : 1, t.dst_s) < 0)
        goto out;
    struct sigaction sa = {.sa_handler = s_on_sigint};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("traceroute to %s (%s), %d hops max, %d byte packets\n", t.name, t.dst_s, t.max_hops,
           t.packetlen);
    fflush(stdout);
    rc = 0;
    for (int ttl = t.first_ttl; ttl <= t.max_hops && !s_interrupted; ttl++) {
        int r = s_hop(&t, ttl);
        if (r < 0) {
            rc = 2;
            break;
        }
        if (r)
            break;
    }
    ls_ctl_send(t.cl, "raw-close", NULL, 0, NULL, 0);
    Ls__CtlReply *rep = ls_ctl_recv(t.cl, 200);
    ls_ctl_reply_free(&rep);
out:
    if (t.lib)
        sock_lib_destroy(&t.lib);
    ls_ctl_client_destroy(&t.cl);
    app_fini(&app);
    return rc;
}
