import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MessagingOptions, NatsClient } from '@app/messaging';
import { runMigrations } from '@app/persistence';
import { APP_NAMES, connectTestClient, createTestDatabase, dropTestStreams, eventually, messagingEnv, spawnApp, testMessagingOptions, type AppName, type AppProcess, type TestDatabase } from '@app/testing';

const ROOT = path.resolve(__dirname, '../..');
export const INSTANT_CLAUDE = path.join(ROOT, 'bench/fixtures/instant-claude.sh');
export const APPS = APP_NAMES;
export type { AppName };

export interface BenchSystem {
  baseUrl: string;
  messaging: MessagingOptions;
  client: NatsClient;
  database: TestDatabase;
  apps: Record<AppName, AppProcess>;
  /** stops the app (SIGTERM) and starts it again with the same environment; the new process is in `apps` */
  restart(app: AppName): Promise<AppProcess>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The four apps as separate processes from dist/, on streams and a database of their own. */
export async function startBenchSystem(options: { limit: number; poolSize: number; profileDir?: string }): Promise<BenchSystem> {
  const messaging = testMessagingOptions('bench');
  const client = await connectTestClient(messaging);
  const database = await createTestDatabase('bench');
  await runMigrations(database.url);
  const workspaces = await mkdtemp(path.join(tmpdir(), 'orch-bench-'));
  const port = await freePort();
  const portStart = 21_000;
  const common = { LOG_LEVEL: 'warn', WORKSPACES_DIR: workspaces };
  const env: Record<AppName, Record<string, string>> = {
    'pool-manager': { ...common, POOL_DRIVER: 'local', CONTAINER_POOL_SIZE: String(options.poolSize), CONTAINER_PORT_START: String(portStart), CONTAINER_PORT_END: String(portStart + options.poolSize - 1) },
    // the agent unconfined, as the peers run theirs: the figures are the system's own overhead; the
    // sandbox's cost per stage (a bwrap and a node forwarder started per stage) is measured apart
    runner: { ...common, CLAUDE_CLI_PATH: INSTANT_CLAUDE, CLAUDE_API_KEY: 'sk-ant-bench', RUNNER_LOG_BATCH_MS: '20', RUNNER_EXECUTION: process.env.BENCH_RUNNER_EXECUTION ?? 'host' },
    orchestrator: { ...common, ORCHESTRATOR_MAX_CONCURRENT: String(options.limit), ORCHESTRATOR_HEARTBEAT_TIMEOUT_S: '0' },
    gateway: { ...common, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1' },
  };
  const nodeArgs = (app: AppName) => (options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${app}.cpuprofile`]);
  const apps = Object.fromEntries(APPS.map((app) => [app, spawnApp(app, { ...messagingEnv(messaging, app), ...env[app] }, app, nodeArgs(app))])) as Record<AppName, AppProcess>;
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => ((await fetch(`${baseUrl}/health`).catch(() => null))?.ok ? true : undefined), 30_000, 'the gateway to answer /health');
  } catch (error) {
    for (const app of Object.values(apps)) await app.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${APPS.map((app) => `--- ${app}\n${apps[app].output().slice(-2_000)}`).join('\n')}`);
  }
  // the pool must have announced its slots before the first lease request
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    baseUrl,
    messaging,
    client,
    database,
    apps,
    async restart(app) {
      await apps[app].kill('SIGTERM');
      apps[app] = spawnApp(app, { ...messagingEnv(messaging, app), ...env[app] }, app, nodeArgs(app));
      return apps[app];
    },
    async stop() {
      for (const app of Object.values(apps)) await app.kill('SIGTERM');
      await dropTestStreams(client);
      await database.drop();
      await rm(workspaces, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process, in MiB. */
export async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

export async function api<T>(baseUrl: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
