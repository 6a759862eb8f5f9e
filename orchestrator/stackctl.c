/*
 * stackctl.c -- the user's one command: bring a topology up and down, look
 * inside every layer, run apps on simulated hosts.
 *
 * Call chain: main -> global options (--run-dir) -> s_cmds[] dispatch ->
 *   up:      validate topology -> prepare run dir -> fork/exec "_supervise"
 *            (orchestrator/supervisor.c) -> poll "services" until all ready
 *   down:    "shutdown" to the orchestrator -> wait for it to exit
 *   queries: stackctl_call(service, cmd) -> print rows (stats, ifconfig, arp,
 *            route, mac, netstat, ss, ...)
 *   exec:    environment (LS_RUN_DIR, LS_TOPOLOGY, LS_HOST, ...) -> execv app
 */
#include "stackctl.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "runtime/loop.h"
#include "supervisor.h"

#define UP_TIMEOUT_MS 60000

static const char *const s_usage =
    "usage: stackctl [--run-dir DIR] COMMAND [ARGS]\n"
    "\n"
    "Bring a topology up and down:\n"
    "  up [TOPOLOGY]              start every service (default topologies/default.yaml);\n"
    "                             returns when all report ready\n"
    "  down                       stop every service of the run\n"
    "  status                     services with pid, state and restarts\n"
    "Run applications on a simulated host:\n"
    "  exec HOST CMD [ARGS...]    e.g. stackctl exec hosta ping -c 3 hostb\n"
    "                             (DNS: host, dig, getent; ping www.example.test)\n"
    "Look inside the layers:\n"
    "  stats HOST                 every counter, netstat -s style\n"
    "  ifconfig HOST              interfaces with addresses, MTU and rx/tx/drop counters\n"
    "  arp HOST [-d ADDR]         ARP cache (arp -a style); -d deletes an entry\n"
    "  mac SEGMENT                a switch's MAC table\n"
    "  route HOST [add|del DST/LEN [via GW] [dev IF]]   routing table (route -n style)\n"
    "  netstat HOST | ss HOST     TCP connections\n"
    "  dns HOST [flush|pending|zones]   DNS caches with TTLs left; flush them\n"
    "  link HOST IF up|down       pull or plug a cable\n"
    "  trace [--pdu ID] [--flow F] [--host H] [--layer L] [--follow]   merged per-layer log\n"
    "Break a layer, run lessons:\n"
    "  fault add HOST PIPE DIR SPEC... [seed N] | list | del ID | clear   netem-style faults on a pipe\n"
    "  scenario run FILE [--run-dir DIR] | list [DIR]   run a lesson (tests/scenarios/*.yaml)\n"
    "  log-level SERVICE LEVEL    error|warn|info|pdu\n"
    "Containers (docs/compose.md):\n"
    "  compose [TOPOLOGY]         write the docker-compose.yml for TOPOLOGY to stdout\n"
    "  idle                       the orchestrator container's command (stays up)\n"
    "  ctl SERVICE CMD [ARGS...]  send one raw control request and print the reply\n"
    "\n"
    "The run directory (logs, pcaps, sockets) is ./run unless --run-dir or $LS_RUN_DIR says otherwise.\n";

/* ---- up / down / status ---- */

static pid_t s_read_pid(stackctl_t *sc)
{
    char path[400];
    snprintf(path, sizeof path, "%s/orchestrator.pid", sc->run_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int pid = 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid > 0 && kill(pid, 0) == 0)
        return pid;
    return 0;
}

static void s_wait_ms(int ms) { zmq_poll(NULL, 0, ms); }

static int s_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    if (!in || !out) {
        if (in)
            fclose(in);
        return -1;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    return fclose(out);
}

/* mkdir -p of path's directory. */
static void s_mkdirs_for(const char *path)
{
    char d[800];
    snprintf(d, sizeof d, "%s", path);
    for (char *p = d + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(d, 0755);
            *p = '/';
        }
}

