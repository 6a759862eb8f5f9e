/*
 * arping -- ask this host's link-svc to resolve an address with ARP and
 * print each reply, like iputils arping. Shows the link layer at work
 * before IP exists.
 *
 * Call chain: main -> app_init -> ctl "arping TARGET [IF]" to HOST-link per
 * probe -> streamed "arp-reply" events -> one line each -> summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/lib/app.h"
#include "apps/lib/resolve.h"
#include "wire/bytes.h"
#include "runtime/loop.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: arping [-c COUNT] [-w TIMEOUT] [-i INTERVAL] [-I IFACE] TARGET\n"
                "Send ARP who-has requests for TARGET (address or host name) from this host's\n"
                "link layer and print the replies. Run with: stackctl exec HOST arping ...\n"
                "  -c COUNT     requests to send (default 3)\n"
                "  -i INTERVAL  seconds between requests (default 1)\n"
                "  -w TIMEOUT   seconds to wait for the last reply (default 1)\n"
                "  -I IFACE     interface (default: the one on TARGET's network)\n");
}

int main(int argc, char **argv)
{
    int count = 3, c;
    double interval = 1.0, timeout = 1.0;
    const char *ifname = NULL;
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "c:i:w:I:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': count = atoi(optarg); break;
        case 'i': interval = app_parse_seconds(optarg); break;
        case 'w': timeout = app_parse_seconds(optarg); break;
        case 'I': ifname = optarg; break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || count <= 0 || interval < 0 || timeout < 0) {
        s_usage(stderr);
        return 2;
    }
    const char *target = argv[optind];
    app_t app;
    if (app_init(&app, "arping") < 0)
        return 2;
    uint32_t addr;
    int grc = app_resolve(&app, target, &addr);
    if (grc < 0) {
        fprintf(stderr, "arping: %s: %s\n", target, app_gai_strerror(grc));
        app_fini(&app);
        return 2;
    }
    ls_ctl_client_t *cl = app_connect(&app, "link");
    if (!cl) {
        app_fini(&app);
        return 2;
    }
    char ip[16];
    ip4_fmt(addr, ip);
    const char *args[] = {ip, ifname};
    int sent = 0, received = 0, rc = 0;
    for (int i = 0; i < count; i++) {
        if (ls_ctl_send(cl, "arping", args, ifname ? 2 : 1, NULL, 0) < 0)
            break;
        uint64_t start = ls_now_ns();
        double wait = i == count - 1 ? (timeout > interval ? timeout : interval) : interval;
        uint64_t until = start + (uint64_t)(wait * 1e9);
        int got_ack = 0;
        for (;;) {
            uint64_t now = ls_now_ns();
            if (now >= until)
                break;
            Ls__CtlReply *rep = ls_ctl_recv(cl, (int)((until - now) / 1000000) + 1);
            if (!rep)
                continue;
            if (rep->rc != 0) {
                fprintf(stderr, "arping: %s\n", rep->error ? rep->error : "request failed");
                ls_ctl_reply_free(&rep);
                rc = 2;
                goto out;
            }
            if (rep->event && strcmp(rep->event, "sent") == 0) {
                if (!got_ack && sent == 0)
                    printf("ARPING %s from %s %s\n", ip, ls_ctl_reply_get(rep, "src"), ls_ctl_reply_get(rep, "if"));
                got_ack = 1;
                sent++;
            } else if (rep->event && strcmp(rep->event, "arp-reply") == 0) {
                const char *rtt = ls_ctl_reply_get(rep, "rtt_us");
                printf("Unicast reply from %s [%s]  %.3fms\n", ls_ctl_reply_get(rep, "from"),
                       ls_ctl_reply_get(rep, "mac"), rtt ? atof(rtt) / 1000.0 : 0.0);
                fflush(stdout);
                received++;
            }
            ls_ctl_reply_free(&rep);
        }
        if (!got_ack) {
            fprintf(stderr, "arping: %s-link did not answer\n", app.host);
            rc = 2;
            goto out;
        }
    }
    printf("Sent %d probes (%d broadcast(s))\nReceived %d response(s)\n", sent, sent, received);
    rc = received ? 0 : 1;
out:
    ls_ctl_client_destroy(&cl);
    app_fini(&app);
    return rc;
}
