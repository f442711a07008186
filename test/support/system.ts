import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { MessagingOptions } from '@app/messaging';
import { runMigrations } from '@app/persistence';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import type { GatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startOrchestrator } from '../../apps/orchestrator/src/orchestrator.app';
import { startPoolManager } from '../../apps/pool-manager/src/pool-manager.app';
import type { PoolManagerOptions } from '../../apps/pool-manager/src/pool-manager.config';
import { startRunner } from '../../apps/runner/src/runner.app';
import type { OrchestrationRules } from '../../apps/orchestrator/src/domain/orchestration.config';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/database';
import { testGatewayConfig } from './gateway';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH, REAL_CODEX_PATH } from '../../libs/testing/src/fixtures';
import type { RunnerConfig } from '../../apps/runner/src/runner.config';
import { connectTestClient, dropTestStreams, testMessagingOptions } from '../../libs/testing/src/nats';
import { asApp } from '../../libs/testing/src/nats-accounts';

export interface TestSystem {
  baseUrl: string;
  /** every gateway's own address, the first one's (`baseUrl`) first */
  gatewayUrls: string[];
  messaging: MessagingOptions;
  database: TestDatabase;
  workspacesDir: string;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  rules?: Partial<OrchestrationRules>;
  poolSize?: number;
  /** env for the fake CLI, e.g. FAKE_CLAUDE_MODE */
  agentEnv?: Record<string, string>;
  apiKey?: string;
  /** false: leave the orchestrator to the test (e.g. as a real process) */
  orchestrator?: boolean;
  /** seconds without a heartbeat before a stage is timed out; 0 = off */
  heartbeatTimeoutS?: number;
  /** the orchestrator's ORCHESTRATOR_REDRIVE_S; default 30 */
  redriveIntervalS?: number;
  /** the gateway's settings beyond the defaults below, e.g. `{ apiTokens: [{ name: 'default', token: 'secret' }] }` */
  gateway?: Partial<Omit<GatewayConfig, 'messaging' | 'port' | 'host' | 'databaseUrl'>>;
  /** false: leave the runner to the test (e.g. as a real process) */
  runner?: boolean;
  /** false: leave the pool-manager to the test (`startTestPool` starts one as the system would) */
  poolManager?: boolean;
  /** the agent CLI the runner starts (default: the fake CLI) */
  cliPath?: string;
  /** the runner's STAGE_EXECUTORS, e.g. `{ qa: { executor: 'codex', model: null } }` (default: Claude Code for every stage) */
  stageExecutors?: RunnerConfig['stageExecutors'];
  /** the OPENAI_API_KEY the runner hands Codex */
  openaiApiKey?: string;
  /** where the runner runs the agent (default `host`: the fault tests follow its pids on the host) */
  runnerExecution?: 'sandbox' | 'host';
  /** the runner's BOARD_PUBLIC_URL: pull requests link their task there */
  boardPublicUrl?: string;
  /** the pool-manager's settings beyond the local defaults, e.g. `{ driver: 'docker', image, poolId }` */
  pool?: Partial<Omit<PoolManagerOptions, 'messaging'>>;
  /** the NATS server (default: NATS_URL or the local one), e.g. a private one a test restarts */
  natsUrl?: string;
  /** the streams' byte limits beyond the test defaults, e.g. small ones to fit a private server's small store */
  streamBytes?: Partial<Pick<MessagingOptions, 'logsMaxBytes' | 'heartbeatsMaxBytes' | 'snapshotsMaxBytes' | 'deadLettersMaxBytes'>>;
  /** the runner's WORKSPACES_DIR, made by the test (e.g. a small disk mounted there); default: a new temp directory, removed at stop */
  workspacesDir?: string;
  /** the Postgres server the suite's database is created on (default: TEST_DATABASE_ADMIN_URL or the local one) */
  databaseAdminUrl?: string;
  /** how many gateways, each with its own port, on the same streams and database (default 1) */
  gateways?: number;
  /** NATS_STREAM_REPLICAS: 3 on a cluster (default 1) */
  replicas?: number;
}

/** The pool-manager as the test system starts it (local driver, slots under the workspaces directory). */
export function startTestPool(messaging: MessagingOptions, workspacesDir: string, options: Pick<TestSystemOptions, 'poolSize' | 'pool'> = {}): Promise<INestMicroservice> {
  return startPoolManager({
    messaging: asApp(messaging, 'pool-manager'),
    poolId: 'default',
    driver: 'local',
    size: options.poolSize ?? 3,
    portStart: 18081,
    portEnd: 18081 + (options.poolSize ?? 3) - 1,
    image: 'unused',
    slotsDir: path.join(workspacesDir, 'slots'),
    leaseTtlS: 120,
    ...options.pool,
  });
}

