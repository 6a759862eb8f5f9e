/*
 * test_topology.c -- the topology loader: the shipped files, every malformed
 * file (exact line and reason), settings and durations, endpoint names in
 * both modes (and the 107-byte ipc limit), the service list, the hosts file,
 * name resolution, and a mutation run that must never crash.
 *
 * Files are read relative to $LS_ROOT (default "."): the runner starts in the
 * repo root.
 */
#include <check.h>
#include "wire/bytes.h"
#include "topology/topology.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_path(const char *rel, char *buf, size_t cap)
{
    const char *root = getenv("LS_ROOT");
    snprintf(buf, cap, "%s/%s", root && *root ? root : ".", rel);
    return buf;
}

static topo_t *s_load(const char *rel)
{
    char path[512], err[512];
    topo_t *t = topo_load(s_path(rel, path, sizeof path), err, sizeof err);
    ck_assert_msg(t != NULL, "%s: %s", rel, err);
    return t;
}

/* -------------------------------------------------------- shipped files */

START_TEST(test_default)
{
    topo_t *t = s_load("topologies/default.yaml");
    ck_assert_str_eq(t->name, "default");
    ck_assert_uint_eq(t->seed, 1);
    ck_assert_uint_eq(t->nsegment, 3);
    ck_assert_str_eq(t->segments[0].name, "lan1");
    ck_assert_str_eq(t->segments[1].name, "lan2");
    ck_assert_str_eq(t->segments[2].name, "lan3");
    ck_assert_uint_eq(t->nhost, 7);
    ck_assert_uint_eq(t->nfault, 0);

    const topo_host_t *a = topo_host(t, "hosta");
    ck_assert_ptr_nonnull(a);
    ck_assert(!a->forward);
    ck_assert_uint_eq(a->niface, 1);
    const topo_iface_t *f = topo_iface(a, "eth0");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->addr, LS_IP4(192, 0, 2, 10));
    ck_assert_uint_eq(f->prefix_len, 24);
    ck_assert_uint_eq(f->mtu, 1500);
    ck_assert_int_eq(f->segment, 0);
    static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
    ck_assert_mem_eq(f->mac, mac_a, 6);
    ck_assert_uint_eq(a->nroute, 1);
    ck_assert_uint_eq(a->routes[0].dst, 0);
    ck_assert_uint_eq(a->routes[0].prefix_len, 0);
    ck_assert_uint_eq(a->routes[0].gateway, LS_IP4(192, 0, 2, 1));
    ck_assert_int_eq(a->routes[0].iface, 0);
    ck_assert_uint_eq(a->routes[0].metric, 0);
    ck_assert_str_eq(a->layers[TOPO_LAYER_LINK], "link-svc");
    ck_assert_str_eq(a->layers[TOPO_LAYER_NET], "net-svc");
    ck_assert_str_eq(a->layers[TOPO_LAYER_TRANSPORT], "transport-svc");
    ck_assert_str_eq(a->layers[TOPO_LAYER_DNS], "dns-svc");
    /* hosta's stub: resolv.conf from the dns: block */
    ck_assert(a->dns.present);
    ck_assert(!a->dns.recursive);
    ck_assert_uint_eq(a->dns.nns, 1);
    ck_assert_uint_eq(a->dns.nameservers[0], LS_IP4(198, 51, 100, 53));
    ck_assert_uint_eq(a->dns.nsearch, 1);
    ck_assert_str_eq(a->dns.search[0], "example.test");
    ck_assert_uint_eq(a->dns.timeout_ns, 2000000000ull);
    /* ns: the recursive resolver; auth: two zones, named relative to the topology's directory */
    const topo_host_t *rh = topo_host(t, "ns");
    ck_assert(rh->dns.recursive);
    ck_assert_ptr_nonnull(strstr(rh->dns.root_hints, "topologies/zones/root.hints")); /* beside the topology */
    const topo_host_t *au = topo_host(t, "auth");
    ck_assert_uint_eq(au->dns.nzone, 2);
    ck_assert_ptr_nonnull(strstr(au->dns.zones[0], "topologies/zones/example.test.zone"));
    ck_assert_ptr_nonnull(strstr(au->dns.zones[1], "topologies/zones/in-addr.arpa.zone"));
    ck_assert_str_eq(topo_host(t, "router")->layers[TOPO_LAYER_DNS], "");

    const topo_host_t *r = topo_host(t, "router");
    ck_assert_ptr_nonnull(r);
    ck_assert(r->forward);
    ck_assert_uint_eq(r->niface, 3);
    ck_assert_uint_eq(r->nroute, 0);
    ck_assert_uint_eq(topo_iface(r, "eth0")->addr, LS_IP4(192, 0, 2, 1));
    ck_assert_uint_eq(topo_iface(r, "eth1")->addr, LS_IP4(198, 51, 100, 1));
    ck_assert_int_eq(topo_iface(r, "eth1")->segment, 1);
    static const uint8_t mac_r1[6] = {0x02, 0, 0, 0, 0x01, 0x02};
    ck_assert_mem_eq(topo_iface(r, "eth1")->mac, mac_r1, 6);
    ck_assert_str_eq(r->layers[TOPO_LAYER_NET], "net-svc");
    ck_assert_str_eq(r->layers[TOPO_LAYER_TRANSPORT], "");
    ck_assert_int_eq(topo_iface_index(r, "eth1"), 1);
    ck_assert_uint_eq(topo_iface(r, "eth2")->addr, LS_IP4(203, 0, 113, 1));
    ck_assert_int_eq(topo_iface(r, "eth2")->segment, 2);
    ck_assert_ptr_null(topo_iface(r, "eth3"));

    const topo_host_t *b = topo_host(t, "hostb");
    ck_assert_uint_eq(b->ifaces[0].addr, LS_IP4(198, 51, 100, 10));
    ck_assert_uint_eq(b->routes[0].gateway, LS_IP4(198, 51, 100, 1));
    const topo_host_t *ns = topo_host(t, "ns");
    ck_assert_uint_eq(ns->ifaces[0].addr, LS_IP4(198, 51, 100, 53));
    ck_assert_uint_eq(ns->ifaces[0].mac[5], 0x35);
    ck_assert_uint_eq(ns->routes[0].gateway, LS_IP4(198, 51, 100, 1));
    ck_assert_ptr_null(topo_host(t, "hostc"));
    topo_destroy(&t);
    ck_assert_ptr_null(t);
    topo_destroy(&t); /* NULL-safe */
}
END_TEST

