# lib.sh -- shared helpers for multi-process integration tests.
#
# Every test sources this first. It gives the test its own short run
# directory (Unix socket paths stop at 107 bytes) and a trap that brings the
# run down and removes the directory, whatever happens. Waits poll for a
# condition with a generous deadline; nothing sleeps a fixed time.
#
#   . tests/integration/lib.sh
#   ls_up topologies/default.yaml
#   ls_exec hosta ping -c 3 hostb
#   wait_for 10 "grep -q ... $RUN/log/hosta-net.log"
#   assert_grep 'ttl=63' "$OUT"
set -u
LS_ROOT=${LS_ROOT:-$(pwd)}
LS_BIN=${LS_BIN:-$LS_ROOT/build/bin}
STACKCTL="$LS_BIN/stackctl"
RUN=$(mktemp -d /tmp/ls.XXXXXX)
export LS_RUN_DIR="$RUN"
OUT="$RUN/out.txt"
_ls_failed=0

ls_cleanup() {
    "$STACKCTL" --run-dir "$RUN" down >/dev/null 2>&1 || true
    if [ "${LS_KEEP_RUN:-0}" = 1 ] || [ "$_ls_failed" = 1 ] && [ -n "${LS_KEEP_FAILED:-}" ]; then
        echo "run directory kept: $RUN"
    else
        rm -rf "$RUN"
    fi
}
trap ls_cleanup EXIT
trap 'exit 130' INT TERM

fail() { _ls_failed=1; echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# ls_up TOPOLOGY: bring a topology up in this test's run directory.
ls_up() { "$STACKCTL" --run-dir "$RUN" up "$@" || fail "stackctl up $*"; }
# ls_ctl ARGS: stackctl against this run.
ls_ctl() { "$STACKCTL" --run-dir "$RUN" "$@"; }
# ls_exec HOST CMD...: run an app on a simulated host; output also in $OUT.
ls_exec() { "$STACKCTL" --run-dir "$RUN" exec "$@" 2>&1 | tee "$OUT"; return "${PIPESTATUS[0]}"; }

# wait_for SECONDS COMMAND: poll COMMAND (every 50 ms) until it succeeds.
wait_for() {
    local limit=$1; shift
    local end=$(( $(date +%s%N) + limit * 1000000000 ))
    while ! eval "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.05   # polling interval of a readiness wait, not a fixed delay
    done
}

assert_grep() { grep -qE -- "$1" "$2" || { echo "--- $2:"; tail -n 30 "$2"; fail "expected /$1/ in $2"; }; }
assert_no_grep() { ! grep -qE -- "$1" "$2" || fail "unexpected /$1/ in $2"; }
assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: '$1' != '$2'"; }

# counter SERVICE NAME: print a counter's value (0 if absent).
counter() {
    ls_ctl stats "$1" 2>/dev/null | awk -v grp="${2%%.*}" -v key="${2#*.}" '
        /^  [a-z_0-9]+:$/ { g = $1; sub(":", "", g) }
        g == grp && $1 == key { print $2; found = 1; exit }
        END { if (!found) print 0 }'
}

# assert_subsequence FILE PATTERN...: each extended regex must match a line,
# in this order (other lines may come between): traces are checked as
# ordered subsequences, never as exact logs.
assert_subsequence() {
    local file=$1; shift
    local i=0 line
    local -a pats=("$@")
    while IFS= read -r line && [ $i -lt ${#pats[@]} ]; do
        if [[ "$line" =~ ${pats[$i]} ]]; then i=$((i+1)); fi
    done < "$file"
    [ $i -ge ${#pats[@]} ] || fail "trace in $file lacks (in order) pattern #$((i+1)): ${pats[$i]}"
}
