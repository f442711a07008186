import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import type { ProbeReport } from '../../../libs/testing/src/api-probe';
import { readEventLog, type LoggedEvent } from '../../../libs/testing/src/event-log';
import { EventTail } from '../../../libs/testing/src/event-tail';
import type { Figure } from '../../../libs/testing/src/figures';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH } from '../../../libs/testing/src/fixtures';
import { checkInvariants, distinctEvents, type InvariantOptions, type InvariantReport } from '../../../test/support/invariants';
import { livePids, processesUnder, type LiveProcess } from '../../../libs/testing/src/leftovers';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import type { PrivateNatsCluster } from '../../../libs/testing/src/private-servers';
import { messagingEnv, spawnApp, type AppProcess } from '../../../libs/testing/src/processes';
import type { PrivateServer } from '../../../libs/testing/src/private-servers';
import { startTestSystem, type TestSystem, type TestSystemOptions } from '../../../test/support/system';
import { useSuite, type Keep } from '../../../test/support/suite';

/** The steps the fault tests share: the system they start, the runners they spawn, the invariant check they end with, the figures every one records. */

export interface FaultSystem {
  readonly system: TestSystem;
  /** the test's own client on the system's NATS */
  readonly client: NatsClient;
  /** a directory of the suite's own (the fake CLI's log, its state), removed after the suite */
  readonly scratch: string;
}

export interface FaultSystemSteps {
  before?: () => Promise<unknown>;
  beforeStop?: () => Promise<unknown>;
  afterStop?: () => Promise<unknown>;
  /** for the start, `before` included; 60 s unless given */
  startTimeoutMs?: number;
}

/**
 * A fault suite's system: before its tests a scratch directory (named from `scratchPrefix`), the
 * system with the options `options(scratch)` gives, and a client on it; after them the client
 * closed, the system stopped and the scratch removed. `steps` adds what a suite does around
 * that: before the system starts (a private server), before it stops (its runners, a server
 * brought back so the apps can shut down), after it stopped (a private server destroyed).
 */
export function useFaultSystem(scratchPrefix: string, options: (scratch: string) => TestSystemOptions, steps: FaultSystemSteps = {}): FaultSystem {
  let started: { system: TestSystem; client: NatsClient } | undefined;
  let scratch: string | undefined;
  useSuite(async (keep) => {
    keep(() => (scratch === undefined ? undefined : rm(scratch, { recursive: true, force: true })));
    if (steps.afterStop) keep(steps.afterStop);
    await steps.before?.();
    scratch = await mkdtemp(path.join(tmpdir(), scratchPrefix));
    const system = keep(await startTestSystem(options(scratch)));
    started = { system, client: keep(await connectTestClient(system.messaging)) };
    if (steps.beforeStop) keep(steps.beforeStop);
  }, steps.startTimeoutMs ?? 60_000);
  const get = () => {
    if (started === undefined || scratch === undefined) throw new Error('the fault system is not started: read it inside a test');
    return { ...started, scratch };
  };
  return {
    get system() {
      return get().system;
    },
    get client() {
      return get().client;
    },
    get scratch() {
      return get().scratch;
    },
  };
}

/**
 * A suite's system on a private server (NATS or Postgres) the test stops and starts, and a
 * client on it; after the suite, in this order: the server brought back (so the apps can shut
 * down), the client closed, the system stopped, the server destroyed. Called inside `useSuite`.
 */
export async function startOnPrivateServer(keep: Keep, server: PrivateServer, options: TestSystemOptions): Promise<{ system: TestSystem; client: NatsClient }> {
  keep(() => server.destroy());
  const system = keep(await startTestSystem(options));
  const client = keep(await connectTestClient(system.messaging));
  keep(() => server.start().catch(() => undefined));
  return { system, client };
}

/**
 * The system of the store-full faults: `limit` slots, a re-drive every second, quick retries and
 * every stage timed out after `stageTimeoutS` (an attempt whose events the full store refused ends).
 */
export function storeFullSystem(limit: number, stageTimeoutS: number): TestSystemOptions {
  return {
    poolSize: limit,
    redriveIntervalS: 1,
    rules: {
      maxConcurrent: limit,
      maxRetries: 3,
      retryBackoffBaseMs: 100,
      retryBackoffMaxMs: 500,
      stageTimeoutS: { specification: stageTimeoutS, implementation: stageTimeoutS, qa: stageTimeoutS },
    },
  };
}

/** What the invariant check reads of a system: the in-process TestSystem and the ProcessSystem both have it. */
export type CheckedSystem = Pick<TestSystem, 'messaging' | 'database' | 'workspacesDir'>;

export interface FaultCheck {
  maxConcurrent: number;
  minDeadLetters?: number;
  /** the fake CLI's log, whose reported pids must be gone; null: not checked */
  fakeClaudeLog?: string | null;
  settleMs?: number;
  /** the private Postgres cluster's admin URL, for a rebuild on the same cluster */
  adminUrl?: string;
  containers?: InvariantOptions['containers'];
}

