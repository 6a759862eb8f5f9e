/*
 * pipe-ceiling -- the ceiling any layered path can reach: a chain of
 * do-nothing forwarders built from the project's own runtime (svc.h, pipe.h,
 * loop.h), with the same processes and hops as the measured path.
 *
 *   lan path    (topologies/lan.yaml, 7 processes, 6 hops):
 *     hosta-transport > hosta-net > hosta-link > sw-lan1 > hostb-link > hostb-net > hostb-transport
 *   router path (topologies/default.yaml, 10 processes, 10 hops; router-link is
 *   crossed twice, once per interface, like the real path):
 *     hosta-transport > hosta-net > hosta-link > sw-lan1 > router-link(eth0) > router-net
 *       > router-link(eth1) > sw-lan2 > hostb-link > hostb-net > hostb-transport
 *
 * The first station (this process) pushes 1514-byte frames in WIRE_FRAME
 * envelopes through every hop, with a window of frames in flight; the last
 * station answers one 64-byte ACK envelope per 2 frames (cumulative count,
 * like TCP delayed ACKs) that flows back through every hop. Each forwarder
 * unpacks the envelope (pipe.c), makes a new one with a fresh PDU id whose
 * parent is the received one, and packs/sends it: exactly the per-hop work of
 * the runtime, without any protocol work. Then a 64-byte ping-pong measures
 * the round trip (p50, p99).
 *
 * Call chain: main -> s_opts -> fork one child per station process
 *   (s_child: ls_svc_init -> s_station_open per position -> ls_loop_run ->
 *   s_fwd_rx / s_sink_rx; at SIGTERM: stats file) -> parent is the source:
 *   ls_svc_init -> s_station_open -> ls_loop_run (s_src_deadline/s_src_fire
 *   drive connect, bulk, ping phases; s_src_rx counts ACKs and echoes)
 *   -> SIGTERM children -> collect stats -> print (text or --json).
 *
 * Used by bench/run.sh (rows "pipe ceiling" and, under callgrind, the
 * forwarder's instructions per PDU).
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wire/bytes.h"
#include "runtime/loop.h"
#include "runtime/pipe.h"
#include "runtime/svc.h"

#define PC_FRAME_BYTES 1514
#define PC_SMALL_BYTES 64
#define PC_ACK_EVERY 2
#define PC_MAX_POS 16
#define PC_MAX_PROC 16
#define PC_OFF_TAG 0
#define PC_OFF_SEQ 1 /* be32 hi, be32 lo */
#define PC_TAG_DATA 'D'
#define PC_TAG_ACK 'A'
#define PC_TAG_PING 'P'
#define PC_TAG_ECHO 'E'
#define PC_PROBE_SEQ UINT64_MAX
#define PC_NS_MS 1000000ull
#define PC_NS_S 1000000000ull
#define PC_CONNECT_TIMEOUT_NS (30 * PC_NS_S)
#define PC_STALL_NS PC_NS_S
#define PC_DELACK_NS PC_NS_MS

static const char *const s_usage =
    "usage: pipe-ceiling [--path lan|router] [--seconds S | --frames N] [--window W]\n"
    "                    [--pings N] [--log-level L] [--topology FILE] [--run-dir DIR] [--json]\n"
    "Pushes 1514-byte frames (one 64-byte ACK back per 2 frames) through a chain of\n"
    "do-nothing forwarder processes wired with the layerstack pipe library, with the\n"
    "processes and hops of the measured path, then measures a 64-byte round trip.\n"
    "  --path lan       7 processes, 6 hops (topologies/lan.yaml)      [default]\n"
    "  --path router   10 processes, 10 hops (topologies/default.yaml)\n"
    "  --seconds S      bulk phase length (default 2); --frames N: exactly N frames instead\n"
    "  --window W       frames in flight (default 256)\n"
    "  --pings N        round trips to time (default 1000; 0 = none)\n"
    "  --log-level L    of every station (default info)\n"
    "  --run-dir DIR    sockets, logs and per-station stats (default: a fresh /tmp dir, removed)\n"
    "  --json           one JSON object on stdout instead of the text summary\n";

/* One process of the chain: the service it impersonates. */
typedef struct {
    const char *host; /* NULL for a switch */
    const char *seg;  /* switch segment */
    const char *role; /* "transport", "net", "link" */
    Ls__Layer layer;
} s_proc_t;

