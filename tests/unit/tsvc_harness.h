/*
 * tsvc_harness.h -- two transport-svc cores back to back on a fake clock,
 * for tests/unit/test_tsvc.c (apps through "sock" ctl requests) and
 * tests/unit/test_tsvc_upper.c (the upper layer's SockOp/SockEvent pipe).
 * A tiny in-test "net" turns NET_TX into NET_DELIVER (with a real IPv4
 * header), answers ROUTE_QUERY and reflects NET_SEND_ICMP_ERROR as the
 * sender's NET_ICMP_ERROR. Everything crosses protobuf pack/unpack as on
 * the pipes.
 */
#ifndef LS_TSVC_HARNESS_H
#define LS_TSVC_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "runtime/pipe.h"
#include "transport-svc/tsvc.h"

#define TH_UPMAX 512
#define A_IP LS_IP4(192, 0, 2, 10)
#define B_IP LS_IP4(198, 51, 100, 10)
#define QMAX 4096

typedef struct th_net th_net_t;

typedef struct {
    th_net_t *net;
    int idx;
} th_host_t;

struct th_net {
    tsvc_t *h[2];
    th_host_t hc[2];
    uint32_t addr[2];
    ls_counters_t *ctr[2];
    uint8_t *q[QMAX];
    size_t qlen[QMAX];
    int qfrom[QMAX];
    size_t qh, qt;
    Ls__CtlReply *def[2][64];
    int ndef[2];
    uint64_t now;
    uint32_t tag;
    int icmp_sent;
    uint8_t icmp_type, icmp_code;
    size_t icmp_len;
    int drop_to; /* host index whose NET_DELIVERs are dropped, -1 none */
    uint32_t last_ttl; /* NetTx ttl of the last NET_TX (64 when absent) */
    Ls__Envelope *up[2][TH_UPMAX]; /* SockEvents pushed to each host's upper layer, in order */
    int nup[2];
};


th_net_t *th_net_new(void);
void th_net_destroy(th_net_t *n);
/* Deliver everything queued (and what that produces), polling both cores. */
void th_pump(th_net_t *n);
void th_advance(th_net_t *n, uint64_t ns);
/* One request from host h's app (NULL-terminated args); the reply, immediate
 * or deferred, or NULL while it is still pending. */
Ls__CtlReply *th_req(th_net_t *n, int h, const void *data, size_t len, const char *cmd, ...);
const char *th_kv(const Ls__CtlReply *r, const char *k);
/* A builder's reply as a decoded CtlReply (through pack/unpack); free with ls__ctl_reply__free_unpacked. */
Ls__CtlReply *th_copy_reply(ls_ctl_reply_t *rep);
/* rc of a reply, and free it; *val gets kv key's value when asked. */
int th_rc(Ls__CtlReply *r, const char *key, char *val, size_t cap);
/* Start app sessions TOKA on host 0 and TOKB on host 1. */
void th_hello(th_net_t *n);
#define TOKA "00000000000000aa"
#define TOKB "00000000000000bb"

/* The upper layer of host h sends op (fields as in SockOp; pdu may be NULL). */
void th_upper(th_net_t *n, int h, const Ls__SockOp *op, const void *pdu, size_t len);
/* The upper layer of host h restarts: a HELLO from a new instance. */
void th_upper_hello(th_net_t *n, int h, uint32_t instance);
/* The k-th SockEvent host h pushed up (NULL if none). */
const Ls__SockEvent *th_up_ev(const th_net_t *n, int h, int k, const uint8_t **pdu, size_t *len);
/* Index of the first event of host h at or after k with this sock id and kind, or -1. */
int th_up_find(const th_net_t *n, int h, int k, uint32_t sock, Ls__SockEvent__Ev ev);

#endif
