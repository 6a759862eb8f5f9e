/*
 * resolve.h -- name to address for applications, like getaddrinfo(3).
 *
 *   a dotted quad              -> itself
 *   a host with a dns layer    -> its stub resolver (ctl "resolve NAME A" on
 *                                 HOST-dns: the hosts file, the stub's cache,
 *                                 then the nameservers of the topology's dns:)
 *   a host without one         -> the topology's host names and RUN/hosts
 *                                 (what the hosts file of the run says)
 *
 * Errors are getaddrinfo's, with glibc's gai_strerror() text, so apps print
 * what the classic tools print ("ping: www.nope.test: Name or service not
 * known").
 *
 * Call chain: app_resolve (apps/lib/app.h; every app that takes an address)
 * -> app_getaddrinfo -> ls_ctl_call(HOST-dns "resolve") | s_hosts_file.
 */
#ifndef LS_RESOLVE_H
#define LS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "apps/lib/app.h"

/* getaddrinfo's error codes (glibc's values). */
enum {
    APP_EAI_NONAME = -2,  /* Name or service not known */
    APP_EAI_AGAIN = -3,   /* Temporary failure in name resolution */
    APP_EAI_FAIL = -4,    /* Non-recoverable failure in name resolution */
    APP_EAI_NODATA = -5,  /* No address associated with hostname */
};

/* Up to max IPv4 addresses of name (*n set): 0, or an APP_EAI_* code.
 * canon (may be NULL): the name that was answered (after the search list and CNAMEs). */
int app_getaddrinfo(app_t *app, const char *name, uint32_t *addrs, size_t max, size_t *n, char *canon,
                    size_t canon_cap);
/* Name or dotted quad -> its first address. 0, or a negative APP_EAI_* code:
 * print app_gai_strerror() of it. */
int app_resolve(app_t *app, const char *name, uint32_t *addr);
/* gai_strerror(3) for the codes above. */
const char *app_gai_strerror(int rc);

#endif
