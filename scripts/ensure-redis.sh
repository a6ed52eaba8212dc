#!/usr/bin/env bash
# Make sure Debian's redis-server is installed (tests/test_jobs_backends.py starts throwaway servers of its own on
# a unix socket; the system service is neither needed nor started).  Installs with apt-get when missing.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

if command -v redis-server >/dev/null 2>&1; then
    echo "redis: found $(command -v redis-server)"
    exit 0
fi

SUDO=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && [ ${#SUDO[@]} = 0 ]; }; then
    echo "WARNING: redis-server is missing and cannot be installed (need apt-get and root or sudo);" >&2
    echo "         the Redis queue tests will be skipped. Install it with: apt-get install redis-server" >&2
    exit 0
fi
echo "redis: redis-server missing; installing Debian's redis-server package"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server; then
    echo "ERROR: installing the 'redis-server' package failed." >&2
    exit 1
fi
echo "redis: installed $(command -v redis-server)"
