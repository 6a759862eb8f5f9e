/*
 * trace.c -- `stackctl trace`: merge every service's log of a run in time
 * order, and follow one PDU through the layers.
 *
 * Call chain: stackctl main -> cmd_trace -> s_load (each RUN/log/<svc>.log, one
 * JSON object per line, written by common/runtime/log.c) -> sort by "t" -> filters
 * (--host, --layer, --pdu closure over parent ids) -> s_print.
 *
 * --pdu ID: the set starts with ID; walking the merged log in time order, a
 * line whose parents meet the set adds its own pdu to the set. That follows
 * a PDU down through encapsulation (each layer's PDU names the one above as
 * parent) and, since receivers keep the sender's id, up through demux on the
 * far host, including replies made from it. The output is grouped per host
 * (a header line when the host changes), indented by layer, with a tag that
 * says what happened to the headers: +eth/-eth, +ip/-ip, +frag, ttl-1,
 * demux, FAULT, DROP.
 *
 * --flow SPEC: follow a TCP or UDP flow. SPEC is PROTO/PORT ("tcp/80",
 * "udp/53": either port), or [PROTO/]A:P-B:Q ("192.0.2.10:40000-198.51.100.10:80",
 * both directions). A line matches on its summary text: lines that carry
 * ports ("IP a.b.c.d.P > e.f.g.h.Q: Flags [S] ..." / ": UDP, length N").
 * Lines without ports join through PDU ids: the ancestors of matching lines
 * (the frames and datagrams a segment arrived in) and their descendants (the
 * datagrams and frames a segment was sent in), as for --pdu.
 */
#include "stackctl.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    double t;
    char *line;
    char host[32], svc[48], layer[16], dir[8], ev[16], pdu[20], ifname[16];
    char parents[8][20];
    int nparents;
    const char *msg; /* points into line (unescaped copy) */
    char *msgbuf;
} s_rec_t;

typedef struct {
    s_rec_t *v;
    size_t n, cap;
} s_recs_t;

/* Extract the string value of "key":"..." into out (unescaping \" and \\). */
static int s_json_str(const char *line, const char *key, char *out, size_t cap)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (!p) {
        if (cap)
            out[0] = '\0';
        return -1;
    }
    p += strlen(pat);
    size_t o = 0;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\' && *p) {
            c = *p++;
            if (c == 'n')
                c = ' ';
            else if (c == 't')
                c = ' ';
            else if (c == 'u') {
                c = '?';
                for (int k = 0; k < 4 && *p; k++)
                    p++;
            }
        }
        if (o + 1 < cap)
            out[o++] = c;
    }
    if (cap)
        out[o] = '\0';
    return 0;
}

static void s_parse(s_rec_t *r)
{
    const char *t = strstr(r->line, "\"t\":");
    r->t = t ? strtod(t + 4, NULL) : 0;
    s_json_str(r->line, "host", r->host, sizeof r->host);
    s_json_str(r->line, "svc", r->svc, sizeof r->svc);
    s_json_str(r->line, "layer", r->layer, sizeof r->layer);
    s_json_str(r->line, "dir", r->dir, sizeof r->dir);
    s_json_str(r->line, "ev", r->ev, sizeof r->ev);
    s_json_str(r->line, "pdu", r->pdu, sizeof r->pdu);
    s_json_str(r->line, "if", r->ifname, sizeof r->ifname);
    size_t ml = strlen(r->line) + 1;
    r->msgbuf = malloc(ml);
    if (r->msgbuf)
        s_json_str(r->line, "msg", r->msgbuf, ml);
    r->msg = r->msgbuf ? r->msgbuf : "";
    const char *p = strstr(r->line, "\"parents\":[");
    r->nparents = 0;
    if (p) {
        p += 11;
        while (*p == '"' && r->nparents < 8) {
            p++;
            size_t k = 0;
            while (*p && *p != '"' && k < 19)
                r->parents[r->nparents][k++] = *p++;
            r->parents[r->nparents++][k] = '\0';
            if (*p == '"')
                p++;
            if (*p == ',')
                p++;
        }
    }
}

static void s_add(s_recs_t *rs, const char *line)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 1024;
        s_rec_t *nv = realloc(rs->v, rs->cap * sizeof *rs->v);
        if (!nv)
            abort();
        rs->v = nv;
    }
    s_rec_t *r = &rs->v[rs->n++];
    memset(r, 0, sizeof *r);
    r->line = strdup(line);
    s_parse(r);
}

/* Load new lines from every log file; offsets remember where each file was. */
typedef struct {
    char path[600];
    long off;
} s_file_t;

