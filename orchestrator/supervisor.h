/*
 * supervisor.h -- the orchestrator daemon behind `stackctl up`.
 *
 * It starts every service of the topology natively (switches, then per host
 * link, net, transport, dns), probes each one's control socket until it
 * answers (= ready), restarts crashed services with exponential backoff
 * (logged as ev "restart"), and stops them all on `stackctl down`.
 */
#ifndef LS_SUPERVISOR_H
#define LS_SUPERVISOR_H

#include <stddef.h>

/* The executable for a topology layer program: a name with a '/' is a path,
 * any other name is looked up in bin_dir (where make puts the services). */
void supervisor_program_path(const char *bin_dir, const char *prog, char *out, size_t cap);

/* argv: --topology FILE --run-dir DIR [--bin-dir DIR]. Returns the exit code. */
int supervisor_main(int argc, char **argv);

#endif
