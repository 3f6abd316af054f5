#!/usr/bin/env bash
# The model registry suite against a real PostgreSQL server: starts a throwaway cluster on loopback (as a
# non-root user when run as root), runs test/registry/postgres-server.suite.ts with jest, stops the
# cluster and removes it. When no server can be started it prints "skipped: <reason>" and exits 0 (under CI=true, 1).
#
#   test/registry/postgres-server.sh            # from the repository root or anywhere
#   PG_BINDIR=/usr/lib/postgresql/17/bin test/registry/postgres-server.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  # In CI (.ci/run installs every prerequisite) a missing one is a failure: a suite that skips proves nothing.
  if [ "${CI:-}" = "true" ]; then
    echo "registry PostgreSQL server suite cannot run under CI: $*" >&2
    exit 1
  fi
  echo "registry PostgreSQL server suite skipped: $*"
  exit 0
}

# initdb, pg_ctl and psql of one installation: $PG_BINDIR, pg_config's, Debian's newest, then $PATH.
bindir=""
candidates=("${PG_BINDIR:-}")
command -v pg_config >/dev/null 2>&1 && candidates+=("$(pg_config --bindir)")
while IFS= read -r d; do candidates+=("$d"); done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r)
for d in "${candidates[@]}"; do
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ]; then bindir=$d; break; fi
done
if [ -z "$bindir" ]; then
  for tool in initdb pg_ctl psql; do command -v "$tool" >/dev/null 2>&1 || skip "no PostgreSQL server binaries ($tool not found; install Debian's postgresql or set PG_BINDIR)"; done
  bindir=$(dirname "$(command -v initdb)")
  psql_bin=$(command -v psql)
else
  psql_bin=$bindir/psql
fi
psql_major=$("$psql_bin" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
[ "$psql_major" -ge 15 ] || skip "psql $psql_major is too old: the registry scripts use \\getenv (psql 15 or newer)"
command -v wget >/dev/null 2>&1 || command -v busybox >/dev/null 2>&1 || skip "neither wget nor busybox is installed (the Job scripts call wget)"

# initdb refuses to run as root: run the server as an unprivileged user.
owner=$(id -un)
switch=""
if [ "$(id -u)" -eq 0 ]; then
  owner=""
  for u in postgres nobody; do id -u "$u" >/dev/null 2>&1 && { owner=$u; break; }; done
  [ -n "$owner" ] || skip "running as root and there is no 'postgres' or 'nobody' user to run the server"
  switch=$(command -v runuser || ls /usr/sbin/runuser /sbin/runuser 2>/dev/null | head -n 1 || true)
  [ -n "$switch" ] || switch=su
fi
as_owner() {
  if [ -z "$switch" ]; then
    "$@"
  elif [ "$switch" = su ]; then
    su -s /bin/bash "$owner" -c "$(printf '%q ' "$@")"
  else
    "$switch" -u "$owner" -- "$@"
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/registry-pg.XXXXXX")
chmod 755 "$work"
[ -z "$switch" ] || chown "$owner" "$work"
cleanup() {
  as_owner "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
password="registry-$(node -e "console.log(require('crypto').randomBytes(9).toString('hex'))")"
printf '%s\n' "$password" >"$work/pwfile"
[ -z "$switch" ] || chown "$owner" "$work/pwfile"

if ! as_owner "$bindir/initdb" -D "$work/data" -U registry_admin -E UTF8 --no-locale \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$work/pwfile" >"$work/initdb.log" 2>&1; then
  tail -n 20 "$work/initdb.log" >&2
  skip "initdb failed (log above)"
fi
if ! as_owner "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=off" start >/dev/null; then
  tail -n 20 "$work/server.log" >&2
  skip "the server did not start (log above)"
fi

server_version=$("$psql_bin" -X -At -h "$work" -p "$port" -U registry_admin -d postgres -c 'SHOW server_version')
# The registry connects as an ordinary role that owns its database, as in production; CREATEDB lets the
# suite make a fresh database per scenario.
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U registry_admin -d postgres \
  -v pw="$password" <<'SQL'
CREATE ROLE registry LOGIN CREATEDB PASSWORD :'pw';
CREATE DATABASE registry OWNER registry;
SQL
# A second role whose password holds every character a URL reserves, a backslash, a space and UTF-8: psql.sh
# must decode it exactly as libpq does.
odd_password="o@d:d/p%w?&#=\\ é-$(node -e "console.log(require('crypto').randomBytes(6).toString('hex'))")"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U registry_admin -d postgres \
  -v pw="$odd_password" <<'SQL'
CREATE ROLE registry_odd LOGIN PASSWORD :'pw';
SQL

# Prefer busybox's wget and timeout (what the postgres Alpine image has) when busybox is installed.
tools=$work/tools
mkdir -p "$tools"
ln -s "$psql_bin" "$tools/psql"
if command -v busybox >/dev/null 2>&1; then
  ln -s "$(command -v busybox)" "$tools/wget"
  ln -s "$(command -v busybox)" "$tools/timeout"
  fetcher="busybox wget"
else
  fetcher="$(wget --version 2>/dev/null | head -n 1)"
fi

echo "registry PostgreSQL server suite: server $server_version on 127.0.0.1:$port (run as $owner), psql $psql_major, $fetcher"
export REGISTRY_TEST_DATABASE_URL="postgresql://registry:$password@127.0.0.1:$port/registry"
export REGISTRY_TEST_TOOLS="$tools"
export REGISTRY_TEST_ODD_PASSWORD="$odd_password"
export REGISTRY_TEST_SERVER_VERSION="$server_version"
npx jest --ci --coverage=false --reporters=default --testMatch '<rootDir>/test/registry/postgres-server.suite.ts' "$@"
