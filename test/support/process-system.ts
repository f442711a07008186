import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MessagingOptions, NatsClient } from '@app/messaging';
import { runMigrations } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/database';
import { freePortBlock } from '../../libs/testing/src/docker';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH } from '../../libs/testing/src/fixtures';
import { connectTestClient, dropTestStreams, eventually, testMessagingOptions } from '../../libs/testing/src/nats';
import { freePort } from '../../libs/testing/src/private-servers';
import { APP_NAMES, messagingEnv, spawnApp, type AppName, type AppProcess } from '../../libs/testing/src/processes';

export { APP_NAMES, type AppName };

export interface ProcessSystemOptions {
  /** ORCHESTRATOR_MAX_CONCURRENT; also the pool's size unless `poolSize` says otherwise */
  limit?: number;
  poolSize?: number;
  /** CLAUDE_CLI_PATH (default: the fake CLI) */
  cliPath?: string;
  /** CLAUDE_API_KEY */
  apiKey?: string;
  natsUrl?: string;
  /** NATS_STREAM_REPLICAS of every app and the test's client: 3 on a cluster (default 1) */
  replicas?: number;
  databaseAdminUrl?: string;
  /** extra environment for every app, then per app */
  env?: Record<string, string>;
  appEnv?: Partial<Record<AppName, Record<string, string>>>;
  /** apps not to start (the test starts them itself, with `start`) */
  without?: readonly AppName[];
}

export interface ProcessSystem {
  baseUrl: string;
  messaging: MessagingOptions;
  client: NatsClient;
  database: TestDatabase;
  workspacesDir: string;
  poolId: string;
  /** the running (or last) process of each app, by name */
  apps: Map<string, AppProcess>;
  /** starts one more process of `app` (name defaults to the app's) with the system's env plus `env` */
  start(app: AppName, env?: Record<string, string>, name?: string): AppProcess;
  /** every line every process printed, in the order they were started */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The four apps as real processes from dist/ (call `buildApps()` first), on streams, a
 * database and a workspace directory of their own. Each app can be killed and started again.
 */
export async function startProcessSystem(options: ProcessSystemOptions = {}): Promise<ProcessSystem> {
  const messaging = { ...testMessagingOptions('processes', options.natsUrl), replicas: options.replicas ?? 1 };
  const client = await connectTestClient(messaging);
  const database = await createTestDatabase('faults', options.databaseAdminUrl);
  await runMigrations(database.url);
  const workspacesDir = await mkdtemp(path.join(tmpdir(), 'orch-proc-'));
  const port = await freePort();
  const limit = options.limit ?? 2;
  const poolSize = options.poolSize ?? Math.max(limit, 3);
  const portStart = await freePortBlock(poolSize);
  const poolId = `p${randomBytes(4).toString('hex')}`;
  const common = { LOG_LEVEL: 'info', LOG_FORMAT: 'json', WORKSPACES_DIR: workspacesDir, NATS_STREAM_REPLICAS: String(messaging.replicas), ...options.env };
  const env: Record<AppName, Record<string, string>> = {
    'pool-manager': {
      POOL_ID: poolId,
      POOL_DRIVER: 'local',
      CONTAINER_POOL_SIZE: String(poolSize),
      CONTAINER_PORT_START: String(portStart),
      CONTAINER_PORT_END: String(portStart + poolSize - 1),
    },
    runner: { CLAUDE_CLI_PATH: options.cliPath ?? FAKE_CLAUDE_PATH, CLAUDE_API_KEY: options.apiKey ?? 'sk-ant-test-key', RUNNER_LOG_BATCH_MS: '50', RUNNER_KILL_GRACE_MS: '1000', AGENT_ENV_PASSTHROUGH: FAKE_CLAUDE_ENV.join(','), RUNNER_EXECUTION: 'host' },
    orchestrator: { ORCHESTRATOR_MAX_CONCURRENT: String(limit), ORCHESTRATOR_RETRY_BACKOFF_BASE_MS: '100', ORCHESTRATOR_RETRY_BACKOFF_MAX_MS: '1000' },
    gateway: { DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1' },
  };
  const apps = new Map<string, AppProcess>();
  const started: AppProcess[] = [];
  const start = (app: AppName, extra: Record<string, string> = {}, name: string = app) => {
    const process = spawnApp(app, { ...messagingEnv(messaging, app), ...common, ...env[app], ...options.appEnv?.[app], ...extra }, name);
    apps.set(name, process);
    started.push(process);
    return process;
  };
  const stop = async () => {
    for (const process of [...started].reverse()) await process.kill('SIGTERM');
    await dropTestStreams(client);
    await database.drop();
    await rm(workspacesDir, { recursive: true, force: true });
  };
  for (const app of APP_NAMES) if (!options.without?.includes(app)) start(app);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    if (!options.without?.includes('gateway')) {
      await eventually(async () => ((await fetch(`${baseUrl}/health`).catch(() => null))?.ok ? true : undefined), 60_000, 'the gateway to answer /health');
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${started.map((process) => `--- ${process.name}\n${process.output().slice(-3_000)}`).join('\n')}`);
  }
  return {
    baseUrl,
    messaging,
    client,
    database,
    workspacesDir,
    poolId,
    apps,
    start,
    output: () => started.map((process) => process.output()).join('\n'),
    stop,
  };
}
