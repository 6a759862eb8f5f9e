/*
 * compose.c -- docker-compose.yml generator over the topology model (see
 * compose.h for what the file contains and why).
 *
 * Call chain: stackctl compose (orchestrator/cmd_compose.c) -> compose_write()
 * -> topo_service_list() (s_collect) -> qsort by name -> s_header, one block
 * per service (s_service: s_common + command + s_depends), networks, volumes.
 * Pure text generation: no I/O besides the FILE * it is given. Strings that
 * come from the topology are written double-quoted with escapes, so odd
 * program paths cannot break the YAML.
 */
#include "compose.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[TOPO_NAME_MAX + 16];
    char host[TOPO_NAME_MAX];
    char segment[TOPO_NAME_MAX];
    topo_role_t role;
    char program[TOPO_PROG_MAX];
} s_svc_t;

typedef struct {
    s_svc_t *v;
    size_t n, cap;
    int oom;
} s_list_t;

static int s_collect(const topo_service_t *svc, void *arg)
{
    s_list_t *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        s_svc_t *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    s_svc_t *s = &l->v[l->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", svc->name);
    snprintf(s->host, sizeof s->host, "%s", svc->host ? svc->host : "");
    snprintf(s->segment, sizeof s->segment, "%s", svc->segment ? svc->segment : "");
    s->role = svc->role;
    snprintf(s->program, sizeof s->program, "%s", svc->program);
    return 0;
}

static int s_by_name(const void *a, const void *b)
{
    return strcmp(((const s_svc_t *)a)->name, ((const s_svc_t *)b)->name);
}

/* A YAML double-quoted scalar. */
static void s_q(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

const char *compose_context_path(const char *path)
{
    if (!path)
        return NULL;
    while (strncmp(path, "./", 2) == 0)
        path += 2;
    if (!*path || path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
        strstr(path, "/../") || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
        return NULL;
    for (const char *p = path; *p; p++) /* plain file names only: safe unquoted in YAML */
        if (!(*p == '/' || *p == '.' || *p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
              (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return NULL;
    return path;
}

/* Keys every service shares: image, build, restart, network, volume. */
static void s_common(FILE *out, const char *image, const char *topo_path)
{
    fprintf(out, "    image: %s\n", image);
    fprintf(out, "    build:\n"
                 "      context: .\n"
                 "      dockerfile: Dockerfile\n"
                 "      args:\n"
                 "        TOPOLOGY: %s\n", topo_path);
    fprintf(out, "    restart: on-failure\n");
    fprintf(out, "    deploy:\n"
                 "      restart_policy:\n"
                 "        condition: on-failure\n");
    fprintf(out, "    networks: [%s]\n", COMPOSE_NETWORK);
    fprintf(out, "    volumes:\n      - %s:%s\n", COMPOSE_VOLUME, COMPOSE_RUN_DIR);
    /* A restarted container keeps its address but gets a new MAC; peers would
     * send to the dead MAC until their neighbour entry goes stale (15-45 s).
     * Short reachable time + first probe after 1 s: a peer is reached again
     * within about 3 s. List form: podman-compose 1.0.3 reads only that. */
    fprintf(out, "    sysctls:\n"
                 "      - net.ipv4.neigh.eth0.base_reachable_time_ms=1000\n"
                 "      - net.ipv4.neigh.eth0.delay_first_probe_time=1\n");
}

/* Services this one connects to at start; compose starts them first. Topology
 * validation guarantees the layer below a running layer also runs. */
static void s_depends(FILE *out, const topo_t *topo, const s_svc_t *s)
{
    const topo_host_t *h = topo_host(topo, s->host);
    if (s->role == TOPO_ROLE_SWITCH || !h)
        return;
    fprintf(out, "    depends_on: [");
    if (s->role == TOPO_ROLE_LINK) {
        int n = 0; /* one switch per distinct segment, in segment order */
        for (size_t g = 0; g < topo->nsegment; g++) {
            bool used = false;
            for (size_t i = 0; i < h->niface; i++)
                used = used || h->ifaces[i].segment == (int)g;
            if (used)
                fprintf(out, "%ssw-%s", n++ ? ", " : "", topo->segments[g].name);
        }
    } else {
        topo_layer_t below = (topo_layer_t)(s->role - 1);
        fprintf(out, "%s-%s", h->name, topo_layer_name(below));
    }
    fprintf(out, "]\n");
}

static void s_orchestrator(FILE *out, const char *image, const char *topo_path)
{
    fprintf(out, "  orchestrator:\n");
    s_common(out, image, topo_path);
    fprintf(out, "    hostname: orchestrator\n");
    fprintf(out, "    environment:\n"
                 "      LS_ENDPOINTS: tcp\n"
                 "      LS_RUN_DIR: %s\n"
                 "      LS_TOPOLOGY: %s\n", COMPOSE_RUN_DIR, COMPOSE_TOPOLOGY_PATH);
    fprintf(out, "    command: [\"stackctl\", \"idle\"]\n");
}

static void s_service(FILE *out, const topo_t *topo, const s_svc_t *s, const char *image,
                      const char *topo_path)
{
    fprintf(out, "  %s:\n", s->name);
    s_common(out, image, topo_path);
    fprintf(out, "    hostname: %s\n", s->name);
    fprintf(out, "    command: [");
    s_q(out, s->program);
    fprintf(out, ", \"--topology\", \"%s\", ", COMPOSE_TOPOLOGY_PATH);
    if (s->role == TOPO_ROLE_SWITCH)
        fprintf(out, "\"--switch\", \"%s\", ", s->segment);
    else
        fprintf(out, "\"--host\", \"%s\", ", s->host);
    fprintf(out, "\"--endpoints\", \"tcp\", \"--run-dir\", \"%s\"]\n", COMPOSE_RUN_DIR);
    s_depends(out, topo, s);
}

int compose_write(const topo_t *topo, FILE *out, const char *image_prefix)
{
    if (!topo || !out)
        return -1;
    const char *topo_path = compose_context_path(topo->path);
    if (!topo_path)
        return -1;
    const char *prefix = image_prefix && *image_prefix ? image_prefix : "layerstack";
    char image[TOPO_NAME_MAX + 256];
    snprintf(image, sizeof image, "%s/runtime:%s", prefix, topo->name[0] ? topo->name : "latest");
    s_list_t l = {0};
    if (topo_service_list(topo, s_collect, &l) < 0 || l.oom) {
        free(l.v);
        return -1;
    }
    qsort(l.v, l.n, sizeof *l.v, s_by_name);
    fprintf(out,
            "# docker-compose.yml for topology '%s' (%s).\n"
            "# Generated by `stackctl compose %s`: do not edit; a test fails when stale.\n"
            "# One container per layer process per host, one per switch, and the\n"
            "# orchestrator (stackctl and the apps). Pipes are tcp://SERVICE:PORT on network\n"
            "# %s; logs and pcaps go to volume %s (%s/log, %s/pcap). See docs/compose.md.\n",
            topo->name[0] ? topo->name : "unnamed", topo_path, topo_path, COMPOSE_NETWORK,
            COMPOSE_VOLUME, COMPOSE_RUN_DIR, COMPOSE_RUN_DIR);
    fprintf(out, "services:\n");
    bool orch_done = false;
    for (size_t i = 0; i <= l.n; i++) {
        /* the orchestrator sorts among the others by its name */
        if (!orch_done && (i == l.n || strcmp("orchestrator", l.v[i].name) < 0)) {
            s_orchestrator(out, image, topo_path);
            orch_done = true;
        }
        if (i < l.n)
            s_service(out, topo, &l.v[i], image, topo_path);
    }
    fprintf(out, "networks:\n"
                 "  %s:\n"
                 "    internal: true\n"
                 "    ipam:\n"
                 "      config:\n"
                 "        - subnet: %s\n", COMPOSE_NETWORK, COMPOSE_SUBNET);
    fprintf(out, "volumes:\n  %s: {}\n", COMPOSE_VOLUME);
    free(l.v);
    return ferror(out) ? -1 : 0;
}
