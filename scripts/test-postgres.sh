#!/usr/bin/env bash
# Run the database tests (`pytest -m db`) against PostgreSQL.
#
# With REGISTRY_TEST_DATABASE_URL set, use that database as is.  Otherwise start a
# throwaway PostgreSQL cluster in a temporary directory (unix socket only, no TCP),
# run the tests against it and always stop it and remove the directory afterwards.
# Extra arguments are passed to pytest.  Exits with pytest's exit code.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTEST=.venv/bin/pytest

if [ -n "${REGISTRY_TEST_DATABASE_URL:-}" ]; then
    echo "postgres: using REGISTRY_TEST_DATABASE_URL from the environment"
    exec "$PYTEST" -m db "$@"
fi

PG_VERSION=15
PORT=${REGISTRY_PG_PORT:-54329}
export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi

# --- PostgreSQL binaries ------------------------------------------------------
find_bindir() {
    if [ -x "/usr/lib/postgresql/$PG_VERSION/bin/initdb" ]; then
        echo "/usr/lib/postgresql/$PG_VERSION/bin"
    else
        ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
    fi
}

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ] || [ ! -x "$BINDIR/initdb" ]; then
    echo "postgres: PostgreSQL server binaries not found; installing with apt-get"
    if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && [ ${#SUDO[@]} = 0 ]; }; then
        echo "ERROR: PostgreSQL is not installed and cannot be installed (need apt-get and root or sudo)." >&2
        echo "       Install postgresql-$PG_VERSION, or set REGISTRY_TEST_DATABASE_URL." >&2
        exit 1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$PG_VERSION" \
        || "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
    BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$BINDIR" ] || [ ! -x "$BINDIR/initdb" ]; then
        echo "ERROR: PostgreSQL installation failed (no /usr/lib/postgresql/*/bin/initdb)." >&2
        exit 1
    fi
fi
echo "postgres: using $BINDIR"

# --- who runs the server -------------------------------------------------------
# PostgreSQL refuses to run as root: as root, run it as the `postgres` user.
if [ "$(id -u)" = 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
        echo "postgres: creating system user 'postgres'"
        useradd -r -m postgres
    fi
    as_pg() {
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
        fi
    }
else
    as_pg() { "$@"; }
fi

# --- throwaway cluster ----------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/registry-pg.XXXXXX")
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$TMP"
    if ! as_pg test -w "$TMP"; then
        # e.g. TMPDIR inside a directory the postgres user cannot enter
        rm -rf "$TMP"
        TMP=$(mktemp -d /tmp/registry-pg.XXXXXX)
        chown postgres: "$TMP"
    fi
fi
DATA="$TMP/data"
SOCKDIR="$TMP"
LOG="$TMP/postgres.log"
STARTED=no

cleanup() {
    local rc=$?
    set +e
    if [ "$STARTED" = yes ]; then
        (cd "$TMP" && as_pg "$BINDIR/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null 2>&1) \
            || (cd / && as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1)
        echo "postgres: server stopped"
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

cd_tmp_as_pg() { (cd "$TMP" && as_pg "$@"); }

echo "postgres: initdb in $DATA"
if ! cd_tmp_as_pg "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1; then
    echo "postgres: initdb with --locale=C.UTF-8 failed; retrying with --no-locale"
    rm -rf "$DATA"
    if ! cd_tmp_as_pg "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale >"$TMP/initdb.log" 2>&1; then
        cat "$TMP/initdb.log" >&2
        echo "ERROR: initdb failed" >&2
        exit 1
    fi
fi

echo "postgres: starting on unix socket $SOCKDIR/.s.PGSQL.$PORT (no TCP)"
STARTED=yes
if ! cd_tmp_as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-k $SOCKDIR -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
    cat "$LOG" >&2 || true
    echo "ERROR: PostgreSQL did not start" >&2
    exit 1
fi

cd_tmp_as_pg "$BINDIR/createdb" -h "$SOCKDIR" -p "$PORT" -U postgres -O postgres registry_test

export REGISTRY_TEST_DATABASE_URL="postgresql+psycopg://postgres@/registry_test?host=$SOCKDIR&port=$PORT"
echo "postgres: REGISTRY_TEST_DATABASE_URL=$REGISTRY_TEST_DATABASE_URL"

# Fail early and clearly if the test process cannot reach the server.
.venv/bin/python - <<'PY'
import os
from sqlalchemy import create_engine, text
engine = create_engine(os.environ["REGISTRY_TEST_DATABASE_URL"])
with engine.connect() as conn:
    version = conn.execute(text("select current_setting('server_version')")).scalar_one()
    database = conn.execute(text("select current_database()")).scalar_one()
print(f"postgres: connected through SQLAlchemy/psycopg: PostgreSQL {version}, database {database}")
engine.dispose()
PY

set +e
"$PYTEST" -m db "$@"
rc=$?
set -e
exit "$rc"