/** The invariant check every fault test ends with: on the system's read model and workspaces. */
export function checkFaultInvariants(client: NatsClient, system: CheckedSystem, taskIds: readonly string[], check: FaultCheck): Promise<InvariantReport> {
  const { maxConcurrent, minDeadLetters, fakeClaudeLog = null, settleMs, adminUrl, containers } = check;
  return checkInvariants({
    client,
    taskIds,
    maxConcurrent,
    ...(minDeadLetters === undefined ? {} : { minDeadLetters }),
    readModel: { messaging: system.messaging, databaseUrl: system.database.url, ...(adminUrl === undefined ? {} : { adminUrl }) },
    processes: { workspacesDir: system.workspacesDir, fakeClaudeLog },
    ...(containers === undefined ? {} : { containers }),
    ...(settleMs === undefined ? {} : { settleMs }),
  });
}

/**
 * Waits up to `timeoutMs` for every task to end, then runs the invariant check and expects it
 * clean with every task completed: when they had all ended (ms since the epoch) and the report.
 */
export async function expectAllCompleted(client: NatsClient, system: CheckedSystem, taskIds: readonly string[], timeoutMs: number, check: FaultCheck): Promise<{ ended: number; report: InvariantReport }> {
  const ended = await allTerminal(client, [...taskIds], timeoutMs);
  const report = await checkFaultInvariants(client, system, taskIds, check);
  expect(report.violations).toEqual([]);
  expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });
  return { ended, report };
}

/** The figures of the invariant check that every fault test records. */
export function checkedFigures(report: InvariantReport): { [name: string]: Figure } {
  return {
    eventsChecked: report.eventsChecked,
    attemptsChecked: report.attemptsChecked,
    readModelRowsEqualToRebuild: report.readModelRows,
    violations: report.violations.length,
  };
}

const LOSSES: ReadonlySet<string> = new Set(['LeaseExpired', 'LeaseRevoked', 'StageFailed', 'StageTimedOut']);

/**
 * The outage faults' promise: no lease expired or revoked and no stage failed or timed out in the
 * whole log. Expects none; returns the log (distinct events) and the loss figures they record.
 */
export async function expectNothingLost(client: NatsClient): Promise<{ events: LoggedEvent[]; lossFigures: { leasesExpiredOrRevoked: number; stagesFailed: number } }> {
  const events = distinctEvents(await readEventLog(client));
  const lost = events.filter(({ event }) => LOSSES.has(event.type));
  expect(lost.map(({ event }) => event.type)).toEqual([]);
  return {
    events,
    lossFigures: {
      leasesExpiredOrRevoked: lost.filter(({ event }) => event.type.startsWith('Lease')).length,
      stagesFailed: lost.filter(({ event }) => event.type.startsWith('Stage')).length,
    },
  };
}

/** During an outage the API answers 503 naming the dependency that is down, never a 500. */
export function expectUnavailableNamed(outage: ProbeReport): void {
  expect(outage.serverErrors).toEqual([]);
  expect(outage.byStatus['503']).toBeGreaterThan(0);
  expect(outage.allUnavailableNamed).toBe(true);
}

const STAGE_ENDS: ReadonlySet<string> = new Set(['StageCompleted', 'StageFailed', 'StageTimedOut', 'StageCancelled']);

/** `<stageId>:<attempt>` of the attempt a stage event ends (completed, failed, timed out or cancelled); undefined for any other event. */
export function endedAttempt(event: OrchEvent): string | undefined {
  return STAGE_ENDS.has(event.type) && 'stageId' in event.data && 'attempt' in event.data ? `${event.data.stageId}:${event.data.attempt}` : undefined;
}

/** Waits for two stage attempts running at once with their agents' processes started: the attempts (`<stageId>:<attempt>`) and those processes. */
export async function twoAttemptsRunning(client: NatsClient, workspacesDir: string, runnerName: string): Promise<{ attempts: Set<string>; agents: LiveProcess[] }> {
  const tail = new EventTail(client);
  const attempts = new Set<string>();
  const agents = await eventually(
    async () => {
      for (const { event } of await tail.poll()) {
        if (event.type === 'StageStarted') attempts.add(`${event.data.stageId}:${event.data.attempt}`);
        const ended = endedAttempt(event);
        if (ended !== undefined) attempts.delete(ended);
      }
      if (attempts.size < 2) return undefined;
      const found = await processesUnder(workspacesDir);
      return found.length >= 2 ? found : undefined;
    },
    30_000,
    `two stages running on ${runnerName}, their agents started`,
  );
  return { attempts, agents };
}

