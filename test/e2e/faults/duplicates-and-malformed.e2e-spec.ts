import { headers } from '@nats-io/transport-node';
import { Client } from 'pg';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { logFacts, readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { readDeadLetters } from '../../../libs/testing/src/stream-dump';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkFaultInvariants, checkedFigures, expectAllCompleted } from './fault.support';
import { useSuite } from '../../support/suite';

const DUPLICATES = 1_000;
const MALFORMED = 100;
const MAX_CONCURRENT = 2;

/** 100 malformed messages, each carrying a unique marker, on live event and command subjects. */
function malformedMessages(client: NatsClient, liveTaskIds: readonly string[]): Array<{ subject: string; payload: string; marker: string }> {
  const { subjects } = client;
  const someTask = (i: number) => liveTaskIds[i % liveTaskIds.length] ?? '00000000-0000-4000-8000-000000000000';
  const envelope = (marker: string, type: string, data: unknown, kind = 'event') =>
    JSON.stringify({ id: crypto.randomUUID(), kind, type, version: 1, aggregateId: marker, correlationId: crypto.randomUUID(), causationId: null, occurredAt: new Date().toISOString(), producer: marker, data });
  const shapes: Array<(marker: string, i: number) => { subject: string; payload: string }> = [
    (marker, i) => ({ subject: subjects.task(someTask(i)), payload: `{broken ${marker}` }), // not JSON, on a live task
    (marker, i) => ({ subject: subjects.task(someTask(i)), payload: envelope(marker, 'StageCompleted', { taskId: 'not-a-uuid' }) }), // known type, bad data
    (marker) => ({ subject: subjects.scheduler, payload: envelope(marker, 'OrchestrationAdmitted', { taskId: 42 }) }), // on the admission log
    (marker) => ({ subject: subjects.pool('default'), payload: JSON.stringify({ hello: marker }) }), // JSON, no envelope
    (marker) => ({ subject: subjects.task(crypto.randomUUID()), payload: envelope(marker, 'TaskExploded', { boom: true }) }), // unknown type
    (marker) => ({ subject: subjects.task(crypto.randomUUID()), payload: `\u0000\u00ff binary ${marker}` }),
    (marker) => ({ subject: subjects.command('StartOrchestration'), payload: envelope(marker, 'StartOrchestration', { taskId: 42 }, 'command') }),
    (marker) => ({ subject: subjects.command('AcquireLease'), payload: `not even json ${marker}` }),
    (marker) => ({ subject: subjects.command('RunStage'), payload: envelope(marker, 'RunStage', { taskId: crypto.randomUUID() }, 'command') }),
    (marker) => ({ subject: subjects.command('ReleaseLease'), payload: JSON.stringify([marker]) }),
  ];
  return Array.from({ length: MALFORMED }, (_, i) => {
    const marker = `malformed-${String(i).padStart(3, '0')}-${crypto.randomUUID().slice(0, 8)}`;
    return { ...(shapes[i % shapes.length] as (typeof shapes)[number])(marker, i), marker };
  });
}