typedef struct {
    const char *name;
    const char *topo;
    size_t nproc;
    s_proc_t procs[PC_MAX_PROC];
    size_t npos;
    int pos_proc[PC_MAX_POS]; /* position -> process index */
} s_path_t;

static const s_path_t s_paths[] = {
    {"lan", "topologies/lan.yaml", 7,
     {{"hosta", NULL, "transport", LS__LAYER__TRANSPORT}, {"hosta", NULL, "net", LS__LAYER__NET},
      {"hosta", NULL, "link", LS__LAYER__LINK}, {NULL, "lan1", "link", LS__LAYER__WIRE},
      {"hostb", NULL, "link", LS__LAYER__LINK}, {"hostb", NULL, "net", LS__LAYER__NET},
      {"hostb", NULL, "transport", LS__LAYER__TRANSPORT}},
     7, {0, 1, 2, 3, 4, 5, 6}},
    {"router", "topologies/default.yaml", 10,
     {{"hosta", NULL, "transport", LS__LAYER__TRANSPORT}, {"hosta", NULL, "net", LS__LAYER__NET},
      {"hosta", NULL, "link", LS__LAYER__LINK}, {NULL, "lan1", "link", LS__LAYER__WIRE},
      {"router", NULL, "link", LS__LAYER__LINK}, {"router", NULL, "net", LS__LAYER__NET},
      {NULL, "lan2", "link", LS__LAYER__WIRE}, {"hostb", NULL, "link", LS__LAYER__LINK},
      {"hostb", NULL, "net", LS__LAYER__NET}, {"hostb", NULL, "transport", LS__LAYER__TRANSPORT}},
     11, {0, 1, 2, 3, 4, 5, 4, 6, 7, 8, 9}},
};

typedef struct {
    const s_path_t *path;
    const char *topo;
    char run_dir[200];
    int own_run_dir;
    double seconds;
    uint64_t frames;   /* 0 = timed */
    uint64_t window;
    uint64_t pings;
    const char *level;
    int json;
} s_opts_t;

typedef enum { PH_CONNECT = 0, PH_BULK, PH_DRAIN, PH_PING, PH_DONE, PH_FAILED } s_phase_t;

typedef struct s_proc_ctx s_proc_ctx_t;

/* One position of the chain inside a process. */
typedef struct {
    s_proc_ctx_t *pc;
    int pos;
    ls_pipe_t *left;  /* toward the source */
    ls_pipe_t *right; /* toward the sink */
    uint64_t rx, fwd, dropped;
    /* sink */
    uint64_t data_rx, acked_sent, first_unacked_ns;
} s_pos_t;

struct s_proc_ctx {
    ls_svc_t svc;
    const s_opts_t *o;
    s_pos_t pos[PC_MAX_POS];
    int npos;
    uint8_t frame[PC_FRAME_BYTES];
    uint8_t small[PC_SMALL_BYTES];
    /* source state */
    s_phase_t phase;
    uint64_t t_connect0, next_probe, t_bulk_end;
    uint64_t sent, lost, acked, last_progress;
    uint64_t t_first_ack, acked_first, t_last_ack;
    uint64_t send_fail, stalls;
    uint64_t ping_seq, ping_t, pings_lost;
    int ping_out;
    uint64_t *rtt;
    size_t nrtt;
};

/* ---- helpers ---- */

static void s_put_seq(uint8_t *buf, uint8_t tag, uint64_t seq)
{
    wr_u8(buf + PC_OFF_TAG, tag);
    wr_be32(buf + PC_OFF_SEQ, (uint32_t)(seq >> 32));
    wr_be32(buf + PC_OFF_SEQ + 4, (uint32_t)seq);
}

static int s_get_seq(const uint8_t *buf, size_t len, uint8_t *tag, uint64_t *seq)
{
    if (len < PC_OFF_SEQ + 8)
        return -1;
    *tag = rd_u8(buf + PC_OFF_TAG);
    *seq = (uint64_t)rd_be32(buf + PC_OFF_SEQ) << 32 | rd_be32(buf + PC_OFF_SEQ + 4);
    return 0;
}

