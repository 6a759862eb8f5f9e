/*
 * dnsclient.h -- one DNS query from an application over the socket API,
 * as dig and host send it: UDP with retries, TCP when asked or when the
 * UDP answer is truncated (RFC 7766 5: a TC=1 answer is retried over TCP),
 * the 2-byte length prefix on TCP (RFC 7766 8), an answer taken only if
 * its id and question match (RFC 5452 4.1) and it comes from the server.
 *
 * Call chain: apps/dig.c, apps/host.c -> dnsc_query -> dns_emit ->
 * sock_sendto | sock_connect + sock_send -> sock_recvfrom | sock_recv ->
 * dns_parse -> the match check.
 */
#ifndef LS_DNSCLIENT_H
#define LS_DNSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apps/lib/sock.h"
#include "wire/dns.h"

typedef struct {
    uint32_t server;
    uint16_t port;         /* 53 */
    bool rd;               /* recursion desired (dig's default; +norecurse clears it) */
    bool tcp;              /* +tcp */
    bool edns;             /* send an OPT record (dig's default; +noedns) */
    uint16_t edns_size;    /* 1232 */
    bool ignore_tc;        /* +ignore: keep a truncated UDP answer */
    int timeout_ms;        /* per try (dig +time, 5 s) */
    int tries;             /* UDP tries (dig +tries, 3) */
} dnsc_opts_t;

dnsc_opts_t dnsc_opts_default(void);

typedef struct {
    dns_msg_t *msg;        /* the answer, parsed (owned by the result: dnsc_result_fini) */
    size_t len;            /* its size on the wire */
    uint64_t rtt_ns;       /* query sent -> answer received (the try that got it) */
    bool tcp;              /* it came over TCP */
    bool retried_tcp;      /* a truncated UDP answer made us ask again over TCP */
    uint16_t id;
} dnsc_result_t;

/* 0, or -1 with a dig-style reason in err ("connection timed out; no
 * servers could be reached", "communications error to 198.51.100.53#53:
 * connection refused"). */
int dnsc_query(sock_lib_t *lib, const dnsc_opts_t *o, const dns_name_t *qname, uint16_t qtype, dnsc_result_t *res,
               char *err, size_t errlen);
void dnsc_result_fini(dnsc_result_t *res);

/* The servers of this host's resolv.conf (the topology's dns: nameservers): count. */
size_t dnsc_nameservers(const app_t *app, uint32_t *out, size_t max);

#endif
