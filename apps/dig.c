/*
 * dig -- DNS lookup utility in the shape of BIND's dig(1): one query to a
 * server (the host's resolv.conf nameserver, or @SERVER), the answer
 * printed with dig's header, flags, sections, query time and server.
 *
 *   dig www.example.test                 A from the host's nameserver, RD=1
 *   dig @root +norecurse www.example.test   the iterative walk by hand: a referral
 *   dig -t MX example.test   dig example.test MX   dig -x 198.51.100.10
 *   dig +tcp many.example.test   dig +short docs.example.test   dig +noall +answer ...
 *
 * Call chain: main -> s_args -> sock_lib_open (the server name resolved
 * through the stub, as dig uses the system resolver for @name) ->
 * dnsc_query (UDP, TC=1 -> TCP) -> dnsp_header / dnsp_sections | +short.
 * Exit status as dig: 0 an answer (whatever its rcode), 9 no reply, 1 usage,
 * 10 an internal error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apps/lib/app.h"
#include "apps/lib/dnsclient.h"
#include "apps/lib/dnsprint.h"
#include "apps/lib/resolve.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"
#include "wire/dns.h"

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: dig [@SERVER] [-p PORT] [-t TYPE] [-x ADDR] [NAME] [TYPE] [+OPTION...]\n"
            "Ask one DNS question and print the answer as BIND's dig does.\n"
            "  @SERVER        the server to ask (name or address; default: this host's nameserver)\n"
            "  -t TYPE        A (default), AAAA, NS, CNAME, SOA, PTR, MX, TXT, ANY, TYPEnnn\n"
            "  -x ADDR        reverse lookup: PTR for d.c.b.a.in-addr.arpa\n"
            "  -p PORT        server port (53)\n"
            "  +[no]recurse   set RD (default on); +norecurse asks iteratively, for a referral\n"
            "  +[no]tcp       TCP instead of UDP        +[no]edns  send EDNS(0) OPT (default on)\n"
            "  +bufsize=N     EDNS UDP size (1232)     +[no]ignore  keep a truncated answer\n"
            "  +time=S        seconds per try (5)      +tries=N  UDP tries (3)   +retry=N  tries-1\n"
            "  +short         only the answer's data   +noall +answer +question +authority\n"
            "  +additional +[no]comments +[no]stats +[no]cmd   what to print\n"
            "Run with: stackctl exec HOST dig ...\n");
}

typedef struct {
    const char *server_arg;
    const char *name;
    const char *rev;
    int type;
    dnsc_opts_t q;
    dnsp_opts_t show;
    bool shrt, stats, cmd;
    int argc;
    char **argv;
} s_dig_t;

static bool s_onoff(const char *opt, const char *name, bool *out)
{
    if (strcmp(opt, name) == 0) {
        *out = true;
        return true;
    }
    if (strncmp(opt, "no", 2) == 0 && strcmp(opt + 2, name) == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* +option; 0 ok, -1 unknown */
static int s_plus(s_dig_t *d, const char *o)
{
    bool v;
    if (s_onoff(o, "recurse", &d->q.rd) || s_onoff(o, "rec", &d->q.rd) || s_onoff(o, "tcp", &d->q.tcp) ||
        s_onoff(o, "vc", &d->q.tcp) || s_onoff(o, "edns", &d->q.edns) || s_onoff(o, "ignore", &d->q.ignore_tc) ||
        s_onoff(o, "short", &d->shrt) || s_onoff(o, "stats", &d->stats) || s_onoff(o, "cmd", &d->cmd) ||
        s_onoff(o, "comments", &d->show.comments) || s_onoff(o, "question", &d->show.question) ||
        s_onoff(o, "answer", &d->show.answer) || s_onoff(o, "authority", &d->show.authority) ||
        s_onoff(o, "additional", &d->show.additional))
        return 0;
    if (s_onoff(o, "all", &v)) {
        d->show.comments = d->show.question = d->show.answer = d->show.authority = d->show.additional = v;
        d->show.opt = d->stats = d->cmd = v;
        return 0;
    }
    int n;
    if (sscanf(o, "time=%d", &n) == 1 && n > 0) {
        d->q.timeout_ms = n * 1000;
        return 0;
    }
    if (sscanf(o, "tries=%d", &n) == 1 && n > 0) {
        d->q.tries = n;
        return 0;
    }
    if (sscanf(o, "retry=%d", &n) == 1 && n >= 0) {
        d->q.tries = n + 1;
        return 0;
    }
    if (sscanf(o, "bufsize=%d", &n) == 1 && n >= 0 && n <= 65535) {
        d->q.edns_size = (uint16_t)n;
        return 0;
    }
    return -1;
}