export async function waitForFirstStageCompleted(client: NatsClient): Promise<void> {
  const tail = new EventTail(client);
  await eventually(async () => ((await tail.poll()).some(({ event }) => event.type === 'StageCompleted') ? true : undefined), 30_000, 'a first stage completed');
}

/** Waits until a stage of each of `count` tasks has started (the outage tests then take a piece of the system away). */
export async function waitForStagesRunning(client: NatsClient, count: number): Promise<void> {
  const tail = new EventTail(client);
  const started = new Set<string>();
  await eventually(
    async () => {
      for (const { event } of await tail.poll()) if (event.type === 'StageStarted') started.add(event.data.taskId);
      return started.size === count ? true : undefined;
    },
    30_000,
    'a stage running for every task',
  );
}

/** The last sequence of ORCH_EVENTS. */
export async function lastEventSeq(client: NatsClient): Promise<number> {
  return (await client.jsm.streams.info(client.subjects.eventsStream)).state.last_seq;
}

/** Waits until `ms` have passed since `since`. */
export async function waitUntil(since: number, ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - (Date.now() - since))));
}

export interface HostRunnerOptions {
  /** a WORKSPACES_DIR of the runner's own, not the system's */
  workspacesDir?: string;
  /** more of the runner's environment */
  env?: Record<string, string>;
}

/**
 * A runner process on the fake CLI, its agents on the host (the test follows their pids there:
 * a sandboxed agent dies with its runner, bwrap --die-with-parent), heartbeating every 0.5 s.
 */
function spawnHostRunner(system: Pick<TestSystem, 'messaging' | 'workspacesDir'>, name: string, fakeClaudeLog: string, own: HostRunnerOptions = {}): AppProcess {
  return spawnApp(
    'runner',
    {
      ...messagingEnv(system.messaging, 'runner'),
      RUNNER_ID: name,
      CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
      AGENT_ENV_PASSTHROUGH: FAKE_CLAUDE_ENV.join(','),
      RUNNER_EXECUTION: 'host',
      CLAUDE_API_KEY: 'sk-ant-test-key',
      WORKSPACES_DIR: own.workspacesDir ?? system.workspacesDir,
      RUNNER_HEARTBEAT_MS: '500',
      RUNNER_LOG_BATCH_MS: '50',
      RUNNER_KILL_GRACE_MS: '1000',
      FAKE_CLAUDE_LOG: fakeClaudeLog,
      ...own.env,
    },
    name,
  );
}

/** The runner processes a test spawns on its system, each by spawnHostRunner; `stop` SIGKILLs them and any agent they left behind. */
export class HostRunners {
  private readonly spawned: AppProcess[] = [];
  private readonly workspacesDirs = new Set<string>();

  /** the fake CLI logs to `fake.log` in the suite's scratch directory */
  constructor(private readonly fault: Pick<FaultSystem, 'system' | 'scratch'>) {}

  start(name: string, own: HostRunnerOptions = {}): AppProcess {
    const runner = spawnHostRunner(this.fault.system, name, path.join(this.fault.scratch, 'fake.log'), own);
    this.spawned.push(runner);
    this.workspacesDirs.add(own.workspacesDir ?? this.fault.system.workspacesDir);
    return runner;
  }

  async stop(): Promise<void> {
    for (const runner of this.spawned) await runner.kill('SIGKILL');
    for (const dir of this.workspacesDirs) await killAgentsUnder(dir);
  }
}

/** Six tasks (fake slow=600) on a runner-1 started for them, once two of its attempts run with their agents: what a runner kill then cuts. */
export async function sixTasksOnRunnerOne(fault: FaultSystem, runners: HostRunners, title: string): Promise<{ first: AppProcess; taskIds: string[]; attempts: Set<string>; agents: LiveProcess[] }> {
  const first = runners.start('runner-1');
  const taskIds = await new ApiClient(fault.system.baseUrl).createAndStart(6, title, 'Work [[fake:slow=600]]');
  const { attempts, agents } = await twoAttemptsRunning(fault.client, fault.system.workspacesDir, 'runner-1');
  return { first, taskIds, attempts, agents };
}

/**
 * After runner-1 was killed with `cut.attempts` open: runner-2 started, runner-1's orphaned
 * agents waited out, every task expected to complete and each cut attempt to end exactly once.
 */