static size_t s_load(const char *run_dir, s_file_t *files, size_t *nfiles, s_recs_t *rs)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/log", run_dir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".log") != 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%.290s/%.300s", dir, e->d_name);
        size_t k;
        for (k = 0; k < *nfiles; k++)
            if (strcmp(files[k].path, path) == 0)
                break;
        if (k == *nfiles) {
            if (*nfiles >= 256)
                continue;
            snprintf(files[k].path, sizeof files[k].path, "%s", path);
            files[k].off = 0;
            (*nfiles)++;
        }
    }
    closedir(d);
    size_t before = rs->n;
    char *line = NULL;
    size_t cap = 0;
    for (size_t k = 0; k < *nfiles; k++) {
        FILE *f = fopen(files[k].path, "r");
        if (!f)
            continue;
        fseek(f, files[k].off, SEEK_SET);
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            if (line[n - 1] != '\n')
                break; /* partial line: read it next time */
            line[n - 1] = '\0';
            if (line[0] == '{')
                s_add(rs, line);
            files[k].off = ftell(f);
        }
        fclose(f);
    }
    free(line);
    return rs->n - before;
}

static int s_cmp(const void *a, const void *b)
{
    double x = ((const s_rec_t *)a)->t, y = ((const s_rec_t *)b)->t;
    return x < y ? -1 : x > y;
}

typedef struct {
    int on;
    int proto;          /* 0 any, 6 tcp, 17 udp */
    int port;           /* PROTO/PORT form: either port; -1 = pair form */
    char a[40], b[40];  /* pair form: "a.b.c.d.P" each end */
} s_flow_t;

typedef struct {
    const char *host, *layer, *ev;
    char (*set)[20];
    size_t nset, capset;
    int raw;
    int pretty;         /* --pdu: grouped per host, indented by layer */
    s_flow_t flow;
    char last_host[32];
} s_filter_t;

/* "tcp/80", "udp/53", "[tcp/]192.0.2.10:40000-198.51.100.10:80"; 0 / -1. */
static int s_flow_parse(const char *spec, s_flow_t *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->on = 1;
    fl->port = -1;
    const char *p = spec;
    if (strncmp(p, "tcp/", 4) == 0 || strncmp(p, "udp/", 4) == 0) {
        fl->proto = p[0] == 't' ? 6 : 17;
        p += 4;
    }
    if (!strchr(p, '-')) {
        char *end = NULL;
        long port = strtol(p, &end, 10);
        if (!fl->proto || !end || *end || port < 0 || port > 65535 || !*p)
            return -1;
        fl->port = (int)port;
        return 0;
    }
    char a[64], b[64];
    const char *dash = strchr(p, '-');
    snprintf(a, sizeof a, "%.*s", (int)(dash - p), p);
    snprintf(b, sizeof b, "%s", dash + 1);
    char *ca = strrchr(a, ':'), *cb = strrchr(b, ':');
    if (!ca || !cb || !ca[1] || !cb[1])
        return -1;
    *ca = '.';
    *cb = '.';
    snprintf(fl->a, sizeof fl->a, "%.39s", a);
    snprintf(fl->b, sizeof fl->b, "%.39s", b);
    return 0;
}

/* "a.b.c.d.P > e.f.g.h.Q:" in a summary: the two ends, 0 / -1. */
static int s_msg_ends(const char *msg, char *src, char *dst, size_t cap)
{
    for (const char *p = msg; (p = strstr(p, " > ")) != NULL; p += 3) {
        const char *st = p, *e = p + 3;
        while (st > msg && (isdigit((unsigned char)st[-1]) || st[-1] == '.'))
            st--;
        while (isdigit((unsigned char)*e) || *e == '.')
            e++;
        int d1 = 0, d2 = 0;
        for (const char *q = st; q < p; q++)
            d1 += *q == '.';
        for (const char *q = p + 3; q < e; q++)
            d2 += *q == '.';
        if (d1 == 4 && d2 == 4 && *e == ':' && (size_t)(p - st) < cap && (size_t)(e - p - 3) < cap) {
            snprintf(src, cap, "%.*s", (int)(p - st), st);
            snprintf(dst, cap, "%.*s", (int)(e - p - 3), p + 3);
            return 0;
        }
    }
    return -1;
}

static int s_flow_match(const s_flow_t *fl, const char *msg)
{
    char src[40], dst[40];
    if (s_msg_ends(msg, src, dst, sizeof src) < 0)
        return 0;
    int udp = strstr(msg, ": UDP") != NULL, tcp = strstr(msg, ": Flags [") || strstr(msg, ": tcp ");
    if ((fl->proto == 6 && !tcp) || (fl->proto == 17 && !udp) || (!tcp && !udp))
        return 0;
    if (fl->port >= 0) {
        const char *ps = strrchr(src, '.'), *pd = strrchr(dst, '.');
        return atoi(ps + 1) == fl->port || atoi(pd + 1) == fl->port;
    }
    return (strcmp(src, fl->a) == 0 && strcmp(dst, fl->b) == 0) ||
           (strcmp(src, fl->b) == 0 && strcmp(dst, fl->a) == 0);
}

