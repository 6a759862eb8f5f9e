/*
 * test_compose.c -- docker-compose.yml generation: service set and order,
 * commands, network/volume blocks, determinism, and that libyaml parses it.
 */
#include <check.h>
#include "compose.h"
#include "topology.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static char *s_compose(const char *rel, const char *prefix, topo_t **tp)
{
    const char *root = getenv("LS_ROOT");
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", rel);
    topo_t *t = topo_load(path, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    snprintf(t->path, sizeof t->path, "%s", rel); /* as if loaded from the repo root */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_int_eq(compose_write(t, fp, prefix), 0);
    fclose(fp);
    *tp = t;
    return buf;
}

START_TEST(test_compose_services)
{
    topo_t *t;
    char *y = s_compose("topologies/default.yaml", NULL, &t);
    static const char *const order[] = {
        "  hosta-link:\n", "  hosta-net:\n", "  hosta-transport:\n", "  hostb-link:\n",
        "  hostb-net:\n", "  hostb-transport:\n", "  ns-link:\n", "  ns-net:\n",
        "  ns-transport:\n", "  orchestrator:\n", "  router-link:\n", "  router-net:\n",
        "  sw-lan1:\n", "  sw-lan2:\n", "\nnetworks:\n", "\nvolumes:\n"};
    const char *prev = y;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(y, order[i]);
        ck_assert_msg(p != NULL, "missing %s", order[i]);
        ck_assert_msg(p >= prev, "%s out of order", order[i]);
        prev = p;
    }
    ck_assert_ptr_null(strstr(y, "router-transport"));
    ck_assert_ptr_null(strstr(y, "-dns"));
    ck_assert_ptr_nonnull(strstr(y,
        "  hosta-net:\n"
        "    image: layerstack/runtime:latest\n"
        "    build:\n      context: .\n      dockerfile: Dockerfile\n"
        "    restart: on-failure\n"
        "    networks: [stacknet]\n"
        "    volumes:\n      - run:/run/layerstack\n"
        "      - \"./topologies/default.yaml:/etc/layerstack/topology.yaml:ro\"\n"
        "    hostname: hosta-net\n"
        "    command: [\"net-svc\", \"--topology\", \"/etc/layerstack/topology.yaml\", "
        "\"--host\", \"hosta\", \"--endpoints\", \"tcp\", \"--run-dir\", \"/run/layerstack\"]\n"
        "    depends_on: [hosta-link]\n"));
    ck_assert_ptr_nonnull(strstr(y, "    command: [\"link-svc\", \"--topology\", "
                                    "\"/etc/layerstack/topology.yaml\", \"--switch\", \"lan2\", "
                                    "\"--endpoints\", \"tcp\", \"--run-dir\", \"/run/layerstack\"]\n"));
    ck_assert_ptr_nonnull(strstr(y, "  router-link:\n"));
    ck_assert_ptr_nonnull(strstr(y, "    depends_on: [sw-lan1, sw-lan2]\n"));
    ck_assert_ptr_nonnull(strstr(y, "networks:\n  stacknet:\n    internal: true\n    ipam:\n"
                                    "      config:\n        - subnet: 198.18.0.0/24\n"
                                    "volumes:\n  run: {}\n"));
    /* deterministic */
    topo_t *t2;
    char *y2 = s_compose("topologies/default.yaml", NULL, &t2);
    ck_assert_str_eq(y, y2);
    free(y2);
    topo_destroy(&t2);
    free(y);
    topo_destroy(&t);
}
END_TEST

/* The output is well-formed YAML whose "services" mapping has the right size. */
START_TEST(test_compose_parses)
{
    topo_t *t;
    char *y = s_compose("topologies/lan.yaml", "acme", &t);
    ck_assert_ptr_nonnull(strstr(y, "    image: acme/runtime:latest\n"));
    yaml_parser_t p;
    yaml_document_t d;
    ck_assert(yaml_parser_initialize(&p));
    yaml_parser_set_input_string(&p, (const unsigned char *)y, strlen(y));
    ck_assert_msg(yaml_parser_load(&p, &d), "YAML error: %s line %zu", p.problem,
                  p.problem_mark.line + 1);
    yaml_node_t *root = yaml_document_get_root_node(&d);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(root->type, YAML_MAPPING_NODE);
    yaml_node_t *k = yaml_document_get_node(&d, root->data.mapping.pairs.start[0].key);
    yaml_node_t *v = yaml_document_get_node(&d, root->data.mapping.pairs.start[0].value);
    ck_assert_str_eq((const char *)k->data.scalar.value, "services");
    ck_assert_int_eq(v->type, YAML_MAPPING_NODE);
    /* sw-lan1, hosta x3, hostb x3, orchestrator */
    ck_assert_int_eq(v->data.mapping.pairs.top - v->data.mapping.pairs.start, 8);
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
    ck_assert_int_eq(compose_write(NULL, stdout, NULL), -1);
    free(y);
    topo_destroy(&t);
}
END_TEST

Suite *compose_suite(void)
{
    Suite *s = suite_create("compose");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_compose_services);
    tcase_add_test(tc, test_compose_parses);
    suite_add_tcase(s, tc);
    return s;
}
