# Lesson: ARP on the link layer, before IP is involved.
say "Lesson: ARP resolution -- hosta asks who has 192.0.2.1 (the router)"
printf '\033[2m$ stackctl exec hosta arping -c 2 -i 0.2 router\033[0m\n'
sc exec hosta arping -c 2 -i 0.2 router
show arp hosta
show mac lan1
say "The merged per-layer trace of it (link and switch lines)"
sc trace --layer link | grep -E "who-has 192.0.2.1|is-at|arp" | head -12
sc trace --layer switch | grep -E "forward" | head -6
