#!/usr/bin/env bash
# Make sure what the suite needs is there: PostgreSQL up (the suite creates its own databases)
# and Debian's Chromium for the browser tests (Playwright cannot download its own here).
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is down; starting it" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
# Pango and the fonts the PDF documents need (tests/documents renders them).
bash "$(dirname "$0")/ensure-system-packages.sh"
if ! [ -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version
# NATS with JetStream on 127.0.0.1:4222 for the broker tests (tests/broker): started if down;
# its INFO line must say JetStream is on, or the suite stops here (never skips those tests).
nats_info() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222 && head -n1 <&3' 2>/dev/null || true; }
if [ -z "$(nats_info)" ] && command -v nats-server >/dev/null; then
  echo "NATS is down; starting it" >&2
  store="${NATS_STORE:-/var/lib/nats-server}"
  mkdir -p "$store"
  nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "$store" >/dev/null 2>&1 &
  for _ in $(seq 1 30); do [ -n "$(nats_info)" ] && break; sleep 0.5; done
fi
if ! nats_info | grep -q '"jetstream":true'; then
  echo "no NATS with JetStream on 127.0.0.1:4222 (the broker tests need it)" >&2
  exit 1
fi
echo "NATS JetStream on 127.0.0.1:4222"