export async function expectRecoveredOnRunnerTwo(fault: FaultSystem, runners: HostRunners, cut: { taskIds: string[]; attempts: Set<string>; agents: LiveProcess[] }, maxConcurrent: number) {
  const { system, client, scratch } = fault;
  runners.start('runner-2');
  const agentsGoneAt = await eventually(async () => ((await livePids(cut.agents.map((agent) => agent.pid))).length === 0 ? Date.now() : undefined), 60_000, "runner-1's agents to be ended");
  const { ended, report } = await expectAllCompleted(client, system, cut.taskIds, 120_000, { maxConcurrent, fakeClaudeLog: path.join(scratch, 'fake.log'), settleMs: 30_000 });
  const events = distinctEvents(await readEventLog(client));
  const terminalOf = (key: string) => events.filter(({ event }) => endedAttempt(event) === key);
  const attemptsCut = [...cut.attempts];
  for (const key of attemptsCut) expect(terminalOf(key)).toHaveLength(1);
  return { agentsGoneAt, ended, report, attemptsCut, cutAttemptsEnded: attemptsCut.map((key) => terminalOf(key).map(({ event }) => event.type)[0] ?? null) };
}

/**
 * The figures of a runner SIGKILLed at once with an outage (`cutAt`, over at `backAt`): what the
 * cut took, how it ended, how long from the cut and from the outage's end.
 */
export function recoveryFigures(
  cut: { taskIds: string[]; agents: LiveProcess[] },
  recovered: Awaited<ReturnType<typeof expectRecoveredOnRunnerTwo>>,
  times: { cutAt: number; backAt: number },
): { [name: string]: Figure } {
  const { agentsGoneAt, ended, report, attemptsCut, cutAttemptsEnded } = recovered;
  return {
    tasks: cut.taskIds.length,
    outcomes: report.outcomes,
    attemptsCut: attemptsCut.length,
    cutAttemptsEnded,
    agentProcessesOrphaned: cut.agents.length,
    msFromBackToAgentsEnded: agentsGoneAt - times.backAt,
    secondsFromCutToAllTerminal: (ended - times.cutAt) / 1000,
    maxRunning: report.maxRunning,
    ...checkedFigures(report),
  };
}

/** SIGKILLs every process still working under the workspaces: should a test fail, its agents must not outlive it. */
async function killAgentsUnder(workspacesDir: string): Promise<void> {
  for (const agent of await processesUnder(workspacesDir)) {
    try {
      process.kill(agent.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** What one node's loss did to the cluster, in seconds from its SIGKILL. */
export type NodeLoss = {
  node: string;
  newLeader: string;
  secondsToNewLeader: number;
  secondsToFirstAppend: number;
  secondsDown: number;
  eventsAppendedWhileDown: number;
};

/** The node that leads `stream`'s replicas now, by its server name. */
async function leaderOf(client: NatsClient, stream: string): Promise<string | undefined> {
  const info = await client.jsm.streams.info(stream).catch(() => null);
  return info?.cluster?.leader || undefined;
}

/**
 * SIGKILLs the node leading ORCH_EVENTS (one other than `notNode`), waits for another leader
 * and for an event appended without it, keeps it down at least `downMs`, starts it again on
 * its store and waits until every one of `streams` has its three replicas current again.
 */
export async function loseEventsLeader(cluster: PrivateNatsCluster, client: NatsClient, streams: readonly string[], options: { downMs: number; notNode?: string }): Promise<NodeLoss> {
  const stream = client.subjects.eventsStream;
  const node = await eventually(async () => {
    const current = await leaderOf(client, stream);
    return current !== options.notNode ? current : undefined;
  }, 30_000, `a leader of ORCH_EVENTS other than ${options.notNode ?? 'none'}`);
  const seqBefore = await lastEventSeq(client);
  const killedAt = Date.now();
  await cluster.node(node).stop('SIGKILL');
  const newLeader = await eventually(async () => {
    const current = await leaderOf(client, stream);
    return current !== node ? current : undefined;
  }, 30_000, `ORCH_EVENTS to elect a leader other than ${node}`);
  const secondsToNewLeader = (Date.now() - killedAt) / 1000;
  // the two nodes left take appends: the work goes on before the node comes back
  await eventually(async () => ((await lastEventSeq(client).catch(() => seqBefore)) > seqBefore ? true : undefined), 60_000, `an event appended with ${node} down`);
  const secondsToFirstAppend = (Date.now() - killedAt) / 1000;
  await waitUntil(killedAt, options.downMs);
  const eventsAppendedWhileDown = (await lastEventSeq(client)) - seqBefore;
  const secondsDown = (Date.now() - killedAt) / 1000;
  await cluster.node(node).start();
  await eventually(async () => {
    for (const name of streams) {
      const info = await client.jsm.streams.info(name);
      if ((info.cluster?.replicas ?? []).filter((replica) => replica.current).length < 2) return undefined;
    }
    return true;
  }, 60_000, `${node} to catch up`);
  return { node, newLeader, secondsToNewLeader, secondsToFirstAppend, secondsDown, eventsAppendedWhileDown };
}

/** The lines in which a cluster's nodes refused an app something its permission table does not grant. */
export function refusalsOf(cluster: PrivateNatsCluster): string[] {
  return cluster.nodes.flatMap((node) => node.output().split('\n')).filter((line) => /Permissions Violation|Subscription Violation/.test(line));
}
