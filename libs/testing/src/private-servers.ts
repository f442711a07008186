import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testAuthorization } from './nats-accounts';

/**
 * NATS and Postgres servers private to one test suite, on their own ports and stores, so a
 * suite can stop, kill and restart them without disturbing any other suite.
 */

const PG_BIN = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const NATS_BIN = process.env.TEST_NATS_SERVER_BIN ?? 'nats-server';

export interface PrivateServer {
  /** what clients connect to */
  url: string;
  port: number;
  /** where the server keeps its data across restarts */
  dataDir: string;
  readonly running: boolean;
  /** stops the server, keeping its data: SIGTERM is a clean shutdown, SIGKILL a crash */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** starts it again on the same port, over the same data; resolves once it serves */
  start(): Promise<void>;
  /** stops it and deletes its data */
  destroy(): Promise<void>;
}

export interface PrivateNatsServer extends PrivateServer {
  /** everything the server printed since it was first started */
  output(): string;
  /** whether the server runs and knows the JetStream meta leader of its cluster (a single server is its own) */
  hasMetaLeader(): Promise<boolean>;
}

/** A free TCP port on 127.0.0.1, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `check` passes, polling every 100 ms, or fails after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.connect(port, '127.0.0.1');
  });

export interface PrivateNatsOptions {
  /**
   * The server's `authorization { ... }` block; default: the test users (each app's, with
   * its allow-lists, and `test`); null: no authorization (anyone may do anything).
   */
  authorization?: string | null;
  /** the server's environment beyond this process's, e.g. the passwords a config file names as `$VARIABLE` */
  env?: Record<string, string>;
  /** bytes JetStream's file store may hold (`jetstream { max_file_store }`); default: the server's own (75 % of the disk's free space) */
  maxFileStore?: number;
  /** the client port (default: a free one) */
  port?: number;
  /** a node of a cluster: its name, its route port and the other nodes' route ports */
  cluster?: { name: string; serverName: string; routePort: number; peerRoutePorts: readonly number[] };
}

/**
 * A nats-server with JetStream on its own client port, its file store (`-sd`) in a temp
 * directory that survives `stop()`/`start()`, and the test users unless told otherwise.
 * Ready means `/healthz` says JetStream is up.
 */
