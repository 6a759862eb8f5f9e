/*
 * svc.c -- service runtime: options, topology, logger, counters, PDU ids and
 * the control socket (see svc.h).
 *
 * Call chain: <svc>/main.c -> ls_svc_init -> ... -> ls_svc_ready (bind ctl)
 *   loop -> s_ctl_readable -> s_ctl_dispatch -> built-ins | svc->ctl_fn
 */
#include "runtime/svc.h"
#include "runtime/env.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static void s_usage_err(char *err, size_t errlen, const char *usage, const char *what)
{
    snprintf(err, errlen, "%s\n%s", what, usage ? usage : "");
}

int ls_svc_init(ls_svc_t *svc, int argc, char **argv, const char *role, const char *usage,
                char *err, size_t errlen)
{
    memset(svc, 0, sizeof *svc);
    const char *topo_path = NULL, *host = NULL, *seg = NULL, *log_path = NULL, *level = NULL;
    const char *mode = "ipc";
    snprintf(svc->run_dir, sizeof svc->run_dir, "run");
    static const struct option opts[] = {
        {"topology", required_argument, 0, 't'}, {"host", required_argument, 0, 'H'},
        {"switch", required_argument, 0, 's'},   {"run-dir", required_argument, 0, 'r'},
        {"endpoints", required_argument, 0, 'e'}, {"log", required_argument, 0, 'l'},
        {"log-level", required_argument, 0, 'L'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "t:H:s:r:e:l:L:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': topo_path = optarg; break;
        case 'H': host = optarg; break;
        case 's': seg = optarg; break;
        case 'r': snprintf(svc->run_dir, sizeof svc->run_dir, "%s", optarg); break;
        case 'e': mode = optarg; break;
        case 'l': log_path = optarg; break;
        case 'L': level = optarg; break;
        case 'h': snprintf(err, errlen, "%s", usage ? usage : ""); return 1;
        default: s_usage_err(err, errlen, usage, "bad option"); return -1;
        }
    }
    if (!topo_path) {
        s_usage_err(err, errlen, usage, "--topology FILE is required");
        return -1;
    }
    if (topo_mode_parse(mode, &svc->mode) < 0) {
        snprintf(err, errlen, "--endpoints: '%s' is not ipc or tcp", mode);
        return -1;
    }
    svc->topo = topo_load(topo_path, err, errlen);
    if (!svc->topo)
        return -1;
    snprintf(svc->role, sizeof svc->role, "%s", seg ? "switch" : role);
    if (strcmp(role, "orchestrator") == 0) {
        snprintf(svc->name, sizeof svc->name, "orchestrator");
    } else if (seg) {
        if (topo_segment(svc->topo, seg) < 0) {
            snprintf(err, errlen, "--switch: no segment '%s' in %s", seg, topo_path);
            return -1;
        }
        snprintf(svc->segment, sizeof svc->segment, "%s", seg);
        snprintf(svc->name, sizeof svc->name, "sw-%s", seg);
    } else {
        if (!host || !(svc->h = topo_host(svc->topo, host))) {
            snprintf(err, errlen, "--host: %s '%s' in %s", host ? "no host" : "missing, e.g.",
                     host ? host : "hosta", topo_path);
            return -1;
        }
        snprintf(svc->host, sizeof svc->host, "%s", host);
        snprintf(svc->name, sizeof svc->name, "%s-%s", host, role);
    }
    mkdir(svc->run_dir, 0755);
    char dir[320];
    snprintf(dir, sizeof dir, "%s/log", svc->run_dir);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/s", svc->run_dir);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/pcap", svc->run_dir);
    mkdir(dir, 0755);
    /* destination: --log, else the topology setting log_dest (per host or
     * global): "file" (default: RUN/log/<svc>.log), "stderr", or a path in
     * which %s stands for the service name */
    const char *dest = log_path ? log_path : topo_setting(svc->topo, svc->h ? svc->host : NULL, "log_dest");
    if (dest && strcmp(dest, "stderr") == 0)
        snprintf(svc->log_path, sizeof svc->log_path, "-");
    else if (dest && strcmp(dest, "file") != 0 && strstr(dest, "%s") && !log_path)
        snprintf(svc->log_path, sizeof svc->log_path, "%.*s%s%s", (int)(strstr(dest, "%s") - dest), dest, svc->name,
                 strstr(dest, "%s") + 2);
    else if (dest && strcmp(dest, "file") != 0)
        snprintf(svc->log_path, sizeof svc->log_path, "%s", dest);
    else
        snprintf(svc->log_path, sizeof svc->log_path, "%s/log/%s.log", svc->run_dir, svc->name);
    int lvl = LS_LOG_PDU;
    const char *lv = level ? level : topo_setting(svc->topo, svc->h ? svc->host : NULL, "log_level");
    if (lv && (lvl = ls_log_level_parse(lv)) < 0) {
        snprintf(err, errlen, "log level '%s': expected error|warn|info|pdu", lv);
        return -1;
    }
    svc->log = ls_log_new(svc->h ? svc->host : svc->segment[0] ? svc->segment : "-", svc->name, svc->log_path, lvl);
    if (!svc->log) {
        snprintf(err, errlen, "cannot open log %s: %s", svc->log_path, strerror(errno));
        return -1;
    }
    svc->log_pdu = ls_log_on(svc->log, LS_LOG_PDU);
    svc->ctr = ls_counters_new();
    svc->loop = ls_loop_new();
    svc->zctx = zmq_ctx_new();
    if (getrandom(&svc->nonce, sizeof svc->nonce, 0) != sizeof svc->nonce)
        svc->nonce = (uint32_t)getpid() ^ (uint32_t)ls_now_ns();
    if (svc->nonce == 0)
        svc->nonce = 1;
    svc->started_ns = ls_now_ns();
    return 0;
}

