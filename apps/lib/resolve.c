/*
 * resolve.c -- getaddrinfo for applications (see resolve.h).
 *
 * Call chain: app_resolve -> app_getaddrinfo -> ip4_parse | s_stub (HOST-dns ctl
 * "resolve NAME A": rows "ANSWER\tNAME\tTTL\tCLASS\tTYPE\tRDATA", kv rcode)
 * | s_local (topology names, then RUN/hosts).
 */
#include "apps/lib/resolve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "runtime/ctl_client.h"

#define RESOLVE_WAIT_MS 30000 /* the stub gives up sooner: timeout x attempts x nameservers */

const char *app_gai_strerror(int rc)
{
    switch (rc) {
    case 0: return "Success";
    case APP_EAI_NONAME: return "Name or service not known";
    case APP_EAI_AGAIN: return "Temporary failure in name resolution";
    case APP_EAI_NODATA: return "No address associated with hostname";
    default: return "Non-recoverable failure in name resolution";
    }
}

/* Without a dns layer: the names the topology knows, then the run's hosts file. */
static int s_local(app_t *app, const char *name, uint32_t *addr)
{
    if (topo_resolve_name(app->topo, name, addr) == 0)
        return 0;
    char path[400], line[256];
    snprintf(path, sizeof path, "%s/hosts", app->run_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return APP_EAI_NONAME;
    int rc = APP_EAI_NONAME;
    while (rc < 0 && fgets(line, sizeof line, f)) {
        char ip[64], *save = NULL;
        if (sscanf(line, "%63s", ip) != 1 || ip[0] == '#')
            continue;
        strtok_r(line, " \t\n", &save);
        for (char *n = strtok_r(NULL, " \t\n", &save); n; n = strtok_r(NULL, " \t\n", &save))
            if (strcmp(n, name) == 0 && ip4_parse(ip, addr) == 0)
                rc = 0;
    }
    fclose(f);
    return rc;
}

static int s_stub(app_t *app, const char *name, uint32_t *addrs, size_t max, size_t *n, char *canon,
                  size_t canon_cap)
{
    ls_ctl_client_t *c = app_connect(app, "dns");
    if (!c)
        return APP_EAI_AGAIN;
    const char *args[] = {name, "A"};
    Ls__CtlReply *rep = ls_ctl_call(c, "resolve", args, 2, RESOLVE_WAIT_MS);
    ls_ctl_client_destroy(&c);
    if (!rep)
        return APP_EAI_AGAIN; /* dns-svc does not answer */
    int rc = 0;
    const char *rcode = ls_ctl_reply_get(rep, "rcode");
    if (rep->rc == ETIMEDOUT)
        rc = APP_EAI_AGAIN;
    else if (rep->rc == EINVAL || (rcode && strcmp(rcode, "NXDOMAIN") == 0))
        rc = APP_EAI_NONAME;
    else if (rep->rc || (rcode && strcmp(rcode, "NOERROR") != 0))
        rc = rcode && strcmp(rcode, "SERVFAIL") == 0 ? APP_EAI_AGAIN : APP_EAI_FAIL; /* glibc: SERVFAIL = try again */
    for (size_t i = 0; rc == 0 && i < rep->n_rows && *n < max; i++) {
        char sec[16], owner[300], cls[16], type[16], rdata[300];
        unsigned ttl;
        if (sscanf(rep->rows[i], "%15[^\t]\t%299[^\t]\t%u\t%15[^\t]\t%15[^\t]\t%299[^\n]", sec, owner, &ttl, cls, type,
                   rdata) != 6 || strcmp(sec, "ANSWER") != 0 || strcmp(type, "A") != 0)
            continue;
        if (ip4_parse(rdata, &addrs[*n]) == 0) {
            if (*n == 0 && canon && canon_cap) {
                size_t l = strlen(owner);
                snprintf(canon, canon_cap, "%.*s", (int)(l > 1 && owner[l - 1] == '.' ? l - 1 : l), owner);
            }
            (*n)++;
        }
    }
    if (rc == 0 && *n == 0)
        rc = APP_EAI_NODATA;
    ls_ctl_reply_free(&rep);
    return rc;
}

int app_getaddrinfo(app_t *app, const char *name, uint32_t *addrs, size_t max, size_t *n, char *canon,
                    size_t canon_cap)
{
    *n = 0;
    if (canon && canon_cap)
        snprintf(canon, canon_cap, "%s", name);
    if (!name || !*name || !max)
        return APP_EAI_NONAME;
    if (ip4_parse(name, &addrs[0]) == 0) {
        *n = 1;
        return 0;
    }
    if (app->h && app->h->layers[TOPO_LAYER_DNS][0])
        return s_stub(app, name, addrs, max, n, canon, canon_cap);
    int rc = s_local(app, name, &addrs[0]);
    if (rc == 0)
        *n = 1;
    return rc;
}

int app_resolve(app_t *app, const char *name, uint32_t *addr)
{
    size_t n;
    return app_getaddrinfo(app, name, addr, 1, &n, NULL, 0);
}
