/*
 * ctl_client.h -- the client side of a service's control socket.
 *
 * stackctl and the apps talk to services through this: a DEALER socket to
 * the service's ROUTER, one CtlRequest out, CtlReply(s) back. Used for
 * queries (status, counters, tables) and for app sessions (arping, raw ICMP,
 * sockets), where replies may stream in as events.
 */
#ifndef LS_CTL_CLIENT_H
#define LS_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "proto/layerstack.pb-c.h"

typedef struct ls_ctl_client ls_ctl_client_t;

/* zctx may be shared; endpoint as given by topo_endpoint(..., TOPO_EP_CTL, connect). */
ls_ctl_client_t *ls_ctl_client_new(void *zctx, const char *endpoint);
void ls_ctl_client_destroy(ls_ctl_client_t **self_p);
void *ls_ctl_client_socket(ls_ctl_client_t *self);
/* Send a request (args NULL-terminated or nargs given; data optional). 0 / -1. */
int ls_ctl_send(ls_ctl_client_t *self, const char *cmd, const char *const *args, size_t nargs,
                const void *data, size_t dlen);
/* Wait up to timeout_ms for a reply; NULL on timeout or garbage. Free with ls_ctl_reply_free. */
Ls__CtlReply *ls_ctl_recv(ls_ctl_client_t *self, int timeout_ms);
/* The same on any DEALER socket connected to a ctl ROUTER (the socket API
 * library keeps its own). NULL on timeout or an undecodable reply. */
Ls__CtlReply *ls_ctl_recv_on(void *sock, int timeout_ms);
/* send + recv. */
Ls__CtlReply *ls_ctl_call(ls_ctl_client_t *self, const char *cmd, const char *const *args, size_t nargs,
                          int timeout_ms);
void ls_ctl_reply_free(Ls__CtlReply **rep_p);
/* The value of a key in a reply's kv list, or NULL. */
const char *ls_ctl_reply_get(const Ls__CtlReply *rep, const char *key);

#endif
