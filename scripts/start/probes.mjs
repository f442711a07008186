// Small checks of what is there: a TCP port that answers, a binary on PATH, a Docker
// engine, a NATS server's INFO line.
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

/** Full path of `binary` on PATH, or in the sbin directories a non-root PATH lacks. */
export function findBinary(binary) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = dir && path.join(dir, binary);
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Whether a Docker engine answers on DOCKER_HOST (unix or tcp) or the default socket. */
export function dockerEngineAnswers(env) {
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const target = host.startsWith('unix://')
    ? { socketPath: host.slice('unix://'.length) }
    : host.startsWith('tcp://')
      ? { host: new URL(host.replace('tcp://', 'http://')).hostname, port: Number(new URL(host.replace('tcp://', 'http://')).port || 2375) }
      : null;
  if (!target) return Promise.resolve({ ok: false, where: host });
  return new Promise((resolve) => {
    const request = http.get({ ...target, path: '/_ping', timeout: 1_500 }, (response) => {
      response.resume();
      resolve({ ok: response.statusCode === 200, where: host });
    });
    request.once('error', () => resolve({ ok: false, where: host }));
    request.once('timeout', () => (request.destroy(), resolve({ ok: false, where: host })));
  });
}

/** `<binary> --version`'s first line, or null if it does not run. */
export function versionOf(binary) {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : null;
}