/* A run is self-contained: the files the topology names (zone files, root
 * hints, hosts files) are copied beside RUN/topology.yaml under the same
 * relative names, so services resolve them as they would beside the
 * original. Absolute names are left where they are; '..' is refused. */
static int s_copy_topo_files(const topo_t *t, const char *topo_arg, const char *run_dir)
{
    const char *slash = strrchr(topo_arg, '/');
    size_t dlen = slash ? (size_t)(slash - topo_arg) + 1 : 0;
    for (size_t i = 0; i < t->nhost; i++) {
        const topo_dns_t *d = &t->hosts[i].dns;
        const char *files[TOPO_DNS_MAX_ZONES + 2];
        size_t n = 0;
        for (size_t z = 0; z < d->nzone; z++)
            files[n++] = d->zones[z];
        if (d->root_hints[0])
            files[n++] = d->root_hints;
        if (d->hosts[0])
            files[n++] = d->hosts;
        for (size_t f = 0; f < n; f++) {
            const char *rel = files[f];
            if (dlen && strncmp(rel, topo_arg, dlen) == 0)
                rel += dlen;
            else if (rel[0] == '/')
                continue;
            if (strstr(rel, "..")) {
                fprintf(stderr, "stackctl up: host '%s': '%s' is outside the topology's directory (use a name "
                        "below it, or an absolute path)\n", t->hosts[i].name, files[f]);
                return -1;
            }
            char to[800];
            snprintf(to, sizeof to, "%s/%s", run_dir, rel);
            struct stat a, b;
            if (stat(files[f], &a) == 0 && stat(to, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                continue; /* the topology lives in the run directory already */
            s_mkdirs_for(to);
            if (s_copy_file(files[f], to) < 0) {
                fprintf(stderr, "stackctl up: host '%s': cannot copy %s: %s\n", t->hosts[i].name, files[f],
                        strerror(errno));
                return -1;
            }
        }
    }
    return 0;
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (remove(path) != 0)
        fprintf(stderr, "stackctl: could not remove %s: %s\n", path, strerror(errno));
    return 0;
}

/* rm -rf without a shell: children first, never following symlinks */
static void s_clean_dir(const char *dir)
{
    if (access(dir, F_OK) == 0)
        nftw(dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The last non-empty line of a file into buf ("" if none). */
static void s_last_line(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0])
            snprintf(buf, cap, "%s", line);
    }
    fclose(f);
}

/* Services that refused to start (exit 2 before ready): print each one's message. */
static size_t s_report_failed(stackctl_t *sc, const Ls__CtlReply *rep)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->n_rows; i++) {
        char name[96], state[32], path[800], msg[1024];
        int pid;
        if (sscanf(rep->rows[i], "%95[^\t]\t%d\t%31[^\t]", name, &pid, state) != 3 || strcmp(state, "failed") != 0)
            continue;
        snprintf(path, sizeof path, "%s/log/%s.stderr", sc->run_dir, name);
        s_last_line(path, msg, sizeof msg);
        fprintf(stderr, "stackctl up: %s refused to start: %s\n", name, msg[0] ? msg : "(no message; see its log)");
        n++;
    }
    return n;
}

static int s_services(stackctl_t *sc, int print, size_t *ready, size_t *total)
{
    Ls__CtlReply *rep = stackctl_call(sc, "orchestrator", "services", NULL, 0, print ? 2000 : 500);
    if (!rep)
        return -1;
    const char *r = ls_ctl_reply_get(rep, "ready"), *t = ls_ctl_reply_get(rep, "total");
    const char *f = ls_ctl_reply_get(rep, "failed");
    *ready = r ? strtoul(r, NULL, 10) : 0;
    *total = t ? strtoul(t, NULL, 10) : 0;
    if (f && strtoul(f, NULL, 10) > 0 && !print) {
        s_report_failed(sc, rep);
        ls_ctl_reply_free(&rep);
        return -2;
    }
    if (print) {
        printf("%-20s %8s %-11s %8s %9s\n", "SERVICE", "PID", "STATE", "RESTARTS", "UPTIME");
        for (size_t i = 0; i < rep->n_rows; i++) {
            char name[96], state[32];
            int pid;
            unsigned restarts;
            double up;
            if (sscanf(rep->rows[i], "%95[^\t]\t%d\t%31[^\t]\t%u\t%lf", name, &pid, state, &restarts, &up) == 5)
                printf("%-20s %8d %-11s %8u %8.1fs\n", name, pid, state, restarts, up);
        }
    }
    ls_ctl_reply_free(&rep);
    return 0;
}

