/*
 * scenario.h -- lessons: a YAML file that runs a topology end to end with
 * faults, steps and expectations (format: docs/scenarios.md).
 *
 * Call chain: stackctl main -> cmd_scenario ("run FILE [--run-dir DIR]",
 * "list [DIR]") -> scenario_load (libyaml) -> run: `stackctl up`, `stackctl
 * fault add` per fault, then each step: `stackctl ARGS` as a child process
 * (output checked as an ordered subsequence of regexes), `stackctl trace`
 * (ordered subsequence, optionally with TCP sequence numbers made relative),
 * or a counter read over the service's ctl socket; finally `stackctl down`
 * (the run directory, logs and pcaps are kept).
 *
 * The parsing and matching helpers are pure and unit-tested
 * (tests/unit/test_scenario.c).
 */
#ifndef LS_SCENARIO_H
#define LS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#define SCN_TEXT_MAX 512

typedef enum { SCN_STEP_RUN = 0, SCN_STEP_TRACE, SCN_STEP_COUNTER } scn_step_kind_t;

typedef enum { SCN_OP_GE = 0, SCN_OP_LE, SCN_OP_GT, SCN_OP_LT, SCN_OP_EQ, SCN_OP_NE } scn_op_t;

typedef struct {
    scn_step_kind_t kind;
    int line;
    char title[SCN_TEXT_MAX];   /* optional "title:" */
    char text[SCN_TEXT_MAX];    /* run: the stackctl arguments; trace: extra trace arguments */
    int exit_code;              /* run: expected exit status, -1 = any (default 0) */
    char **expect;              /* run/trace: ordered subsequence of extended regexes */
    size_t nexpect;
    char **reject;              /* run/trace: regexes no line may match */
    size_t nreject;
    int relative_seq;           /* trace: TCP seq/ack relative to each direction's first */
    uint64_t within_ns;         /* trace/counter: keep trying this long (default 5 s); run: timeout (60 s) */
    char service[96];           /* counter */
    char counter[128];
    scn_op_t op;
    uint64_t value;
} scn_step_t;

typedef struct {
    char host_pipe_dir[SCN_TEXT_MAX]; /* "hosta net:link down" */
    char spec[SCN_TEXT_MAX];
    char seed[32];                    /* "" = the topology's seed */
    int line;
} scn_fault_t;

typedef struct {
    char path[512];
    char name[128];
    char description[SCN_TEXT_MAX];
    char topology[512];         /* as written */
    scn_fault_t *faults;
    size_t nfault;
    scn_step_t *steps;
    size_t nstep;
} scenario_t;

/* Load and validate; NULL with "FILE:LINE: reason" in err. */
scenario_t *scenario_load(const char *path, char *err, size_t errlen);
scenario_t *scenario_load_buf(const char *label, const char *text, size_t len, char *err, size_t errlen);
void scenario_destroy(scenario_t **self_p);

/* Parse "hostb-link eth.drop.bad_fcs >= 1" into the step; 0 / -1 + err. */
int scenario_parse_counter(const char *text, scn_step_t *step, char *err, size_t errlen);
/* Does value satisfy op against want? */
int scenario_op_holds(scn_op_t op, uint64_t value, uint64_t want);
const char *scenario_op_str(scn_op_t op);

/* Ordered subsequence: each regex must match a line of text, in order.
 * Returns -1 if all matched, else the index of the first pattern that did not
 * (err set for a bad regex, returning that index too). */
int scenario_match_subsequence(const char *text, char *const *pats, size_t npats, char *err, size_t errlen);
/* Index of the first pattern matching any line, or -1 if none does. */
int scenario_match_none(const char *text, char *const *pats, size_t npats, char *err, size_t errlen);

/* Rewrite TCP "seq N[:M]" and "ack K" in tcpdump-style lines relative to the
 * first sequence number seen per direction of each flow (a.b.c.d.P > e.f.g.h.Q),
 * like tcpdump without -S and packetdrill. Returns a malloc'd copy. */
char *scenario_relative_seq(const char *text);

/* Split a command line into words (single/double quotes, backslash escapes).
 * Returns the count, or -1 on an unterminated quote / too many words. The
 * words point into buf (a modified copy of line, size >= strlen(line)+1). */
int scenario_split(const char *line, char *buf, size_t cap, char **argv, int max);

#endif
