/*
 * host -- DNS lookup utility in the shape of BIND's host(1).
 *
 *   host www.example.test              A, then AAAA and MX: "has address", ...
 *   host -t MX example.test            "example.test mail is handled by 10 mail.example.test."
 *   host -t A www.example.test root    ask that server ("Using domain server: ...")
 *   host 198.51.100.10                 PTR: "10.100.51.198.in-addr.arpa domain name pointer ..."
 *   host nope.example.test             "Host nope.example.test not found: 3(NXDOMAIN)", exit 1
 *   host -v ...                        every answer as dig prints it
 *
 * Names with fewer dots than ndots go through the search list of the host's
 * resolv.conf (the topology's dns: search), as BIND's host does.
 *
 * Call chain: main -> sock_lib_open -> [app_resolve SERVER] -> s_lookup per
 * type -> s_query per search candidate -> dnsc_query -> dnsp_host_line |
 * dnsp_header + dnsp_sections (-v).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/dnsclient.h"
#include "apps/lib/dnsprint.h"
#include "apps/lib/resolve.h"
#include "apps/lib/sock.h"
#include "wire/bytes.h"
#include "wire/dns.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: host [-avrT] [-t TYPE] [-W SECONDS] [-R TRIES] NAME [SERVER]\n"
               "Look NAME up (or an IPv4 address: its PTR) as BIND's host does.\n"
               "  -t TYPE     A, AAAA, NS, CNAME, SOA, PTR, MX, TXT, ANY (default: A, AAAA and MX)\n"
               "  -a          all: -v -t ANY\n"
               "  -v          verbose: print each answer with its sections, as dig does\n"
               "  -r          no recursion (RD=0)\n"
               "  -T          TCP\n"
               "  -W SECONDS  wait per try (default 5)     -R TRIES  UDP tries (default 3)\n"
               "  SERVER      the server to ask (default: this host's nameserver)\n"
               "Exit status 1 when the name does not exist or no server answers.\n"
               "Run with: stackctl exec HOST host ...\n");
}

typedef struct {
    sock_lib_t *lib;
    const app_t *app;
    dnsc_opts_t q;
    bool verbose, explicit_type;
    char server_txt[64];
} s_host_t;

/* 1 answered (NOERROR or NXDOMAIN in *res), 0 timed out (err set). */
static int s_query(s_host_t *h, const dns_name_t *name, uint16_t type, dnsc_result_t *res, char *err, size_t cap)
{
    char t[DNS_NAME_TEXT_MAX];
    if (h->verbose)
        printf("Trying \"%s\"\n", dns_name_to_text(name, t, sizeof t));
    if (dnsc_query(h->lib, &h->q, name, type, res, err, cap) < 0)
        return 0;
    if (h->verbose) {
        char a[16];
        dnsp_header(stdout, res->msg, false);
        dnsp_opts_t o = dnsp_all();
        o.opt = false;
        dnsp_sections(stdout, res->msg, &o);
        printf("Received %zu bytes from %s#%u in %llu ms\n", res->len, ip4_fmt(h->q.server, a), h->q.port,
               (unsigned long long)(res->rtt_ns / 1000000));
    }
    return 1;
}

/* The names to try, as BIND's host does: a name with at least ndots dots
 * (or a final dot) as given; a shorter one with each search domain, then
 * as given. */
static size_t s_candidates(const app_t *app, const char *text, dns_name_t *out, size_t max)
{
    dns_name_t as_is;
    if (dns_name_from_text(text, NULL, &as_is) != DNS_OK)
        return 0;
    size_t len = strlen(text), n = 0;
    int dots = 0, ndots = app->h && app->h->dns.ndots >= 0 ? app->h->dns.ndots : 1;
    for (const char *p = text; *p; p++)
        dots += *p == '.';
    bool absolute = len > 1 && text[len - 1] == '.';
    if (absolute || dots >= ndots) {
        out[n++] = as_is;
        return n;
    }
    for (size_t i = 0; app->h && i < app->h->dns.nsearch && n < max; i++) {
        dns_name_t dom, full;
        if (dns_name_from_text(app->h->dns.search[i], NULL, &dom) == DNS_OK &&
            dns_name_concat(&as_is, &dom, &full) == DNS_OK)
            out[n++] = full;
    }
    if (n < max)
        out[n++] = as_is;
    return n;
}

/* One type: 0 found something or NODATA, 1 NXDOMAIN/SERVFAIL (printed), 2 no server.
 * aliases: print the CNAME records too (host prints a chain once, with the first type). */
