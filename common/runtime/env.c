/*
 * env.c -- envelope validation and sequence-gap tracking (see env.h).
 *
 * Callers: pipe.c on every received message; tests/unit/test_env.c.
 * Validation order: decode, version, layer/direction, kind vs primitive,
 * pdu presence, primitive fields. Each failure has its own counter.
 */
#include "runtime/env.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_reason[] = {
    [LS_ENV_OK] = "ok",
    [LS_ENV_ERR_DECODE] = "envelope does not decode (truncated or garbage)",
    [LS_ENV_ERR_VERSION] = "wrong contract version",
    [LS_ENV_ERR_LAYER] = "bad layer or direction",
    [LS_ENV_ERR_KIND] = "kind unknown or its primitive is missing",
    [LS_ENV_ERR_PDU] = "pdu bytes missing",
    [LS_ENV_ERR_FIELD] = "malformed primitive field",
};
static const char *const s_counter[] = {
    [LS_ENV_OK] = "pipe.rx.ok",
    [LS_ENV_ERR_DECODE] = "pipe.drop.decode",
    [LS_ENV_ERR_VERSION] = "pipe.drop.version",
    [LS_ENV_ERR_LAYER] = "pipe.drop.layer",
    [LS_ENV_ERR_KIND] = "pipe.drop.kind",
    [LS_ENV_ERR_PDU] = "pipe.drop.no_pdu",
    [LS_ENV_ERR_FIELD] = "pipe.drop.bad_field",
};

const char *ls_env_reason_str(ls_env_reason_t r)
{
    return (unsigned)r < sizeof s_reason / sizeof s_reason[0] ? s_reason[r] : "?";
}

const char *ls_env_reason_counter(ls_env_reason_t r)
{
    return (unsigned)r < sizeof s_counter / sizeof s_counter[0] ? s_counter[r] : "pipe.drop.other";
}

static bool s_port_ok(protobuf_c_boolean has, uint32_t port) { return !has || port <= 65535; }

/* A SockOp names a known op, the protocol its op needs, and ports that fit 16 bits. */
static int s_sock_op_check(const Ls__SockOp *o)
{
    if (!s_port_ok(o->has_local_port, o->local_port) || !s_port_ok(o->has_remote_port, o->remote_port))
        return -1;
    switch (o->op) {
    case LS__SOCK_OP__OP__OPEN: return o->has_protocol && o->protocol == 17 ? 0 : -1;
    case LS__SOCK_OP__OP__LISTEN: return o->has_protocol && o->protocol == 6 ? 0 : -1;
    case LS__SOCK_OP__OP__CONNECT:
        return o->has_protocol && o->protocol == 6 && o->has_remote_addr && o->has_remote_port ? 0 : -1;
    case LS__SOCK_OP__OP__SEND:
    case LS__SOCK_OP__OP__CLOSE: return 0;
    default: return -1;
    }
}

static int s_sock_event_check(const Ls__SockEvent *v)
{
    if (!s_port_ok(v->has_local_port, v->local_port) || !s_port_ok(v->has_remote_port, v->remote_port))
        return -1;
    return v->ev >= LS__SOCK_EVENT__EV__OPENED && v->ev <= LS__SOCK_EVENT__EV__ERROR ? 0 : -1;
}