START_TEST(test_lan)
{
    topo_t *t = s_load("topologies/lan.yaml");
    ck_assert_uint_eq(t->nsegment, 1);
    ck_assert_uint_eq(t->nhost, 2);
    const topo_host_t *a = topo_host(t, "hosta"), *b = topo_host(t, "hostb");
    ck_assert_uint_eq(a->ifaces[0].addr, LS_IP4(192, 0, 2, 10));
    ck_assert_uint_eq(b->ifaces[0].addr, LS_IP4(192, 0, 2, 20));
    ck_assert_int_eq(a->ifaces[0].segment, 0);
    ck_assert_int_eq(b->ifaces[0].segment, 0);
    ck_assert_uint_eq(a->nroute + b->nroute, 0);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_mtu1000)
{
    topo_t *t = s_load("topologies/mtu1000.yaml");
    const topo_host_t *r = topo_host(t, "router");
    ck_assert_uint_eq(topo_iface(r, "eth0")->mtu, 1500);
    ck_assert_uint_eq(topo_iface(r, "eth1")->mtu, 1000);
    ck_assert_uint_eq(topo_host(t, "hostb")->ifaces[0].mtu, 1000);
    ck_assert_uint_eq(topo_host(t, "ns")->ifaces[0].mtu, 1000);
    ck_assert_uint_eq(topo_host(t, "hosta")->ifaces[0].mtu, 1500);
    ck_assert_uint_eq(topo_host(t, "hostb")->ifaces[0].addr, LS_IP4(198, 51, 100, 10));
    topo_destroy(&t);
}
END_TEST

/* ------------------------------------------------------------ bad files */

static const struct {
    const char *file;
    int line;
    const char *reason;
} s_bad_files[] = {
    {"bad-address.yaml", 12, "host 'hosta': interface 'eth0': bad address '192.0.2.300/24'"},
    {"bad-unknown-key.yaml", 10,
     "host 'hosta': interface 'eth0': unknown key 'adress' in interface (expected: name, mac, "
     "addr, segment, mtu)"},
    {"bad-dangling-segment.yaml", 11, "interface 'eth0': unknown segment 'lan2'"},
    {"bad-duplicate-mac.yaml", 16,
     "host 'hostb': interface 'eth0': duplicate MAC '02:00:00:00:00:0A' (also host 'hosta' "
     "interface 'eth0', line 8)"},
    {"bad-gateway.yaml", 14, "gateway 198.51.100.1 is not on a connected network"},
    {"bad-mtu.yaml", 12, "'mtu' 60 out of range (68..9000)"},
    {"bad-duplicate-host.yaml", 12, "host 'hosta': duplicate host name (first at line 6)"},
    {"bad-not-mapping.yaml", 2, "top level must be a mapping, got a sequence"},
    {"bad-empty.yaml", 1, "empty file"},
};

START_TEST(test_bad_files)
{
    const char *f = s_bad_files[_i].file;
    char rel[128], path[512], err[512], prefix[600];
    snprintf(rel, sizeof rel, "tests/topologies/%s", f);
    s_path(rel, path, sizeof path);
    memset(err, 'x', sizeof err);
    topo_t *t = topo_load(path, err, sizeof err);
    ck_assert_ptr_null(t);
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, s_bad_files[_i].line);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "%s: got '%s'", f, err);
    ck_assert_msg(strstr(err, s_bad_files[_i].reason) != NULL, "%s: got '%s'", f, err);
    ck_assert_ptr_null(strchr(err, '\n')); /* one line */
}
END_TEST