/* Send a fresh envelope made from `parent` (0 = none) on pipe. 0 / -1 dropped. */
static int s_send(s_proc_ctx_t *pc, ls_pipe_t *pipe, uint64_t parent, const uint8_t *pdu, size_t len)
{
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__WIRE_FRAME, ls_svc_pdu_id(&pc->svc), parent ? &parent : NULL,
                 parent ? 1 : 0, pdu, len);
    return ls_pipe_send(pipe, &env);
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double s_pct(const uint64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t k = (size_t)(p * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return (double)v[k - 1];
}

/* ---- forwarder and sink ---- */

static void s_fwd_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_pos_t *p = arg;
    if (env->kind == LS__KIND__HELLO)
        return;
    p->rx++;
    ls_pipe_t *out = pipe == p->left ? p->right : p->left;
    if (s_send(p->pc, out, env->pdu_id, env->pdu.data, env->pdu.len) == 0)
        p->fwd++;
    else
        p->dropped++;
}

static void s_sink_ack(s_pos_t *p)
{
    s_proc_ctx_t *pc = p->pc;
    s_put_seq(pc->small, PC_TAG_ACK, p->data_rx);
    if (s_send(pc, p->left, 0, pc->small, sizeof pc->small) == 0) {
        p->acked_sent = p->data_rx;
        p->fwd++;
    } else {
        p->dropped++;
    }
    p->first_unacked_ns = 0;
}

static void s_sink_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_pos_t *p = arg;
    uint8_t tag;
    uint64_t seq;
    if (env->kind == LS__KIND__HELLO)
        return;
    p->rx++;
    if (s_get_seq(env->pdu.data, env->pdu.len, &tag, &seq) < 0) {
        LS_COUNT(p->pc->svc.ctr, "bench.drop.short");
        return;
    }
    if (tag == PC_TAG_DATA) {
        p->data_rx++;
        if (p->data_rx - p->acked_sent >= PC_ACK_EVERY)
            s_sink_ack(p);
        else if (!p->first_unacked_ns)
            p->first_unacked_ns = ls_now_ns();
    } else if (tag == PC_TAG_PING) {
        uint8_t echo[PC_SMALL_BYTES];
        size_t n = env->pdu.len < sizeof echo ? env->pdu.len : sizeof echo;
        memcpy(echo, env->pdu.data, n);
        wr_u8(echo + PC_OFF_TAG, PC_TAG_ECHO);
        if (s_send(p->pc, p->left, env->pdu_id, echo, n) == 0)
            p->fwd++;
        else
            p->dropped++;
    }
}

static uint64_t s_sink_deadline(void *arg)
{
    s_pos_t *p = arg;
    return p->first_unacked_ns ? p->first_unacked_ns + PC_DELACK_NS : UINT64_MAX;
}

static void s_sink_fire(void *arg, uint64_t now)
{
    s_pos_t *p = arg;
    if (p->data_rx > p->acked_sent)
        s_sink_ack(p);
}

/* ---- source ---- */

static void s_src_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_pos_t *p = arg;
    s_proc_ctx_t *pc = p->pc;
    uint8_t tag;
    uint64_t seq, now = ls_now_ns();
    if (env->kind == LS__KIND__HELLO)
        return;
    p->rx++;
    if (s_get_seq(env->pdu.data, env->pdu.len, &tag, &seq) < 0)
        return;
    if (tag == PC_TAG_ACK) {
        if (seq > pc->acked) {
            pc->acked = seq;
            pc->last_progress = now;
            if (!pc->t_first_ack) {
                pc->t_first_ack = now;
                pc->acked_first = seq;
            }
            pc->t_last_ack = now;
        }
    } else if (tag == PC_TAG_ECHO) {
        if (seq == PC_PROBE_SEQ) {
            if (pc->phase == PH_CONNECT) {
                pc->phase = PH_BULK;
                pc->last_progress = now;
                pc->t_bulk_end = now + (uint64_t)(pc->o->seconds * (double)PC_NS_S);
            }
        } else if (pc->phase == PH_PING && pc->ping_out && seq == pc->ping_seq) {
            pc->rtt[pc->nrtt++] = now - pc->ping_t;
            pc->ping_out = 0;
        }
    }
}

static uint64_t s_inflight(const s_proc_ctx_t *pc) { return pc->sent - pc->lost - pc->acked; }

static uint64_t s_src_deadline(void *arg)
{
    s_proc_ctx_t *pc = arg;
    switch (pc->phase) {
    case PH_CONNECT: return pc->next_probe;
    case PH_BULK:
        if (s_inflight(pc) < pc->o->window)
            return 0;
        return pc->last_progress + PC_STALL_NS;
    case PH_DRAIN: return s_inflight(pc) == 0 ? 0 : pc->last_progress + PC_STALL_NS;
    case PH_PING: return pc->ping_out ? pc->ping_t + PC_NS_S : 0;
    default: return 0;
    }
}