/** The orchestrator as the test system starts it. */
export function startTestOrchestrator(messaging: MessagingOptions, options: Pick<TestSystemOptions, 'rules' | 'heartbeatTimeoutS' | 'redriveIntervalS'> = {}): Promise<INestMicroservice> {
  return startOrchestrator({
    messaging: asApp(messaging, 'orchestrator'),
    heartbeatTimeoutS: options.heartbeatTimeoutS ?? 0,
    redriveIntervalS: options.redriveIntervalS ?? 30,
    rules: {
      enabled: true,
      maxConcurrent: 2,
      priorityAgingS: 300,
      maxRetries: 2,
      maxRework: 2,
      stageTimeoutS: { specification: 60, implementation: 60, qa: 60 },
      leaseTtlS: 120,
      retryBackoffBaseMs: 100,
      retryBackoffMaxMs: 1_000,
      parkBackoffBaseMs: 1_000,
      parkBackoffMaxMs: 4_000,
      credential: 'default',
      taskBudgetUsd: null,
      stageBudgetUsd: null,
      dailyBudgetUsd: null,
      ...options.rules,
    },
  });
}

/**
 * The four apps as separate Nest applications in this process, talking only through the
 * real NATS (streams of their own) and the real Postgres (a database of its own).
 */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const messaging = { ...testMessagingOptions('test', options.natsUrl), ...options.streamBytes, ...(options.replicas === undefined ? {} : { replicas: options.replicas }) };
  const database = await createTestDatabase('e2e', options.databaseAdminUrl);
  await runMigrations(database.url);
  const workspacesDir = options.workspacesDir ?? (await mkdtemp(path.join(tmpdir(), 'orch-e2e-')));
  for (const [key, value] of Object.entries(options.agentEnv ?? {})) process.env[key] = value;
  const apps: Array<INestApplication | INestMicroservice> = [];
  try {
    if (options.poolManager !== false) apps.push(await startTestPool(messaging, workspacesDir, options));
    if (options.runner !== false) apps.push(
      await startRunner({
        messaging: asApp(messaging, 'runner'),
        runnerId: 'runner@test',
        cliPath: options.cliPath ?? FAKE_CLAUDE_PATH,
        apiKey: options.apiKey ?? 'sk-ant-test-key',
        credentialName: 'default',
        permissionMode: 'acceptEdits',
        model: null,
        maxTurns: 0,
        allowedTools: [],
        codex: { cliPath: REAL_CODEX_PATH, apiKey: options.openaiApiKey ?? 'sk-proj-test-openai-key-0123456789', model: null },
        stageExecutors: options.stageExecutors ?? {},
        workspacesDir,
        workspaceAllowedRoots: [],
        workspaceKeep: false,
        killGraceMs: 1_000,
        logBatchMs: 50,
        heartbeatMs: 1_000,
        agentEnvPassthrough: FAKE_CLAUDE_ENV,
        execution: options.runnerExecution ?? 'host',
        localExecution: options.runnerExecution ?? 'host',
        bwrapPath: '/usr/bin/bwrap',
        dockerPath: 'docker',
        sandboxReadPaths: [],
        boardPublicUrl: options.boardPublicUrl ?? null,
        pullRequestPollS: 1,
      }),
    );
    if (options.orchestrator !== false) apps.push(await startTestOrchestrator(messaging, options));
    const gatewayUrls: string[] = [];
    for (let i = 0; i < (options.gateways ?? 1); i += 1) {
      const gateway = await startGateway(testGatewayConfig(asApp(messaging, 'gateway'), database.url, { decisionWaitMs: 1_000, ...options.gateway }));
      apps.push(gateway);
      gatewayUrls.push((await gateway.getUrl()).replace('[::1]', '127.0.0.1'));
    }
    return {
      baseUrl: gatewayUrls[0] as string,
      gatewayUrls,
      messaging,
      database,
      workspacesDir,
      async stop() {
        for (const app of apps.reverse()) await app.close();
        await dropTestStreams(await connectTestClient(messaging));
        await database.drop();
        if (options.workspacesDir === undefined) await rm(workspacesDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await database.drop();
    throw error;
  }
}