typedef struct {
    stackctl_t *sc;
    int missing;
} s_progcheck_t;

static int s_check_prog(const topo_service_t *ts, void *arg)
{
    s_progcheck_t *pc = arg;
    char path[1100];
    supervisor_program_path(pc->sc->bin_dir, ts->program, path, sizeof path);
    if (access(path, X_OK) != 0) {
        fprintf(stderr, "stackctl up: %s needs program '%s', but %s is not an executable%s\n", ts->name,
                ts->program, path, strchr(ts->program, '/') ? "" : " (run make, or name another program in the topology's layers:)");
        pc->missing++;
    }
    return 0;
}

static int cmd_down(stackctl_t *sc, int argc, char **argv);

static int cmd_up(stackctl_t *sc, int argc, char **argv)
{
    if (sc->mode == TOPO_MODE_TCP)
        return cmd_compose_updown(sc, "up");
    const char *topo_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: stackctl [--run-dir DIR] up [TOPOLOGY]\n"
                   "Start every service of TOPOLOGY (default topologies/default.yaml) natively and\n"
                   "return once each one answers on its control socket.\n");
            return 0;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "stackctl up: unknown option %s\n", argv[i]);
            return 2;
        }
        topo_arg = argv[i];
    }
    char dflt[700];
    if (!topo_arg) {
        snprintf(dflt, sizeof dflt, "topologies/default.yaml");
        if (access(dflt, R_OK) != 0)
            snprintf(dflt, sizeof dflt, "%s/../../topologies/default.yaml", sc->bin_dir);
        topo_arg = dflt;
    }
    char err[512];
    topo_t *t = topo_load(topo_arg, err, sizeof err);
    if (!t) {
        fprintf(stderr, "stackctl up: %s\n", err);
        return 1;
    }
    pid_t running = s_read_pid(sc);
    if (running) {
        fprintf(stderr, "stackctl up: a run is already up in %s (orchestrator pid %d); 'stackctl down' first\n",
                sc->run_dir, (int)running);
        topo_destroy(&t);
        return 1;
    }
    /* every endpoint must fit a Unix socket path */
    char ep[400];
    for (size_t i = 0; i < t->nhost; i++) {
        for (size_t j = 0; j < t->hosts[i].niface; j++)
            if (topo_endpoint(t, TOPO_MODE_IPC, sc->run_dir, t->hosts[i].name, TOPO_EP_NET_LINK,
                              t->hosts[i].ifaces[j].name, true, ep, sizeof ep) < 0) {
                fprintf(stderr, "stackctl up: %s\n", ep);
                topo_destroy(&t);
                return 1;
            }
    }
    /* every layer program must exist before anything starts */
    s_progcheck_t pc = {sc, 0};
    topo_service_list(t, s_check_prog, &pc);
    if (pc.missing) {
        topo_destroy(&t);
        return 1;
    }
    mkdir(sc->run_dir, 0755);
    char path[700];
    const char *subdirs[] = {"log", "pcap", "s"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", sc->run_dir, subdirs[i]);
        s_clean_dir(path);
        mkdir(path, 0755);
    }
    if (s_copy_file(topo_arg, sc->topo_path) < 0) {
        fprintf(stderr, "stackctl up: cannot write %s: %s\n", sc->topo_path, strerror(errno));
        topo_destroy(&t);
        return 1;
    }
    if (s_copy_topo_files(t, topo_arg, sc->run_dir) < 0) {
        topo_destroy(&t);
        return 1;
    }
    snprintf(path, sizeof path, "%s/hosts", sc->run_dir);
    FILE *hf = fopen(path, "w");
    if (hf) {
        topo_write_hosts(t, hf);
        fclose(hf);
    }
    size_t nhosts = t->nhost, nsegs = t->nsegment;
    topo_destroy(&t);

    uint64_t t0 = ls_now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("stackctl up: fork");
        return 1;
    }
    if (pid == 0) {
        setsid();
        snprintf(path, sizeof path, "%s/log/orchestrator.stderr", sc->run_dir);
        ls_proc_redirect_stdio(path);
        char self[700];
        snprintf(self, sizeof self, "%s/stackctl", sc->bin_dir);
        execl(self, self, "_supervise", "--topology", sc->topo_path, "--run-dir", sc->run_dir, "--bin-dir",
              sc->bin_dir, (char *)NULL);
        _exit(127);
    }
    snprintf(path, sizeof path, "%s/orchestrator.pid", sc->run_dir);
    FILE *pf = fopen(path, "w");
    if (pf) {
        fprintf(pf, "%d\n", (int)pid);
        fclose(pf);
    }
    size_t ready = 0, total = 0;
    for (;;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "stackctl up: the orchestrator exited at start; see %s/log/orchestrator.stderr\n",
                    sc->run_dir);
            return 1;
        }
        int sv = s_services(sc, 0, &ready, &total);
        if (sv == -2) {
            fprintf(stderr, "stackctl up: stopping (fix the file, then run up again)\n");
            cmd_down(sc, 0, NULL);
            return 1;
        }
        if (sv == 0 && total > 0 && ready == total)
            break;
        if ((ls_now_ns() - t0) / 1000000 > UP_TIMEOUT_MS) {
            fprintf(stderr, "stackctl up: only %zu of %zu services ready after %d s:\n", ready, total,
                    UP_TIMEOUT_MS / 1000);
            s_services(sc, 1, &ready, &total);
            fprintf(stderr, "see %s/log/*.stderr; stopping\n", sc->run_dir);
            cmd_down(sc, 0, NULL);
            return 1;
        }
        s_wait_ms(50);
    }
    printf("up: %zu services (%zu hosts, %zu segments) ready in %.2f s; run directory %s\n", total, nhosts,
           nsegs, (double)(ls_now_ns() - t0) / 1e9, sc->run_dir);
    return 0;
}

