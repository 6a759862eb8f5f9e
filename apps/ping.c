/*
 * ping -- send ICMP echo requests (RFC 792) through this host's net-svc and
 * print the replies and errors exactly like iputils ping.
 *
 * Call chain: main -> app_init -> app_connect("net") -> ctl "raw-open ID"
 * (net-svc streams back every echo reply with our id, and every ICMP error
 * quoting one of our requests, as "icmp" events carrying the whole
 * datagram) -> per probe ctl "raw-send DST TTL DF" + the echo request ->
 * s_on_reply (ack "sent" or a local error) / s_on_icmp (reply or error
 * line) -> s_summary -> "raw-close".
 * RTTs use CLOCK_MONOTONIC (shared by all processes on the machine): the
 * app's send time against net-svc's receive time stamp.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/lib/app.h"
#include "apps/lib/resolve.h"
#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "runtime/loop.h"

#define PING_MAX_SEQ 65536
#define PING_MAX_SIZE (65535 - 20 - 8)

typedef struct {
    /* options */
    long count;        /* 0 = until interrupted */
    double interval;   /* seconds */
    int size;          /* ICMP data bytes */
    int ttl;           /* 0 = net-svc default */
    int df;
    double linger;     /* -W: seconds to wait for the last replies */
    int quiet;
    /* target */
    const char *name;
    uint32_t dst;
    char dst_s[16];
    uint16_t id;
    /* state */
    ls_ctl_client_t *cl;
    uint64_t *sent_ns;    /* per seq, 0 = not sent */
    uint8_t *state;       /* per seq: 0 none, 1 sent, 2 replied, 3 error */
    long transmitted, received, dups, errors, acks_pending;
    long ack_seq_next;    /* seq whose send the next ack answers */
    double tmin, tmax, tsum, tsum2;
    uint64_t start_ns;
    int fatal;
} s_ping_t;

static volatile sig_atomic_t s_interrupted;

static void s_on_sigint(int sig)
{
    (void)sig;
    s_interrupted = 1;
}

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: ping [-c COUNT] [-i INTERVAL] [-s SIZE] [-t TTL] [-M do|want|dont] [-W TIMEOUT]\n"
            "            [-q] [-n] DESTINATION\n"
            "Send ICMP ECHO_REQUEST to DESTINATION (address or topology host name) through this\n"
            "host's net-svc, like iputils ping. Run with: stackctl exec HOST ping ...\n"
            "  -c COUNT     stop after COUNT requests (default: until interrupted)\n"
            "  -i INTERVAL  seconds between requests (default 1)\n"
            "  -s SIZE      data bytes per request (default 56)\n"
            "  -t TTL       IP time to live (default 64)\n"
            "  -M do        set DF: no fragmentation (want = do; dont = default)\n"
            "  -W TIMEOUT   seconds to wait for replies after the last request (default 10)\n"
            "  -q           quiet: only the summary\n"
            "  -n           numeric output (always)\n");
}

/* iputils' RTT precision: 3 decimals under 1 ms, fewer above. */
static void s_fmt_ms(double ms, char *out, size_t cap)
{
    if (ms >= 100.0 - 0.05)
        snprintf(out, cap, "%.0f", ms);
    else if (ms >= 10.0 - 0.005)
        snprintf(out, cap, "%.1f", ms);
    else if (ms >= 1.0)
        snprintf(out, cap, "%.2f", ms);
    else
        snprintf(out, cap, "%.3f", ms);
}

