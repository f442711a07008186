import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { eventually } from '../../../libs/testing/src/nats';
import { distinctEvents } from '../../../test/support/invariants';
import { startProcessSystem, type ProcessSystem } from '../../../test/support/process-system';
import { checkFaultInvariants, checkedFigures } from './fault.support';

const HEARTBEAT_TIMEOUT_S = 30;
/**
 * A stage of ~36 s gets one heartbeat (at 20 s), delivered to one of the two orchestrators:
 * the other, which armed the stage's watchdog from the log at its start, hears nothing of it
 * for the 30 s timeout (with 10 s heartbeats, shared out in turn, each heard some and this test
 * passed without the stored-heartbeat read).
 */
const RUNNER_HEARTBEAT_MS = 20_000;
/** 6 lines 7.2 s apart: each stage runs ~36 s, longer than the heartbeat timeout */
const SLOW_MS = 7_200;
const REDRIVE_S = 3;
const BACKOFF_MS = 8_000;
const LIMIT = 3;

/**
 * Two orchestrators at once, as processes: the heartbeats' durable consumer shares the
 * heartbeats out between them, both arm the deadlines and watchdogs of every running stage
 * from the log (the re-drive), and the expected-sequence append decides what either does.
 */
describe('faults 23 and 24: two orchestrators at once', () => {
  let system: ProcessSystem;
  let scratch: string;

  beforeAll(async () => {
    await buildAppsOnce();
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault23-'));
    system = await startProcessSystem({
      limit: LIMIT,
      env: { FAKE_CLAUDE_STATE_DIR: scratch },
      appEnv: {
        orchestrator: {
          ORCHESTRATOR_HEARTBEAT_TIMEOUT_S: String(HEARTBEAT_TIMEOUT_S),
          ORCHESTRATOR_REDRIVE_S: String(REDRIVE_S),
          ORCHESTRATOR_RETRY_BACKOFF_BASE_MS: String(BACKOFF_MS),
          ORCHESTRATOR_RETRY_BACKOFF_MAX_MS: String(BACKOFF_MS),
        },
        runner: { RUNNER_HEARTBEAT_MS: String(RUNNER_HEARTBEAT_MS) },
      },
    });
    system.start('orchestrator', {}, 'orchestrator-2');
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }, 120_000);

  it(`given two orchestrators for a whole run of stages slower than the ${HEARTBEAT_TIMEOUT_S} s heartbeat timeout, then no healthy stage times out`, async () => {
    const api = new ApiClient(system.baseUrl);
    const startedAt = Date.now();
    const taskIds = await api.createAndStart(LIMIT, 'Two orchestrators', `Slow work [[fake:slow=${SLOW_MS}]]`);
    const ended = await allTerminal(system.client, taskIds, 420_000);

    const report = await checkFaultInvariants(system.client, system, taskIds, { maxConcurrent: LIMIT });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: LIMIT });
    const events = distinctEvents(await readEventLog(system.client));
    expect(events.filter(({ event }) => event.type === 'StageTimedOut' || event.type === 'StageFailed').map(({ event }) => event.type)).toEqual([]);
    const producers = new Set(events.filter(({ event }) => event.producer.startsWith('orchestrator@')).map(({ event }) => event.producer));
    expect(producers.size).toBe(2);

    await recordFigures('fault-23-two-orchestrators', {
      fault: `two orchestrator processes for the whole run: ${LIMIT} tasks, stages ~${(5 * SLOW_MS) / 1000} s (fake slow=${SLOW_MS}), heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, runner heartbeat ${RUNNER_HEARTBEAT_MS / 1000} s, re-drive ${REDRIVE_S} s`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      orchestratorsThatAppended: producers.size,
      stagesTimedOut: 0,
      secondsToAllTerminal: (ended - startedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 480_000);

  it('given a stage that failed once, when the orchestrator that scheduled its retry is SIGKILLed during the backoff, then the other runs the retry', async () => {
    const api = new ApiClient(system.baseUrl);
    const [taskId = ''] = await api.createAndStart(1, 'Retry survives', 'Fails once [[fake:slow=50,fail-times=1]]');
    const scheduled = await eventually(
      async () => distinctEvents(await readEventLog(system.client, system.client.subjects.task(taskId))).find(({ event }) => event.type === 'StageRetryScheduled'),
      60_000,
      'the retry scheduled',
    );
    const pid = Number(scheduled.event.producer.split(':').at(-1));
    const [name, scheduler] = [...system.apps].find(([, app]) => app.child.pid === pid) ?? [];
    if (scheduler === undefined || scheduler.child.exitCode !== null) throw new Error(`the retry was scheduled by ${scheduled.event.producer}, no running orchestrator of this test`);
    await scheduler.kill('SIGKILL');
    const killedAt = Date.now();
    if (scheduled.event.type !== 'StageRetryScheduled') throw new Error('unreachable');
    const retryAt = Date.parse(scheduled.event.data.retryAt);
    expect(killedAt).toBeLessThan(retryAt);

    const ended = await allTerminal(system.client, [taskId], 120_000);
    const events = distinctEvents(await readEventLog(system.client, system.client.subjects.task(taskId)));
    const retried = events.find(({ event }) => event.type === 'StageScheduled' && event.data.attempt === 2);
    expect(retried?.event.producer).toBeDefined();
    expect(retried?.event.producer).not.toBe(scheduled.event.producer);
    expect(events.at(-1)?.event.type).toBe('OrchestrationCompleted');
    const report = await checkFaultInvariants(system.client, system, [taskId], { maxConcurrent: LIMIT });
    expect(report.violations).toEqual([]);

    await recordFigures('fault-24-retry-survives-its-orchestrator', {
      fault: `the orchestrator that appended StageRetryScheduled (backoff ${BACKOFF_MS / 1000} s) SIGKILLed during the backoff, a second orchestrator running (re-drive ${REDRIVE_S} s)`,
      killed: name ?? '',
      secondsKilledBeforeRetryDue: (retryAt - killedAt) / 1000,
      secondsRetryLate: ((retried?.storedAtMs ?? Number.NaN) - retryAt) / 1000,
      secondsFromKillToTerminal: (ended - killedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 180_000);
});