void ls_svc_fini(ls_svc_t *svc)
{
    ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "stop"}, "%s stopping", svc->name);
    if (svc->ctl)
        zmq_close(svc->ctl);
    if (svc->zctx)
        zmq_ctx_term(svc->zctx);
    ls_loop_destroy(&svc->loop);
    ls_counters_destroy(&svc->ctr);
    ls_log_destroy(&svc->log);
    topo_destroy(&svc->topo);
}

void ls_svc_set_ctl_handler(ls_svc_t *svc, ls_ctl_fn fn, void *arg)
{
    svc->ctl_fn = fn;
    svc->ctl_arg = arg;
}

int ls_svc_register_cmd(ls_svc_t *svc, const char *name, ls_ctl_fn fn, void *arg)
{
    if (!name || !fn || strlen(name) >= sizeof svc->cmds[0].name || svc->ncmds >= LS_SVC_MAX_CMDS)
        return -1;
    for (size_t i = 0; i < svc->ncmds; i++)
        if (strcmp(svc->cmds[i].name, name) == 0)
            return -1;
    ls_svc_cmd_t *c = &svc->cmds[svc->ncmds++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->fn = fn;
    c->arg = arg;
    return 0;
}

uint64_t ls_svc_pdu_id(ls_svc_t *svc) { return ls_pdu_id_make(svc->nonce, ++svc->pdu_ctr); }

int ls_svc_endpoint(ls_svc_t *svc, const char *host_or_seg, topo_ep_role_t role, const char *ifname,
                    int bind, char *buf, size_t cap)
{
    return topo_endpoint(svc->topo, svc->mode, svc->run_dir, host_or_seg, role, ifname, bind != 0,
                         buf, cap);
}

uint64_t ls_svc_setting_ns(ls_svc_t *svc, const char *key, uint64_t dflt)
{
    uint64_t v = dflt;
    if (topo_setting_ns(svc->topo, svc->h ? svc->host : NULL, key, dflt, &v) < 0)
        ls_logf(svc->log, LS_LOG_WARN, "setting %s: malformed duration, using default", key);
    return v;
}

uint64_t ls_svc_setting_u64(ls_svc_t *svc, const char *key, uint64_t dflt)
{
    uint64_t v = dflt;
    if (topo_setting_u64(svc->topo, svc->h ? svc->host : NULL, key, dflt, &v) < 0)
        ls_logf(svc->log, LS_LOG_WARN, "setting %s: malformed number, using default", key);
    return v;
}

/* ---- reply builder ---- */

void ls_ctl_reply_init(ls_ctl_reply_t *r)
{
    memset(r, 0, sizeof *r);
    ls__ctl_reply__init(&r->rep);
    r->rep.version = LS__VERSION__CONTRACT_VERSION;
}

void ls_ctl_reply_fini(ls_ctl_reply_t *r)
{
    Ls__CtlReply *p = &r->rep;
    free(p->error);
    for (size_t i = 0; i < p->n_kv; i++) {
        free(p->kv[i]->key);
        free(p->kv[i]->value);
        free(p->kv[i]);
    }
    free(p->kv);
    for (size_t i = 0; i < p->n_rows; i++)
        free(p->rows[i]);
    free(p->rows);
    for (size_t i = 0; i < p->n_counters; i++) {
        free(p->counters[i]->name);
        free(p->counters[i]);
    }
    free(p->counters);
    if (p->has_data)
        free(p->data.data);
    free(p->event);
    free(p->pdu_ids);
    for (size_t i = 0; i < p->n_rules; i++) { /* filled by pipe_ctl.c */
        free(p->rules[i]->pipe);
        free(p->rules[i]->spec);
        free(p->rules[i]);
    }
    free(p->rules);
    ls_ctl_reply_init(r);
}

static void *s_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 16;
    void *p = realloc(arr, *cap * elem);
    if (!p)
        abort();
    return p;
}

