# Lesson: DNS -- host -t A www.example.test from hosta: ns, the recursive
# resolver, walks root -> test. -> example.test. (iterative queries, each
# answered by a referral, then the answer); the repeat comes from ns's cache.
# Sourced by scripts/demo.sh (helpers: sc, say, show; $RUN is the run directory).
say "Lesson: DNS -- hosta looks up www.example.test; ns walks the hierarchy from the root"
printf '\033[2m$ stackctl exec hosta host -t A www.example.test\033[0m\n'
sc exec hosta host -t A www.example.test
say "The walk in the per-layer logs: one query to ns, three from ns (root, test., example.test.)"
printf '\033[2m$ stackctl trace --layer dns | grep -E "sock 1: [0-9]+\\+|encap|QUERY_RESP|FINISHED"\033[0m\n'
sc trace --layer dns | grep -E 'sock 1: [0-9]+\+|encap|QUERY_RESP|FINISHED' | cut -c 1-200 | head -20
say "Asked again: ns answers from its cache, with the TTL it has left, and asks nobody"
printf '\033[2m$ stackctl exec hosta dig +noall +answer www.example.test\033[0m\n'
sc exec hosta dig +noall +answer www.example.test
sc trace --host ns --layer dns | grep 'cache hit' | tail -1 | cut -c 1-200
show dns ns
