/*
 * topology.h -- the topology file: load (libyaml), validate, look up, and
 * name the ZeroMQ endpoints every service binds or connects.
 *
 * Call chain: every service's main() (link-svc, net-svc, transport-svc,
 * dns-svc, started as `X --topology FILE --host H [--run-dir D]
 * [--endpoints ipc|tcp]`) calls topo_load(), then topo_host() /
 * topo_setting() / topo_endpoint(); the orchestrator (stackctl) also calls
 * topo_service_list() to launch processes and topo_write_hosts() for the
 * hosts file; compose.c walks the same model to write docker-compose.yml.
 *
 * The topology file is the one source of truth. Schema (see docs/topology.md):
 *
 *   name: default            # optional label
 *   seed: 1                  # optional (default 1): ISNs, ephemeral ports, fault seeds
 *   settings:                # optional defaults for every host (key -> scalar)
 *     arp_timeout: 1200s     #   any key; services read what they know
 *   segments:                # required, >= 1; each segment is one learning switch
 *     - name: lan1
 *   hosts:                   # required, >= 1
 *     - name: hosta          # [A-Za-z0-9-], starts alphanumeric, not "sw-..."
 *       forward: false       # optional, true for a router
 *       interfaces:          # required, >= 1
 *         - name: eth0       # [A-Za-z0-9_-], < 16 chars
 *           mac: 02:00:00:00:00:0a   # unicast, unique in the topology
 *           addr: 192.0.2.10/24      # prefix 1..32, unique on its segment
 *           segment: lan1    # must name a segment
 *           mtu: 1500        # optional, 68..9000, default 1500
 *       routes:              # optional
 *         - dst: default     # or 0.0.0.0/0, 203.0.113.0/24, a host /32
 *           via: 192.0.2.1   # gateway on a connected network; omit => 'dev' required
 *           dev: eth0        # optional with via
 *           metric: 0        # optional
 *       layers:              # optional; default link-svc/net-svc/transport-svc, dns none
 *         link: link-svc     # "none" = not run; absolute path or a name in the bin dir
 *         net: net-svc
 *         transport: transport-svc
 *         dns: none
 *       settings: { msl: 2s }    # optional per-host overrides
 *       dns:                 # optional; needs layers: {dns: dns-svc} (see docs/dns.md)
 *         recursive: true    #   the recursive resolver role (answers RD=1 queries)
 *         root_hints: zones/root.hints   # where recursion starts (required with recursive)
 *         zones: [zones/example.test.zone]   # the authoritative role: master files
 *         nameservers: [198.51.100.53]   # the stub's resolv.conf: up to 3
 *         search: [example.test]         #   up to 6 domains
 *         ndots: 1           #   default 1
 *         timeout: 2s        #   per try, default 5s
 *         attempts: 2        #   default 2
 *         hosts: FILE        #   more hosts(5) lines after the topology's own names
 *       (file names are relative to the topology file's directory)
 *   faults:                  # optional, applied at start
 *     - pipe: hosta net:link@eth0 down   # "<host> <pipe> [up|down|both]"
 *       spec: loss 10%
 *       seed: 7              # optional, default: the topology seed
 *
 * Every error is one line "FILE:LINE: context: reason", e.g.
 *   topologies/bad.yaml:14: host 'hosta': interface 'eth0': bad address '192.0.2.300/24'
 */
#ifndef LS_TOPOLOGY_H
#define LS_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TOPO_NAME_MAX    32   /* host, segment names (incl. NUL) */
#define TOPO_IFNAME_MAX  16   /* interface names (incl. NUL), like IFNAMSIZ */
#define TOPO_KEY_MAX     64   /* settings keys */
#define TOPO_VALUE_MAX   256  /* settings values, fault specs */
#define TOPO_PROG_MAX    256  /* layer program names / paths */
#define TOPO_DEFAULT_MTU 1500
#define TOPO_IPC_PATH_MAX 107 /* sizeof(sun_path) - 1 */

/* Layers a host runs, in start order. */
typedef enum {
    TOPO_LAYER_LINK = 0,
    TOPO_LAYER_NET,
    TOPO_LAYER_TRANSPORT,
    TOPO_LAYER_DNS,
    TOPO_LAYER_COUNT
} topo_layer_t;

typedef struct {
    char key[TOPO_KEY_MAX];
    char value[TOPO_VALUE_MAX];
    int line;
} topo_kv_t;

