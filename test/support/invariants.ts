import type { MessagingOptions, NatsClient } from '@app/messaging';
import { logFacts, readEventLog, type LoggedEvent } from '../../libs/testing/src/event-log';
import { agentPids, livePids, poolContainers, processesUnder } from '../../libs/testing/src/leftovers';
import { eventually } from '../../libs/testing/src/nats';
import { compareWithRebuild, projectedSequence } from './read-model';
import { readDeadLetters } from '../../libs/testing/src/stream-dump';

export interface InvariantOptions {
  client: NatsClient;
  /** every task the test started: each must reach a terminal state */
  taskIds: readonly string[];
  /** ORCHESTRATOR_MAX_CONCURRENT: admitted orchestrations never exceed it */
  maxConcurrent: number;
  /** compare the live read model with a rebuild from the log (the gateway's own rebuild) */
  readModel?: { messaging: MessagingOptions; databaseUrl: string; adminUrl?: string };
  /** at least this many dead letters (the malformed messages the test sent), each with a reason */
  minDeadLetters?: number;
  /** no agent process left: none with its cwd under `workspacesDir`, none of the pids the fake CLI reported */
  processes?: { workspacesDir: string; fakeClaudeLog: string | null };
  /** no container left beyond the pool's own slots */
  containers?: { poolId: string; max: number };
  /** milliseconds to wait for processes to end and the projection to catch up */
  settleMs?: number;
}

export interface InvariantReport {
  /** events in ORCH_EVENTS (distinct envelope ids) */
  eventsChecked: number;
  tasks: number;
  /** task outcome (OrchestrationCompleted, …) → count */
  outcomes: Record<string, number>;
  /** stage attempts checked for one start and one end */
  attemptsChecked: number;
  maxRunning: number;
  deadLetters: number;
  /** agent pids confirmed gone */
  pidsChecked: number;
  /** milliseconds from the check's start until no agent process was left (null: not checked, or some were left) */
  processesGoneAfterMs: number | null;
  /** read model rows compared with the rebuild (0 when not compared) */
  readModelRows: number;
  /** milliseconds from the check's start until the live projection had applied the whole log (null: not checked, or it did not) */
  projectionCaughtUpAfterMs: number | null;
  /** every broken invariant, in words; empty when all hold */
  violations: string[];
}

/** One event per envelope id: a duplicate stored twice is still one event. */
export function distinctEvents(events: readonly LoggedEvent[]): LoggedEvent[] {
  const seen = new Set<string>();
  return events.filter(({ event }) => (seen.has(event.id) ? false : (seen.add(event.id), true)));
}

/** `stageId:attempt` of every attempt the orchestrator scheduled (first runs, retries and rework). */
function scheduledAttempts(events: readonly LoggedEvent[]): Set<string> {
  const attempts = new Set<string>();
  for (const { event } of events) if (event.type === 'StageScheduled') attempts.add(`${event.data.stageId}:${event.data.attempt}`);
  return attempts;
}

/**
 * The invariants of issue 9, checked after a fault: every task terminal, every stage attempt
 * with at most one start and exactly one terminal event, the concurrency limit never
 * exceeded, dead letters with reasons, no agent process or container left behind, and the
 * read model equal to a rebuild from the log.
 */
export async function checkInvariants(options: InvariantOptions): Promise<InvariantReport> {
  const violations: string[] = [];
  const events = distinctEvents(await readEventLog(options.client));
  const facts = logFacts(events);
  const outcomes: Record<string, number> = {};
  for (const taskId of options.taskIds) {
    const outcome = facts.outcomes.get(taskId);
    if (outcome === undefined) violations.push(`task ${taskId} has no terminal event`);
    else outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  const attempts = new Set([...scheduledAttempts(events), ...facts.startsPerAttempt.keys(), ...facts.terminalsPerAttempt.keys()]);
  for (const attempt of attempts) {
    const starts = facts.startsPerAttempt.get(attempt) ?? 0;
    const terminals = facts.terminalsPerAttempt.get(attempt) ?? 0;
    if (starts > 1) violations.push(`attempt ${attempt} started ${starts} times`);
    if (terminals !== 1) violations.push(`attempt ${attempt} has ${terminals} terminal events`);
  }
  if (facts.maxRunning > options.maxConcurrent) violations.push(`${facts.maxRunning} orchestrations ran at once, limit ${options.maxConcurrent}`);

  const deadLetters = await readDeadLetters(options.client);
  for (const record of deadLetters) if (!record.reason?.trim()) violations.push(`dead letter #${record.streamSequence} on ${record.subject} has no reason`);
  if (deadLetters.length < (options.minDeadLetters ?? 0)) violations.push(`${deadLetters.length} dead letters, expected at least ${options.minDeadLetters}`);

  const settleMs = options.settleMs ?? 10_000;
  let pidsChecked = 0;
  let processesGoneAfterMs: number | null = null;
  if (options.processes) {
    const checkStarted = Date.now();
    const { workspacesDir, fakeClaudeLog } = options.processes;
    const pids = await agentPids(options.client, fakeClaudeLog);
    pidsChecked = new Set(pids).size;
    const left = await eventually(
      async () => {
        const alive = [...(await livePids(pids)), ...(await processesUnder(workspacesDir))];
        return alive.length === 0 ? [] : undefined;
      },
      settleMs,
      'agent processes to end',
    ).catch(async () => [...(await livePids(pids)), ...(await processesUnder(workspacesDir))]);
    if (left.length === 0) processesGoneAfterMs = Date.now() - checkStarted;
    const unique = new Map(left.map((process) => [process.pid, process]));
    for (const process of unique.values()) violations.push(`process ${process.pid} left behind: ${process.command} (in ${process.cwd})`);
  }
  if (options.containers) {
    const containers = await poolContainers(options.containers.poolId);
    if (containers.length > options.containers.max) violations.push(`${containers.length} containers of pool ${options.containers.poolId}, at most ${options.containers.max} expected`);
  }

  let readModelRows = 0;
  let projectionCaughtUpAfterMs: number | null = null;
  if (options.readModel) {
    const { databaseUrl, messaging, adminUrl } = options.readModel;
    const waitStarted = Date.now();
    const lastSeq = (await options.client.jsm.streams.info(options.client.subjects.eventsStream)).state.last_seq;
    await eventually(async () => ((await projectedSequence(databaseUrl)) >= lastSeq ? true : undefined), settleMs, `the projection to reach #${lastSeq}`).then(
      () => (projectionCaughtUpAfterMs = Date.now() - waitStarted),
      () => violations.push(`the projection did not reach #${lastSeq} within ${settleMs} ms`),
    );
    const comparison = await compareWithRebuild({ messaging, databaseUrl }, adminUrl);
    readModelRows = comparison.rows;
    violations.push(...comparison.differences.map((difference) => `read model ≠ rebuild: ${difference}`));
  }

  return {
    eventsChecked: events.length,
    tasks: options.taskIds.length,
    outcomes,
    attemptsChecked: attempts.size,
    maxRunning: facts.maxRunning,
    deadLetters: deadLetters.length,
    pidsChecked,
    processesGoneAfterMs,
    readModelRows,
    projectionCaughtUpAfterMs,
    violations,
  };
}