static void s_src_fire(void *arg, uint64_t now)
{
    s_proc_ctx_t *pc = arg;
    s_pos_t *p = &pc->pos[0];
    switch (pc->phase) {
    case PH_CONNECT:
        if (now - pc->t_connect0 > PC_CONNECT_TIMEOUT_NS) {
            fprintf(stderr, "pipe-ceiling: the chain did not connect within %llu s\n",
                    (unsigned long long)(PC_CONNECT_TIMEOUT_NS / PC_NS_S));
            pc->phase = PH_FAILED;
            ls_loop_stop(pc->svc.loop);
            return;
        }
        s_put_seq(pc->small, PC_TAG_PING, PC_PROBE_SEQ);
        s_send(pc, p->right, 0, pc->small, sizeof pc->small);
        pc->next_probe = now + 50 * PC_NS_MS;
        return;
    case PH_BULK:
    case PH_DRAIN:
        if (s_inflight(pc) && now >= pc->last_progress + PC_STALL_NS) {
            pc->stalls++;
            pc->lost += s_inflight(pc); /* declared lost: a pipe dropped them */
            pc->last_progress = now;
        }
        if (pc->phase == PH_BULK) {
            int over = pc->o->frames ? pc->sent >= pc->o->frames : now >= pc->t_bulk_end;
            /* stop on an even count, so the sink's every-2nd ACK covers it */
            if (over && pc->sent % PC_ACK_EVERY == 0) {
                pc->phase = PH_DRAIN;
            } else {
                while (s_inflight(pc) < pc->o->window) {
                    s_put_seq(pc->frame, PC_TAG_DATA, pc->sent);
                    if (s_send(pc, p->right, 0, pc->frame, sizeof pc->frame) < 0) {
                        pc->send_fail++;
                        break;
                    }
                    pc->sent++;
                    if (over || (pc->o->frames && pc->sent >= pc->o->frames))
                        break;
                }
            }
        }
        if (pc->phase == PH_DRAIN && s_inflight(pc) == 0)
            pc->phase = pc->o->pings ? PH_PING : PH_DONE;
        if (pc->phase == PH_DONE)
            ls_loop_stop(pc->svc.loop);
        return;
    case PH_PING:
        if (pc->ping_out) { /* 1 s without an echo */
            pc->pings_lost++;
            pc->ping_out = 0;
        }
        if (pc->nrtt + pc->pings_lost >= pc->o->pings) {
            pc->phase = PH_DONE;
            ls_loop_stop(pc->svc.loop);
            return;
        }
        pc->ping_seq++;
        s_put_seq(pc->small, PC_TAG_PING, pc->ping_seq);
        pc->ping_t = ls_now_ns();
        pc->ping_out = 1;
        if (s_send(pc, p->right, 0, pc->small, sizeof pc->small) < 0)
            pc->send_fail++;
        return;
    default:
        ls_loop_stop(pc->svc.loop);
        return;
    }
}

/* ---- stations ---- */

static int s_hop_ep(const s_opts_t *o, int hop, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "ipc://%s/c/h%d", o->run_dir, hop);
    return n > 0 && (size_t)n < cap && n - 6 <= TOPO_IPC_PATH_MAX ? 0 : -1;
}

/* Open the pipes of position `pos`: hop pos-1 on the left (bound here),
 * hop pos on the right (connected). */
static int s_station_open(s_proc_ctx_t *pc, int pos, Ls__Layer layer)
{
    const s_opts_t *o = pc->o;
    s_pos_t *p = &pc->pos[pc->npos++];
    memset(p, 0, sizeof *p);
    p->pc = pc;
    p->pos = pos;
    int last = (size_t)pos == o->path->npos - 1;
    ls_pipe_rx_fn fn = pos == 0 ? s_src_rx : last ? s_sink_rx : s_fwd_rx;
    char ep[256], name[32];
    if (pos > 0) {
        if (s_hop_ep(o, pos - 1, ep, sizeof ep) < 0)
            return -1;
        snprintf(name, sizeof name, "hop%d", pos - 1);
        p->left = ls_pipe_new(&pc->svc, name, ep, 1, layer, LS__DIRECTION__UP, fn, p);
        if (!p->left)
            return -1;
    }
    if (!last) {
        if (s_hop_ep(o, pos, ep, sizeof ep) < 0)
            return -1;
        snprintf(name, sizeof name, "hop%d", pos);
        p->right = ls_pipe_new(&pc->svc, name, ep, 0, layer, LS__DIRECTION__DOWN, fn, p);
        if (!p->right)
            return -1;
    }
    if (last)
        ls_loop_add_timer(pc->svc.loop, s_sink_deadline, s_sink_fire, p);
    return 0;
}

