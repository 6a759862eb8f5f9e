#!/bin/bash
# The committed docker-compose.yml is exactly what `stackctl compose
# topologies/default.yaml` generates (one source of truth: the topology file).
# Cheap: no containers. The full container test is `make compose-test`.
# Also: stackctl compose refuses paths outside the build context, and the
# tcp-mode up/down/status explain themselves without a native supervisor.
. tests/integration/lib.sh

cd "$LS_ROOT" || fail "no LS_ROOT"
"$STACKCTL" compose topologies/default.yaml > "$RUN/generated.yml" || fail "stackctl compose failed"
if ! diff -u docker-compose.yml "$RUN/generated.yml" > "$RUN/diff.txt"; then
    head -n 40 "$RUN/diff.txt"
    fail "docker-compose.yml is stale: regenerate with 'build/bin/stackctl compose topologies/default.yaml > docker-compose.yml'"
fi
pass "docker-compose.yml matches stackctl compose topologies/default.yaml"

# one container per layer process per host + switches + orchestrator (default:
# 6 hosts x 4 layers + the router's 2 + 3 switches + the orchestrator = 30)
n=$(awk '/^services:/ { s = 1; next } /^[a-z]/ { s = 0 } s && /^  [a-z0-9-]+:$/ { c++ } END { print c }' docker-compose.yml)
assert_eq "$n" 30 "services in docker-compose.yml"
assert_grep '^    internal: true$' docker-compose.yml
assert_grep '^        - subnet: 198\.18\.' docker-compose.yml

# a path the image build cannot COPY is refused with a clear one-line error
"$STACKCTL" compose /etc/passwd > /dev/null 2> "$RUN/err.txt" && fail "absolute path accepted"
assert_grep 'relative to the repository root' "$RUN/err.txt"

# tcp mode (inside the orchestrator container): no native supervisor
LS_ENDPOINTS=tcp "$STACKCTL" --run-dir "$RUN" down 2> "$RUN/down.txt" && fail "tcp down succeeded"
assert_grep "docker compose down" "$RUN/down.txt"
cp topologies/lan.yaml "$RUN/topology.yaml"
LS_ENDPOINTS=tcp timeout 20 "$STACKCTL" --run-dir "$RUN" status > "$RUN/status.txt" && fail "status ok with nothing up"
assert_grep '^hosta-link +- +down ' "$RUN/status.txt"
assert_grep '^0/7 services ready' "$RUN/status.txt"
pass "tcp-mode status probes every service of the topology"
