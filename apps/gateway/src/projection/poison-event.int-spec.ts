import { Client } from 'pg';
import type { OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { connectTestClient, eventually, factory } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { compareWithRebuild, projectedSequence } from '../../../../test/support/read-model';

const { ids } = factory;

describe('the projection given an event the read model refuses, or a checkpoint it cannot move', () => {
  let gateway: TestGateway;
  let client: NatsClient;
  let db: Client;

  beforeAll(async () => {
    gateway = await startTestGateway({ healthStallS: 1 });
    client = await connectTestClient(gateway.messaging);
    db = new Client({ connectionString: gateway.database.url });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await client?.close();
    await gateway?.stop();
  }, 60_000);

  /** Appends each event to its task's subject; returns the last stream sequence. */
  const append = async (...events: OrchEvent[]): Promise<number> => {
    let seq = 0;
    for (const event of events) seq = (await client.js.publish(client.subjects.task(ids.task(21)), JSON.stringify(event))).seq;
    return seq;
  };
  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const response = await fetch(`${gateway.baseUrl}${path}`);
    return { status: response.status, text: await response.text() };
  };
  const caughtUpTo = (seq: number) => eventually(async () => ((await projectedSequence(gateway.database.url)) >= seq ? true : undefined), 20_000, `the projection at #${seq}`);

  it('given a stage cost beyond the column, when it is stored in the log, then it becomes a dead letter with the reason after a few tries, the events after it apply, and a rebuild makes the same choice', async () => {
    const ref = { task: 21 };
    const tooCostly = factory.stageCompleted(ref, { result: { ...factory.stageCompleted().data.result, totalCostUsd: 1e12 } });
    const refusedSeq = await append(factory.taskCreated(21), factory.orchestrationAdmitted(21), factory.stageScheduled(ref), factory.stageStarted(ref), tooCostly);
    const lastSeq = await append(factory.orchestrationFailed(21, 'after the refused event'));

    await caughtUpTo(lastSeq);

    const task = await db.query('SELECT status, failure_reason, total_cost_usd FROM tasks WHERE id = $1', [ids.task(21)]);
    expect(task.rows).toEqual([{ status: 'failed', failure_reason: 'after the refused event', total_cost_usd: '0.000000' }]);
    const deadLetters = await db.query('SELECT stream_sequence, reason FROM dead_letters');
    expect(deadLetters.rows).toEqual([{ stream_sequence: String(refusedSeq), reason: 'StageCompleted could not be applied to the read model: numeric field overflow' }]);
    expect((await get('/metrics')).text).toMatch(/^orch_dead_letters\{consumer="gateway-read-model"\} 1$/m);
    const comparison = await compareWithRebuild({ messaging: gateway.messaging, databaseUrl: gateway.database.url });
    expect(comparison.differences).toEqual([]);
    expect(comparison.lastSequence).toBe(lastSeq);
  }, 60_000);

  it('given the checkpoint row locked by another transaction, when events wait, then /health answers 503 stalled with the reason and /metrics the stall time, until it is free', async () => {
    const locker = new Client({ connectionString: gateway.database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT * FROM projection_checkpoints FOR UPDATE');
      const waitingSeq = await append(factory.taskCreated(22));

      const health = await eventually(async () => {
        const answer = await get('/health');
        return answer.status === 503 ? answer : undefined;
      }, 20_000, '/health to report the stall');
      const stallSeconds = Number(/^orch_projection_stall_seconds (\S+)$/m.exec((await get('/metrics')).text)?.[1]);

      expect(JSON.parse(health.text)).toMatchObject({
        status: 'degraded',
        nats: 'up',
        postgres: 'up',
        projection: { lag: 1, stalled: expect.stringMatching(/^stalled for \d+ s after #\d+ with 1 events waiting/), stalledForS: expect.any(Number) },
        message: expect.stringContaining('projection: stalled for'),
      });
      expect(stallSeconds).toBeGreaterThan(0);

      await locker.query('ROLLBACK');
      await caughtUpTo(waitingSeq);

      const recovered = await eventually(async () => {
        const answer = await get('/health');
        return answer.status === 200 ? answer : undefined;
      }, 20_000, '/health to recover');
      expect(JSON.parse(recovered.text)).toMatchObject({ status: 'ok', projection: { lag: 0, stalled: null, stalledForS: 0 } });
      expect((await get('/metrics')).text).toMatch(/^orch_projection_stall_seconds 0$/m);
    } finally {
      await locker.end();
    }
  }, 60_000);
});
