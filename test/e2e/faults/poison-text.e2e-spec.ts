import { Client } from 'pg';
import { factory } from '@app/testing';
import { newMessage, uuidv7, validateMessage, type Envelope, type EventType, type MessageData, type OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { recordFigures } from '../../../libs/testing/src/figures';
import { checkInvariants } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { useSuite } from '../../support/suite';

const MAX_CONCURRENT = 2;
/** what every text field gets: a NUL and a lone high surrogate */
const POISON = '\u0000\ud800';
const AT = '2026-11-24T10:00:00.000Z';
const { ids } = factory;

/** A valid event of `type`, with text in every field that holds any. */
const event = <T extends EventType>(type: T, aggregateId: string, data: MessageData<T>): Envelope<T> => newMessage(type, aggregateId, data, { producer: 'fault-test', occurredAt: AT });

const poisonedProject = () => ({
  name: 'Poisoned project',
  repositoryUrl: 'https://git.example/o/r.git',
  defaultBranch: 'main',
  setupCommand: 'npm ci',
  checkCommand: 'npm test',
  credentialRef: 'env:GIT_TOKEN',
  forge: { kind: 'github' as const, apiBaseUrl: null },
});

/**
 * One event of every type (a new type fails to compile here), as one story of tasks 901–905
 * and a pool of their own: every stage attempt has one start at most and one end, as the
 * invariant checker demands of the log.
 */
function oneOfEveryType(): { [T in EventType]: Envelope<T> } {
  const ref = (task: number) => ({ taskId: ids.task(task), orchestrationId: ids.orchestration(task), stageId: ids.stage('qa', 0, task), stageType: 'qa' as const, attempt: 1 });
  const { leaseId, poolId, slot, port, containerId } = factory.lease(1);
  const lease = { leaseId, poolId, slot, taskId: ids.task(901), stageId: ids.stage('qa', 0, 901) };
  return {
    TaskCreated: factory.taskCreated(901, { title: 'Poisoned task', description: 'Every field', repoPath: '/srv/repo', baseBranch: 'main' }),
    TaskQueueSettingsChanged: event('TaskQueueSettingsChanged', ids.task(901), { taskId: ids.task(901), priority: 7, blockedBy: [] }),
    OrchestrationQueued: factory.orchestrationQueued(901, 1),
    OrchestrationUnblocked: event('OrchestrationUnblocked', 'scheduler', { taskId: ids.task(901), orchestrationId: ids.orchestration(901), blockerId: ids.task(902) }),
    StageCostRecorded: event('StageCostRecorded', 'scheduler', { taskId: ids.task(901), projectId: null, stageId: ids.stage('qa', 0, 901), attempt: 1, costUsd: 0.25, at: '2026-11-24T10:00:00.000Z' }),
    OrchestrationAdmitted: factory.orchestrationAdmitted(901),
    CredentialPaused: factory.credentialPaused('2026-12-01T14:05:00.000Z', 'default', 901),
    OrchestrationStarted: factory.orchestrationStarted(901),
    OrchestrationRejected: event('OrchestrationRejected', ids.task(901), { taskId: ids.task(901), reason: 'already running' }),
    PoolSlotReady: event('PoolSlotReady', poolId, { poolId, slot, port, containerId, driver: 'local' }),
    LeaseQueued: event('LeaseQueued', poolId, { poolId, taskId: ids.task(901), stageId: lease.stageId, attempt: 1, position: 1, ttlS: 60 }),
    LeaseGranted: factory.leaseGranted({ task: 901, stageType: 'qa' }),
    LeaseRenewed: event('LeaseRenewed', poolId, { leaseId, poolId, expiresAt: AT }),
    StageScheduled: factory.stageScheduled(
      { task: 901, stageType: 'qa' },
      { context: { taskTitle: 'title', taskDescription: 'description', specification: 'spec', implementationSummary: 'summary', diffStat: { files: 1, insertions: 2, deletions: 3, branch: 'orch/poisoned' } } },
    ),
    StageStarted: factory.stageStarted({ task: 901, stageType: 'qa' }, { runnerId: 'runner-1' }),
    RunHeartbeat: factory.runHeartbeat({ task: 901, stageType: 'qa' }),
    RunOutputLogged: event('RunOutputLogged', ids.task(901), {
      taskId: ids.task(901),
      stageId: lease.stageId,
      attempt: 1,
      lines: [{ index: 0, stream: 'stdout', at: AT, json: { type: 'assistant', text: 'agent says' }, text: 'agent says', entries: [] }],
    }),
    StageCompleted: factory.stageCompleted(
      { task: 901, stageType: 'qa' },
      { output: 'agent output', result: { ...factory.stageCompleted().data.result, subtype: 'success', sessionId: 'session', permissionDenials: ['Bash'] }, verdict: { verdict: 'fail', findings: ['a finding'] } },
    ),
    ReworkRequested: event('ReworkRequested', ids.task(901), { taskId: ids.task(901), orchestrationId: ids.orchestration(901), qaStageId: lease.stageId, round: 1, findings: ['a finding'] }),
    StageFailed: factory.stageFailed({ task: 902, stageType: 'qa' }, { reason: 'the agent failed', result: { ...factory.stageCompleted().data.result, isError: true, subtype: 'error_during_execution' } }),
    StageRetryScheduled: event('StageRetryScheduled', ids.task(902), { ...ref(902), nextAttempt: 2, delayMs: 10, retryAt: AT }),
    OrchestrationResumed: event('OrchestrationResumed', ids.task(902), { taskId: ids.task(902), orchestrationId: ids.orchestration(902), stageId: ref(902).stageId }),
    StageTimedOut: event('StageTimedOut', ids.task(903), { ...ref(903), deadlineAt: AT, timedOutAt: AT, cause: 'heartbeat-lost', reason: 'no heartbeat' }),
    StageCancelled: factory.stageCancelled({ task: 904, stageType: 'qa' }, 'a person cancelled it'),
    StageParked: factory.stageParked({ task: 904, stageType: 'specification' }, { limit: 'usage-limit', reason: 'the usage limit was reached', resetAt: AT }),
    LeaseReleased: event('LeaseReleased', poolId, lease),
    LeaseExpired: event('LeaseExpired', poolId, lease),
    LeaseRevoked: event('LeaseRevoked', poolId, { ...lease, reason: 'container exited' }),
    LeaseRequestRejected: event('LeaseRequestRejected', poolId, { poolId, taskId: ids.task(902), stageId: ref(902).stageId, attempt: 2, reason: 'pool is shutting down' }),
    PoolSlotDown: event('PoolSlotDown', poolId, { poolId, slot, containerId, reason: 'container died' }),
    PoolSlotRemoved: event('PoolSlotRemoved', poolId, { poolId, slot, containerId, reason: 'pool made smaller' }),
    PoolStatusReported: event('PoolStatusReported', poolId, {
      poolId,
      driver: 'local',
      poolSequence: 1,
      slots: [{ slot, port, containerId, state: 'free', holder: null }],
      size: 1,
      leased: 0,
      waiting: 0,
      utilisation: 0,
      reportedAt: AT,
    }),
    TaskPullRequestOpened: event('TaskPullRequestOpened', ids.task(901), {
      taskId: ids.task(901),
      url: 'https://github.example/o/r/pull/1',
      number: 1,
      head: `orch/${ids.task(901)}`,
      base: 'main',
      created: true,
      openedAt: AT,
    }),
    TaskBudgetRaised: event('TaskBudgetRaised', ids.task(901), { taskId: ids.task(901), previousBudgetUsd: 1, budgetUsd: 2, raisedByUsd: 1, by: 'default', at: AT }),
    TaskBudgetWarning: event('TaskBudgetWarning', ids.task(901), { taskId: ids.task(901), orchestrationId: ids.orchestration(901), budgetUsd: 2, spentUsd: 1.7, at: AT }),
    TaskPullRequestClosed: event('TaskPullRequestClosed', ids.task(901), { taskId: ids.task(901), url: 'https://github.example/o/r/pull/1', number: 1, state: 'merged', observedAt: AT }),
    TaskWaiting: factory.taskWaiting(901, { kind: 'approval', gate: 'result', revision: 'a-revision' }),
    TaskDecisionRecorded: factory.taskDecisionRecorded(901, { decision: 'request-changes', revision: 'a-revision', gate: 'result', comments: [{ body: 'a comment', file: 'src/a.ts', line: 3 }] }),
    TaskWaitEnded: factory.taskWaitEnded(901, { stageType: 'implementation', round: 1, context: { taskTitle: 'title', taskDescription: 'description', reviewFindings: ['src/a.ts:3: a comment'] } }),
    FollowUpRequested: factory.followUpRequested(901, 'one more change'),
    ProjectCreated: event('ProjectCreated', ids.task(905), { projectId: ids.task(905), ...poisonedProject() }),
    ProjectUpdated: event('ProjectUpdated', ids.task(905), { projectId: ids.task(905), ...poisonedProject() }),
    ProjectDeleted: event('ProjectDeleted', ids.task(905), { projectId: ids.task(905) }),
    OrchestrationCompleted: factory.orchestrationCompleted(901),
    OrchestrationFailed: factory.orchestrationFailed(902, 'the stage failed'),
    OrchestrationCancelled: factory.orchestrationCancelled(904, 'a person cancelled it'),
    OrchestrationReleased: factory.orchestrationReleased(901, 'completed'),
    TaskDeleted: factory.taskDeleted(905),
  };
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Every path to a string in `value`. */
function stringPaths(value: Json, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringPaths(item, [...path, index]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...path, key]));
  return [];
}