/* iputils' wording for ICMP errors (ping4_print_icmp). */
static void s_error_text(uint8_t type, uint8_t code, uint16_t mtu, char *out, size_t cap)
{
    static const char *const unreach[] = {
        "Destination Net Unreachable", "Destination Host Unreachable",
        "Destination Protocol Unreachable", "Destination Port Unreachable",
        NULL, "Source Route Failed", "Destination Net Unknown", "Destination Host Unknown",
        "Source Host Isolated", "Destination Net Prohibited", "Destination Host Prohibited",
        "Destination Net Unreachable for Type of Service",
        "Destination Host Unreachable for Type of Service", "Packet filtered",
        "Precedence Violation", "Precedence Cutoff"};
    switch (type) {
    case ICMP_DEST_UNREACH:
        if (code == ICMP_UNREACH_NEEDFRAG)
            snprintf(out, cap, "Frag needed and DF set (mtu = %u)", mtu);
        else if (code < sizeof unreach / sizeof unreach[0])
            snprintf(out, cap, "%s", unreach[code]);
        else
            snprintf(out, cap, "Dest Unreachable, Bad Code: %u", code);
        return;
    case ICMP_TIME_EXCEEDED:
        snprintf(out, cap, "%s", code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded");
        return;
    case ICMP_SOURCE_QUENCH:
        snprintf(out, cap, "Source Quench");
        return;
    case ICMP_REDIRECT:
        snprintf(out, cap, "Redirect");
        return;
    case ICMP_PARAM_PROBLEM:
        snprintf(out, cap, "Parameter problem");
        return;
    default:
        snprintf(out, cap, "Bad ICMP type: %u", type);
    }
}

static int s_send_probe(s_ping_t *p, long seq)
{
    size_t len = ICMP_HDR_LEN + (size_t)p->size;
    uint8_t *data = malloc((size_t)p->size + 1), *msg = malloc(len);
    if (!data || !msg) {
        free(data);
        free(msg);
        return -1;
    }
    uint64_t now = ls_now_ns();
    /* data: the send time (as iputils' timeval) then a counting pattern */
    for (int i = 0; i < p->size; i++)
        data[i] = (uint8_t)i;
    if (p->size >= 8) {
        wr_be32(data, (uint32_t)(now / 1000000000ull));
        wr_be32(data + 4, (uint32_t)(now % 1000000000ull / 1000));
    }
    icmp_repr_t r = {.type = ICMP_ECHO_REQUEST, .id = p->id, .seq = (uint16_t)seq, .data = data,
                     .data_len = (size_t)p->size};
    int n = icmp_emit(&r, msg, len);
    char ttl[8], df[4];
    snprintf(ttl, sizeof ttl, "%d", p->ttl);
    snprintf(df, sizeof df, "%d", p->df);
    const char *args[] = {p->dst_s, ttl, df};
    int rc = n < 0 ? -1 : ls_ctl_send(p->cl, "raw-send", args, 3, msg, (size_t)n);
    free(data);
    free(msg);
    if (rc < 0)
        return -1;
    p->sent_ns[seq % PING_MAX_SEQ] = now;
    p->state[seq % PING_MAX_SEQ] = 1;
    p->transmitted++;
    p->acks_pending++;
    return 0;
}

/* The ack of a raw-send (acks come back in send order), or a local error. */
static void s_on_ack(s_ping_t *p, const Ls__CtlReply *rep)
{
    long seq = ++p->ack_seq_next;
    p->acks_pending--;
    if (rep->rc == 0)
        return;
    if (rep->rc == ENETUNREACH) {
        if (p->transmitted == 1 && seq == 1) {
            fprintf(stderr, "ping: connect: Network is unreachable\n");
            p->fatal = 2;
        } else {
            fprintf(stderr, "ping: sendmsg: Network is unreachable\n");
        }
        p->state[seq % PING_MAX_SEQ] = 3;
        p->errors++;
        return;
    }
    if (rep->rc == EMSGSIZE) {
        const char *mtu = ls_ctl_reply_get(rep, "mtu");
        printf("ping: local error: message too long, mtu=%s\n", mtu ? mtu : "?");
    } else {
        fprintf(stderr, "ping: %s\n", rep->error ? rep->error : "send failed");
    }
    p->state[seq % PING_MAX_SEQ] = 3;
    p->errors++;
}

static void s_on_icmp(s_ping_t *p, const Ls__CtlReply *rep)
{
    if (!rep->has_data)
        return;
    const uint8_t *d = rep->data.data;
    size_t len = rep->data.len;
    ipv4_repr_t ip;
    if (ipv4_parse(d, len, &ip) != IPV4_OK || ip.proto != IP_PROTO_ICMP)
        return;
    len = ip.total_len;
    icmp_repr_t ic;
    if (icmp_parse(d + ip.hdr_len, len - ip.hdr_len, &ic) != ICMP_OK)
        return;
    const char *ts = ls_ctl_reply_get(rep, "ts_ns");
    uint64_t rx_ns = ts ? strtoull(ts, NULL, 10) : ls_now_ns();
    char from[16];
    ip4_fmt(ip.src, from);
    if (ic.type == ICMP_ECHO_REPLY) {
        if (ic.id != p->id)
            return;
        long seq = ic.seq;
        uint8_t *st = &p->state[seq % PING_MAX_SEQ];
        if (*st == 0)
            return; /* not one of ours (yet) */
        int dup = *st == 2;
        double ms = (double)(rx_ns - p->sent_ns[seq % PING_MAX_SEQ]) / 1e6;
        if (dup) {
            p->dups++;
        } else {
            if (*st == 3)
                p->errors--; /* a reply after an error for the same probe */
            *st = 2;
            p->received++;
            if (p->received == 1 || ms < p->tmin)
                p->tmin = ms;
            if (ms > p->tmax)
                p->tmax = ms;
            p->tsum += ms;
            p->tsum2 += ms * ms;
        }
        if (!p->quiet) {
            char t[32];
            s_fmt_ms(ms, t, sizeof t);
            printf("%zu bytes from %s: icmp_seq=%ld ttl=%u time=%s ms%s\n",
                   len - ip.hdr_len, from, seq, ip.ttl, t, dup ? " (DUP!)" : "");
        }
        return;
    }
    /* an error quoting one of our requests: IP header + 8 bytes of ICMP */
    const uint8_t *q = ic.data;
    size_t ql = ic.data_len;
    if (ql < IP4_HDR_MIN)
        return;
    size_t qihl = (size_t)(rd_u8(q) & 0x0f) * 4;
    if (qihl < IP4_HDR_MIN || ql < qihl + 8 || rd_be16(q + qihl + ICMP_OFF_ID) != p->id)
        return;
    long seq = rd_be16(q + qihl + ICMP_OFF_SEQ);
    uint8_t *st = &p->state[seq % PING_MAX_SEQ];
    if (*st == 0)
        return;
    if (*st == 1) {
        *st = 3;
        p->errors++;
    }
    if (!p->quiet) {
        char why[96];
        s_error_text(ic.type, ic.code, ic.mtu, why, sizeof why);
        printf("From %s icmp_seq=%ld %s\n", from, seq, why);
    }
}

static void s_summary(s_ping_t *p, uint64_t end_ns)
{
    printf("\n--- %s ping statistics ---\n", p->name);
    printf("%ld packets transmitted, %ld received", p->transmitted, p->received);
    if (p->dups)
        printf(", +%ld duplicates", p->dups);
    if (p->errors)
        printf(", +%ld errors", p->errors);
    double loss = p->transmitted ? (double)(p->transmitted - p->received) * 100.0 / (double)p->transmitted : 0;
    printf(", %g%% packet loss, time %llums\n", loss,
           (unsigned long long)((end_ns - p->start_ns) / 1000000ull));
    if (p->received) {
        double avg = p->tsum / (double)p->received;
        double var = p->tsum2 / (double)p->received - avg * avg;
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->tmin, avg, p->tmax,
               var > 0 ? sqrt(var) : 0.0);
    }
}

