#!/usr/bin/env bash
# Make sure Debian's Chromium (used by the Playwright browser tests) is installed,
# plus a font with Vietnamese coverage.  Installs with apt-get when missing.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi

# can_apt: root, or non-root with sudo available.
can_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1
}

apt_updated=no
apt_install() {
    if [ "$apt_updated" = no ]; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        apt_updated=yes
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

if [ -x "$CHROMIUM" ]; then
    echo "chromium: found $CHROMIUM"
else
    echo "chromium: $CHROMIUM missing; installing Debian's chromium package"
    if ! can_apt; then
        echo "ERROR: $CHROMIUM is missing and cannot be installed (need apt-get and root or sudo)." >&2
        echo "       Install it with: apt-get install chromium" >&2
        exit 1
    fi
    if ! apt_install chromium || [ ! -x "$CHROMIUM" ]; then
        echo "ERROR: installing the 'chromium' package failed; $CHROMIUM is still missing." >&2
        exit 1
    fi
    echo "chromium: installed $CHROMIUM"
fi

# Fonts with Vietnamese coverage (optional: never fail on fonts).
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=vi family 2>/dev/null | head -1)" ]; then
    echo "fonts: Vietnamese coverage found ($(fc-list :lang=vi family 2>/dev/null | head -1))"
elif can_apt; then
    echo "fonts: no font with Vietnamese coverage found; installing fonts-dejavu-core"
    apt_install fontconfig fonts-dejavu-core \
        || echo "WARNING: could not install fonts-dejavu-core; Vietnamese text may render with missing glyphs" >&2
else
    echo "WARNING: no font with Vietnamese coverage detected and cannot install one (fonts-dejavu-core)" >&2
fi
exit 0