function withPoison(value: Json, path: ReadonlyArray<string | number>): Json {
  const [head, ...rest] = path;
  if (head === undefined) return typeof value === 'string' ? `${value}${POISON}` : value;
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? withPoison(item, rest) : item));
  if (value !== null && typeof value === 'object') return { ...value, [head]: withPoison(value[String(head)] ?? null, rest) };
  return value;
}

/**
 * The event with NUL and a lone surrogate appended to every string the schema lets hold
 * them (free text: titles, reasons, output, findings, ids of runners and sessions, …; not
 * UUIDs, times or enums, which the schemas refuse), and a fresh envelope id.
 */
function poisoned(original: OrchEvent): { event: OrchEvent; fields: string[] } {
  let current = JSON.parse(JSON.stringify({ ...original, id: uuidv7() })) as Json;
  const fields: string[] = [];
  for (const path of stringPaths(current)) {
    const candidate = withPoison(current, path);
    if (!validateMessage(JSON.stringify(candidate)).ok) continue;
    current = candidate;
    fields.push(path.join('.'));
  }
  const validated = validateMessage(JSON.stringify(current));
  if (!validated.ok || validated.message.kind !== 'event') throw new Error(`the poisoned ${original.type} is no valid event`);
  return { event: validated.message as OrchEvent, fields };
}