ls_env_reason_t ls_env_check(const Ls__Envelope *e)
{
    if (e->version != LS__VERSION__CONTRACT_VERSION)
        return LS_ENV_ERR_VERSION;
    if (e->layer < LS__LAYER__WIRE || e->layer > LS__LAYER__DNS)
        return LS_ENV_ERR_LAYER;
    if (e->dir != LS__DIRECTION__DOWN && e->dir != LS__DIRECTION__UP)
        return LS_ENV_ERR_LAYER;
    int need_pdu = 1;
    const void *prim = NULL;
    switch (e->kind) {
    case LS__KIND__LINK_TX: prim = e->link_tx; break;
    case LS__KIND__LINK_RX:
        prim = e->link_rx;
        if (prim && (e->link_rx->src_mac.len != 6 || e->link_rx->dst_mac.len != 6))
            return LS_ENV_ERR_FIELD;
        break;
    case LS__KIND__LINK_RESOLVE_FAILED: prim = e->link_resolve_failed; break;
    case LS__KIND__WIRE_FRAME: prim = e; break;
    case LS__KIND__NET_TX: prim = e->net_tx; break;
    case LS__KIND__NET_DELIVER: prim = e->net_deliver; break;
    case LS__KIND__NET_ICMP_ERROR: prim = e->icmp_error; break;
    case LS__KIND__NET_SEND_ICMP_ERROR: prim = e->send_icmp_error; break;
    case LS__KIND__ROUTE_QUERY: prim = e->route_query; need_pdu = 0; break;
    case LS__KIND__ROUTE_REPLY: prim = e->route_reply; need_pdu = 0; break;
    case LS__KIND__HELLO: prim = e->hello; need_pdu = 0; break;
    case LS__KIND__SOCK_OP:
        prim = e->sock_op;
        if (prim && s_sock_op_check(e->sock_op) < 0)
            return LS_ENV_ERR_FIELD;
        need_pdu = prim && e->sock_op->op == LS__SOCK_OP__OP__SEND;
        break;
    case LS__KIND__SOCK_EVENT:
        prim = e->sock_event;
        if (prim && s_sock_event_check(e->sock_event) < 0)
            return LS_ENV_ERR_FIELD;
        need_pdu = prim && e->sock_event->ev == LS__SOCK_EVENT__EV__DATA;
        break;
    default: return LS_ENV_ERR_KIND;
    }
    if (!prim)
        return LS_ENV_ERR_KIND;
    if (need_pdu && (!e->has_pdu || e->pdu.len == 0))
        return LS_ENV_ERR_PDU;
    return LS_ENV_OK;
}

ls_env_reason_t ls_env_unpack(const uint8_t *buf, size_t len, Ls__Envelope **out)
{
    *out = NULL;
    Ls__Envelope *e = ls__envelope__unpack(NULL, len, buf);
    if (!e)
        return LS_ENV_ERR_DECODE;
    ls_env_reason_t r = ls_env_check(e);
    if (r != LS_ENV_OK) {
        ls__envelope__free_unpacked(e, NULL);
        return r;
    }
    *out = e;
    return LS_ENV_OK;
}

void ls_env_free(Ls__Envelope **env_p)
{
    if (env_p && *env_p) {
        ls__envelope__free_unpacked(*env_p, NULL);
        *env_p = NULL;
    }
}

size_t ls_env_pack(const Ls__Envelope *env, uint8_t **buf, size_t *cap)
{
    size_t n = ls__envelope__get_packed_size(env);
    if (n > *cap) {
        free(*buf);
        *cap = n < 2048 ? 2048 : n;
        *buf = malloc(*cap);
        if (!*buf)
            abort();
    }
    ls__envelope__pack(env, *buf);
    return n;
}

const char *ls_kind_str(Ls__Kind k)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&ls__kind__descriptor, (int)k);
    return v ? v->name : "?";
}

const char *ls_dir_str(Ls__Direction d)
{
    return d == LS__DIRECTION__DOWN ? "down" : d == LS__DIRECTION__UP ? "up" : "-";
}

const char *ls_layer_str(Ls__Layer l)
{
    static const char *const n[] = {"none", "wire", "link", "net", "transport", "app", "dns"};
    return (unsigned)l < 7 ? n[l] : "?";
}

uint64_t ls_seq_track(ls_seq_t *t, uint64_t seq)
{
    uint64_t missing = 0;
    if (t->last == 0) {
        missing = 0; /* first message since we (re)started: nothing to compare */
    } else if (seq == 1) {
        t->restarts++;
    } else if (seq <= t->last) {
        t->reordered++;
        return 0;
    } else {
        missing = seq - t->last - 1;
    }
    t->gaps += missing;
    t->last = seq;
    return missing;
}