typedef struct {
    char name[TOPO_NAME_MAX];
    int line;
} topo_segment_t;

typedef struct {
    char name[TOPO_IFNAME_MAX];
    uint8_t mac[6];
    uint32_t addr;        /* host order */
    uint8_t prefix_len;
    int segment;          /* index into topo->segments */
    uint16_t mtu;
    int line;
} topo_iface_t;

typedef struct {
    uint32_t dst;         /* host order, network address */
    uint8_t prefix_len;
    uint32_t gateway;     /* 0 = direct route */
    char dev[TOPO_IFNAME_MAX]; /* as written ("" if omitted) */
    int iface;            /* resolved outgoing interface index */
    uint32_t metric;
    int line;
} topo_route_t;

#define TOPO_DNS_MAX_ZONES 8
#define TOPO_DNS_MAXNS 3      /* resolv.conf MAXNS */
#define TOPO_DNS_MAXSEARCH 6  /* resolv.conf MAXDNSRCH */
#define TOPO_DNS_NAME_MAX 254 /* a domain name in text, incl. NUL */

/* A host's `dns:` block: which DNS roles its dns-svc plays, and its stub's
 * resolv.conf. File names are resolved against the topology's directory. */
typedef struct {
    bool present;
    bool recursive;
    char root_hints[TOPO_PROG_MAX];
    char zones[TOPO_DNS_MAX_ZONES][TOPO_PROG_MAX];
    size_t nzone;
    uint32_t nameservers[TOPO_DNS_MAXNS];
    size_t nns;
    char search[TOPO_DNS_MAXSEARCH][TOPO_DNS_NAME_MAX];
    size_t nsearch;
    int ndots;            /* -1: not given */
    uint64_t timeout_ns;  /* 0: not given */
    int attempts;         /* 0: not given */
    char hosts[TOPO_PROG_MAX];
    int line;
} topo_dns_t;

typedef struct {
    char name[TOPO_NAME_MAX];
    bool forward;
    topo_iface_t *ifaces;
    size_t niface;
    topo_route_t *routes;
    size_t nroute;
    char layers[TOPO_LAYER_COUNT][TOPO_PROG_MAX]; /* "" = none (not run) */
    topo_kv_t *settings;  /* global settings merged with this host's overrides */
    size_t nsetting;
    topo_dns_t dns;
    int line;
} topo_host_t;

typedef enum { TOPO_DIR_BOTH = 0, TOPO_DIR_UP, TOPO_DIR_DOWN } topo_dir_t;

typedef struct {
    char host[TOPO_NAME_MAX];
    char pipe[TOPO_VALUE_MAX]; /* e.g. "net:link@eth0" */
    topo_dir_t dir;
    char spec[TOPO_VALUE_MAX]; /* e.g. "loss 10%" */
    uint64_t seed;
    int line;
} topo_fault_t;

typedef struct {
    char path[256];       /* the file it was loaded from */
    char name[TOPO_NAME_MAX];
    uint64_t seed;
    topo_kv_t *settings;  /* global settings */
    size_t nsetting;
    topo_segment_t *segments;
    size_t nsegment;
    topo_host_t *hosts;
    size_t nhost;
    topo_fault_t *faults;
    size_t nfault;
} topo_t;

/* Load and validate. NULL on any error, with one line "FILE:LINE: reason" in err. */
topo_t *topo_load(const char *path, char *err, size_t errlen);
/* Same, from a buffer; `label` stands for the file name in messages. */
topo_t *topo_load_buf(const char *label, const char *text, size_t len, char *err, size_t errlen);
void topo_destroy(topo_t **self_p);

/* Lookups: NULL / -1 when absent. */
const topo_host_t *topo_host(const topo_t *topo, const char *name);
const topo_iface_t *topo_iface(const topo_host_t *host, const char *name);
int topo_iface_index(const topo_host_t *host, const char *name);
int topo_segment(const topo_t *topo, const char *name);
/* Setting for host (name; NULL = global only): host override, else global, else NULL. */
const char *topo_setting(const topo_t *topo, const char *host, const char *key);
/* Typed setting: *out = dflt when absent; 0 ok, -1 present but malformed. */
int topo_setting_ns(const topo_t *topo, const char *host, const char *key, uint64_t dflt, uint64_t *out);
int topo_setting_u64(const topo_t *topo, const char *host, const char *key, uint64_t dflt, uint64_t *out);