/** Fault: NUL and a lone surrogate in every text field of every event type, published straight to the log while a task runs. */
describe('fault: NUL and lone surrogates in every text field of every event type', () => {
  let system: TestSystem;
  let client: NatsClient;

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ poolSize: 2, rules: { maxConcurrent: MAX_CONCURRENT } }));
    client = keep(await connectTestClient(system.messaging));
  });

  it('given a task in flight, when every event type is published with poisoned text, then each is projected with U+FFFD (none skipped), the task and a later one run to done, and the read model equals a rebuild', async () => {
    const api = new ApiClient(system.baseUrl);
    const [inFlight] = await api.createAndStart(1, 'In flight', 'Work [[fake:slow=100]]');

    // a subject of its own under the event root: the gateway projects it, no saga follows it,
    // so the story of tasks 901–905 disturbs no real task, lease or admission
    const subject = `${client.subjects.root}.evt.fault-injection`;
    const injected = Object.values(oneOfEveryType()).map((original) => ({ type: original.type, ...poisoned(original) }));
    const sequences: number[] = [];
    for (const { event: poisonedEvent } of injected) sequences.push((await client.js.publish(subject, JSON.stringify(poisonedEvent))).seq);

    if (inFlight === undefined) throw new Error('no task started');
    await allTerminal(client, [inFlight], 60_000);
    const [after] = await api.createAndStart(1, 'After the poison', 'Work');
    if (after === undefined) throw new Error('no task started');
    await allTerminal(client, [after], 60_000);
    const report = await checkInvariants({
      client,
      taskIds: [inFlight, after],
      maxConcurrent: MAX_CONCURRENT,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
    });

    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: 2 });
    const withoutText = injected.filter(({ fields }) => fields.length === 0).map(({ type }) => type);
    expect(withoutText).toEqual([]); // the envelope's aggregateId and producer are free text in every one
    expect(injected.find(({ type }) => type === 'StageCompleted')?.fields).toEqual(
      expect.arrayContaining(['data.output', 'data.result.sessionId', 'data.result.permissionDenials.0', 'data.verdict.findings.0', 'aggregateId', 'producer']),
    );
    const db = new Client({ connectionString: system.database.url });
    await db.connect();
    try {
      const skipped = await db.query('SELECT stream_sequence, reason FROM dead_letters WHERE stream_sequence = ANY($1)', [sequences]);
      expect(skipped.rows).toEqual([]);
      const task = await db.query<{ title: string; description: string; failure_reason: string | null }>('SELECT title, description, failure_reason FROM tasks WHERE id = $1', [ids.task(901)]);
      expect(task.rows).toEqual([{ title: 'Poisoned task\ufffd\ufffd', description: 'Every field\ufffd\ufffd', failure_reason: null }]);
      const stage = await db.query('SELECT command_output, verdict, stage_context FROM orchestrator_stages WHERE task_id = $1', [ids.task(901)]);
      expect(stage.rows).toEqual([
        {
          command_output: 'agent output\ufffd\ufffd',
          verdict: { verdict: 'fail', findings: ['a finding\ufffd\ufffd'] },
          stage_context: expect.objectContaining({ taskTitle: 'title\ufffd\ufffd', specification: 'spec\ufffd\ufffd' }),
        },
      ]);
    } finally {
      await db.end();
    }
    const read = await api.request<{ title: string }>('GET', `/api/tasks/${ids.task(901)}`);
    expect(read).toEqual({ status: 200, body: expect.objectContaining({ title: 'Poisoned task\ufffd\ufffd' }) });

    await recordFigures('fault-poison-text', {
      fault: `one event of each of the ${injected.length} event types, NUL and a lone surrogate appended to every text field its schema accepts, published straight to ORCH_EVENTS with a task in flight`,
      eventTypes: injected.length,
      textFieldsPoisoned: injected.reduce((sum, { fields }) => sum + fields.length, 0),
      typesWithoutTextField: withoutText,
      poisonedFields: Object.fromEntries(injected.map(({ type, fields }) => [type, fields.filter((field) => field.startsWith('data.')).join(', ')])),
      poisonedEventsDeadLettered: 0,
      outcomes: report.outcomes,
      projectionCaughtUpAfterMs: report.projectionCaughtUpAfterMs,
      eventsChecked: report.eventsChecked,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 150_000);
});