static int cmd_down(stackctl_t *sc, int argc, char **argv)
{
    if (sc->mode == TOPO_MODE_TCP)
        return cmd_compose_updown(sc, "down");
    pid_t pid = s_read_pid(sc);
    if (!pid) {
        printf("down: nothing running in %s\n", sc->run_dir);
        return 0;
    }
    Ls__CtlReply *rep = stackctl_call(sc, "orchestrator", "shutdown", NULL, 0, 3000);
    if (rep)
        ls_ctl_reply_free(&rep);
    else
        kill(pid, SIGTERM);
    for (int i = 0; i < 200 && kill(pid, 0) == 0; i++) {
        waitpid(pid, NULL, WNOHANG);
        s_wait_ms(50);
    }
    if (kill(pid, 0) == 0) {
        fprintf(stderr, "down: orchestrator %d did not stop; killing it\n", (int)pid);
        kill(pid, SIGKILL);
    }
    char path[400];
    snprintf(path, sizeof path, "%s/orchestrator.pid", sc->run_dir);
    unlink(path);
    printf("down: stopped (logs and pcaps kept in %s)\n", sc->run_dir);
    return 0;
}

static int cmd_status(stackctl_t *sc, int argc, char **argv)
{
    if (sc->mode == TOPO_MODE_TCP) /* a container deployment: no native supervisor */
        return cmd_compose_status(sc, argc, argv);
    if (!s_read_pid(sc)) {
        printf("status: nothing running in %s\n", sc->run_dir);
        return 1;
    }
    size_t ready, total;
    if (s_services(sc, 1, &ready, &total) < 0)
        return 1;
    printf("%zu/%zu services ready\n", ready, total);
    return ready == total ? 0 : 1;
}

