/*
 * dnsclient.c -- one DNS query over the socket API (see dnsclient.h).
 *
 * Call chain: dnsc_query -> s_build (dns_msg_init_query, EDNS) -> s_udp
 * (sendto, recvfrom with the try's timeout; answers from another address,
 * with another id or question are skipped, as dig does) -> TC=1: s_tcp
 * (connect, send prefix + message, read the prefix, then the message).
 */
#include "apps/lib/dnsclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "runtime/loop.h"

dnsc_opts_t dnsc_opts_default(void)
{
    return (dnsc_opts_t){.port = DNS_PORT, .rd = true, .edns = true, .edns_size = DNS_EDNS_SIZE, .timeout_ms = 5000,
                         .tries = 3};
}

size_t dnsc_nameservers(const app_t *app, uint32_t *out, size_t max)
{
    size_t n = 0;
    if (app->h)
        for (size_t i = 0; i < app->h->dns.nns && n < max; i++)
            out[n++] = app->h->dns.nameservers[i];
    return n;
}

static int s_build(const dnsc_opts_t *o, const dns_name_t *qname, uint16_t qtype, uint16_t id, uint8_t *buf,
                   size_t cap)
{
    dns_msg_t *q = malloc(sizeof *q);
    if (!q)
        return -1;
    dns_msg_init_query(q, id, qname, qtype, o->rd);
    if (o->edns)
        dns_msg_set_edns(q, o->edns_size);
    int n = dns_emit(q, buf, cap, 0, NULL);
    free(q);
    return n;
}

/* Does m answer our question with our id (RFC 5452 4.1)? */
static bool s_matches(const dns_msg_t *m, uint16_t id, const dns_name_t *qname, uint16_t qtype)
{
    return m->qr && m->id == id && m->qdcount == 1 && m->qd[0].qtype == qtype && dns_name_eq(&m->qd[0].name, qname);
}

static void s_ip(uint32_t a, uint16_t port, char *buf, size_t cap)
{
    char t[16];
    snprintf(buf, cap, "%s#%u", ip4_fmt(a, t), port);
}

static int s_udp(sock_lib_t *lib, const dnsc_opts_t *o, const dns_name_t *qname, uint16_t qtype, uint16_t id,
                 const uint8_t *q, size_t qlen, dnsc_result_t *res, char *err, size_t errlen)
{
    char srv[32];
    s_ip(o->server, o->port, srv, sizeof srv);
    int fd = sock_socket(lib, SOCK_T_UDP);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(DNS_TCP_MAX);
    int rc = -1;
    snprintf(err, errlen, "connection timed out; no servers could be reached");
    for (int t = 0; buf && t < (o->tries > 0 ? o->tries : 1) && rc < 0; t++) {
        uint64_t sent = ls_now_ns();
        if (sock_sendto(lib, fd, q, qlen, o->server, o->port) < 0) {
            snprintf(err, errlen, "communications error to %s: %s", srv, strerror(errno));
            break;
        }
        uint64_t until = sent + (uint64_t)o->timeout_ms * 1000000ull;
        while (rc < 0) {
            uint64_t now = ls_now_ns();
            if (now >= until)
                break;
            sock_set_timeout(lib, fd, (int)((until - now) / 1000000ull) + 1);
            uint32_t from;
            uint16_t port;
            ssize_t n = sock_recvfrom(lib, fd, buf, DNS_TCP_MAX, &from, &port);
            if (n < 0) {
                if (errno == ECONNREFUSED) {
                    snprintf(err, errlen, "communications error to %s: connection refused", srv);
                    t = o->tries;
                    break;
                }
                if (errno == EAGAIN || errno == ETIMEDOUT)
                    break; /* this try timed out */
                snprintf(err, errlen, "communications error to %s: %s", srv, strerror(errno));
                t = o->tries;
                break;
            }
            if (from != o->server || port != o->port)
                continue; /* not from the server asked */
            if (dns_parse(buf, (size_t)n, res->msg) != DNS_OK || !s_matches(res->msg, id, qname, qtype))
                continue;
            res->len = (size_t)n;
            res->rtt_ns = ls_now_ns() - sent;
            rc = 0;
        }
    }
    free(buf);
    sock_close(lib, fd);
    return rc;
}

static int s_tcp(sock_lib_t *lib, const dnsc_opts_t *o, const dns_name_t *qname, uint16_t qtype, uint16_t id,
                 const uint8_t *q, size_t qlen, dnsc_result_t *res, char *err, size_t errlen)
{
    char srv[32];
    s_ip(o->server, o->port, srv, sizeof srv);
    uint64_t sent = ls_now_ns();
    int fd = sock_socket(lib, SOCK_T_TCP);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    sock_set_timeout(lib, fd, o->timeout_ms);
    uint8_t *buf = malloc(DNS_TCP_MAX + 2);
    int rc = -1;
    if (!buf || sock_connect(lib, fd, o->server, o->port) < 0) {
        if (errno == ETIMEDOUT)
            snprintf(err, errlen, "connection timed out; no servers could be reached");
        else
            snprintf(err, errlen, "communications error to %s: %s", srv, strerror(errno));
        goto out;
    }
    /* RFC 7766 8: the length prefix and the message in one send */
    wr_be16(buf, (uint16_t)qlen);
    memcpy(buf + 2, q, qlen);
    if (sock_send(lib, fd, buf, qlen + 2) < 0 || sock_recv_all(lib, fd, buf, 2) != 2) {
        snprintf(err, errlen, "communications error to %s: %s", srv, errno ? strerror(errno) : "end of file");
        goto out;
    }
    size_t len = rd_be16(buf);
    if (sock_recv_all(lib, fd, buf, len) != (ssize_t)len) {
        snprintf(err, errlen, "communications error to %s: end of file", srv);
        goto out;
    }
    if (dns_parse(buf, len, res->msg) != DNS_OK || !s_matches(res->msg, id, qname, qtype)) {
        snprintf(err, errlen, "communications error to %s: the answer does not match the query", srv);
        goto out;
    }
    res->len = len;
    res->rtt_ns = ls_now_ns() - sent;
    res->tcp = true;
    rc = 0;
out:
    free(buf);
    sock_close(lib, fd);
    return rc;
}

int dnsc_query(sock_lib_t *lib, const dnsc_opts_t *o, const dns_name_t *qname, uint16_t qtype, dnsc_result_t *res,
               char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    res->msg = malloc(sizeof *res->msg);
    uint8_t q[600];
    uint16_t id = (uint16_t)app_random64();
    int qlen = res->msg ? s_build(o, qname, qtype, id, q, sizeof q) : -1;
    if (qlen < 0) {
        snprintf(err, errlen, "cannot build the query");
        return -1;
    }
    res->id = id;
    if (o->tcp)
        return s_tcp(lib, o, qname, qtype, id, q, (size_t)qlen, res, err, errlen);
    if (s_udp(lib, o, qname, qtype, id, q, (size_t)qlen, res, err, errlen) < 0)
        return -1;
    if (res->msg->tc && !o->ignore_tc) {
        res->retried_tcp = true;
        return s_tcp(lib, o, qname, qtype, id, q, (size_t)qlen, res, err, errlen);
    }
    return 0;
}

void dnsc_result_fini(dnsc_result_t *res)
{
    free(res->msg);
    res->msg = NULL;
}
