#!/usr/bin/env bash
# container-setup.sh -- make this machine able to build and run the compose
# deployment with podman: packages, engine configuration, base image.
#
# Call chain: scripts/compose-test.sh (make compose-test) -> this script.
# Also usable alone: `scripts/container-setup.sh` (idempotent; a second run
# on the same machine takes about a second).
#
# Steps (see docs/compose.md, "Running it with podman"):
#  1. Debian packages: podman podman-compose runc debootstrap docker-compose
#     (docker-compose only validates the file statically: `docker-compose config`).
#  2. /etc/containers/containers.conf: runc instead of crun (crun refuses this
#     machine's hybrid cgroups), cgroupfs manager, no default ulimits (podman's
#     defaults exceed the hard limits here). An existing different file is
#     kept as containers.conf.layerstack-bak.
#  3. The base image the Dockerfile's FROM names, without a registry:
#     debootstrap --variant=minbase bookworm from the machine's own apt mirror,
#     cached as a tarball under $LS_CACHE (default /var/cache/layerstack), then
#     `podman import` as localhost/debian:bookworm-slim and tagged
#     docker.io/library/debian:bookworm-slim.
set -euo pipefail

LS_CACHE=${LS_CACHE:-/var/cache/layerstack}
BASE_TAR="$LS_CACHE/debian-bookworm-minbase.tar"
BASE_IMG=docker.io/library/debian:bookworm-slim

say() { echo "container-setup: $*"; }
die() { echo "container-setup: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs packages, writes /etc/containers)"

# ---- 1. packages
need=()
for p in podman podman-compose runc debootstrap docker-compose; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi

# ---- 2. engine configuration
conf=/etc/containers/containers.conf
want='# written by layerstack scripts/container-setup.sh
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"'
mkdir -p /etc/containers
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
    [ -f "$conf" ] && cp "$conf" "$conf.layerstack-bak"
    printf '%s\n' "$want" > "$conf"
    say "wrote $conf"
fi

# ---- 3. base image
if ! podman image exists "$BASE_IMG"; then
    mkdir -p "$LS_CACHE"
    if [ ! -s "$BASE_TAR" ]; then
        mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        [ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
        [ -n "$mirror" ] || die "cannot find the Debian mirror in the apt configuration"
        root=$(mktemp -d /tmp/ls-rootfs.XXXXXX)
        say "debootstrap minbase bookworm from $mirror (about 30-60 s)"
        if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
            tail -n 20 "$root.log" >&2
            rm -rf "$root" "$root.log"
            die "debootstrap failed"
        fi
        # the image's apt must use the same mirror (not a hard-coded one)
        tar -C "$root" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
        rm -rf "$root" "$root.log"
        say "cached base root file system in $BASE_TAR"
    else
        say "reusing cached $BASE_TAR"
    fi
    podman import -q "$BASE_TAR" localhost/debian:bookworm-slim >/dev/null
    podman tag localhost/debian:bookworm-slim "$BASE_IMG"
    say "imported $BASE_IMG"
fi
say "ready: $(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null), base image $BASE_IMG"
