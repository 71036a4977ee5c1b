#!/usr/bin/env bash
# Make sure the real components the test suite needs are present: a PostgreSQL server on
# 127.0.0.1:5432 with trust auth and a database `test`, and Debian's Chromium for browser tests.
# Starts or installs them where missing; exits non-zero (and so fails `make test`) if it cannot.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! pg_up; then
  echo "services: PostgreSQL is not answering on 127.0.0.1:5432; starting one"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "services: could not start PostgreSQL" >&2; exit 1; }
fi
if ! psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc 'create database test' >/dev/null
fi
echo "services: PostgreSQL ready at 127.0.0.1:5432"

if [ ! -x /usr/bin/chromium ]; then
  echo "services: installing Debian chromium for the browser tests"
  apt_install chromium
fi
[ -x /usr/bin/chromium ] || { echo "services: /usr/bin/chromium is missing" >&2; exit 1; }
if ! fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; then
  echo "services: installing a CJK font so Chinese labels render in the browser tests"
  apt_install fonts-wqy-microhei
fi
echo "services: Chromium ready at /usr/bin/chromium"

if ! command -v espeak-ng >/dev/null 2>&1; then
  echo "services: installing espeak-ng for the alerts' spoken WAV (GET /v1/alerts/{id}/audio)"
  apt_install espeak-ng
fi
command -v espeak-ng >/dev/null 2>&1 || { echo "services: espeak-ng is missing" >&2; exit 1; }
echo "services: espeak-ng ready"
