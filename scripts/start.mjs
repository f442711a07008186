#!/usr/bin/env node
// `npm start`: builds if needed, makes sure NATS and Postgres answer (starting a local
// nats-server from PATH if none does), runs the migrations, starts the four apps with
// their logs prefixed, and prints the gateway's URL. Ctrl-C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
env.NATS_URL ??= 'nats://127.0.0.1:4222';
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
env.PORT ??= '3000';
env.WORKSPACES_DIR ??= path.join(root, '.data', 'workspaces');
const children = [];
let stopping = false;

function say(message) {
  process.stdout.write(`[start] ${message}\n`);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const marker = path.join(root, 'dist/apps/gateway/src/main.js');
  const sources = Math.max(...['apps', 'libs', 'migrations'].map((dir) => newestMtime(path.join(root, dir))));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  say('building…');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function reachable(url, fallbackPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || fallbackPort) });
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).stdout.trim() || null;
}

function run(name, command, args, extraEnv = {}) {
  const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${name.padEnd(12)}| `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); stopping everything`);
    stop(1);
  });
  children.push(child);
  return child;
}

async function ensureNats() {
  if (await reachable(env.NATS_URL, 4222)) return say(`NATS at ${env.NATS_URL}`);
  const binary = onPath('nats-server');
  if (!binary) {
    say(`no NATS answers at ${env.NATS_URL} and there is no nats-server on PATH.`);
    say('Install one (Debian: apt-get install nats-server) or set NATS_URL to a server with JetStream.');
    process.exit(1);
  }
  const store = path.join(root, '.data', 'nats');
  mkdirSync(store, { recursive: true });
  const { port } = new URL(env.NATS_URL);
  say(`starting ${binary} with JetStream, store in ${store}`);
  run('nats', binary, ['-a', '127.0.0.1', '-p', port || '4222', '-js', '-sd', store]);
  for (let i = 0; i < 50 && !(await reachable(env.NATS_URL, 4222)); i += 1) await new Promise((r) => setTimeout(r, 100));
}

async function ensurePostgres() {
  if (await reachable(env.DATABASE_URL, 5432)) return say(`Postgres at ${env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`);
  say(`no Postgres answers at DATABASE_URL (${env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}); set DATABASE_URL to a reachable server.`);
  process.exit(1);
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const child of children.reverse()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(code);
  }, 5_000).unref();
  Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve))))).then(() => process.exit(code));
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

buildIfNeeded();
await ensureNats();
await ensurePostgres();
const migrated = spawnSync(process.execPath, [path.join(root, 'scripts/migrate.mjs')], { stdio: 'inherit', env });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
for (const app of ['pool-manager', 'runner', 'orchestrator', 'gateway']) {
  run(app, process.execPath, ['--enable-source-maps', path.join(root, `dist/apps/${app}/src/main.js`)]);
}
say(`board and API: http://127.0.0.1:${env.PORT}/ (API under /api, health at /health). Ctrl-C stops everything.`);