START_TEST(test_bad_syntax)
{
    char path[512], err[512];
    s_path("tests/topologies/bad-syntax.yaml", path, sizeof path);
    ck_assert_ptr_null(topo_load(path, err, sizeof err));
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:6:9: YAML syntax error: ", path); /* line:column */
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "got '%s'", err);
    ck_assert_msg(strstr(err, "while parsing a flow mapping") != NULL, "got '%s'", err);
}
END_TEST

START_TEST(test_missing_file)
{
    char err[256];
    ck_assert_ptr_null(topo_load("/nonexistent/topo.yaml", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/topo.yaml: cannot open: No such file or directory");
    ck_assert_ptr_null(topo_load(NULL, err, sizeof err));
    ck_assert_ptr_null(topo_load("/nonexistent", NULL, 0)); /* no message buffer: fine */
}
END_TEST

/* Inline documents: one problem each, at a known line. */
#define HDR "seed: 1\nsegments:\n  - name: lan1\n  - name: lan2\nhosts:\n" /* lines 1-5 */
#define HOSTA "  - name: hosta\n    interfaces:\n      - name: eth0\n" \
              "        mac: 02:00:00:00:00:0a\n        addr: 192.0.2.10/24\n" \
              "        segment: lan1\n"                                  /* lines 6-11 */
static const struct {
    const char *text;
    int line;
    const char *reason;
} s_bad_texts[] = {
    {"seed: 1\nhosts: []\n", 1, "missing required key 'segments'"},
    {"segments: [{name: lan1}]\n", 1, "missing required key 'hosts'"},
    {"segments: []\nhosts: []\n", 1, "'segments' is empty"},
    {HDR "  - []\n", 6, "host must be a mapping, got a sequence"},
    {"seed: -3\n", 1, "'seed' must be a non-negative integer, got '-3'"},
    {"seed: [1]\n", 1, "'seed' must be a scalar, got a sequence"},
    {"seed: 1\nseed: 2\n", 2, "duplicate key 'seed' in topology"},
    {"segments: lan1\n", 1, "'segments' must be a sequence, got a scalar"},
    {"segments:\n  - name: lan1\n  - name: lan1\n", 3, "duplicate segment 'lan1'"},
    {"segments:\n  - name: lan.1\n", 2, "bad segment name 'lan.1'"},
    {"segments:\n  - nme: lan1\n", 2, "unknown key 'nme' in segment (expected: name)"},
    {"{? [a]: 1}\n", 1, "topology key must be a scalar, got a sequence"},
    {HDR "  - name: hosta\n", 6, "host 'hosta': missing required key 'interfaces'"},
    {HDR "  - name: hosta\n    interfaces: []\n", 7, "host 'hosta': 'interfaces' is empty"},
    {HDR "  - name: sw-a\n", 6, "clashes with switch service names"},
    {HDR "  - name: hosta\n    forward: maybe\n", 7, "'forward' must be true or false, got 'maybe'"},
    {HDR "  - interfaces: []\n", 6, "missing required key 'name'"},
    {HDR "  - name:\n", 6, "'name' has no value"},
    {HDR HOSTA "        mtu: 9001\n", 12, "'mtu' 9001 out of range (68..9000)"},
    {HDR HOSTA "        mtu: big\n", 12, "'mtu' must be a non-negative integer, got 'big'"},
    {HDR HOSTA "      - name: eth0\n", 12, "interface 'eth0': duplicate interface name (first at line 8)"},
    {HDR "  - name: hosta\n    interfaces:\n      - name: eth0\n        mac: 02:00:00:00:00:0a\n"
         "        addr: 192.0.2.10/33\n        segment: lan1\n", 10,
     "address '192.0.2.10/33': prefix length out of range (1..32)"},
    {HDR "  - name: hosta\n    interfaces:\n      - name: eth0\n        mac: 02:00:00:00:00:0a\n"
         "        addr: 192.0.2.10\n        segment: lan1\n", 10,
     "bad address '192.0.2.10' (expected a.b.c.d/len)"},
    {HDR "  - name: hosta\n    interfaces:\n      - name: eth0\n        mac: 02:00:00:00:00:0a\n"
         "        addr: 192.0.2.255/24\n        segment: lan1\n", 10,
     "network or broadcast address"},
    {HDR "  - name: hosta\n    interfaces:\n      - name: eth0\n        mac: 01:00:5e:00:00:01\n"
         "        addr: 192.0.2.10/24\n        segment: lan1\n", 9, "multicast/broadcast"},
    {HDR "  - name: hosta\n    interfaces:\n      - name: eth0\n        mac: 02:00:00:00:0a\n"
         "        addr: 192.0.2.10/24\n        segment: lan1\n", 9, "bad MAC '02:00:00:00:0a'"},
    {HDR "  - name: hosta\n    interfaces:\n      - name: eth0\n        mac: 02:00:00:00:00:0a\n"
         "        segment: lan1\n", 8, "interface 'eth0': missing required key 'addr'"},
    /* duplicate address on one segment; the same address on another segment is fine */
    {HDR HOSTA "  - name: hostb\n    interfaces:\n      - name: eth0\n"
               "        mac: 02:00:00:00:00:0b\n        addr: 192.0.2.10/24\n"
               "        segment: lan1\n", 16, "host 'hostb': interface 'eth0': duplicate address 192.0.2.10 on segment 'lan1'"},
    {HDR HOSTA "    routes:\n      - dst: 203.0.113.0/33\n        via: 192.0.2.1\n", 13,
     "route '203.0.113.0/33': prefix length out of range (0..32)"},
    {HDR HOSTA "    routes:\n      - dst: 203.0.113.1/24\n        via: 192.0.2.1\n", 13,
     "destination has host bits set beyond /24"},
    {HDR HOSTA "    routes:\n      - dst: 203.0.113.0/24\n", 13, "a direct route (no 'via') needs 'dev'"},
    {HDR HOSTA "    routes:\n      - dst: 203.0.113.0/24\n        dev: eth1\n", 14,
     "unknown interface 'eth1'"},
    {HDR HOSTA "    routes:\n      - dst: default\n        via: 192.0.2.10\n", 14,
     "gateway 192.0.2.10 is this host's own address"},
    {HDR HOSTA "    routes:\n      - dst: default\n        via: 192.0.2.1\n"
               "      - dst: 0.0.0.0/0\n        via: 192.0.2.2\n", 15, "duplicate route"},
    {HDR HOSTA "    layers:\n      net: none\n", 13, "layers: 'transport' runs but 'net' below it is none"},
    {HDR HOSTA "    layers:\n      net: bin/net-svc\n", 13, "layers: bad program 'bin/net-svc'"},
    {HDR HOSTA "    layers:\n      app: x\n", 13, "unknown key 'app' in layers"},
    {HDR HOSTA "    settings:\n      msl: 2 s\n", 13, "settings: 'msl' bad duration '2 s'"},
    {HDR HOSTA "    settings:\n      arp_retries: three\n", 13, "'arp_retries' must be a non-negative integer"},
    {"settings: { log_level: loud }\n", 1, "bad log_level 'loud'"},
    {"settings: { a: [1] }\n", 1, "'a' must be a scalar, got a sequence"},
    {"settings: [a]\n", 1, "'settings' must be a mapping, got a sequence"},
    {HDR HOSTA "faults:\n  - pipe: hostz net:link down\n    spec: loss 10%\n", 13,
     "fault: unknown host 'hostz'"},
    {HDR HOSTA "faults:\n  - pipe: hosta net:link@eth9 down\n    spec: loss 10%\n", 13,
     "fault: host 'hosta' has no interface 'eth9'"},
    {HDR HOSTA "faults:\n  - pipe: hosta net:link sideways\n    spec: loss 10%\n", 13,
     "bad direction 'sideways'"},
    {HDR HOSTA "faults:\n  - pipe: hosta netlink\n    spec: loss 10%\n", 13, "bad pipe 'netlink'"},
    {HDR HOSTA "faults:\n  - pipe: hosta net:link\n", 13, "fault: missing required key 'spec'"},
    {HDR HOSTA "---\nseed: 2\n", 13, "more than one YAML document"},
    /* dns: blocks */
    {HDR HOSTA "    dns: { nameservers: [198.51.100.53] }\n", 12,
     "dns: settings given, but this host's dns layer is none"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { nameservers: [ns1] }\n", 13,
     "dns: nameserver 'ns1' is not an IPv4 address"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { nameservers: [1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4] }\n", 13,
     "'nameservers' has 4 entries (at most 3)"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { recursive: true }\n", 13,
     "dns: recursive: true needs root_hints"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { search: [a..b] }\n", 13,
     "dns: search domain 'a..b' is not a domain name"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { timeout: 1h }\n", 13,
     "dns: timeout '1h' must be a duration from 100ms to 30s"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { zone: x.zone }\n", 13, "unknown key 'zone' in dns"},
    {HDR HOSTA "    layers: { dns: dns-svc }\n    dns: { attempts: 9 }\n", 13, "'attempts' 9 out of range (1..5)"},
    {"\"seed\\0x\": 1\n", 1, "unknown key"},
    {"name: \"a\\0b\"\n", 1, "'name' contains a NUL byte"},
    {"name: abcdefghijabcdefghijabcdefghijabcdefghij\n", 1, "'name' is too long (40 bytes, max 31)"},
    {"42\n", 1, "top level must be a mapping, got a scalar"},
    {"# only a comment\n", 1, "empty file"},
};

START_TEST(test_bad_texts)
{
    const char *text = s_bad_texts[_i].text;
    char err[512], prefix[64];
    topo_t *t = topo_load_buf("inline.yaml", text, strlen(text), err, sizeof err);
    ck_assert_msg(t == NULL, "case %d loaded", _i);
    snprintf(prefix, sizeof prefix, "inline.yaml:%d: ", s_bad_texts[_i].line);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "case %d: got '%s'", _i, err);
    ck_assert_msg(strstr(err, s_bad_texts[_i].reason) != NULL, "case %d: got '%s'", _i, err);
}
END_TEST

/* ---------------------------------------------- settings, faults, flows */

START_TEST(test_settings_and_faults)
{
    static const char text[] =
        "name: t\nseed: 42\n"
        "settings:\n  arp_timeout: 1200s\n  msl: 30s\n  log_level: info\n  arp_retries: 3\n"
        "segments: [ {name: lan1} ]\n"
        "hosts:\n"
        "  - name: hosta\n"
        "    interfaces: [ {name: eth0, mac: '02:00:00:00:00:0a', addr: 192.0.2.10/24, segment: lan1} ]\n"
        "    routes:\n      - {dst: 203.0.113.0/24, dev: eth0, metric: 5}\n"
        "      - {dst: 198.51.100.7, via: 192.0.2.1}\n"
        "    settings: { msl: 2s, custom: hello }\n"
        "  - name: hostb\n"
        "    forward: true\n"
        "    interfaces: [ {name: eth0, mac: '02:00:00:00:00:0b', addr: 192.0.2.20/24, segment: lan1} ]\n"
        "    layers: { transport: /opt/ls/tcp-svc, dns: dns-svc }\n"
        "faults:\n"
        "  - pipe: hosta net:link@eth0 down\n    spec: loss 10%\n    seed: 7\n"
        "  - {pipe: 'hostb   transport:net', spec: delay 5ms}\n";
    char err[256];
    topo_t *t = topo_load_buf("s.yaml", text, sizeof text - 1, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    ck_assert_uint_eq(t->seed, 42);
    ck_assert_str_eq(topo_setting(t, "hosta", "msl"), "2s");
    ck_assert_str_eq(topo_setting(t, "hostb", "msl"), "30s");
    ck_assert_str_eq(topo_setting(t, NULL, "msl"), "30s");
    ck_assert_str_eq(topo_setting(t, "hosta", "arp_timeout"), "1200s");
    ck_assert_str_eq(topo_setting(t, "hosta", "custom"), "hello");
    ck_assert_ptr_null(topo_setting(t, "hostb", "custom"));
    ck_assert_ptr_null(topo_setting(t, "hosta", "nope"));
    ck_assert_uint_eq(topo_host(t, "hosta")->nsetting, 5);
    uint64_t v;
    ck_assert_int_eq(topo_setting_ns(t, "hosta", "msl", 0, &v), 0);
    ck_assert_uint_eq(v, 2000000000ull);
    ck_assert_int_eq(topo_setting_ns(t, "hosta", "arp_timeout", 0, &v), 0);
    ck_assert_uint_eq(v, 1200000000000ull);
    ck_assert_int_eq(topo_setting_ns(t, "hosta", "min_rto", 123, &v), 0);
    ck_assert_uint_eq(v, 123);
    ck_assert_int_eq(topo_setting_ns(t, "hosta", "custom", 0, &v), -1);
    ck_assert_int_eq(topo_setting_u64(t, "hostb", "arp_retries", 9, &v), 0);
    ck_assert_uint_eq(v, 3);

    const topo_host_t *a = topo_host(t, "hosta");
    ck_assert_uint_eq(a->nroute, 2);
    ck_assert_uint_eq(a->routes[0].dst, LS_IP4(203, 0, 113, 0));
    ck_assert_uint_eq(a->routes[0].prefix_len, 24);
    ck_assert_uint_eq(a->routes[0].gateway, 0);
    ck_assert_str_eq(a->routes[0].dev, "eth0");
    ck_assert_int_eq(a->routes[0].iface, 0);
    ck_assert_uint_eq(a->routes[0].metric, 5);
    ck_assert_uint_eq(a->routes[1].dst, LS_IP4(198, 51, 100, 7));
    ck_assert_uint_eq(a->routes[1].prefix_len, 32);
    ck_assert_uint_eq(a->routes[1].gateway, LS_IP4(192, 0, 2, 1));

    const topo_host_t *b = topo_host(t, "hostb");
    ck_assert(b->forward);
    ck_assert_str_eq(b->layers[TOPO_LAYER_TRANSPORT], "/opt/ls/tcp-svc");
    ck_assert_str_eq(b->layers[TOPO_LAYER_DNS], "dns-svc");

    ck_assert_uint_eq(t->nfault, 2);
    ck_assert_str_eq(t->faults[0].host, "hosta");
    ck_assert_str_eq(t->faults[0].pipe, "net:link@eth0");
    ck_assert_int_eq(t->faults[0].dir, TOPO_DIR_DOWN);
    ck_assert_str_eq(t->faults[0].spec, "loss 10%");
    ck_assert_uint_eq(t->faults[0].seed, 7);
    ck_assert_int_eq(t->faults[0].line, 21);
    ck_assert_str_eq(t->faults[1].host, "hostb");
    ck_assert_str_eq(t->faults[1].pipe, "transport:net");
    ck_assert_int_eq(t->faults[1].dir, TOPO_DIR_BOTH);
    ck_assert_uint_eq(t->faults[1].seed, 42); /* the topology seed */
    topo_destroy(&t);
}
END_TEST

START_TEST(test_duration)
{
    static const struct { const char *text; uint64_t ns; } ok[] = {
        {"30s", 30000000000ull}, {"200ms", 200000000ull}, {"1200s", 1200000000000ull},
        {"1.5s", 1500000000ull}, {"0s", 0}, {"10us", 10000ull}, {"7ns", 7ull},
        {"2m", 120000000000ull}, {"1h", 3600000000000ull}, {"0.25ms", 250000ull},
        {"0.000000001s", 1ull}, {"18446744073709551615ns", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t ns = 12345;
        ck_assert_msg(topo_parse_duration_ns(ok[i].text, &ns) == 0, "%s", ok[i].text);
        ck_assert_msg(ns == ok[i].ns, "%s -> %llu", ok[i].text, (unsigned long long)ns);
    }
    static const char *const bad[] = {"", "s", "30", "30 s", "1.s", ".5s", "-1s", "1.5ns",
                                      "5sec", "1x", "18446744073709551616ns", "5124096h",
                                      "0.0000000001s", "1e3s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t ns = 12345;
        ck_assert_msg(topo_parse_duration_ns(bad[i], &ns) == -1, "%s accepted", bad[i]);
        ck_assert_uint_eq(ns, 12345);
    }
    uint64_t ns;
    ck_assert_int_eq(topo_parse_duration_ns(NULL, &ns), -1);
}
END_TEST

/* --------------------------------------------------------------- endpoints */

START_TEST(test_endpoints_ipc)
{
    topo_t *t = s_load("topologies/default.yaml");
    char ep[256];
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "/run/ls", "hosta-net", TOPO_EP_CTL, NULL,
                                   true, ep, sizeof ep), 0);
    ck_assert_str_eq(ep, "ipc:///run/ls/s/hosta-net.ctl");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "/run/ls/", "router", TOPO_EP_NET_LINK,
                                   "eth1", false, ep, sizeof ep), 0);
    ck_assert_str_eq(ep, "ipc:///run/ls/s/router-link.eth1");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "hostb", TOPO_EP_TRANSPORT_NET, NULL,
                                   true, ep, sizeof ep), 0);
    ck_assert_str_eq(ep, "ipc://run/s/hostb-net.up");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "ns", TOPO_EP_DNS_TRANSPORT, NULL,
                                   false, ep, sizeof ep), 0);
    ck_assert_str_eq(ep, "ipc://run/s/ns-transport.up");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "lan2", TOPO_EP_SWITCH, NULL, false,
                                   ep, sizeof ep), 0);
    ck_assert_str_eq(ep, "ipc://run/s/sw-lan2.ports");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "sw-lan2", TOPO_EP_CTL, NULL, true,
                                   ep, sizeof ep), 0);
    ck_assert_str_eq(ep, "ipc://run/s/sw-lan2.ctl");
    /* errors */
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "hosta", TOPO_EP_NET_LINK, "eth1",
                                   true, ep, sizeof ep), -1);
    ck_assert_str_eq(ep, "endpoint: host 'hosta' has no interface 'eth1'");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "hostz", TOPO_EP_TRANSPORT_NET, NULL,
                                   true, ep, sizeof ep), -1);
    ck_assert_str_eq(ep, "endpoint: unknown host 'hostz'");
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "lan9", TOPO_EP_SWITCH, NULL, true,
                                   ep, sizeof ep), -1);
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, NULL, "lan1", TOPO_EP_SWITCH, NULL, true, ep,
                                   sizeof ep), -1);
    char tiny[10];
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, "run", "lan1", TOPO_EP_SWITCH, NULL, true,
                                   tiny, sizeof tiny), -1);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_endpoints_tcp)
{
    topo_t *t = s_load("topologies/default.yaml");
    char ep[128];
    static const struct {
        const char *who;
        topo_ep_role_t role;
        const char *ifname;
        const char *bind, *connect;
    } cases[] = {
        {"hosta-link", TOPO_EP_CTL, NULL, "tcp://*:7000", "tcp://hosta-link:7000"},
        {"router", TOPO_EP_NET_LINK, "eth0", "tcp://*:7100", "tcp://router-link:7100"},
        {"router", TOPO_EP_NET_LINK, "eth1", "tcp://*:7101", "tcp://router-link:7101"},
        {"hostb", TOPO_EP_TRANSPORT_NET, NULL, "tcp://*:7200", "tcp://hostb-net:7200"},
        {"ns", TOPO_EP_DNS_TRANSPORT, NULL, "tcp://*:7300", "tcp://ns-transport:7300"},
        {"lan1", TOPO_EP_SWITCH, NULL, "tcp://*:7400", "tcp://sw-lan1:7400"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_TCP, NULL, cases[i].who, cases[i].role,
                                       cases[i].ifname, true, ep, sizeof ep), 0);
        ck_assert_str_eq(ep, cases[i].bind);
        ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_TCP, "/ignored", cases[i].who, cases[i].role,
                                       cases[i].ifname, false, ep, sizeof ep), 0);
        ck_assert_str_eq(ep, cases[i].connect);
    }
    topo_mode_t m = TOPO_MODE_IPC;
    ck_assert_int_eq(topo_mode_parse("tcp", &m), 0);
    ck_assert_int_eq(m, TOPO_MODE_TCP);
    ck_assert_int_eq(topo_mode_parse("ipc", &m), 0);
    ck_assert_int_eq(m, TOPO_MODE_IPC);
    ck_assert_int_eq(topo_mode_parse("udp", &m), -1);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_ipc_path_limit)
{
    topo_t *t = s_load("topologies/default.yaml");
    /* "/s/hosta-net.ctl" is 16 bytes: a 91-byte run dir gives exactly 107. */
    char dir[200], ep[300];
    memset(dir, 'd', 91);
    dir[0] = '/';
    dir[91] = '\0';
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, dir, "hosta-net", TOPO_EP_CTL, NULL, true,
                                   ep, sizeof ep), 0);
    ck_assert_uint_eq(strlen(ep), strlen("ipc://") + 107);
    dir[91] = 'd';
    dir[92] = '\0';
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_IPC, dir, "hosta-net", TOPO_EP_CTL, NULL, true,
                                   ep, sizeof ep), -1);
    ck_assert_msg(strstr(ep, "ipc path for hosta-net.ctl is 108 bytes, over the 107-byte Unix "
                             "socket path limit") != NULL, "got '%s'", ep);
    /* tcp mode does not care */
    ck_assert_int_eq(topo_endpoint(t, TOPO_MODE_TCP, dir, "hosta-net", TOPO_EP_CTL, NULL, true,
                                   ep, sizeof ep), 0);
    topo_destroy(&t);
}
END_TEST