export async function startPrivateNats(options: PrivateNatsOptions = {}): Promise<PrivateNatsServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'orch-nats-'));
  const port = options.port ?? (await freePort());
  const monitorPort = await freePort();
  const authorization = options.authorization === undefined ? testAuthorization() : options.authorization;
  const configFile = path.join(dataDir, 'nats.conf');
  const jetstream = options.maxFileStore === undefined ? '' : `\njetstream { max_file_store: ${options.maxFileStore} }\n`;
  const { cluster } = options;
  const routes = cluster?.peerRoutePorts.map((peer) => `"nats-route://127.0.0.1:${peer}"`).join(', ');
  const clustering = cluster ? `\nserver_name: ${JSON.stringify(cluster.serverName)}\ncluster {\n  name: ${JSON.stringify(cluster.name)}\n  listen: "127.0.0.1:${cluster.routePort}"\n  routes: [${routes}]\n}\n` : '';
  await writeFile(configFile, `${authorization ?? ''}${jetstream}${clustering}`, { mode: 0o600 });
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const server: PrivateNatsServer = {
    url: `nats://127.0.0.1:${port}`,
    output: () => output,
    async hasMetaLeader() {
      if (!child) return false;
      const response = await fetch(`http://127.0.0.1:${monitorPort}/jsz`).catch(() => null);
      if (!response?.ok) return false;
      const jsz = (await response.json()) as { meta_cluster?: { leader?: string } };
      return cluster === undefined || Boolean(jsz.meta_cluster?.leader);
    },
    port,
    dataDir,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) return;
      const started = spawn(NATS_BIN, ['-c', configFile, '-js', '-sd', path.join(dataDir, 'store'), '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...options.env },
      });
      started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      child = started;
      exited.then(() => {
        if (child === started) child = null;
      });
      await waitFor(
        async () => {
          if (child !== started) throw new Error('exited');
          const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
          return response.ok;
        },
        15_000,
        `the private nats-server on ${port} to serve JetStream:\n${output}`,
      );
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      if (!running) return;
      running.kill(signal);
      await exited;
      child = null;
    },
    async destroy() {
      await server.stop('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface PrivateNatsCluster {
  /** every node's client URL, comma-separated: what NATS_URL is given */
  url: string;
  nodes: PrivateNatsServer[];
  /** the node by its `server_name` (`n1`, `n2`, …) */
  node(serverName: string): PrivateNatsServer;
  /** stops and deletes every node */
  destroy(): Promise<void>;
}

/**
 * A JetStream cluster of `size` nats-servers on 127.0.0.1 (named `n1`…), each with its own
 * client, route and monitor ports and its own store, routed to each other, with the test
 * users. Ready once every node sees a JetStream meta leader.
 */
export async function startPrivateNatsCluster(size = 3, options: Omit<PrivateNatsOptions, 'port' | 'cluster'> = {}): Promise<PrivateNatsCluster> {
  const name = `orch-test-${Math.random().toString(36).slice(2, 8)}`;
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort() })));
  const nodes = await Promise.all(
    ports.map(({ client, route }, index) =>
      startPrivateNats({
        ...options,
        port: client,
        cluster: { name, serverName: `n${index + 1}`, routePort: route, peerRoutePorts: ports.filter((_, other) => other !== index).map((peer) => peer.route) },
      }),
    ),
  );
  const byName = new Map(nodes.map((node, index) => [`n${index + 1}`, node]));
  const cluster: PrivateNatsCluster = {
    url: nodes.map((node) => node.url).join(','),
    nodes,
    node(serverName) {
      const node = byName.get(serverName);
      if (node === undefined) throw new Error(`no node ${serverName} in the cluster (${[...byName.keys()].join(', ')})`);
      return node;
    },
    async destroy() {
      await Promise.all(nodes.map((node) => node.destroy()));
    },
  };
  try {
    await waitFor(async () => (await Promise.all(nodes.map((node) => node.hasMetaLeader()))).every(Boolean), 30_000, `a JetStream meta leader in the cluster ${name}`);
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

export interface PrivatePostgres extends PrivateServer {
  /** the `postgres` database as superuser `postgres` (trust auth): an admin URL for `createTestDatabase` */
  adminUrl: string;
}

/** Runs a Postgres binary as the `postgres` OS user when we are root (Postgres refuses root). */
function runPg(binary: string, args: string[]): string {
  const command = path.join(PG_BIN, binary);
  const asRoot = process.getuid?.() === 0;
  try {
    return execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

function postgresOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
  return { uid: uid ?? 0, gid: gid ?? 0 };
}

/**
 * A Postgres cluster of its own: `initdb` into a temp directory (owned by `postgres` when we
 * are root), trust auth, listening on 127.0.0.1 on its own port, its socket in its own
 * directory. `stop('SIGKILL')` is `pg_ctl stop -m immediate` (a crash: recovery on start).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await mkdtemp(path.join(tmpdir(), 'orch-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  await mkdir(socketDir);
  const owner = postgresOwner();
  if (owner) {
    await chown(root, owner.uid, owner.gid);
    await chown(socketDir, owner.uid, owner.gid);
  }
  runPg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  let running = false;

  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      runPg('pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(root, 'postgres.log'), '-w', '-t', '30', 'start']);
      running = true;
      await waitFor(() => portAnswers(port), 10_000, `the private postgres on ${port}`);
    },
    async stop(signal = 'SIGTERM') {
      if (!running) return;
      runPg('pg_ctl', ['-D', dataDir, '-m', signal === 'SIGKILL' ? 'immediate' : 'fast', '-w', '-t', '30', 'stop']);
      running = false;
    },
    async destroy() {
      await server.stop('SIGKILL').catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
