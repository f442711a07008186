#!/usr/bin/env bash
# Brings up what the tests talk to: PostgreSQL and NATS (JetStream) as this machine kind
# starts them (idempotent), and a Docker engine (installed from Debian's packages if
# missing, started without a bridge: test containers use host or none networking).
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432 || { log "PostgreSQL did not come up"; exit 1; }

if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  log "starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
fi
for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 1; done
(exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null || { log "NATS did not come up"; exit 1; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# docker-compose (Debian's, v1.29): the compose file is validated by test/e2e/operations-compose.e2e-spec.ts
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
# Debian's Chromium: the board's browser test (test/e2e/board.e2e-spec.ts) drives it with playwright-core
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# bubblewrap: the runner sandboxes the agent with it (RUNNER_EXECUTION=sandbox; apps/runner/src/sandbox.int-spec.ts)
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (no bridge, no iptables)"
  nohup dockerd --bridge=none --iptables=false >/var/log/dockerd-ci.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info >/dev/null 2>&1 && log "docker engine up" || log "no docker engine: docker-driver tests will fail"
bash "$(dirname "$0")/../scripts/build-test-image.sh"   # the pool-manager tests' image; skipped without an engine