static int s_in_set(const s_filter_t *f, const char *id)
{
    for (size_t i = 0; i < f->nset; i++)
        if (strcmp(f->set[i], id) == 0)
            return 1;
    return 0;
}

static void s_set_add(s_filter_t *f, const char *id)
{
    if (!id[0] || s_in_set(f, id))
        return;
    if (f->nset == f->capset) {
        f->capset = f->capset ? f->capset * 2 : 64;
        f->set = realloc(f->set, f->capset * sizeof *f->set);
        if (!f->set)
            abort();
    }
    snprintf(f->set[f->nset++], 20, "%s", id);
}

static int s_keep(s_filter_t *f, const s_rec_t *r)
{
    if (f->host && strcmp(r->host, f->host) != 0)
        return 0;
    if (f->layer && strcmp(r->layer, f->layer) != 0)
        return 0;
    if (f->ev && strcmp(r->ev, f->ev) != 0)
        return 0;
    if (f->flow.on) {
        int hit = s_flow_match(&f->flow, r->msg) || s_in_set(f, r->pdu);
        for (int i = 0; !hit && i < r->nparents; i++)
            hit = s_in_set(f, r->parents[i]);
        if (!hit)
            return 0;
        s_set_add(f, r->pdu);
    } else if (f->nset) {
        int hit = s_in_set(f, r->pdu);
        for (int i = 0; !hit && i < r->nparents; i++)
            hit = s_in_set(f, r->parents[i]);
        if (!hit)
            return 0;
        s_set_add(f, r->pdu);
    }
    return 1;
}

/* What happened to the headers, for --pdu / --flow output. */
static const char *s_tag(const s_rec_t *r)
{
    int link = !strcmp(r->layer, "link") || !strcmp(r->layer, "wire"), net = !strcmp(r->layer, "net"),
        tr = !strcmp(r->layer, "transport");
    if (!strcmp(r->ev, "encap"))
        return link ? "+eth" : net ? "+ip" : tr ? "+l4" : "+";
    if (!strcmp(r->ev, "decap"))
        return link ? "-eth" : net ? "-ip" : tr ? "-l4" : "-";
    if (!strcmp(r->ev, "fragment"))
        return "+frag";
    if (!strcmp(r->ev, "reassemble"))
        return "-frag";
    if (!strcmp(r->ev, "forward"))
        return !strcmp(r->layer, "switch") ? "switch" : "ttl-1";
    if (!strcmp(r->ev, "demux"))
        return "demux";
    if (!strcmp(r->ev, "route"))
        return "route";
    if (!strcmp(r->ev, "fault"))
        return "FAULT";
    if (!strcmp(r->ev, "drop"))
        return "DROP";
    return "";
}

static int s_depth(const char *layer)
{
    static const char *const order[] = {"app", "transport", "net", "link", "wire", "switch"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(layer, order[i]))
            return i;
    return 0;
}

static void s_print_pretty(s_filter_t *f, const s_rec_t *r, double t0)
{
    if (strcmp(f->last_host, r->host) != 0) {
        printf("== %s %s\n", r->host[0] ? r->host : "-",
               r->svc[0] && !strncmp(r->svc, "sw-", 3) ? "(switch)" : "");
        snprintf(f->last_host, sizeof f->last_host, "%s", r->host);
    }
    char where[64];
    snprintf(where, sizeof where, "%*s%s%s%s", 2 * s_depth(r->layer), "", r->layer[0] ? r->layer : "-",
             r->ifname[0] ? "/" : "", r->ifname);
    printf("%10.6f  %-22s %-4s %-9s %-6s %-17s %s\n", r->t - t0, where, r->dir[0] ? r->dir : "", r->ev, s_tag(r),
           r->pdu, r->msg);
}

static void s_print(const s_rec_t *r, double t0, int raw)
{
    if (raw) {
        printf("%s\n", r->line);
        return;
    }
    char where[64];
    snprintf(where, sizeof where, "%s%s%s", r->svc, r->ifname[0] ? "/" : "", r->ifname);
    printf("%10.6f %-22s %-9s %-4s %-7s %-17s %s\n", r->t - t0, where, r->layer[0] ? r->layer : "-",
           r->dir[0] ? r->dir : "", r->ev, r->pdu, r->msg);
}

