import type { DataSource } from 'typeorm';
import type { OrchEvent } from '@app/contracts';
import { createDataSource, runMigrations } from '@app/persistence';
import { createTestDatabase, factory, type TestDatabase } from '@app/testing';
import { applyStoredMessages, EventNotApplied, type StoredOutcome } from './projection.step';
import { ProjectionUnit } from './read-model.rows';
import type { StreamMessage } from './stream-cursor';

const { ids } = factory;
const POISON = 'a\u0000b\ud800c\udfffd';
const STORED = 'a\ufffdb\ufffdc\ufffdd';

describe('applying stored messages to the read model', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let seq = 0;

  beforeAll(async () => {
    database = await createTestDatabase('gateway_projection_step');
    await runMigrations(database.url);
    dataSource = await createDataSource(database.url).initialize();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  /** Each event as the stream holds it: JSON text at the next sequence (`JSON.stringify` writes a lone surrogate as `\ud800`). */
  const stored = (...events: OrchEvent[]): StreamMessage[] =>
    events.map((event) => ({ seq: (seq += 1), subject: `orch.evt.task.${event.aggregateId}`, data: Buffer.from(JSON.stringify(event)), time: new Date('2026-11-24T10:00:00Z') }));
  const apply = (messages: StreamMessage[], unapplicable?: ReadonlyMap<number, string>): Promise<StoredOutcome[]> =>
    dataSource.transaction(async (manager) => {
      const unit = new ProjectionUnit();
      const outcomes = await applyStoredMessages(manager, messages, unit, unapplicable);
      await unit.finish(manager);
      return outcomes;
    });
  const rows = (sql: string, params: unknown[] = []) => dataSource.query(sql, params) as Promise<Array<Record<string, unknown>>>;

  it('given NUL and lone surrogates in text and JSON fields, when the events are applied, then each is stored as U+FFFD in text and jsonb columns alike', async () => {
    const ref = { task: 11, stageType: 'qa' as const };
    const outcomes = await apply(
      stored(
        factory.taskCreated(11, { title: POISON, description: POISON, repoPath: `/repo/${POISON}`, baseBranch: POISON }),
        factory.stageScheduled(ref, { context: { taskTitle: POISON, taskDescription: POISON, specification: POISON } }),
        factory.stageStarted(ref),
        factory.stageCompleted(ref, { output: POISON, verdict: { verdict: 'fail', findings: [POISON] } }),
        factory.orchestrationFailed(11, POISON),
      ),
    );

    expect(outcomes.map(({ outcome }) => outcome)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(await rows('SELECT title, description, repo_path, base_branch, failure_reason FROM tasks WHERE id = $1', [ids.task(11)])).toEqual([
      { title: STORED, description: STORED, repo_path: `/repo/${STORED}`, base_branch: STORED, failure_reason: STORED },
    ]);
    expect(await rows('SELECT stage_context, command_output, verdict FROM orchestrator_stages WHERE task_id = $1', [ids.task(11)])).toEqual([
      { stage_context: { taskTitle: STORED, taskDescription: STORED, specification: STORED }, command_output: STORED, verdict: { verdict: 'fail', findings: [STORED] } },
    ]);
  });

  it('given quotes, backslashes and SQL in text, when a batch is applied in one round trip, then each is stored as it was written and nothing else runs', async () => {
    const hostile = `x'); DELETE FROM tasks; -- \\' \\\\ $1 E'\\x00'`;
    const outcomes = await apply(stored(factory.taskCreated(16), factory.taskCreated(17, { title: hostile, description: hostile }), factory.orchestrationFailed(17, hostile)));

    expect(outcomes.map(({ outcome }) => outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(await rows('SELECT title, description, failure_reason FROM tasks WHERE id = $1', [ids.task(17)])).toEqual([{ title: hostile, description: hostile, failure_reason: hostile }]);
    expect(await rows('SELECT count(*)::int AS n FROM tasks WHERE id = $1', [ids.task(16)])).toEqual([{ n: 1 }]);
  });

  it('given an event stored twice (re-published without its Nats-Msg-Id), when both copies are applied, in one batch or later, then the first counts: cost once, no step back', async () => {
    const ref = { task: 12 };
    const completed = factory.stageCompleted(ref);
    const admitted = factory.orchestrationAdmitted(12);
    await apply(stored(factory.taskCreated(12), admitted, factory.stageScheduled(ref), factory.stageStarted(ref), completed, completed));

    const later = await apply(stored(factory.orchestrationCompleted(12), completed, admitted));

    expect(later.map(({ outcome }) => outcome)).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await rows('SELECT status, total_cost_usd FROM tasks WHERE id = $1', [ids.task(12)])).toEqual([{ status: 'done', total_cost_usd: '0.010000' }]);
    expect(await rows('SELECT count(*)::int AS runs, sum(cost_usd) AS cost FROM stage_runs WHERE task_id = $1', [ids.task(12)])).toEqual([{ runs: 1, cost: '0.010000' }]);
  });

  it('given a cost beyond what the column holds, when it is applied, then EventNotApplied names the event and the reason, and nothing of its batch is kept', async () => {
    const ref = { task: 13 };
    const [created, tooCostly] = stored(factory.taskCreated(13), factory.stageCompleted(ref, { result: { ...factory.stageCompleted().data.result, totalCostUsd: 1e12 } }));
    if (!created || !tooCostly) throw new Error('two messages expected');

    const refused = await apply([created, tooCostly]).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(EventNotApplied);
    expect(refused).toMatchObject({ seq: tooCostly.seq, reason: 'StageCompleted could not be applied to the read model: numeric field overflow' });
    expect(await rows('SELECT id FROM tasks WHERE id = $1', [ids.task(13)])).toEqual([]);
  });

  it('given a refused event listed as unapplicable, when its batch is applied, then it is a dead letter with that reason and the others apply', async () => {
    const ref = { task: 14 };
    const messages = stored(factory.taskCreated(14), factory.stageCompleted(ref, { result: { ...factory.stageCompleted().data.result, totalCostUsd: 1e12 } }), factory.orchestrationFailed(14, 'gave up'));
    const refusedSeq = messages[1]?.seq ?? 0;

    const outcomes = await apply(messages, new Map([[refusedSeq, 'StageCompleted could not be applied to the read model: numeric field overflow']]));

    expect(outcomes.map(({ outcome }) => outcome)).toEqual(['applied', 'dead-letter', 'applied']);
    expect(await rows('SELECT reason FROM dead_letters WHERE stream_sequence = $1', [refusedSeq])).toEqual([
      { reason: 'StageCompleted could not be applied to the read model: numeric field overflow' },
    ]);
    expect(await rows('SELECT status, failure_reason FROM tasks WHERE id = $1', [ids.task(14)])).toEqual([{ status: 'failed', failure_reason: 'gave up' }]);
  });

  it('given a payload with NUL that is no valid event, then its dead letter stores it with U+FFFD', async () => {
    const [broken] = stored(factory.taskDeleted(15));
    if (!broken) throw new Error('one message expected');
    const message = { ...broken, data: Buffer.from(`{"not an event\u0000": "\u0000"}`) };

    expect(await apply([message])).toEqual([{ outcome: 'dead-letter' }]);
    expect(await rows('SELECT payload FROM dead_letters WHERE stream_sequence = $1', [message.seq])).toEqual([{ payload: '{"not an event\ufffd": "\ufffd"}' }]);
  });
});