/* "30s", "200ms", "1.5s", "10us", "5ns", "2m", "1h" -> ns; unit required. 0 / -1. */
int topo_parse_duration_ns(const char *text, uint64_t *ns);
/* "hostb" -> first interface address, "router.eth1" -> that interface, dotted quad
 * -> itself. 0 / -1. */
int topo_resolve_name(const topo_t *topo, const char *name, uint32_t *addr);

/* "link", "net", "transport", "dns". */
const char *topo_layer_name(topo_layer_t layer);
/* "<host>-<layer>" into buf; 0 / -1 (too small). */
int topo_service_name(const char *host, topo_layer_t layer, char *buf, size_t cap);

/* ---- endpoints ---- */
typedef enum { TOPO_MODE_IPC = 0, TOPO_MODE_TCP } topo_mode_t;
typedef enum {
    TOPO_EP_CTL = 0,        /* a service's control ROUTER; host_or_segment = service name
                               ("hosta-net", "sw-lan1") */
    TOPO_EP_NET_LINK,       /* net-svc <-> link-svc for ifname; bound by link-svc; host name */
    TOPO_EP_TRANSPORT_NET,  /* bound by net-svc; host name */
    TOPO_EP_DNS_TRANSPORT,  /* bound by transport-svc; host name */
    TOPO_EP_SWITCH          /* a switch's ROUTER, link-svcs connect; segment name */
} topo_ep_role_t;

#define TOPO_PORT_CTL        7000
#define TOPO_PORT_NET_LINK   7100 /* + interface index */
#define TOPO_PORT_TRANSPORT_NET 7200
#define TOPO_PORT_DNS_TRANSPORT 7300
#define TOPO_PORT_SWITCH     7400

/* Parse "ipc" / "tcp"; -1 if neither. */
int topo_mode_parse(const char *text, topo_mode_t *mode);

/*
 * The ZeroMQ endpoint for a role:
 *   ipc: ipc://RUN/s/<svc>.ctl, ipc://RUN/s/<host>-link.<if>, ipc://RUN/s/<host>-net.up,
 *        ipc://RUN/s/<host>-transport.up, ipc://RUN/s/sw-<seg>.ports (bind == connect)
 *   tcp: bind tcp://\*:PORT, connect tcp://<svc>:PORT (svc = docker service name)
 * topo is needed for TOPO_EP_NET_LINK (interface index); ifname only for it.
 * Returns 0, or -1 with a one-line reason in buf (if cap allows): unknown host or
 * interface, buffer too small, or an ipc path longer than 107 bytes (the Unix
 * socket path limit: choose a shorter --run-dir).
 */
int topo_endpoint(const topo_t *topo, topo_mode_t mode, const char *run_dir,
                  const char *host_or_segment, topo_ep_role_t role, const char *ifname,
                  bool bind, char *buf, size_t cap);

/* ---- services ---- */
typedef enum {
    TOPO_ROLE_LINK = TOPO_LAYER_LINK,
    TOPO_ROLE_NET = TOPO_LAYER_NET,
    TOPO_ROLE_TRANSPORT = TOPO_LAYER_TRANSPORT,
    TOPO_ROLE_DNS = TOPO_LAYER_DNS,
    TOPO_ROLE_SWITCH
} topo_role_t;

typedef struct {
    const char *name;     /* "hosta-link", "sw-lan1" */
    const char *host;     /* host name, NULL for a switch */
    const char *segment;  /* segment name for a switch, else NULL */
    topo_role_t role;
    const char *program;  /* "link-svc" (switches too: link-svc --switch SEG), or a path */
} topo_service_t;

/* Callback: nonzero stops the walk. */
typedef int (topo_service_fn)(const topo_service_t *svc, void *arg);
/* Every service to launch in dependency order: switches, then per host link, net,
 * transport, dns (layers "none" skipped). 0, or -1 if fn stopped the walk. */
int topo_service_list(const topo_t *topo, topo_service_fn *fn, void *arg);
/* "switch", or the layer name. */
const char *topo_role_name(topo_role_t role);

/* hosts(5) lines: "192.0.2.10 hosta"; multi-interface hosts get
 * "192.0.2.1 router router.eth0" then "198.51.100.1 router.eth1". 0 / -1. */
int topo_write_hosts(const topo_t *topo, FILE *out);

#endif