static int s_proc_init(s_proc_ctx_t *pc, const s_opts_t *o, int proc)
{
    const s_proc_t *sp = &o->path->procs[proc];
    char *argv[12];
    int argc = 0;
    argv[argc++] = "pipe-ceiling";
    argv[argc++] = "--topology";
    argv[argc++] = (char *)o->topo;
    argv[argc++] = sp->host ? "--host" : "--switch";
    argv[argc++] = (char *)(sp->host ? sp->host : sp->seg);
    argv[argc++] = "--run-dir";
    argv[argc++] = (char *)o->run_dir;
    argv[argc++] = "--log-level";
    argv[argc++] = (char *)o->level;
    argv[argc] = NULL;
    char err[1024];
    memset(pc, 0, sizeof *pc);
    pc->o = o;
    if (ls_svc_init(&pc->svc, argc, argv, sp->role, s_usage, err, sizeof err) != 0) {
        fprintf(stderr, "pipe-ceiling: %s\n", err);
        return -1;
    }
    memset(pc->frame, 0xa5, sizeof pc->frame);
    memset(pc->small, 0x5a, sizeof pc->small);
    for (size_t i = 0; i < o->path->npos; i++)
        if (o->path->pos_proc[i] == proc && s_station_open(pc, (int)i, sp->layer) < 0) {
            fprintf(stderr, "pipe-ceiling: %s: cannot open the pipes of position %zu\n", pc->svc.name, i);
            return -1;
        }
    return 0;
}

static void s_proc_fini(s_proc_ctx_t *pc)
{
    for (int i = 0; i < pc->npos; i++) {
        ls_pipe_destroy(&pc->pos[i].left);
        ls_pipe_destroy(&pc->pos[i].right);
    }
    ls_svc_fini(&pc->svc);
}

/* Totals of a process's positions. */
static void s_proc_totals(const s_proc_ctx_t *pc, uint64_t *rx, uint64_t *fwd, uint64_t *dropped)
{
    *rx = *fwd = *dropped = 0;
    for (int i = 0; i < pc->npos; i++) {
        *rx += pc->pos[i].rx;
        *fwd += pc->pos[i].fwd;
        *dropped += pc->pos[i].dropped;
    }
}

static int s_child(const s_opts_t *o, int proc)
{
    s_proc_ctx_t *pc = calloc(1, sizeof *pc);
    if (!pc || s_proc_init(pc, o, proc) < 0)
        _exit(2);
    ls_loop_run(pc->svc.loop);
    uint64_t rx, fwd, dropped;
    s_proc_totals(pc, &rx, &fwd, &dropped);
    char path[300];
    snprintf(path, sizeof path, "%s/st/%d", o->run_dir, proc);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s %d %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", pc->svc.name, (int)getpid(), rx, fwd, dropped);
        fclose(f);
    }
    s_proc_fini(pc);
    free(pc);
    _exit(0);
}

/* ---- options, output ---- */

