import type { DataSource } from 'typeorm';
import { newMessage, type MessageData, type OrchEvent } from '@app/contracts';
import { createDataSource, runMigrations } from '@app/persistence';
import { createTestDatabase, factory, type TestDatabase } from '@app/testing';
import { project } from './projector';

const { ids } = factory;
const AT = '2026-11-24T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(AT) + seconds * 1000).toISOString();

/** A pool event of the default pool, stamped at AT. */
function poolEvent<T extends 'PoolSlotReady' | 'PoolSlotDown' | 'PoolSlotRemoved' | 'LeaseExpired' | 'LeaseQueued'>(type: T, data: MessageData<T>): OrchEvent {
  return newMessage(type, 'default', data, { producer: 'spec', occurredAt: AT }) as OrchEvent;
}

const slotReady = (slot: number) => poolEvent('PoolSlotReady', { poolId: 'default', slot, port: 8081 + slot, containerId: `local-${slot}`, driver: 'local' });

describe('the projector', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let seq = 0;

  beforeAll(async () => {
    database = await createTestDatabase('gateway_projector');
    await runMigrations(database.url);
    dataSource = await createDataSource(database.url).initialize();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  const given = async (...events: OrchEvent[]) => {
    for (const event of events) await dataSource.transaction((manager) => project(manager, (seq += 1), event));
  };
  const rows = (sql: string, params: unknown[] = []) => dataSource.query(sql, params) as Promise<Array<Record<string, unknown>>>;

  it('given a stage that started and completed, then its run has an outcome, a duration from start to end, and the task its cost', async () => {
    await given(
      factory.taskCreated(1),
      factory.orchestrationAdmitted(1),
      factory.stageScheduled({ task: 1 }),
      factory.stageStarted({ task: 1 }, { startedAt: at(0) }),
      factory.stageCompleted({ task: 1 }, { completedAt: at(2.5) }),
    );

    expect(await rows('SELECT stage_type, outcome, duration_ms, cost_usd FROM stage_runs WHERE task_id = $1', [ids.task(1)])).toEqual([
      { stage_type: 'specification', outcome: 'completed', duration_ms: 2500, cost_usd: '0.010000' },
    ]);
    expect(await rows('SELECT status, current_stage, total_cost_usd FROM tasks WHERE id = $1', [ids.task(1)])).toEqual([
      { status: 'running', current_stage: 'specification', total_cost_usd: '0.010000' },
    ]);
  });

  it('given a timed-out attempt whose result came late, then the run keeps the first end: timed out', async () => {
    await given(
      factory.taskCreated(2),
      factory.stageScheduled({ task: 2 }),
      factory.stageStarted({ task: 2 }, { startedAt: at(0) }),
      factory.stageTimedOut({ task: 2 }),
      factory.stageCompleted({ task: 2 }, { completedAt: at(9) }),
    );

    expect(await rows('SELECT outcome, duration_ms FROM stage_runs WHERE task_id = $1', [ids.task(2)])).toEqual([{ outcome: 'timed_out', duration_ms: 0 }]);
  });

  it('given an attempt parked on the rate limit and its next attempt scheduled for the reset, then the stage waits (pending) naming the limit until then, the run counts as parked, and the next attempt clears it', async () => {
    const task = 7;
    const parked = factory.stageParked({ task }, { parkedAt: at(3), reason: 'rate-limited', credential: 'team-a' });
    const resume = newMessage('StageRetryScheduled', ids.task(task), { ...parked.data, nextAttempt: 2, delayMs: 60_000, retryAt: at(63) }, { producer: 'spec', occurredAt: at(3) }) as OrchEvent;
    await given(factory.taskCreated(task), factory.stageScheduled({ task }), factory.stageStarted({ task }, { startedAt: at(0) }), parked, resume);

    const stage = `SELECT status, attempt, error_message, parked_limit, parked_until, parked_credential FROM orchestrator_stages WHERE task_id = $1`;
    expect(await rows(stage, [ids.task(task)])).toEqual([
      { status: 'pending', attempt: 1, error_message: 'rate-limited', parked_limit: 'rate-limit', parked_until: new Date(at(63)), parked_credential: 'team-a' },
    ]);
    expect(await rows('SELECT outcome, resume_at FROM stage_runs WHERE task_id = $1', [ids.task(task)])).toEqual([{ outcome: 'parked', resume_at: new Date(at(63)) }]);

    await given(factory.stageScheduled({ task, attempt: 2 }));
    expect(await rows(stage, [ids.task(task)])).toEqual([{ status: 'pending', attempt: 2, error_message: null, parked_limit: null, parked_until: null, parked_credential: null }]);
  });

  it('given three queued tasks, when the first is admitted and the last cancelled, then the one left is at position 1', async () => {
    await given(factory.taskCreated(3), factory.taskCreated(4), factory.taskCreated(5));
    await given(factory.orchestrationQueued(3, 1), factory.orchestrationQueued(4, 2), factory.orchestrationQueued(5, 3));
    const positions = () => rows(`SELECT id, queue_position FROM tasks WHERE id = ANY($1) AND status = 'queued' ORDER BY queue_position`, [[3, 4, 5].map((n) => ids.task(n))]);
    expect((await positions()).map((row) => row.queue_position)).toEqual([1, 2, 3]);

    await given(factory.orchestrationAdmitted(3));
    await given(newMessage('OrchestrationCancelled', ids.task(5), { taskId: ids.task(5), orchestrationId: ids.orchestration(5), reason: 'no', cancelledAt: AT }, { producer: 'spec', occurredAt: AT }) as OrchEvent);

    expect(await positions()).toEqual([{ id: ids.task(4), queue_position: 1 }]);
  });

  it('given a running task, when a second start is rejected, then its status and failure reason stay; a task that never started keeps the rejection until it runs', async () => {
    const rejected = (task: number, reason: string) =>
      newMessage('OrchestrationRejected', ids.task(task), { taskId: ids.task(task), reason }, { producer: 'spec', occurredAt: AT }) as OrchEvent;
    await given(factory.taskCreated(6), factory.orchestrationAdmitted(6), factory.taskCreated(7));

    await given(rejected(6, `task ${ids.task(6)} is already running`), rejected(7, 'orchestration is disabled (ORCHESTRATOR_ENABLED=false)'));

    expect(await rows('SELECT id, status, failure_reason FROM tasks WHERE id = ANY($1) ORDER BY title', [[ids.task(6), ids.task(7)]])).toEqual([
      { id: ids.task(6), status: 'running', failure_reason: null },
      { id: ids.task(7), status: 'created', failure_reason: 'orchestration is disabled (ORCHESTRATOR_ENABLED=false)' },
    ]);

    await given(factory.orchestrationAdmitted(7));

    expect(await rows('SELECT status, failure_reason FROM tasks WHERE id = $1', [ids.task(7)])).toEqual([{ status: 'running', failure_reason: null }]);
  });

  it('given pool events, then each slot is free, leased, resetting after an expiry, down, or gone, as the pool-manager folds them', async () => {
    await given(slotReady(0), slotReady(1), slotReady(2));
    await given(poolEvent('LeaseQueued', { poolId: 'default', taskId: ids.task(1), stageId: ids.stage('specification', 0, 1), attempt: 1, position: 1, ttlS: 60 }));
    expect(await rows('SELECT stage_id FROM lease_requests')).toEqual([{ stage_id: ids.stage('specification', 0, 1) }]);

    await given(factory.leaseGranted({ task: 1 }, 1), factory.leaseGranted({ task: 2 }, 2));
    expect(await rows('SELECT count(*)::int AS waiting FROM lease_requests')).toEqual([{ waiting: 0 }]);
    await given(poolEvent('LeaseExpired', { poolId: 'default', leaseId: ids.lease(1), slot: 0, taskId: ids.task(1), stageId: ids.stage('specification', 0, 1) }));
    await given(poolEvent('PoolSlotDown', { poolId: 'default', slot: 1, containerId: 'local-1', reason: 'container exited' }), factory.leaseRevoked({ task: 2 }, 2));
    await given(poolEvent('PoolSlotRemoved', { poolId: 'default', slot: 2, containerId: 'local-2', reason: 'pool made smaller' }));
    const slots = () => rows('SELECT slot, state, lease_id FROM pool_slots ORDER BY slot');
    expect(await slots()).toEqual([
      { slot: 0, state: 'resetting', lease_id: null },
      { slot: 1, state: 'down', lease_id: null },
    ]);

    await given(slotReady(0), slotReady(1));

    expect(await slots()).toEqual([
      { slot: 0, state: 'free', lease_id: null },
      { slot: 1, state: 'free', lease_id: null },
    ]);
  });
});
