#!/usr/bin/env bash
# Builds the pool-manager's test container image locally (no registry needed): a scratch
# image holding a static busybox that serves HTTP on $PORT (default 3000) and answers its
# own health check. Idempotent: a build is skipped when an image with the same recipe exists.
#   bash scripts/build-test-image.sh [image]   (default orch-pool-test:latest)
set -euo pipefail

image="${1:-${TEST_CONTAINER_IMAGE:-orch-pool-test:latest}}"
log() { printf '[test-image] %s\n' "$*"; }

if ! docker info >/dev/null 2>&1; then
  log "no docker engine answers: skipping $image"
  exit 0
fi

is_static() { [ -n "$1" ] && [ -x "$1" ] && { ldd "$1" 2>&1 || true; } | grep -q 'not a dynamic executable'; }
busybox_bin="$(command -v busybox || true)"
if ! is_static "$busybox_bin"; then
  log "installing busybox-static"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  busybox_bin="$(command -v busybox)"
  is_static "$busybox_bin" || { log "$busybox_bin is not static"; exit 1; }
fi

dockerfile='FROM scratch
COPY busybox /bin/busybox
COPY busybox /bin/sh
COPY www /www
ENV PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD /bin/busybox wget -q -O /dev/null "http://127.0.0.1:${PORT}/"
CMD ["/bin/sh", "-c", "exec /bin/busybox httpd -f -p \"${PORT}\" -h /www"]'

recipe="$( (printf '%s' "$dockerfile"; sha256sum "$busybox_bin" | cut -d' ' -f1) | sha256sum | cut -c1-16)"
if [ "$(docker image inspect --format '{{ index .Config.Labels "orch.test-image.recipe" }}' "$image" 2>/dev/null || true)" = "$recipe" ]; then
  log "$image is up to date ($recipe)"
  exit 0
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$busybox_bin" "$context/busybox"
mkdir -p "$context/www"
printf 'ok\n' >"$context/www/index.html"
printf '%s\nLABEL orch.test-image.recipe="%s"\n' "$dockerfile" "$recipe" >"$context/Dockerfile"
log "building $image ($recipe)"
DOCKER_BUILDKIT=0 docker build --network none -q -t "$image" "$context" >/dev/null 2>&1 \
  || DOCKER_BUILDKIT=0 docker build --network none -t "$image" "$context"
log "built $image"