static char *s_vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

void ls_ctl_error(ls_ctl_reply_t *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(r->rep.error);
    r->rep.error = s_vfmt(fmt, ap);
    va_end(ap);
    r->rep.rc = rc;
}

void ls_ctl_kv(ls_ctl_reply_t *r, const char *key, const char *fmt, ...)
{
    Ls__KV *kv = malloc(sizeof *kv);
    if (!kv)
        abort();
    ls__kv__init(kv);
    kv->key = strdup(key);
    va_list ap;
    va_start(ap, fmt);
    kv->value = s_vfmt(fmt, ap);
    va_end(ap);
    r->rep.kv = s_grow(r->rep.kv, &r->cap_kv, r->rep.n_kv, sizeof *r->rep.kv);
    r->rep.kv[r->rep.n_kv++] = kv;
}

void ls_ctl_row(ls_ctl_reply_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = s_vfmt(fmt, ap);
    va_end(ap);
    r->rep.rows = s_grow(r->rep.rows, &r->cap_rows, r->rep.n_rows, sizeof *r->rep.rows);
    r->rep.rows[r->rep.n_rows++] = s;
}

void ls_ctl_counter(ls_ctl_reply_t *r, const char *name, uint64_t value)
{
    Ls__Counter *c = malloc(sizeof *c);
    if (!c)
        abort();
    ls__counter__init(c);
    c->name = strdup(name);
    c->value = value;
    r->rep.counters = s_grow(r->rep.counters, &r->cap_ctr, r->rep.n_counters, sizeof *r->rep.counters);
    r->rep.counters[r->rep.n_counters++] = c;
}

void ls_ctl_data(ls_ctl_reply_t *r, const void *data, size_t len)
{
    if (r->rep.has_data)
        free(r->rep.data.data);
    r->rep.data.data = malloc(len ? len : 1);
    if (!r->rep.data.data)
        abort();
    memcpy(r->rep.data.data, data, len);
    r->rep.data.len = len;
    r->rep.has_data = 1;
}

void *ls_ctl_data_buf(ls_ctl_reply_t *r, size_t len)
{
    if (r->rep.has_data)
        free(r->rep.data.data);
    r->rep.data.data = malloc(len ? len : 1);
    if (!r->rep.data.data)
        abort();
    r->rep.data.len = len;
    r->rep.has_data = 1;
    return r->rep.data.data;
}

static void s_free_packed(void *data, void *hint)
{
    (void)hint;
    free(data);
}

