// What `npm start` checks before it builds or starts anything, each failure naming the
// cause and the fix: DATA_DIR writable and with room, no other `npm start` on that
// DATA_DIR, the gateway's port and the pool's ports free.
import { mkdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fail } from './output.mjs';
import { dockerPoolPorts, freePortsFrom, portIsFree } from './probes.mjs';

/** what the embedded Postgres (its server copy and data), the NATS store and the workspaces need at least */
const MIN_FREE_MB = 128;
const LOCK_FILE = 'npm-start.pid';

const WHY = {
  EROFS: 'a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'a part of the path is a file',
};

/** DATA_DIR exists (or can be made), takes a file, and has MIN_FREE_MB free. */
export function checkDataDir(dataDir) {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (error) {
    if (error.code === 'ENOSPC' || error.code === 'EDQUOT') failFull(dataDir, 0);
    fail(
      [
        `DATA_DIR ${dataDir} is not writable (${error.code}: ${WHY[error.code] ?? error.message}); npm start keeps the embedded Postgres, the NATS store and the workspaces there.`,
        '  Make it writable, or give npm start another directory:',
        '    DATA_DIR=$HOME/.orchestrator-manager npm start',
      ].join('\n'),
    );
  }
  const { bavail, bsize } = statfsSync(dataDir);
  const freeMb = Math.floor((Number(bavail) * Number(bsize)) / 2 ** 20);
  if (freeMb < MIN_FREE_MB) failFull(dataDir, freeMb);
}

function failFull(dataDir, freeMb) {
  fail(
    [
      `DATA_DIR ${dataDir} has ${freeMb} MB free; npm start needs at least ${MIN_FREE_MB} MB there (the embedded Postgres, the NATS store, the workspaces).`,
      `  Free some space on that disk (df -h "${dataDir}"), or give npm start a directory on a disk with room:`,
      '    DATA_DIR=/path/on/a/bigger/disk npm start',
    ].join('\n'),
  );
}

/**
 * Claims DATA_DIR for this `npm start` (DATA_DIR/npm-start.pid), or stops with the one
 * that holds it: two would share one embedded Postgres and one NATS store. A claim left by
 * a run that died is taken over. The claim goes when this process exits.
 */
export function claimDataDir(dataDir, port) {
  const file = path.join(dataDir, LOCK_FILE);
  for (;;) {
    try {
      writeFileSync(file, `${JSON.stringify({ pid: process.pid, port })}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = readClaim(file);
    if (holder === 'being written' || (holder && isNpmStart(holder.pid))) {
      const pid = holder === 'being written' ? '?' : holder.pid;
      const board = holder !== 'being written' && holder.port ? `; its board: http://127.0.0.1:${holder.port}/` : '';
      fail(
        [
          `npm start is already running on DATA_DIR ${dataDir} (pid ${pid}${board}).`,
          '  A second one there would share its embedded Postgres and NATS store, so this one stops without touching anything.',
          `  Use the running one, or stop it first (Ctrl-C in its terminal, or: kill -INT ${pid}), then run npm start again.`,
        ].join('\n'),
      );
    }
    rmSync(file, { force: true });
  }
  process.on('exit', () => {
    const claim = readClaim(file);
    if (claim && claim !== 'being written' && claim.pid === process.pid) rmSync(file, { force: true });
  });
}

/** The claim in `file`: { pid, port }, 'being written' (empty and fresh), or null (gone or unreadable and old). */
function readClaim(file) {
  try {
    const text = readFileSync(file, 'utf8');
    try {
      return JSON.parse(text);
    } catch {
      return Date.now() - statSync(file).mtimeMs < 5_000 ? 'being written' : null;
    }
  } catch {
    return null;
  }
}

/** Whether `pid` is alive and (where /proc tells) an `npm start` (scripts/start.mjs). */
function isNpmStart(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start.mjs');
  } catch {
    return true;
  }
}

/** The gateway's PORT and the pool's CONTAINER_PORT_START..END are free (the pool's own containers from an earlier run aside). */
export async function checkPorts(env) {
  const port = Number(env.PORT);
  const host = env.HOST || '127.0.0.1';
  const start = Number(env.CONTAINER_PORT_START || 8081);
  const end = Number(env.CONTAINER_PORT_END || 8083);
  const poolPorts = Number.isInteger(start) && Number.isInteger(end) && end >= start ? Array.from({ length: end - start + 1 }, (_, index) => start + index) : [];
  if (Number.isInteger(port) && !(await portIsFree(port, host))) {
    const free = await freePortsFrom(port + 1, 1, host, poolPorts);
    fail(
      [
        `port ${port} on ${host} (PORT: the gateway's board and API) is taken by another process.`,
        `  Stop it (\`ss -ltnp 'sport = :${port}'\` names it), or give the gateway a free port:`,
        `    PORT=${free} npm start`,
      ].join('\n'),
    );
  }
  const taken = [];
  for (const slotPort of poolPorts) if (!(await portIsFree(slotPort))) taken.push(slotPort);
  const ours = taken.length > 0 ? await dockerPoolPorts(env) : [];
  const foreign = taken.filter((slotPort) => !ours.includes(slotPort));
  if (foreign.length === 0) return;
  const count = poolPorts.length;
  const free = await freePortsFrom(end + 1, count, '127.0.0.1', [port]);
  fail(
    [
      `port${foreign.length > 1 ? 's' : ''} ${foreign.join(', ')} (in CONTAINER_PORT_START..CONTAINER_PORT_END, ${start}–${end}: one per pool slot, where the agent's BACKEND_URL points) ${foreign.length > 1 ? 'are' : 'is'} taken by another process.`,
      `  Stop it (\`ss -ltnp 'sport = :${foreign[0]}'\` names it), or give the pool ${count} free ports:`,
      `    CONTAINER_PORT_START=${free} CONTAINER_PORT_END=${free + count - 1} npm start`,
    ].join('\n'),
  );
}
