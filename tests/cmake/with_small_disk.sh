#!/bin/sh
# flytecache — runs a command with FLYTECACHE_SMALL_DISK naming a fresh, small tmpfs mounted in a
# private mount namespace (gone when the command ends, whatever happens), for the full-disk tests.
# Exit 77 (CTest's skip) where no filesystem can be mounted: not root, or no unshare/mount.
# SPDX-License-Identifier: MIT
set -u
size=${FLYTECACHE_SMALL_DISK_SIZE:-6m}
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
    echo "skipped: mounting a small tmpfs needs root and unshare (util-linux)"
    exit 77
fi
exec unshare --mount --propagation private sh -c '
    dir=$(mktemp -d) || exit 1
    if ! mount -t tmpfs -o "size=$0" tmpfs "$dir"; then
        echo "skipped: this machine cannot mount a tmpfs"
        exit 77
    fi
    FLYTECACHE_SMALL_DISK="$dir" "$@"
' "$size" "$@"
