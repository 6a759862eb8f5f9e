#!/bin/bash
# 49-scenarios.sh -- every shipped lesson in tests/scenarios passes
# (`stackctl scenario run`), `scenario list` names them all, and a scenario
# whose expectation is wrong fails with the step and the regex named.
. "$(dirname "$0")/lib.sh"
cd "$LS_ROOT" || fail "no LS_ROOT"
"$STACKCTL" scenario list > "$RUN/list.txt" || fail "scenario list"
cat "$RUN/list.txt"
n=0
for f in tests/scenarios/*.yaml; do
    name=$(basename "$f" .yaml)
    grep -q "^$name " "$RUN/list.txt" || fail "scenario list lacks $name"
    # each lesson in its own short run directory (kept logs are removed by the trap with $RUN)
    rd="$RUN/$n"
    "$STACKCTL" scenario run "$f" --run-dir "$rd" > "$RUN/$name.out" 2>&1
    rc=$?
    cat "$RUN/$name.out"
    [ $rc -eq 0 ] || fail "scenario $name failed (exit $rc)"
    assert_grep "^scenario $name: PASS" "$RUN/$name.out"
    [ -s "$rd/log/hosta-link.log" ] || fail "scenario $name did not keep its logs"
    n=$((n + 1))
done
[ $n -ge 7 ] || fail "only $n scenarios shipped"

# a wrong expectation fails, naming the step's line and the regex
cat > "$RUN/wrong.yaml" <<'YAML'
name: wrong
description: expects a TTL the router never sends
topology: topologies/default.yaml
steps:
  - run: exec hosta ping -c 1 router
    expect: 'ttl=99'
YAML
"$STACKCTL" scenario run "$RUN/wrong.yaml" --run-dir "$RUN/w" > "$RUN/wrong.out" 2>&1 && fail "a wrong scenario passed"
cat "$RUN/wrong.out"
assert_grep 'wrong.yaml:5: no line \(in order\) matches /ttl=99/' "$RUN/wrong.out"
assert_grep '^scenario wrong: FAIL' "$RUN/wrong.out"
"$STACKCTL" --run-dir "$RUN/w" status > /dev/null 2>&1 && fail "the failed scenario left its run up"
printf 'name: bad\nsteps: [{run: x, frobnicate: 1}]\n' > "$RUN/bad.yaml"
"$STACKCTL" scenario run "$RUN/bad.yaml" > "$RUN/bad.out" 2>&1; [ $? -eq 2 ] || fail "bad file: exit != 2"
assert_grep "bad.yaml:2: unknown step key 'frobnicate'" "$RUN/bad.out"
pass "$n scenarios passed"
