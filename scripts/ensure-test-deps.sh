#!/usr/bin/env bash
# Makes sure the system packages the tests need are installed, so no test is
# ever skipped for want of them:
#   - Debian's PostgreSQL server: the storage tests start a temporary server
#     from /usr/lib/postgresql/*/bin;
#   - Debian's Chromium: the browser tests drive it with playwright-core
#     (CHROMIUM_PATH overrides /usr/bin/chromium).
# As root, installs what is missing with apt-get; otherwise says what to
# install and fails. Fast and one line per package when all is there.
set -euo pipefail

have_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

chromium_path() {
  echo "${CHROMIUM_PATH:-/usr/bin/chromium}"
}

have_chromium() {
  [ -x "$(chromium_path)" ]
}

missing=()
have_postgres || missing+=(postgresql)
have_chromium || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: the tests need these Debian packages, which are not installed: ${missing[*]}" >&2
    echo "ensure-test-deps: install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    echo "ensure-test-deps: (or set STEPWISE_TEST_POSTGRES_URL to an existing PostgreSQL, CHROMIUM_PATH to a Chromium binary)" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing ${missing[*]} with apt-get (Chromium takes about a minute)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  # The tests start their own temporary servers: a packaged cluster holding
  # port 5432 is of no use, so stop it and keep it from starting at boot.
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
fi

if ! have_postgres; then
  echo "ensure-test-deps: no /usr/lib/postgresql/*/bin/pg_ctl after installing postgresql" >&2
  exit 1
fi
if ! have_chromium; then
  echo "ensure-test-deps: no Chromium at $(chromium_path) after installing chromium" >&2
  exit 1
fi
echo "ensure-test-deps: PostgreSQL ($(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ' | sed 's/ $//')), Chromium ($(chromium_path))"
