#!/usr/bin/env bash
# Makes sure the system packages the tests need are installed, so no test is
# ever skipped for want of them. Today that is Debian's PostgreSQL server: the
# storage tests start a temporary server from /usr/lib/postgresql/*/bin.
# As root, installs what is missing with apt-get; otherwise says what to
# install and fails. Fast and silent-but-one-line when all is there.
set -euo pipefail

have_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if have_postgres; then
  echo "ensure-test-deps: PostgreSQL already installed ($(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ' | sed 's/ $//'))"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-test-deps: the storage tests need Debian's PostgreSQL server, which is not installed." >&2
  echo "ensure-test-deps: install it as root:  apt-get update && apt-get install -y postgresql" >&2
  echo "ensure-test-deps: (or set STEPWISE_TEST_POSTGRES_URL to an existing server and run the tests directly)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends postgresql >/dev/null

# The tests start their own temporary servers: a packaged cluster holding port
# 5432 is of no use, so stop it and keep it from starting at boot.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _; do
    pg_ctlcluster "$version" "$cluster" stop >/dev/null 2>&1 || true
    conf="/etc/postgresql/$version/$cluster/start.conf"
    [ -f "$conf" ] && echo manual >"$conf" || true
  done
fi
service postgresql stop >/dev/null 2>&1 || true
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now postgresql >/dev/null 2>&1 || true
fi

if ! have_postgres; then
  echo "ensure-test-deps: installed the postgresql package but found no /usr/lib/postgresql/*/bin/pg_ctl" >&2
  exit 1
fi
echo "ensure-test-deps: installed PostgreSQL ($(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ' | sed 's/ $//')) with apt-get; its default cluster is stopped"
