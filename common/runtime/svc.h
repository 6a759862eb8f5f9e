/*
 * svc.h -- the service runtime every layer process shares.
 *
 * A service is: the topology (one source of truth), its identity (host,
 * role, name), one event loop, one logger, one counter registry, a PDU-id
 * allocator, and a control socket (ZeroMQ ROUTER) that answers stackctl and
 * apps. main.c of each service does:
 *
 *   ls_svc_t svc;
 *   if (ls_svc_init(&svc, argc, argv, "net", usage, err, sizeof err) < 0) { ...exit 2 }
 *   ls_svc_set_ctl_handler(&svc, my_ctl, my_ctx);     // service-specific commands
 *   ... create pipes (pipe.h), register cores with svc.loop ...
 *   ls_svc_ready(&svc);                               // binds ctl: readiness signal
 *   ls_loop_run(svc.loop);
 *   ls_svc_fini(&svc);
 *
 * Common options: --topology FILE --host NAME | --switch SEGMENT
 *   --run-dir DIR (default ./run) --endpoints ipc|tcp --log FILE --log-level L
 * The orchestrator treats "ctl answers status" as "ready".
 */
#ifndef LS_SVC_H
#define LS_SVC_H

#include <stdint.h>
#include <stddef.h>
#include "runtime/log.h"
#include "runtime/loop.h"
#include "topology/topology.h"
#include "proto/layerstack.pb-c.h"

typedef struct ls_svc ls_svc_t;

/* Who sent a control request, so a deferred reply can reach it. */
typedef struct {
    uint8_t id[256];
    size_t len;
} ls_ctl_peer_t;

/* Builder for a reply: append-only arrays owned by the builder. */
typedef struct {
    Ls__CtlReply rep;
    size_t cap_kv, cap_rows, cap_ctr, cap_rules;
} ls_ctl_reply_t;

/* Service-specific handler. Return 0: reply now; 1: reply later
 * (ls_svc_ctl_send); -1: unknown command (runtime answers an error). */
typedef int (*ls_ctl_fn)(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep,
                         const ls_ctl_peer_t *peer, void *arg);

#define LS_SVC_MAX_CMDS 32

typedef struct {
    char name[32];
    ls_ctl_fn fn;
    void *arg;
} ls_svc_cmd_t;

struct ls_svc {
    char name[96];          /* "hosta-net", "sw-lan1" */
    char host[64];          /* "" for a switch */
    char segment[64];       /* switch only */
    char role[16];          /* "link", "net", "transport", "dns", "switch" */
    char run_dir[256];
    char log_path[400];
    topo_mode_t mode;
    topo_t *topo;
    const topo_host_t *h;   /* NULL for a switch */
    void *zctx;
    ls_loop_t *loop;
    ls_log_t *log;
    ls_counters_t *ctr;
    uint32_t nonce;         /* PDU-id instance nonce */
    uint32_t pdu_ctr;
    void *ctl;              /* ROUTER */
    ls_ctl_fn ctl_fn;       /* the service's own commands (ls_svc_set_ctl_handler) */
    void *ctl_arg;
    ls_svc_cmd_t cmds[LS_SVC_MAX_CMDS]; /* commands modules registered (ls_svc_register_cmd) */
    size_t ncmds;
    uint64_t started_ns;
    uint64_t log_pdu;       /* per-PDU logging on? (cached level check) */
    struct ls_pipe *pipes;  /* open pipes (pipe.c keeps the list): fault-* commands find them */
    int pipe_timer;         /* pipe.c registered its fault-delay timer with the loop */
};

/* Parse options, load the topology, open log, counters, loop. -1 + err. */
int ls_svc_init(ls_svc_t *svc, int argc, char **argv, const char *role, const char *usage,
                char *err, size_t errlen);
void ls_svc_fini(ls_svc_t *svc);
void ls_svc_set_ctl_handler(ls_svc_t *svc, ls_ctl_fn fn, void *arg);
/* Register a control command: requests whose cmd is name go to fn (before
 * the service's own handler; after the built-in status, counters, shutdown
 * and log-level). Modules fill this table, so the control channel names
 * none of them. 0, or -1 if the table is full or the name is taken. */
int ls_svc_register_cmd(ls_svc_t *svc, const char *name, ls_ctl_fn fn, void *arg);
/* Bind the control socket and log "ready". */
int ls_svc_ready(ls_svc_t *svc);
/* A fresh run-unique PDU id. */
uint64_t ls_svc_pdu_id(ls_svc_t *svc);
/* An endpoint for this service's topology (see topo_endpoint). */
int ls_svc_endpoint(ls_svc_t *svc, const char *host_or_seg, topo_ep_role_t role, const char *ifname,
                    int bind, char *buf, size_t cap);
/* Setting lookups with defaults (host override, then global). */
uint64_t ls_svc_setting_ns(ls_svc_t *svc, const char *key, uint64_t dflt);
uint64_t ls_svc_setting_u64(ls_svc_t *svc, const char *key, uint64_t dflt);

/* Reply builder. */
void ls_ctl_reply_init(ls_ctl_reply_t *r);
void ls_ctl_reply_fini(ls_ctl_reply_t *r);
void ls_ctl_error(ls_ctl_reply_t *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ls_ctl_kv(ls_ctl_reply_t *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ls_ctl_row(ls_ctl_reply_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ls_ctl_counter(ls_ctl_reply_t *r, const char *name, uint64_t value);
void ls_ctl_data(ls_ctl_reply_t *r, const void *data, size_t len);
/* Make the reply's data len uninitialised bytes and return them for the caller
 * to fill (saves ls_ctl_data's copy when the bytes are produced in place). */
void *ls_ctl_data_buf(ls_ctl_reply_t *r, size_t len);
/* Send a (deferred or streamed) reply to peer. 0 / -1 (peer gone: counted). */
int ls_svc_ctl_send(ls_svc_t *svc, const ls_ctl_peer_t *peer, ls_ctl_reply_t *r);

#endif