/* All probes sent and each answered (reply or error)? */
static int s_all_answered(const s_ping_t *p)
{
    return p->acks_pending == 0 && p->received + p->errors >= p->transmitted;
}

static int s_run(s_ping_t *p)
{
    uint64_t interval_ns = (uint64_t)(p->interval * 1e9);
    uint64_t linger_ns = (uint64_t)(p->linger * 1e9);
    uint64_t next_send = ls_now_ns(), last_send = 0;
    p->start_ns = next_send;
    long seq = 0;
    for (;;) {
        if (s_interrupted || p->fatal)
            break;
        uint64_t now = ls_now_ns();
        int more = p->count == 0 || p->transmitted < p->count;
        if (more && now >= next_send) {
            if (s_send_probe(p, ++seq) < 0) {
                fprintf(stderr, "ping: cannot reach %s-net\n", getenv("LS_HOST"));
                return 2;
            }
            last_send = now;
            next_send += interval_ns;
            if (next_send < now)
                next_send = now;
            more = p->count == 0 || p->transmitted < p->count;
        }
        if (!more && s_all_answered(p))
            break;
        uint64_t until = more ? next_send : last_send + linger_ns;
        now = ls_now_ns();
        if (!more && now >= until)
            break;
        int ms = until > now ? (int)((until - now + 999999) / 1000000) : 0;
        Ls__CtlReply *rep = ls_ctl_recv(p->cl, ms);
        while (rep) {
            if (rep->event && strcmp(rep->event, "icmp") == 0)
                s_on_icmp(p, rep);
            else if (rep->event && strcmp(rep->event, "sent") == 0)
                s_on_ack(p, rep);
            else if (rep->rc != 0)
                s_on_ack(p, rep);
            fflush(stdout);
            ls_ctl_reply_free(&rep);
            rep = ls_ctl_recv(p->cl, 0);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    s_ping_t p = {.count = 0, .interval = 1.0, .size = 56, .linger = 10.0};
    int c;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "c:i:s:t:M:W:qnh", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'c':
            p.count = strtol(optarg, &end, 10);
            if (*end || p.count <= 0) {
                fprintf(stderr, "ping: invalid argument: '%s': out of range: 1 <= value <= 9223372036854775807\n", optarg);
                return 2;
            }
            break;
        case 'i':
            p.interval = app_parse_seconds(optarg);
            if (p.interval < 0) {
                fprintf(stderr, "ping: bad timing interval: %s\n", optarg);
                return 2;
            }
            break;
        case 's':
            p.size = (int)strtol(optarg, &end, 10);
            if (*end || p.size < 0 || p.size > PING_MAX_SIZE) {
                fprintf(stderr, "ping: invalid argument: '%s': out of range: 0 <= value <= %d\n", optarg, PING_MAX_SIZE);
                return 2;
            }
            break;
        case 't':
            p.ttl = (int)strtol(optarg, &end, 10);
            if (*end || p.ttl < 1 || p.ttl > 255) {
                fprintf(stderr, "ping: invalid argument: '%s': out of range: 1 <= value <= 255\n", optarg);
                return 2;
            }
            break;
        case 'M':
            if (strcmp(optarg, "do") == 0 || strcmp(optarg, "want") == 0 || strcmp(optarg, "probe") == 0)
                p.df = 1;
            else if (strcmp(optarg, "dont") == 0)
                p.df = 0;
            else {
                fprintf(stderr, "ping: invalid -M argument: %s\n", optarg);
                return 2;
            }
            break;
        case 'W':
            p.linger = app_parse_seconds(optarg);
            if (p.linger < 0) {
                fprintf(stderr, "ping: bad linger time: %s\n", optarg);
                return 2;
            }
            break;
        case 'q': p.quiet = 1; break;
        case 'n': break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        if (optind >= argc)
            fprintf(stderr, "ping: usage error: Destination address required\n");
        else
            s_usage(stderr);
        return 2;
    }
    p.name = argv[optind];
    app_t app;
    if (app_init(&app, "ping") < 0)
        return 2;
    int grc = app_resolve(&app, p.name, &p.dst);
    if (grc < 0) {
        fprintf(stderr, "ping: %s: %s\n", p.name, app_gai_strerror(grc));
        app_fini(&app);
        return 2;
    }
    ip4_fmt(p.dst, p.dst_s);
    p.cl = app_connect(&app, "net");
    p.sent_ns = calloc(PING_MAX_SEQ, sizeof *p.sent_ns);
    p.state = calloc(PING_MAX_SEQ, 1);
    int rc = 2;
    if (!p.cl || !p.sent_ns || !p.state)
        goto out;
    p.id = (uint16_t)(getpid() & 0xffff);
    char idbuf[8];
    snprintf(idbuf, sizeof idbuf, "%u", p.id);
    const char *oargs[] = {idbuf};
    if (app_raw_open(&app, p.cl, oargs, 1, p.dst_s) < 0)
        goto out;
    struct sigaction sa = {.sa_handler = s_on_sigint};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("PING %s (%s) %d(%d) bytes of data.\n", p.name, p.dst_s, p.size, p.size + 28);
    fflush(stdout);
    rc = s_run(&p);
    if (rc == 0 && p.fatal)
        rc = p.fatal;
    if (rc == 0) {
        s_summary(&p, ls_now_ns());
        rc = p.received ? 0 : 1;
    }
    ls_ctl_send(p.cl, "raw-close", NULL, 0, NULL, 0);
    Ls__CtlReply *rep = ls_ctl_recv(p.cl, 200);
    ls_ctl_reply_free(&rep);
out:
    free(p.sent_ns);
    free(p.state);
    ls_ctl_client_destroy(&p.cl);
    app_fini(&app);
    return rc;
}