int ls_svc_ctl_send(ls_svc_t *svc, const ls_ctl_peer_t *peer, ls_ctl_reply_t *r)
{
    size_t n = ls__ctl_reply__get_packed_size(&r->rep);
    uint8_t stackbuf[4096];
    uint8_t *buf = n <= sizeof stackbuf ? stackbuf : malloc(n);
    if (!buf)
        abort();
    ls__ctl_reply__pack(&r->rep, buf);
    int rc = zmq_send(svc->ctl, peer->id, peer->len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (buf == stackbuf) {
        if (rc >= 0)
            rc = zmq_send(svc->ctl, buf, n, ZMQ_DONTWAIT);
    } else {
        /* A large reply (socket API data): hand the packed buffer to ZeroMQ
         * instead of letting zmq_send copy it; it is freed once sent. */
        zmq_msg_t msg;
        if (zmq_msg_init_data(&msg, buf, n, s_free_packed, NULL) < 0) {
            free(buf);
            rc = -1;
        } else {
            if (rc >= 0)
                rc = zmq_msg_send(&msg, svc->ctl, ZMQ_DONTWAIT);
            if (rc < 0)
                zmq_msg_close(&msg); /* still ours after a failed send: frees buf */
        }
    }
    if (rc < 0) {
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "ctl"}, "ctl.drop.peer_gone",
                "reply to a client that is gone or full: %s", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- control socket ---- */

static void s_counter_row(const char *name, uint64_t value, void *arg)
{
    ls_ctl_counter(arg, name, value);
}

static int s_builtin(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    if (strcmp(req->cmd, "status") == 0) {
        ls_ctl_kv(rep, "service", "%s", svc->name);
        ls_ctl_kv(rep, "role", "%s", svc->role);
        ls_ctl_kv(rep, "host", "%s", svc->h ? svc->host : "-");
        ls_ctl_kv(rep, "pid", "%d", (int)getpid());
        ls_ctl_kv(rep, "instance", "%08x", svc->nonce);
        ls_ctl_kv(rep, "uptime", "%.1fs", (double)(ls_now_ns() - svc->started_ns) / 1e9);
        ls_ctl_kv(rep, "log", "%s", svc->log_path);
        return 0;
    }
    if (strcmp(req->cmd, "counters") == 0) {
        ls_counters_foreach(svc->ctr, s_counter_row, rep);
        return 0;
    }
    if (strcmp(req->cmd, "shutdown") == 0) {
        ls_logf(svc->log, LS_LOG_INFO, "shutdown requested over ctl");
        ls_loop_stop(svc->loop);
        return 0;
    }
    if (strcmp(req->cmd, "log-level") == 0) {
        int lvl = req->n_args ? ls_log_level_parse(req->args[0]) : -1;
        if (lvl < 0) {
            ls_ctl_error(rep, EINVAL, "log-level: expected error|warn|info|pdu");
            return 0;
        }
        ls_log_set_level(svc->log, lvl);
        svc->log_pdu = ls_log_on(svc->log, LS_LOG_PDU);
        return 0;
    }
    return -1;
}

static int s_ctl_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    ls_svc_t *svc = arg;
    for (int budget = 0; budget < 64; budget++) {
        ls_ctl_peer_t peer;
        int n = zmq_recv(sock, peer.id, sizeof peer.id, ZMQ_DONTWAIT);
        if (n < 0)
            break;
        peer.len = (size_t)n > sizeof peer.id ? sizeof peer.id : (size_t)n;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
        if (!more || zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            LS_COUNT(svc->ctr, "ctl.drop.no_body");
            continue;
        }
        /* discard any extra frames */
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
        while (more) {
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            zmq_msg_recv(&extra, sock, ZMQ_DONTWAIT);
            zmq_msg_close(&extra);
            zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
        }
        ls_ctl_reply_t rep;
        ls_ctl_reply_init(&rep);
        Ls__CtlRequest *req = ls__ctl_request__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        zmq_msg_close(&msg);
        int rc;
        if (!req) {
            ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "ctl"}, "ctl.drop.decode",
                    "control request does not decode");
            ls_ctl_error(&rep, EBADMSG, "control request does not decode");
            rc = 0;
        } else if (req->version != LS__VERSION__CONTRACT_VERSION) {
            ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "ctl"}, "ctl.drop.version",
                    "control request version %u, expected %d", req->version,
                    LS__VERSION__CONTRACT_VERSION);
            ls_ctl_error(&rep, EPROTO, "contract version %u not supported (want %d)", req->version,
                         LS__VERSION__CONTRACT_VERSION);
            rc = 0;
        } else {
            rep.rep.tag = req->tag;
            rep.rep.has_tag = req->has_tag;
            rc = s_builtin(svc, req, &rep);
            /* the registry decides: a module's command, else the service's own handler */
            for (size_t i = 0; rc < 0 && i < svc->ncmds; i++)
                if (strcmp(req->cmd, svc->cmds[i].name) == 0)
                    rc = svc->cmds[i].fn(svc, req, &rep, &peer, svc->cmds[i].arg);
            if (rc < 0 && svc->ctl_fn)
                rc = svc->ctl_fn(svc, req, &rep, &peer, svc->ctl_arg);
            if (rc < 0) {
                LS_COUNT(svc->ctr, "ctl.rx.unknown_cmd");
                ls_ctl_error(&rep, ENOTSUP, "%s: unknown command '%s'", svc->name, req->cmd);
                rc = 0;
            }
        }
        if (req)
            ls__ctl_request__free_unpacked(req, NULL);
        if (rc == 0)
            ls_svc_ctl_send(svc, &peer, &rep);
        ls_ctl_reply_fini(&rep);
    }
    return 0;
}

int ls_svc_ready(ls_svc_t *svc)
{
    char ep[300];
    if (ls_svc_endpoint(svc, svc->name, TOPO_EP_CTL, NULL, 1, ep, sizeof ep) < 0) {
        ls_logf(svc->log, LS_LOG_ERROR, "ctl endpoint: %s", ep);
        return -1;
    }
    svc->ctl = zmq_socket(svc->zctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    zmq_setsockopt(svc->ctl, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(svc->ctl, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    zmq_setsockopt(svc->ctl, ZMQ_LINGER, &zero, sizeof zero);
    if (svc->mode == TOPO_MODE_IPC && strncmp(ep, "ipc://", 6) == 0)
        unlink(ep + 6); /* a stale socket file from a killed predecessor */
    if (zmq_bind(svc->ctl, ep) < 0) {
        ls_logf(svc->log, LS_LOG_ERROR, "ctl bind %s: %s", ep, zmq_strerror(errno));
        return -1;
    }
    ls_loop_add_socket(svc->loop, svc->ctl, s_ctl_readable, svc);
    ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "ready"}, "%s ready (instance %08x, pid %d)",
             svc->name, svc->nonce, (int)getpid());
    return 0;
}