/* ---- exec ---- */

static int cmd_exec(stackctl_t *sc, int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stackctl exec HOST COMMAND [ARGS...]\n");
        return 2;
    }
    char svc[128];
    if (stackctl_service(sc, argv[1], "net", svc, sizeof svc) < 0)
        return 1;
    char prog[700], abs_run[PATH_MAX], abs_topo[PATH_MAX];
    supervisor_program_path(sc->bin_dir, argv[2], prog, sizeof prog);
    if (access(prog, X_OK) != 0) {
        fprintf(stderr, "stackctl exec: no application '%s' (looked for %s)\n", argv[2], prog);
        return 127;
    }
    if (!realpath(sc->run_dir, abs_run) || !realpath(sc->topo_path, abs_topo)) {
        fprintf(stderr, "stackctl exec: run directory %s is not usable\n", sc->run_dir);
        return 1;
    }
    setenv("LS_RUN_DIR", abs_run, 1);
    setenv("LS_TOPOLOGY", abs_topo, 1);
    setenv("LS_HOST", argv[1], 1);
    setenv("LS_ENDPOINTS", sc->mode == TOPO_MODE_TCP ? "tcp" : "ipc", 1);
    setenv("LS_BIN", sc->bin_dir, 1);
    fflush(stdout);
    execv(prog, argv + 2);
    fprintf(stderr, "stackctl exec: %s: %s\n", prog, strerror(errno));
    return 127;
}

/* ---- queries ---- */

typedef struct {
    const char *prefix;
} s_stats_ctx_t;

static int s_print_counters(stackctl_t *sc, const char *svc)
{
    Ls__CtlReply *rep = stackctl_call(sc, svc, "counters", NULL, 0, 2000);
    if (!rep)
        return 1;
    printf("%s:\n", svc);
    char group[64] = "";
    for (size_t i = 0; i < rep->n_counters; i++) {
        const char *name = rep->counters[i]->name, *dot = strchr(name, '.');
        size_t glen = dot ? (size_t)(dot - name) : strlen(name);
        if (strlen(group) != glen || strncmp(group, name, glen) != 0) {
            snprintf(group, sizeof group, "%.*s", (int)glen, name);
            printf("  %s:\n", group);
        }
        printf("    %-44s %12llu\n", dot ? dot + 1 : name, (unsigned long long)rep->counters[i]->value);
    }
    ls_ctl_reply_free(&rep);
    return 0;
}

static int cmd_stats(stackctl_t *sc, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stackctl stats HOST|SEGMENT\n");
        return 2;
    }
    if (stackctl_topo(sc) < 0)
        return 1;
    const topo_host_t *h = topo_host(sc->topo, argv[1]);
    if (!h) {
        if (topo_segment(sc->topo, argv[1]) >= 0) {
            char sw[128];
            snprintf(sw, sizeof sw, "sw-%s", argv[1]);
            return s_print_counters(sc, sw);
        }
        fprintf(stderr, "stackctl stats: '%s' is neither a host nor a segment of %s\n", argv[1], sc->topo_path);
        return 1;
    }
    int rc = 0;
    for (int l = 0; l < TOPO_LAYER_COUNT; l++) {
        if (!h->layers[l][0])
            continue;
        char svc[128];
        snprintf(svc, sizeof svc, "%s-%s", h->name, topo_layer_name((topo_layer_t)l));
        rc |= s_print_counters(sc, svc);
    }
    return rc;
}

/* Send one command to HOST's LAYER service and print the reply rows. */
static int s_simple(stackctl_t *sc, const char *host, const char *layer, const char *cmd,
                    const char *const *args, size_t nargs)
{
    char svc[128];
    if (stackctl_service(sc, host, layer, svc, sizeof svc) < 0)
        return 1;
    Ls__CtlReply *rep = stackctl_call(sc, svc, cmd, args, nargs, 3000);
    if (!rep)
        return 1;
    int rc = stackctl_print_reply(rep, svc);
    ls_ctl_reply_free(&rep);
    return rc;
}

