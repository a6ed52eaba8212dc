#!/usr/bin/env bash
# Make sure the system libraries WeasyPrint needs (Pango, HarfBuzz subsetting) and a Times-metric serif
# font with Vietnamese coverage (Liberation Serif 2, from fonts-liberation2) are installed.
# Installs only what is missing, with apt-get (sudo when not root); does nothing when all is present.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi

can_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1
}

# has_package NAME: the Debian package is installed.
has_package() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# has_library SONAME: the dynamic loader knows the library (whichever package brought it).
has_library() {
    ldconfig -p 2>/dev/null | grep -q "$1"
}

missing=()
has_library "libpango-1.0.so.0" || has_package libpango-1.0-0 || missing+=(libpango-1.0-0)
has_library "libpangoft2-1.0.so.0" || has_package libpangoft2-1.0-0 || missing+=(libpangoft2-1.0-0)
has_library "libharfbuzz-subset.so.0" || has_package libharfbuzz-subset0 || missing+=(libharfbuzz-subset0)
# Liberation Serif 2.x: Times New Roman metrics with Vietnamese glyphs (1.07 from fonts-liberation lacks them)
if ! has_package fonts-liberation2 \
        && ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=vi family | grep -q "Liberation Serif"; }; then
    missing+=(fonts-liberation2)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "pdf deps: Pango, HarfBuzz and Liberation Serif found; nothing to do"
    exit 0
fi

echo "pdf deps: missing ${missing[*]}"
if ! can_apt; then
    echo "ERROR: cannot install ${missing[*]} (need apt-get and root or sudo)." >&2
    echo "       Install them with: apt-get install ${missing[*]}" >&2
    exit 1
fi
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fontconfig "${missing[@]}"
if command -v fc-cache >/dev/null 2>&1; then
    fc-cache -f >/dev/null 2>&1 || true
fi
echo "pdf deps: installed ${missing[*]}"