static int s_args(s_dig_t *d, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            s_usage(stdout);
            exit(0);
        }
        if (a[0] == '@') {
            d->server_arg = a + 1;
        } else if (a[0] == '+') {
            if (s_plus(d, a + 1) < 0) {
                fprintf(stderr, "Invalid option: %s\n", a);
                return -1;
            }
        } else if ((!strcmp(a, "-t") || !strcmp(a, "-x") || !strcmp(a, "-p")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (a[1] == 't' && (d->type = dns_type_from_text(v)) <= 0) {
                fprintf(stderr, "dig: invalid type: %s\n", v);
                return -1;
            }
            if (a[1] == 'x')
                d->rev = v;
            if (a[1] == 'p' && (sock_parse_port(v) < 0 || !(d->q.port = (uint16_t)sock_parse_port(v)))) {
                fprintf(stderr, "dig: invalid port: %s\n", v);
                return -1;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "dig: invalid option: %s\n", a);
            return -1;
        } else if (!d->name) {
            d->name = a;
        } else if (dns_type_from_text(a) > 0) {
            d->type = dns_type_from_text(a);
        } else {
            fprintf(stderr, "dig: unexpected argument: %s\n", a);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    s_dig_t d = {.type = -1, .q = dnsc_opts_default(), .show = dnsp_all(), .stats = true, .cmd = true};
    if (s_args(&d, argc, argv) < 0) {
        s_usage(stderr);
        return 1;
    }
    dns_name_t qname;
    uint16_t qtype = d.type > 0 ? (uint16_t)d.type : DNS_T_A;
    if (d.rev) {
        uint32_t a;
        if (ip4_parse(d.rev, &a) < 0) {
            fprintf(stderr, "dig: '%s' is not an IPv4 address\n", d.rev);
            return 1;
        }
        dns_name_reverse4(a, &qname);
        if (d.type <= 0)
            qtype = DNS_T_PTR;
    } else if (dns_name_from_text(d.name ? d.name : ".", NULL, &qname) != DNS_OK) {
        fprintf(stderr, "dig: '%s' is not a legal name\n", d.name);
        return 1;
    } else if (!d.name && d.type <= 0) {
        qtype = DNS_T_NS; /* dig with no name asks for the root's NS */
    }
    app_t app;
    sock_lib_t *lib = sock_lib_open(&app, "dig", NULL, NULL);
    if (!lib)
        return 10;
    int rc = 0;
    char server_txt[64];
    if (d.server_arg) {
        int grc = app_resolve(&app, d.server_arg, &d.q.server);
        if (grc < 0) {
            fprintf(stderr, "dig: couldn't get address for '%s': %s\n", d.server_arg,
                    grc == APP_EAI_NONAME ? "not found" : app_gai_strerror(grc));
            rc = 10;
            goto out;
        }
    } else if (dnsc_nameservers(&app, &d.q.server, 1) == 0) {
        fprintf(stderr, "dig: no nameserver for %s (the topology's dns: nameservers); give @SERVER\n", app.host);
        rc = 10;
        goto out;
    }
    char a[16];
    ip4_fmt(d.q.server, a);
    snprintf(server_txt, sizeof server_txt, "%s", d.server_arg ? d.server_arg : a);
    if (d.cmd && !d.shrt) {
        printf("\n; <<>> DiG layerstack <<>>");
        for (int i = 1; i < argc; i++)
            printf(" %s", argv[i]);
        printf("\n;; global options: +cmd\n");
    }
    dnsc_result_t res;
    char err[200];
    time_t when = time(NULL);
    if (dnsc_query(lib, &d.q, &qname, qtype, &res, err, sizeof err) < 0) {
        printf(";; %s\n", err);
        dnsc_result_fini(&res);
        rc = 9;
        goto out;
    }
    if (res.retried_tcp && !d.shrt)
        printf(";; Truncated, retrying in TCP mode.\n");
    const dns_msg_t *m = res.msg;
    if (d.shrt) {
        const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_ANSWER);
        for (size_t i = 0; i < m->count[DNS_SEC_ANSWER]; i++) {
            char rd[1200];
            printf("%s\n", dns_rdata_to_text(rr[i].type, dns_rr_rdata(m, &rr[i]), rr[i].rdlen, rd, sizeof rd));
        }
    } else {
        if (d.show.comments) {
            printf(";; Got answer:\n");
            dnsp_header(stdout, m, true);
        }
        dnsp_sections(stdout, m, &d.show);
        if (d.stats) {
            char wt[64];
            strftime(wt, sizeof wt, "%a %b %d %H:%M:%S %Z %Y", localtime(&when));
            printf(";; Query time: %llu msec\n", (unsigned long long)(res.rtt_ns / 1000000));
            printf(";; SERVER: %s#%u(%s) (%s)\n", a, d.q.port, server_txt, res.tcp ? "TCP" : "UDP");
            printf(";; WHEN: %s\n", wt);
            printf(";; MSG SIZE  rcvd: %zu\n\n", res.len);
        }
    }
    dnsc_result_fini(&res);
out:
    sock_lib_destroy(&lib);
    app_fini(&app);
    return rc;
}