/* ------------------------------------------------ services, hosts, names */

typedef struct {
    char text[1024];
    int stop_after;
    int seen;
} s_walk_t;

static int s_collect(const topo_service_t *svc, void *arg)
{
    s_walk_t *w = arg;
    size_t l = strlen(w->text);
    snprintf(w->text + l, sizeof w->text - l, "%s(%s,%s,%s) ", svc->name, topo_role_name(svc->role),
             svc->host ? svc->host : svc->segment, svc->program);
    return ++w->seen == w->stop_after;
}

START_TEST(test_service_list)
{
    topo_t *t = s_load("topologies/default.yaml");
    s_walk_t w = {.stop_after = -1};
    ck_assert_int_eq(topo_service_list(t, s_collect, &w), 0);
    ck_assert_str_eq(w.text,
                     "sw-lan1(switch,lan1,link-svc) sw-lan2(switch,lan2,link-svc) sw-lan3(switch,lan3,link-svc) "
                     "hosta-link(link,hosta,link-svc) hosta-net(net,hosta,net-svc) "
                     "hosta-transport(transport,hosta,transport-svc) hosta-dns(dns,hosta,dns-svc) "
                     "router-link(link,router,link-svc) router-net(net,router,net-svc) "
                     "hostb-link(link,hostb,link-svc) hostb-net(net,hostb,net-svc) "
                     "hostb-transport(transport,hostb,transport-svc) hostb-dns(dns,hostb,dns-svc) "
                     "ns-link(link,ns,link-svc) ns-net(net,ns,net-svc) "
                     "ns-transport(transport,ns,transport-svc) ns-dns(dns,ns,dns-svc) "
                     "root-link(link,root,link-svc) root-net(net,root,net-svc) "
                     "root-transport(transport,root,transport-svc) root-dns(dns,root,dns-svc) "
                     "tld-link(link,tld,link-svc) tld-net(net,tld,net-svc) "
                     "tld-transport(transport,tld,transport-svc) tld-dns(dns,tld,dns-svc) "
                     "auth-link(link,auth,link-svc) auth-net(net,auth,net-svc) "
                     "auth-transport(transport,auth,transport-svc) auth-dns(dns,auth,dns-svc) ");
    s_walk_t w2 = {.stop_after = 3};
    ck_assert_int_eq(topo_service_list(t, s_collect, &w2), -1);
    ck_assert_int_eq(w2.seen, 3);
    char name[32];
    ck_assert_int_eq(topo_service_name("hosta", TOPO_LAYER_DNS, name, sizeof name), 0);
    ck_assert_str_eq(name, "hosta-dns");
    ck_assert_int_eq(topo_service_name("hosta", TOPO_LAYER_DNS, name, 5), -1);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_hosts_file)
{
    topo_t *t = s_load("topologies/default.yaml");
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_int_eq(topo_write_hosts(t, fp), 0);
    fclose(fp);
    ck_assert_str_eq(buf, "192.0.2.10 hosta\n"
                          "192.0.2.1 router router.eth0\n"
                          "198.51.100.1 router.eth1\n"
                          "203.0.113.1 router.eth2\n"
                          "198.51.100.10 hostb\n"
                          "198.51.100.53 ns\n"
                          "203.0.113.10 root\n"
                          "203.0.113.20 tld\n"
                          "203.0.113.30 auth\n");
    free(buf);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_resolve_name)
{
    topo_t *t = s_load("topologies/default.yaml");
    uint32_t a = 0;
    ck_assert_int_eq(topo_resolve_name(t, "hostb", &a), 0);
    ck_assert_uint_eq(a, LS_IP4(198, 51, 100, 10));
    ck_assert_int_eq(topo_resolve_name(t, "router", &a), 0);
    ck_assert_uint_eq(a, LS_IP4(192, 0, 2, 1));
    ck_assert_int_eq(topo_resolve_name(t, "router.eth1", &a), 0);
    ck_assert_uint_eq(a, LS_IP4(198, 51, 100, 1));
    ck_assert_int_eq(topo_resolve_name(t, "203.0.113.5", &a), 0);
    ck_assert_uint_eq(a, LS_IP4(203, 0, 113, 5));
    a = 99;
    ck_assert_int_eq(topo_resolve_name(t, "router.eth7", &a), -1);
    ck_assert_int_eq(topo_resolve_name(t, "nobody", &a), -1);
    ck_assert_int_eq(topo_resolve_name(t, "", &a), -1);
    ck_assert_uint_eq(a, 99);
    topo_destroy(&t);
}
END_TEST

