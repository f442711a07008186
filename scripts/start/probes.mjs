// Small checks of what is there: a TCP port that answers or is free, a binary on PATH, a
// Docker engine and its images, a NATS server's INFO line, a Postgres server's handshake.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/** host and port of a URL (the first of a comma-separated list), with a default port. */
export function endpointOf(url, defaultPort) {
  const parsed = new URL(url.split(',')[0].trim());
  return { host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

export function isLocalHost(host) {
  return ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(host);
}

/** Resolves to the first line the server sent within `timeoutMs` ('' if none), or null if nothing answers. */
export function firstLine({ host, port }, timeoutMs = 1_500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    let connected = false;
    const finish = (value) => (socket.destroy(), resolve(value));
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.includes('\n')) finish(received.split('\n')[0]);
    });
    socket.once('error', () => finish(connected ? received : null));
    socket.once('timeout', () => finish(connected ? received : null));
    socket.once('end', () => finish(connected ? received : null));
  });
}

export function answers(endpoint, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint);
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** Whether nothing holds `port` on `host`: a listen there succeeds. */
export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free ports from `from` on (searching up to 200 ports on), none of them in `avoid`, or null. */
export async function freePortsFrom(from, count = 1, host = '127.0.0.1', avoid = []) {
  for (let first = from; first + count - 1 <= Math.min(65_535, from + 200); first++) {
    let free = true;
    for (let port = first; free && port < first + count; port++) free = !avoid.includes(port) && (await portIsFree(port, host));
    if (free) return first;
  }
  return null;
}

/** Whether what answers at `endpoint` speaks Postgres: it answers an SSLRequest with one byte, S or N. */
export function speaksPostgres(endpoint, timeoutMs = 1_500) {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint);
    const finish = (value) => (socket.destroy(), resolve(value));
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once('data', (chunk) => finish(chunk.length === 1 && (chunk[0] === 0x53 || chunk[0] === 0x4e)));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
    socket.once('end', () => finish(false));
  });
}

/** The NATS server's INFO (parsed), or null when nothing NATS-like answers. */
export async function natsInfo(endpoint) {
  const line = await firstLine(endpoint);
  if (!line?.startsWith('INFO ')) return null;
  try {
    return JSON.parse(line.slice(5));
  } catch {
    return null;
  }
}

/** Where findBinary looks: PATH, then the sbin directories a non-root PATH lacks. */
export function binarySearchDirs() {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return [...new Set(dirs)];
}

/** Full path of `binary` in binarySearchDirs(), or null. */
export function findBinary(binary) {
  for (const dir of binarySearchDirs()) {
    const candidate = path.join(dir, binary);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** GET `route` from the Docker engine on DOCKER_HOST (unix or tcp) or the default socket: { status, body } or null if none answers. */
function dockerGet(env, route) {
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const tcp = host.startsWith('tcp://') ? new URL(host.replace('tcp://', 'http://')) : null;
  const target = host.startsWith('unix://') ? { socketPath: host.slice('unix://'.length) } : tcp ? { host: tcp.hostname, port: Number(tcp.port || 2375) } : null;
  if (!target) return Promise.resolve(null);
  return new Promise((resolve) => {
    const request = http.get({ ...target, path: route, timeout: 1_500 }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.once('error', () => resolve(null));
    request.once('timeout', () => (request.destroy(), resolve(null)));
  });
}

/** Whether a Docker engine answers on DOCKER_HOST (unix or tcp) or the default socket. */
export async function dockerEngineAnswers(env) {
  const where = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  return { ok: (await dockerGet(env, '/_ping'))?.status === 200, where };
}

/** Whether the Docker engine has `image`. */
export async function dockerHasImage(env, image) {
  return (await dockerGet(env, `/images/${encodeURIComponent(image)}/json`))?.status === 200;
}

/** The ports the pool's own containers (an earlier run's slots, labelled orch.app=orchestrator-manager) hold. */
export async function dockerPoolPorts(env) {
  const filters = encodeURIComponent(JSON.stringify({ label: ['orch.app=orchestrator-manager'] }));
  const response = await dockerGet(env, `/containers/json?filters=${filters}`);
  if (response?.status !== 200) return [];
  try {
    return JSON.parse(response.body).map((container) => Number(container.Labels?.['orch.port'])).filter(Number.isInteger);
  } catch {
    return [];
  }
}

/** `<binary> --version`'s first line, or null if it does not run. */
export function versionOf(binary) {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : null;
}