static int s_opts(s_opts_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->path = &s_paths[0];
    o->seconds = 2;
    o->window = 256;
    o->pings = 1000;
    o->level = "info";
    static const struct option opts[] = {
        {"path", required_argument, 0, 'p'},    {"seconds", required_argument, 0, 's'},
        {"frames", required_argument, 0, 'f'},  {"window", required_argument, 0, 'w'},
        {"pings", required_argument, 0, 'n'},   {"log-level", required_argument, 0, 'L'},
        {"topology", required_argument, 0, 't'}, {"run-dir", required_argument, 0, 'r'},
        {"json", no_argument, 0, 'j'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "p:s:f:w:n:L:t:r:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->path = NULL;
            for (size_t i = 0; i < sizeof s_paths / sizeof s_paths[0]; i++)
                if (strcmp(optarg, s_paths[i].name) == 0)
                    o->path = &s_paths[i];
            if (!o->path) {
                fprintf(stderr, "pipe-ceiling: --path: '%s' is not lan or router\n", optarg);
                return -1;
            }
            break;
        case 's':
            o->seconds = strtod(optarg, &end);
            if (*end || o->seconds <= 0 || o->seconds > 600) {
                fprintf(stderr, "pipe-ceiling: --seconds: '%s' is not a number in (0, 600]\n", optarg);
                return -1;
            }
            break;
        case 'f':
        case 'w':
        case 'n': {
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || !*optarg || (c != 'n' && v == 0) || v > 1000000000ull) {
                fprintf(stderr, "pipe-ceiling: -%c: '%s' is not a valid count\n", c, optarg);
                return -1;
            }
            if (c == 'f')
                o->frames = v + v % PC_ACK_EVERY;
            else if (c == 'w')
                o->window = v < PC_ACK_EVERY ? PC_ACK_EVERY : v;
            else
                o->pings = v;
            break;
        }
        case 'L':
            if (ls_log_level_parse(optarg) < 0) {
                fprintf(stderr, "pipe-ceiling: --log-level: '%s' is not error|warn|info|pdu\n", optarg);
                return -1;
            }
            o->level = optarg;
            break;
        case 't': o->topo = optarg; break;
        case 'r': snprintf(o->run_dir, sizeof o->run_dir, "%s", optarg); break;
        case 'j': o->json = 1; break;
        case 'h': fputs(s_usage, stdout); return 1;
        default: fputs(s_usage, stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pipe-ceiling: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    if (!o->topo)
        o->topo = o->path->topo;
    if (access(o->topo, R_OK) != 0) {
        fprintf(stderr, "pipe-ceiling: cannot read topology %s (run from the repository root or pass --topology)\n",
                o->topo);
        return -1;
    }
    if (!o->run_dir[0]) {
        snprintf(o->run_dir, sizeof o->run_dir, "/tmp/lspc.XXXXXX");
        if (!mkdtemp(o->run_dir)) {
            fprintf(stderr, "pipe-ceiling: mkdtemp: %s\n", strerror(errno));
            return -1;
        }
        o->own_run_dir = 1;
    }
    return 0;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

typedef struct {
    char name[96];
    int pid;
    uint64_t rx, fwd, dropped;
    int ok;
} s_station_stat_t;

static void s_print(const s_opts_t *o, const s_proc_ctx_t *pc, const s_station_stat_t *st, size_t nst,
                    uint64_t drops)
{
    const s_path_t *path = o->path;
    uint64_t frames = pc->acked - pc->acked_first;
    double secs = (double)(pc->t_last_ack - pc->t_first_ack) / 1e9;
    double fps = secs > 0 ? (double)frames / secs : 0;
    double gbit = fps * PC_FRAME_BYTES * 8 / 1e9;
    uint64_t *v = pc->rtt;
    size_t n = pc->nrtt;
    double p50 = s_pct(v, n, 0.50) / 1e3, p99 = s_pct(v, n, 0.99) / 1e3;
    double mn = n ? (double)v[0] / 1e3 : 0, mx = n ? (double)v[n - 1] / 1e3 : 0;
    if (o->json) {
        printf("{\"path\":\"%s\",\"topology\":\"%s\",\"processes\":%zu,\"hops\":%zu,\"frame_bytes\":%d,"
               "\"ack_bytes\":%d,\"ack_every\":%d,\"window\":%" PRIu64 ",\"log_level\":\"%s\",",
               path->name, o->topo, path->nproc, path->npos - 1, PC_FRAME_BYTES, PC_SMALL_BYTES,
               PC_ACK_EVERY, o->window, o->level);
        printf("\"bulk\":{\"frames_sent\":%" PRIu64 ",\"frames_timed\":%" PRIu64 ",\"seconds\":%.6f,"
               "\"frames_per_s\":%.1f,\"gbit_s\":%.4f,\"lost\":%" PRIu64 ",\"stalls\":%" PRIu64
               ",\"send_fail\":%" PRIu64 "},",
               pc->sent, frames, secs, fps, gbit, pc->lost, pc->stalls, pc->send_fail);
        printf("\"rtt_us\":{\"payload_bytes\":%d,\"n\":%zu,\"lost\":%" PRIu64
               ",\"min\":%.1f,\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},",
               PC_SMALL_BYTES, n, pc->pings_lost, mn, p50, p99, mx);
        printf("\"pipe_drops\":%" PRIu64 ",\"stations\":[", drops);
        for (size_t i = 0; i < nst; i++)
            printf("%s{\"name\":\"%s\",\"pid\":%d,\"rx\":%" PRIu64 ",\"forwarded\":%" PRIu64
                   ",\"dropped\":%" PRIu64 "}",
                   i ? "," : "", st[i].name, st[i].pid, st[i].rx, st[i].fwd, st[i].dropped);
        printf("]}\n");
        return;
    }
    printf("pipe ceiling, %s path: %zu processes, %zu hops, %d-byte frames, 1 ACK per %d, window %" PRIu64
           ", log level %s\n",
           path->name, path->nproc, path->npos - 1, PC_FRAME_BYTES, PC_ACK_EVERY, o->window, o->level);
    printf("[ ID] Interval           Frames      Rate           Bitrate\n");
    printf("[  1] 0.00-%-6.2f sec  %10" PRIu64 "  %9.0f fr/s  %8.3f Gbits/sec  (lost %" PRIu64 ", pipe drops %" PRIu64
           ")\n",
           secs, frames, fps, gbit, pc->lost, drops);
    if (o->pings)
        printf("%zu round trips, %d-byte payload, %" PRIu64 " lost\nrtt min/p50/p99/max = %.1f/%.1f/%.1f/%.1f us\n",
               n, PC_SMALL_BYTES, pc->pings_lost, mn, p50, p99, mx);
}

int main(int argc, char **argv)
{
    s_opts_t o;
    int rc = s_opts(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/c", o.run_dir);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/st", o.run_dir);
    mkdir(dir, 0755);
    char ep[256];
    if (s_hop_ep(&o, (int)o.path->npos, ep, sizeof ep) < 0) {
        fprintf(stderr, "pipe-ceiling: run dir %s too long for ipc socket paths\n", o.run_dir);
        return 2;
    }
    fflush(stdout);
    pid_t kids[PC_MAX_PROC] = {0};
    pid_t parent = getpid();
    for (size_t i = 1; i < o.path->nproc; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "pipe-ceiling: fork: %s\n", strerror(errno));
            for (size_t k = 1; k < i; k++)
                kill(kids[k], SIGKILL);
            return 2;
        }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != parent)
                _exit(1);
            s_child(&o, (int)i);
        }
        kids[i] = pid;
    }
    s_proc_ctx_t *pc = calloc(1, sizeof *pc);
    if (!pc)
        abort();
    rc = 0;
    if (s_proc_init(pc, &o, 0) < 0) {
        rc = 2;
    } else {
        pc->rtt = calloc(o.pings ? o.pings : 1, sizeof *pc->rtt);
        if (!pc->rtt)
            abort();
        pc->t_connect0 = ls_now_ns();
        ls_loop_add_timer(pc->svc.loop, s_src_deadline, s_src_fire, pc);
        ls_loop_run(pc->svc.loop);
        if (pc->phase != PH_DONE)
            rc = 1;
    }
    for (size_t i = 1; i < o.path->nproc; i++)
        kill(kids[i], SIGTERM);
    s_station_stat_t st[PC_MAX_PROC];
    size_t nst = 0;
    uint64_t drops = 0;
    for (size_t i = 1; i < o.path->nproc; i++) {
        int status;
        waitpid(kids[i], &status, 0);
        char path[300];
        snprintf(path, sizeof path, "%s/st/%zu", o.run_dir, i);
        FILE *f = fopen(path, "r");
        s_station_stat_t *s = &st[nst];
        memset(s, 0, sizeof *s);
        if (f && fscanf(f, "%95s %d %" SCNu64 " %" SCNu64 " %" SCNu64, s->name, &s->pid, &s->rx, &s->fwd,
                        &s->dropped) == 5) {
            s->ok = 1;
            drops += s->dropped;
            nst++;
        }
        if (f)
            fclose(f);
    }
    if (rc == 0) {
        qsort(pc->rtt, pc->nrtt, sizeof *pc->rtt, s_cmp_u64);
        s_print(&o, pc, st, nst, drops);
    } else if (rc == 1) {
        fprintf(stderr, "pipe-ceiling: run failed (phase %d)\n", (int)pc->phase);
    }
    if (pc->svc.loop)
        s_proc_fini(pc);
    free(pc->rtt);
    free(pc);
    if (o.own_run_dir)
        nftw(o.run_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