/* Every prefix of the default file, and many random byte mutations of it, must
 * either load or give a one-line "label:..." error: never crash or leak. */
START_TEST(test_never_crashes)
{
    char path[512];
    FILE *fp = fopen(s_path("topologies/default.yaml", path, sizeof path), "rb");
    ck_assert_ptr_nonnull(fp);
    char orig[4096];
    size_t n = fread(orig, 1, sizeof orig, fp);
    fclose(fp);
    ck_assert_uint_gt(n, 100);
    char err[512];
    int loaded = 0, failed = 0;
    for (size_t len = 0; len <= n; len += 3) {
        topo_t *t = topo_load_buf("m", orig, len, err, sizeof err);
        if (t) {
            loaded++;
            topo_destroy(&t);
        } else {
            failed++;
            ck_assert_msg(strncmp(err, "m:", 2) == 0 && !strchr(err, '\n'), "len %zu: '%s'", len,
                          err);
        }
    }
    ck_assert_int_gt(failed, 0);
    ck_assert_int_gt(loaded, 0); /* the full file, at least */
    static const char alphabet[] = ":-[]{}#&*!|>'\"%@`,? \n\t0a/.\\\x00\xff";
    uint32_t x = 12345; /* xorshift32: deterministic */
    char buf[4096];
    for (int iter = 0; iter < 600; iter++) {
        memcpy(buf, orig, n);
        int edits = 1 + iter % 4;
        for (int e = 0; e < edits; e++) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            size_t pos = x % n;
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            buf[pos] = alphabet[x % (sizeof alphabet - 1)];
        }
        topo_t *t = topo_load_buf("m", buf, n, err, sizeof err);
        if (t)
            topo_destroy(&t);
        else
            ck_assert_msg(strncmp(err, "m:", 2) == 0, "iter %d: '%s'", iter, err);
    }
}
END_TEST

Suite *topology_suite(void)
{
    Suite *s = suite_create("topology");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_default);
    tcase_add_test(tc, test_lan);
    tcase_add_test(tc, test_mtu1000);
    tcase_add_loop_test(tc, test_bad_files, 0, (int)(sizeof s_bad_files / sizeof s_bad_files[0]));
    tcase_add_test(tc, test_bad_syntax);
    tcase_add_test(tc, test_missing_file);
    tcase_add_loop_test(tc, test_bad_texts, 0, (int)(sizeof s_bad_texts / sizeof s_bad_texts[0]));
    tcase_add_test(tc, test_settings_and_faults);
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_endpoints_ipc);
    tcase_add_test(tc, test_endpoints_tcp);
    tcase_add_test(tc, test_ipc_path_limit);
    tcase_add_test(tc, test_service_list);
    tcase_add_test(tc, test_hosts_file);
    tcase_add_test(tc, test_resolve_name);
    tcase_add_test(tc, test_never_crashes);
    suite_add_tcase(s, tc);
    return s;
}