static int s_lookup(s_host_t *h, const char *text, const dns_name_t *cands, size_t ncand, uint16_t type,
                    bool aliases)
{
    dnsc_result_t res = {0};
    char err[200], rc[16], ty[16];
    uint16_t last_rcode = DNS_RCODE_NXDOMAIN;
    for (size_t i = 0; i < ncand; i++) {
        if (!s_query(h, &cands[i], type, &res, err, sizeof err)) {
            printf(";; %s\n", err);
            dnsc_result_fini(&res);
            return 2;
        }
        const dns_msg_t *m = res.msg;
        last_rcode = m->rcode;
        if (m->rcode == DNS_RCODE_NOERROR) {
            const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_ANSWER);
            if (!h->verbose)
                for (size_t k = 0; k < m->count[DNS_SEC_ANSWER]; k++)
                    if (aliases || rr[k].type != DNS_T_CNAME || type == DNS_T_CNAME)
                        dnsp_host_line(stdout, m, &rr[k]);
            if (!m->count[DNS_SEC_ANSWER] && h->explicit_type && !h->verbose) {
                char nt[DNS_NAME_TEXT_MAX];
                dns_name_to_text(&cands[i], nt, sizeof nt);
                nt[strlen(nt) - 1] = '\0';
                printf("%s has no %s record\n", nt, dns_type_to_text(type, ty));
            }
            dnsc_result_fini(&res);
            return 0;
        }
        dnsc_result_fini(&res);
        if (last_rcode != DNS_RCODE_NXDOMAIN)
            break; /* SERVFAIL, REFUSED: no point in the next search name */
    }
    printf("Host %s not found: %u(%s)\n", text, last_rcode, dns_rcode_to_text(last_rcode, rc));
    return 1;
}

int main(int argc, char **argv)
{
    s_host_t h = {.q = dnsc_opts_default()};
    int type = -1, c;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "t:avrTW:R:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if ((type = dns_type_from_text(optarg)) <= 0) {
                fprintf(stderr, "host: invalid type: %s\n", optarg);
                return 1;
            }
            break;
        case 'a': h.verbose = true; type = DNS_T_ANY; break;
        case 'v': h.verbose = true; break;
        case 'r': h.q.rd = false; break;
        case 'T': h.q.tcp = true; break;
        case 'W': h.q.timeout_ms = (int)(app_parse_seconds(optarg) * 1000); break;
        case 'R': h.q.tries = atoi(optarg); break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 1;
        }
    }
    if (optind >= argc || argc - optind > 2 || h.q.timeout_ms <= 0 || h.q.tries <= 0) {
        s_usage(stderr);
        return 1;
    }
    const char *name = argv[optind], *server = optind + 1 < argc ? argv[optind + 1] : NULL;
    h.explicit_type = type > 0;
    app_t app;
    h.lib = sock_lib_open(&app, "host", NULL, NULL);
    if (!h.lib)
        return 1;
    h.app = &app;
    int rc = 1;
    if (server) {
        int grc = app_resolve(&app, server, &h.q.server);
        if (grc < 0) {
            fprintf(stderr, "host: couldn't get address for '%s': %s\n", server,
                    grc == APP_EAI_NONAME ? "not found" : app_gai_strerror(grc));
            goto out;
        }
        char a[16];
        printf("Using domain server:\nName: %s\nAddress: %s#%u\nAliases: \n\n", server, ip4_fmt(h.q.server, a),
               h.q.port);
    } else if (dnsc_nameservers(&app, &h.q.server, 1) == 0) {
        fprintf(stderr, "host: no nameserver for %s (the topology's dns: nameservers); give SERVER\n", app.host);
        goto out;
    }
    dns_name_t cands[8];
    size_t ncand;
    uint32_t addr;
    if (ip4_parse(name, &addr) == 0) {
        dns_name_reverse4(addr, &cands[0]); /* host ADDRESS: the PTR lookup */
        ncand = 1;
        if (type <= 0)
            type = DNS_T_PTR;
    } else if ((ncand = s_candidates(&app, name, cands, 8)) == 0) {
        fprintf(stderr, "host: '%s' is not a legal name\n", name);
        goto out;
    }
    if (type > 0) {
        rc = s_lookup(&h, name, cands, ncand, (uint16_t)type, true) == 0 ? 0 : 1;
    } else {
        /* host's default: A, then AAAA and MX; a missing name ends it at the first */
        static const uint16_t types[] = {DNS_T_A, DNS_T_AAAA, DNS_T_MX};
        rc = 0;
        for (size_t i = 0; i < 3 && rc == 0; i++)
            rc = s_lookup(&h, name, cands, ncand, types[i], i == 0) == 0 ? 0 : 1;
    }
out:
    sock_lib_destroy(&h.lib);
    app_fini(&app);
    return rc;
}