/** Fault 6: 1,000 duplicates of real events and 100 malformed messages, from a plain NATS client, with tasks in flight. */
describe('fault 6: duplicates and malformed messages from a plain NATS client', () => {
  let system: TestSystem;
  let client: NatsClient;

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ poolSize: 3, rules: { maxConcurrent: MAX_CONCURRENT } }));
    client = keep(await connectTestClient(system.messaging));
  });

  it('given tasks in flight, when real events are re-published 1,000 times and 100 malformed messages sent, then nothing happens twice and every malformed message is a dead letter with a reason', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Under duplicates', 'Work [[fake:slow=100]]');
    const original = await eventually(async () => {
      const events = await readEventLog(client);
      return events.filter(({ event }) => event.type === 'StageCompleted').length >= 2 ? events : undefined;
    }, 30_000, 'some stages to have completed');

    // each duplicate keeps its Nats-Msg-Id, as any re-publish of an envelope does: JetStream drops it within the 2-minute window
    const injectedAt = Date.now();
    for (let i = 0; i < DUPLICATES; i += 1) {
      const logged = original[i % original.length];
      if (!logged) throw new Error('empty log');
      const header = headers();
      header.set('Nats-Msg-Id', logged.event.id);
      client.connection.publish(logged.subject, JSON.stringify(logged.event), { headers: header });
    }
    const malformed = malformedMessages(client, taskIds);
    for (const message of malformed) client.connection.publish(message.subject, message.payload);
    await client.connection.flush();

    const ended = await allTerminal(client, taskIds, 60_000);
    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: MAX_CONCURRENT, minDeadLetters: MALFORMED });
    expect(report.violations).toEqual([]);

    // no double effect: one admission, three stages of one attempt, one completion per task
    const raw = await readEventLog(client);
    const events = distinctEvents(raw);
    const facts = logFacts(events);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });
    for (const taskId of taskIds) {
      const ofTask = events.filter(({ event }) => event.aggregateId === taskId || ('taskId' in event.data && event.data.taskId === taskId));
      const count = (type: string) => ofTask.filter(({ event }) => event.type === type).length;
      expect({ taskId, admitted: count('OrchestrationAdmitted'), scheduled: count('StageScheduled'), started: count('StageStarted'), completed: count('StageCompleted') }).toEqual({
        taskId,
        admitted: 1,
        scheduled: 3,
        started: 3,
        completed: 3,
      });
    }
    expect(facts.maxRunning).toBeLessThanOrEqual(MAX_CONCURRENT);

    // the read model counted each stage's cost once
    const costs = new Map<string, number>();
    for (const { event } of events) if (event.type === 'StageCompleted') costs.set(event.data.taskId, (costs.get(event.data.taskId) ?? 0) + event.data.result.totalCostUsd);
    const db = new Client({ connectionString: system.database.url });
    await db.connect();
    const rows = (await db.query<{ id: string; total_cost_usd: string }>('SELECT id, total_cost_usd FROM tasks')).rows;
    const stageRuns = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM stage_runs')).rows[0]?.n);
    await db.end();
    for (const row of rows) expect([row.id, Number(row.total_cost_usd)]).toEqual([row.id, Number((costs.get(row.id) ?? 0).toFixed(6))]);
    expect(stageRuns).toBe(taskIds.length * 3);

    // every malformed message sits in the dead letters, with a reason
    const deadLetters = await readDeadLetters(client);
    const missing = malformed.filter((message) => !deadLetters.some((record) => record.payload.includes(message.marker) && record.reason.trim() !== ''));
    expect(missing.map((message) => `${message.subject}: ${message.payload}`)).toEqual([]);
    const reasons = [...new Set(deadLetters.map((record) => record.reason.replace(/[0-9a-f-]{36}|#\d+/g, '…').slice(0, 80)))];

    const storedDuplicates = raw.length - events.length;
    // every command was handled or dead-lettered: none is left in the work queue, malformed ones included
    const commandsLeft = await eventually(async () => {
      const left = (await client.jsm.streams.info(client.subjects.commandsStream)).state.messages;
      return left === 0 ? left : undefined;
    }, 15_000, 'the command work queue to be empty');
    await recordFigures('fault-6-duplicates-and-malformed', {
      fault: `${DUPLICATES} re-published real events (with their Nats-Msg-Id) and ${MALFORMED} malformed messages (10 shapes, event and command subjects) with 6 tasks in flight, limit ${MAX_CONCURRENT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      duplicatesPublished: DUPLICATES,
      duplicatesDroppedByJetStream: DUPLICATES - storedDuplicates,
      duplicatesStored: storedDuplicates,
      malformedPublished: MALFORMED,
      malformedInDeadLetters: MALFORMED - missing.length,
      deadLetterRecords: deadLetters.length,
      deadLetterReasons: reasons.slice(0, 12),
      commandsLeftInWorkQueue: commandsLeft,
      secondsFromInjectionToAllTerminal: (ended - injectedAt) / 1000,
      maxRunning: report.maxRunning,
      ...checkedFigures(report),
    });
  }, 150_000);

  it('given tasks in flight, when their events are re-published without Nats-Msg-Id (stored again), then every fold counts each once: nothing happens twice and every task completes', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Under re-stored duplicates', 'Work [[fake:slow=100]]');
    const mine = (event: { aggregateId: string; data: object }) => taskIds.includes(event.aggregateId) || ('taskId' in event.data && taskIds.includes(String(event.data.taskId)));
    const original = await eventually(async () => {
      const events = (await readEventLog(client)).filter(({ subject, event }) => mine(event) && (subject === client.subjects.scheduler || subject.startsWith(`${client.subjects.root}.evt.task.`)));
      return events.filter(({ event }) => event.type === 'StageCompleted').length >= 3 ? events : undefined;
    }, 30_000, 'some stages of the new tasks to have completed');

    // no Nats-Msg-Id: JetStream cannot tell them from new messages and stores every one again
    const injectedAt = Date.now();
    const republished = 300;
    for (let i = 0; i < republished; i += 1) {
      const logged = original[i % original.length];
      if (!logged) throw new Error('empty log');
      client.connection.publish(logged.subject, JSON.stringify(logged.event));
    }
    await client.connection.flush();

    const { ended, report } = await expectAllCompleted(client, system, taskIds, 60_000, { maxConcurrent: MAX_CONCURRENT });

    const raw = (await readEventLog(client)).filter(({ event }) => mine(event));
    const events = distinctEvents(raw);
    const storedAgain = raw.length - events.length;
    expect(storedAgain).toBeGreaterThanOrEqual(republished);
    // the duplicates were folded once: one admission, three stages of one attempt, one completion per task
    for (const taskId of taskIds) {
      const ofTask = events.filter(({ event }) => event.aggregateId === taskId || ('taskId' in event.data && event.data.taskId === taskId));
      const count = (type: string) => ofTask.filter(({ event }) => event.type === type).length;
      expect({ taskId, admitted: count('OrchestrationAdmitted'), scheduled: count('StageScheduled'), started: count('StageStarted'), completed: count('StageCompleted'), ended: count('OrchestrationCompleted') }).toEqual({
        taskId,
        admitted: 1,
        scheduled: 3,
        started: 3,
        completed: 3,
        ended: 1,
      });
    }
    expect(report.maxRunning).toBeLessThanOrEqual(MAX_CONCURRENT);

    await recordFigures('fault-6b-restored-duplicates', {
      fault: `${republished} re-publications of the task and scheduler events of 6 tasks in flight WITHOUT Nats-Msg-Id (so stored again), limit ${MAX_CONCURRENT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      republished,
      storedAgain,
      secondsFromInjectionToAllTerminal: (ended - injectedAt) / 1000,
      maxRunning: report.maxRunning,
      ...checkedFigures(report),
    });
  }, 150_000);
});