int cmd_trace(stackctl_t *sc, int argc, char **argv)
{
    s_filter_t f = {0};
    int follow = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            f.host = argv[++i];
        else if (strcmp(argv[i], "--layer") == 0 && i + 1 < argc)
            f.layer = argv[++i];
        else if (strcmp(argv[i], "--ev") == 0 && i + 1 < argc)
            f.ev = argv[++i];
        else if (strcmp(argv[i], "--pdu") == 0 && i + 1 < argc) {
            s_set_add(&f, argv[++i]);
            f.pretty = 1;
        } else if (strcmp(argv[i], "--flow") == 0 && i + 1 < argc) {
            if (s_flow_parse(argv[++i], &f.flow) < 0) {
                fprintf(stderr, "stackctl trace: bad --flow '%s' (expected tcp/PORT, udp/PORT or "
                                "[tcp/|udp/]A:P-B:Q, e.g. 192.0.2.10:40000-198.51.100.10:80)\n", argv[i]);
                return 2;
            }
            f.pretty = 1;
        } else if (strcmp(argv[i], "--flat") == 0)
            f.pretty = -1;
        else if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
            follow = 1;
        else if (strcmp(argv[i], "--json") == 0)
            f.raw = 1;
        else {
            printf("usage: stackctl trace [--pdu ID | --flow SPEC] [--host HOST] [--layer LAYER] [--ev EVENT]\n"
                   "                      [--follow] [--json] [--flat]\n"
                   "Merges every service's log of the run in time order. Columns: seconds since the\n"
                   "first line, service/interface, layer, direction, event, PDU id, summary.\n"
                   "--pdu ID     follow one PDU down through encapsulation and up on the far host,\n"
                   "             with replies made from it; grouped per host, indented by layer, with\n"
                   "             a tag per event: +eth/-eth +ip/-ip +frag ttl-1 demux FAULT DROP\n"
                   "--flow SPEC  follow a TCP/UDP flow: tcp/80, udp/53 (either port) or\n"
                   "             [tcp/|udp/]192.0.2.10:40000-198.51.100.10:80 (both directions);\n"
                   "             matched on summaries that carry ports, plus the frames/datagrams\n"
                   "             those segments travelled in (by PDU id)\n"
                   "--flat       keep the plain column layout with --pdu/--flow\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    s_file_t *files = calloc(256, sizeof *files);
    if (!files)
        return 1;
    size_t nfiles = 0;
    s_recs_t rs = {0};
    s_load(sc->run_dir, files, &nfiles, &rs);
    if (rs.n == 0 && !follow) {
        fprintf(stderr, "stackctl trace: no log lines in %s/log\n", sc->run_dir);
        free(files);
        return 1;
    }
    qsort(rs.v, rs.n, sizeof *rs.v, s_cmp);
    double t0 = rs.n ? rs.v[0].t : 0;
    if (f.flow.on) {
        /* ancestors first: the frames and datagrams a matching segment came in */
        for (size_t i = rs.n; i-- > 0;) {
            s_rec_t *r = &rs.v[i];
            if (s_flow_match(&f.flow, r->msg) || s_in_set(&f, r->pdu)) {
                s_set_add(&f, r->pdu);
                for (int k = 0; k < r->nparents; k++)
                    s_set_add(&f, r->parents[k]);
            }
        }
    }
    int pretty = f.pretty == 1 && !f.raw;
    size_t shown = 0;
    for (size_t i = 0; i < rs.n; i++)
        if (s_keep(&f, &rs.v[i])) {
            if (pretty && !shown)
                t0 = rs.v[i].t; /* times relative to the followed PDU's first line */
            if (pretty)
                s_print_pretty(&f, &rs.v[i], t0);
            else
                s_print(&rs.v[i], t0, f.raw);
            shown++;
        }
    fflush(stdout);
    while (follow) {
        size_t from = rs.n;
        if (s_load(sc->run_dir, files, &nfiles, &rs)) {
            qsort(rs.v + from, rs.n - from, sizeof *rs.v, s_cmp);
            if (!from && rs.n)
                t0 = rs.v[0].t;
            for (size_t i = from; i < rs.n; i++)
                if (s_keep(&f, &rs.v[i])) {
                    if (pretty)
                        s_print_pretty(&f, &rs.v[i], t0);
                    else
                        s_print(&rs.v[i], t0, f.raw);
                }
            fflush(stdout);
        }
        zmq_poll(NULL, 0, 200); /* --follow polls the files; the CLI has no event source */
    }
    for (size_t i = 0; i < rs.n; i++) {
        free(rs.v[i].line);
        free(rs.v[i].msgbuf);
    }
    free(rs.v);
    free(f.set);
    free(files);
    return shown ? 0 : 1;
}
