/*
 * compose.h -- generate a docker-compose.yml from a loaded topology.
 *
 * Call chain: stackctl (`stackctl compose TOPOLOGY > docker-compose.yml`,
 * orchestrator/cmd_compose.c) -> compose_write() -> topo_service_list().
 * The staleness test (tests/integration/70-compose-stale.sh) regenerates the
 * file and diffs it with the committed one; `make compose-test` runs it.
 *
 * Output: one container per layer process per host (hosta-link, hosta-net,
 * ...), one per switch (sw-lan1) and an "orchestrator" that holds stackctl and
 * the apps and just stays up (`stackctl idle`). Every service runs
 * `--endpoints tcp`: it binds tcp://\*:PORT and connects tcp://SERVICE:PORT
 * (topo_endpoint()), so peers find each other by service name on one network
 * (internal, explicit subnet in 198.18.0.0/15). The topology is baked into the
 * image at COMPOSE_TOPOLOGY_PATH through the build arg TOPOLOGY (no bind
 * mount, so the same file also works with `docker stack deploy`). Logs and
 * pcaps go to the named volume "run" at COMPOSE_RUN_DIR, laid out as a native
 * run directory (log/<svc>.log, pcap/). Supervision is the engine's:
 * `restart: on-failure` (compose) and deploy.restart_policy (Swarm); short
 * neighbour-cache timers (sysctls) so peers reach a restarted container (same
 * address, new MAC) within seconds.
 * Only standard compose keys; output is deterministic (services sorted by
 * name, fixed key order).
 */
#ifndef LS_COMPOSE_H
#define LS_COMPOSE_H

#include <stdio.h>
#include "topology/topology.h"

#define COMPOSE_TOPOLOGY_PATH "/etc/layerstack/topology.yaml" /* in every container */
#define COMPOSE_RUN_DIR       "/run/layerstack"               /* the shared named volume */
#define COMPOSE_SUBNET        "198.18.0.0/24"                 /* network "stacknet" */
#define COMPOSE_NETWORK       "stacknet"
#define COMPOSE_VOLUME        "run"

/*
 * Write docker-compose.yml for topo to out. The image is
 * "<prefix>/runtime:<topology name>" (prefix NULL or "" = "layerstack"; name
 * "latest" if the topology has none). topo->path is the build arg TOPOLOGY,
 * so it must be relative to the build context (the repo root): no leading
 * '/', no "..". A leading "./" is dropped. 0, or -1 on a write error, bad
 * arguments or such a path.
 */
int compose_write(const topo_t *topo, FILE *out, const char *image_prefix);

/* The topology path as written into the file (leading "./" dropped), or NULL
 * if it cannot be a build-context path (absolute, "..", empty, odd chars). */
const char *compose_context_path(const char *path);

#endif
