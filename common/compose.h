/*
 * compose.h -- generate a docker-compose.yml from a loaded topology.
 *
 * Call chain: stackctl (`stackctl compose`) / `make compose-test` -> compose_write()
 * -> topo_service_list(). One container per layer process per host
 * (hosta-link, hosta-net, ...), one per switch (sw-lan1) and an
 * "orchestrator"; every service runs with `--endpoints tcp`, so peers find
 * each other by service name (see topo_endpoint()). Output is deterministic:
 * services sorted by name, fixed key order.
 */
#ifndef LS_COMPOSE_H
#define LS_COMPOSE_H

#include <stdio.h>
#include "topology.h"

#define COMPOSE_TOPOLOGY_PATH "/etc/layerstack/topology.yaml" /* in every container */
#define COMPOSE_RUN_DIR       "/run/layerstack"               /* shared named volume */
#define COMPOSE_SUBNET        "198.18.0.0/24"                 /* network stacknet */

/*
 * Write docker-compose.yml for topo to out. image_prefix names the image
 * "<prefix>/runtime:latest" (NULL = "layerstack"). The topology file is
 * bind-mounted read-only from topo->path (relative paths resolve against the
 * compose file's directory: write it at the repo root). 0, or -1 on a write
 * error or bad arguments.
 */
int compose_write(const topo_t *topo, FILE *out, const char *image_prefix);

#endif