static int cmd_ifconfig(stackctl_t *sc, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stackctl ifconfig HOST\n");
        return 2;
    }
    const char *args[] = {"if"};
    return s_simple(sc, argv[1], "link", "table", args, 1);
}

static int cmd_arp(stackctl_t *sc, int argc, char **argv)
{
    if (argc == 2) {
        const char *args[] = {"arp"};
        return s_simple(sc, argv[1], "link", "table", args, 1);
    }
    if (argc == 4 && strcmp(argv[2], "-d") == 0) {
        const char *args[] = {argv[3]};
        return s_simple(sc, argv[1], "link", "arp-del", args, 1);
    }
    fprintf(stderr, "usage: stackctl arp HOST [-d ADDR]\n");
    return 2;
}

static int cmd_mac(stackctl_t *sc, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stackctl mac SEGMENT\n");
        return 2;
    }
    if (stackctl_topo(sc) < 0)
        return 1;
    if (topo_segment(sc->topo, argv[1]) < 0) {
        fprintf(stderr, "stackctl mac: no segment '%s'\n", argv[1]);
        return 1;
    }
    char sw[128];
    snprintf(sw, sizeof sw, "sw-%s", argv[1]);
    const char *args[] = {"mac"};
    Ls__CtlReply *rep = stackctl_call(sc, sw, "table", args, 1, 3000);
    if (!rep)
        return 1;
    int rc = stackctl_print_reply(rep, sw);
    ls_ctl_reply_free(&rep);
    return rc;
}

static int cmd_link(stackctl_t *sc, int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "up") != 0 && strcmp(argv[3], "down") != 0)) {
        fprintf(stderr, "usage: stackctl link HOST IF up|down\n");
        return 2;
    }
    const char *args[] = {argv[2], argv[3]};
    int rc = s_simple(sc, argv[1], "link", "link", args, 2);
    if (rc == 0 && sc->topo) {
        const topo_host_t *h = topo_host(sc->topo, argv[1]);
        if (h && h->layers[TOPO_LAYER_NET][0]) {
            char svc[128];
            snprintf(svc, sizeof svc, "%s-net", argv[1]);
            Ls__CtlReply *rep = stackctl_call(sc, svc, "link", args, 2, 3000);
            if (rep)
                ls_ctl_reply_free(&rep);
        }
        printf("%s %s: link %s\n", argv[1], argv[2], argv[3]);
    }
    return rc;
}

static int cmd_route(stackctl_t *sc, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: stackctl route HOST [add|del DST/LEN [via GW] [dev IF] [metric N]]\n");
        return 2;
    }
    if (argc == 2) {
        const char *args[] = {"route"};
        return s_simple(sc, argv[1], "net", "table", args, 1);
    }
    if (strcmp(argv[2], "add") == 0 || strcmp(argv[2], "del") == 0) {
        char cmd[16];
        snprintf(cmd, sizeof cmd, "route-%s", argv[2]);
        return s_simple(sc, argv[1], "net", cmd, (const char *const *)argv + 3, (size_t)(argc - 3));
    }
    fprintf(stderr, "stackctl route: expected add or del, got '%s'\n", argv[2]);
    return 2;
}

static int cmd_netstat(stackctl_t *sc, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stackctl %s HOST\n", argv[0]);
        return 2;
    }
    const char *args[] = {argv[0]};
    return s_simple(sc, argv[1], "transport", "table", args, 1);
}

static int cmd_log_level(stackctl_t *sc, int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: stackctl log-level SERVICE error|warn|info|pdu\n");
        return 2;
    }
    const char *args[] = {argv[2]};
    Ls__CtlReply *rep = stackctl_call(sc, argv[1], "log-level", args, 1, 2000);
    if (!rep)
        return 1;
    int rc = stackctl_print_reply(rep, argv[1]);
    ls_ctl_reply_free(&rep);
    return rc;
}

