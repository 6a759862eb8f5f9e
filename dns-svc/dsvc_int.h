/*
 * dsvc_int.h -- dns-svc's internals shared by its files (see dsvc.h):
 *   dsvc.c         sockets on the transport pipe, the queries the stub and
 *                  the resolver send (UDP, TCP with RFC 7766 framing), time
 *   dsvc_server.c  port 53: queries answered by the zones or the resolver
 *   dsvc_ctl.c     the ctl commands (resolve, tables, flush)
 */
#ifndef LS_DSVC_INT_H
#define LS_DSVC_INT_H

#include "dns-svc/dsvc.h"

enum {
    SK_FREE = 0,
    SK_SRV_UDP,    /* port 53, UDP */
    SK_SRV_LISTEN, /* port 53, TCP listener */
    SK_SRV_CONN,   /* an accepted TCP connection to port 53 */
    SK_CLI_UDP,    /* one query of the stub or the resolver, its own random port */
    SK_CLI_TCP,    /* one query over TCP */
};
enum { OWN_STUB = 1, OWN_RESOLVER };

#define DSVC_SOCK_SRV_UDP 1u
#define DSVC_SOCK_SRV_TCP 2u
#define DSVC_SOCK_FIRST 16u
#define DSVC_RX_MAX (DNS_TCP_MAX + 2)

typedef struct {
    uint32_t id;
    int kind;
    int owner;             /* client sockets: OWN_STUB / OWN_RESOLVER */
    uint32_t handle;       /* ... and the owner's query handle */
    uint32_t laddr, raddr; /* local / remote address (raddr: server asked, or the client of a conn) */
    uint16_t lport, rport;
    uint8_t *rx;           /* TCP stream bytes not yet a whole message */
    size_t rxlen;
    uint64_t tx_off;       /* TCP stream bytes sent */
    uint64_t last_active;
    bool laddr_known;      /* OPENED seen */
} dsvc_sock_t;

/* A client of port 53 waiting for the recursive resolver. */
typedef struct {
    bool used;
    uint64_t token;
    uint32_t sock;         /* SK_SRV_UDP or the connection's id */
    bool tcp;
    uint32_t addr;
    uint16_t port;
    dns_msg_t *q;          /* its query, as parsed (heap) */
    uint64_t pdu;
} dsvc_client_t;

/* An application waiting for the stub (ctl "resolve"). */
typedef struct {
    bool used;
    uint64_t token;
    ls_ctl_peer_t peer;
    uint32_t tag;
    bool has_tag;
} dsvc_app_t;

#define DSVC_MAX_APPS 64

struct dsvc {
    dsvc_cfg_t cfg;
    dsvc_io_t io;
    stub_t *stub;
    resolver_t *res;
    dsvc_sock_t *socks;
    size_t nsocks, socks_cap;
    uint32_t next_sock;
    dsvc_client_t *clients;
    size_t nclients;
    dsvc_app_t apps[DSVC_MAX_APPS];
    uint64_t next_token;
    uint32_t transport_instance;
    bool ready_sent;       /* io.ready called */
    uint64_t next_hello;
    uint64_t now;
    dns_msg_t *m, *out;    /* scratch */
    uint8_t buf[DSVC_RX_MAX];
};

/* ---- dsvc.c ---- */
/* Call io.ready once everything the roles need is open. */
void dsvc_check_ready(dsvc_t *self);
dsvc_sock_t *dsvc_sock_find(dsvc_t *self, uint32_t id);
dsvc_sock_t *dsvc_sock_add(dsvc_t *self, uint32_t id, int kind);
void dsvc_sock_free(dsvc_t *self, dsvc_sock_t *s);
/* A SockOp to transport-svc; pdu may be NULL. Returns the envelope's PDU id (0 if not sent). */
uint64_t dsvc_op(dsvc_t *self, const Ls__SockOp *op, const uint8_t *pdu, size_t len, uint64_t parent);
/* Send one DNS message on socket s (UDP to addr:port, or TCP framed), with its encap log line. */
uint64_t dsvc_send_msg(dsvc_t *self, dsvc_sock_t *s, uint32_t addr, uint16_t port, const uint8_t *msg, size_t len,
                       uint64_t parent, const char *why);
/* Append TCP stream bytes to s and call fn for every complete message (RFC 7766 8). -1: overflow. */
int dsvc_tcp_frames(dsvc_t *self, dsvc_sock_t *s, const uint8_t *data, size_t len,
                    void (*fn)(dsvc_t *self, dsvc_sock_t *s, const uint8_t *msg, size_t len, uint64_t pdu),
                    uint64_t pdu);
/* The decap line of a DNS message that arrived on s. */
void dsvc_log_decap(dsvc_t *self, const dsvc_sock_t *s, uint32_t from, uint16_t port, const uint8_t *msg, size_t len,
                    uint64_t pdu, uint64_t parent);

/* ---- dsvc_server.c ---- */
void dsvc_server_open(dsvc_t *self);
/* A datagram on port 53, or a whole message on a connection to it. */
void dsvc_server_query(dsvc_t *self, dsvc_sock_t *s, uint32_t from, uint16_t port, const uint8_t *msg, size_t len,
                       uint64_t pdu);
void dsvc_server_tcp(dsvc_t *self, dsvc_sock_t *s, const uint8_t *msg, size_t len, uint64_t pdu);
/* resolver io.done */
void dsvc_server_done(void *ctx, uint64_t token, const dns_msg_t *resp, const char *why, uint64_t parent);
/* A connection went away: forget its waiting clients. */
void dsvc_server_forget(dsvc_t *self, uint32_t sock);
bool dsvc_serves(const dsvc_t *self);

/* ---- dsvc_ctl.c ---- */
/* stub io.done */
void dsvc_ctl_done(void *ctx, uint64_t token, const stub_result_t *res, uint64_t parent);

#endif