static int cmd_ctl(stackctl_t *sc, int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stackctl ctl SERVICE CMD [ARGS...]   e.g. stackctl ctl hosta-link status\n");
        return 2;
    }
    Ls__CtlReply *rep = stackctl_call(sc, argv[1], argv[2], (const char *const *)argv + 3, (size_t)(argc - 3), 3000);
    if (!rep)
        return 1;
    for (size_t i = 0; i < rep->n_kv; i++)
        printf("%s: %s\n", rep->kv[i]->key, rep->kv[i]->value);
    for (size_t i = 0; i < rep->n_counters; i++)
        printf("%s %llu\n", rep->counters[i]->name, (unsigned long long)rep->counters[i]->value);
    int rc = stackctl_print_reply(rep, argv[1]);
    ls_ctl_reply_free(&rep);
    return rc;
}

/* ---- dispatch ---- */

typedef struct {
    const char *name;
    int (*fn)(stackctl_t *, int, char **);
} s_cmd_t;

static const s_cmd_t s_cmds[] = {
    {"compose", cmd_compose}, {"idle", cmd_idle},
    {"up", cmd_up},           {"down", cmd_down},         {"status", cmd_status},
    {"exec", cmd_exec},       {"stats", cmd_stats},       {"ifconfig", cmd_ifconfig},
    {"arp", cmd_arp},         {"mac", cmd_mac},           {"link", cmd_link},
    {"route", cmd_route},     {"netstat", cmd_netstat},   {"ss", cmd_netstat},
    {"trace", cmd_trace},     {"log-level", cmd_log_level}, {"ctl", cmd_ctl},
    {"fault", cmd_fault},     {"scenario", cmd_scenario}, {"dns", cmd_dns},
};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "_supervise") == 0)
        return supervisor_main(argc - 1, argv + 1);
    stackctl_t sc;
    memset(&sc, 0, sizeof sc);
    const char *rd = getenv("LS_RUN_DIR");
    snprintf(sc.run_dir, sizeof sc.run_dir, "%s", rd && *rd ? rd : "run");
    const char *em = getenv("LS_ENDPOINTS");
    if (!em || topo_mode_parse(em, &sc.mode) < 0)
        sc.mode = TOPO_MODE_IPC;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    snprintf(sc.bin_dir, sizeof sc.bin_dir, "%s", n > 0 ? dirname(exe) : ".");
    /* global options before the command */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--run-dir") == 0 && i + 1 < argc) {
            snprintf(sc.run_dir, sizeof sc.run_dir, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(s_usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "stackctl: unknown option %s\n\n%s", argv[i], s_usage);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(s_usage, stderr);
        return 2;
    }
    /* --run-dir may also follow the command (stackctl up topo.yaml --run-dir D) */
    char *args[256];
    int nargs = 0;
    for (int j = i; j < argc && nargs < 255; j++) {
        if (strcmp(argv[i], "exec") != 0 && strcmp(argv[j], "--run-dir") == 0 && j + 1 < argc) {
            snprintf(sc.run_dir, sizeof sc.run_dir, "%s", argv[++j]);
            continue;
        }
        args[nargs++] = argv[j];
    }
    args[nargs] = NULL;
    snprintf(sc.topo_path, sizeof sc.topo_path, "%s/topology.yaml", sc.run_dir);
    for (size_t c = 0; c < sizeof s_cmds / sizeof s_cmds[0]; c++) {
        if (strcmp(args[0], s_cmds[c].name) != 0)
            continue;
        sc.zctx = zmq_ctx_new();
        int rc = s_cmds[c].fn(&sc, nargs, args);
        topo_destroy(&sc.topo);
        zmq_ctx_term(sc.zctx);
        return rc;
    }
    fprintf(stderr, "stackctl: unknown command '%s'\n\n%s", args[0], s_usage);
    return 2;
}
