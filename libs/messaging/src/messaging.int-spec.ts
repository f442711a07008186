import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { newMessage, uuidv7, type MessageOf, type OrchEvent } from '@app/contracts';
import { connectTestClient, dropTestStreams, eventually, testMessagingOptions } from '@app/testing';
import type { DeadLetterRecord } from './dead-letter';
import { PoisonMessageError, TransientError } from './errors';
import { ensureStreams, streamConfigs } from './streams';
import type { MessagingOptions } from './messaging.options';
import { NatsClient } from './nats-client';
import { MessagePublisher } from './publisher';
import { startMicroservice } from './bootstrap';

const origin = () => ({ producer: 'messaging-test', occurredAt: new Date().toISOString() });
const taskCreated = (taskId = uuidv7()) =>
  newMessage('TaskCreated', taskId, { taskId, title: 'A task', description: '', repoPath: null, baseBranch: null }, origin()) as OrchEvent;

/** What the test handlers saw, and what they are told to do with each task id. */
const seen: string[] = [];
const behaviour = new Map<string, { transientFailures?: number; alwaysFail?: boolean; poison?: boolean }>();
const attempts = new Map<string, number>();

@Controller()
class ProbeHandler {
  @EventPattern('StartOrchestration')
  handle(@Payload() command: MessageOf<'StartOrchestration'>): void {
    const { taskId } = command.data;
    const count = (attempts.get(taskId) ?? 0) + 1;
    attempts.set(taskId, count);
    const plan = behaviour.get(taskId) ?? {};
    if (plan.poison) throw new PoisonMessageError(`task ${taskId} can never be started`);
    if (plan.alwaysFail) throw new Error('the database is on fire');
    if (plan.transientFailures !== undefined && count <= plan.transientFailures) throw new TransientError('try again', 50);
    seen.push(taskId);
  }
}

@Module({ controllers: [ProbeHandler] })
class ProbeModule {}

describe('messaging against the real NATS JetStream', () => {
  let options: MessagingOptions;
  let client: NatsClient;
  let publisher: MessagePublisher;

  beforeAll(async () => {
    options = testMessagingOptions('messaging-test');
    client = await connectTestClient(options);
    publisher = new MessagePublisher(client);
  });

  afterAll(async () => {
    await dropTestStreams(client);
  });

  describe('publisher', () => {
    it('given an envelope published twice, then the stream holds it once (Nats-Msg-Id is the envelope id)', async () => {
      const event = taskCreated();
      const first = await publisher.append(event);
      const second = await publisher.append(event);
      expect(first).toMatchObject({ ok: true, duplicate: false });
      expect(second).toMatchObject({ ok: true, duplicate: true });
      const info = await client.jsm.streams.info(client.subjects.eventsStream, { subjects_filter: client.subjects.task(event.aggregateId) });
      expect(info.state.subjects?.[client.subjects.task(event.aggregateId)]).toBe(1);
    });

    it('given an aggregate at sequence N, when an append expects an older sequence, then it comes back as a conflict', async () => {
      const first = taskCreated();
      const taskId = first.aggregateId;
      const created = await publisher.append(first, 0);
      expect(created.ok).toBe(true);
      const deleted = newMessage('TaskDeleted', taskId, { taskId }, origin()) as OrchEvent;
      const stale = await publisher.append(deleted, 0);
      expect(stale).toEqual({
        ok: false,
        conflict: expect.objectContaining({ subject: client.subjects.task(taskId), expectedLastSubjectSequence: 0 }),
      });
      const fresh = await publisher.append(deleted, created.ok ? created.seq : -1);
      expect(fresh).toMatchObject({ ok: true });
    });

    it('given a heartbeat, then it is stored in ORCH_HEARTBEATS (kept by age) and never in the event log', async () => {
      const taskId = uuidv7();
      const stageId = uuidv7();
      const beat = newMessage('RunHeartbeat', taskId, { taskId, orchestrationId: uuidv7(), stageId, stageType: 'implementation', attempt: 1, runnerId: 'runner-1', at: new Date().toISOString() }, origin()) as OrchEvent;
      expect(await publisher.append(beat)).toMatchObject({ ok: true });
      const heartbeats = await client.jsm.streams.info(client.subjects.heartbeatsStream, { subjects_filter: '>' });
      expect(heartbeats.state.subjects?.[`${client.subjects.root}.hb.${taskId}`]).toBe(1);
      expect(heartbeats.config.max_age).toBe(600 * 1_000_000_000);
      const events = await client.jsm.streams.info(client.subjects.eventsStream, { subjects_filter: '>' });
      expect(Object.keys(events.state.subjects ?? {}).filter((subject) => subject.includes(taskId))).toEqual([]);
    });

    it('given the streams, then each has limits, and the event log and the commands refuse new messages when full instead of dropping old ones', async () => {
      for (const { name } of streamConfigs(client.subjects, options)) {
        const { config } = await client.jsm.streams.info(name);
        const limits = { maxAge: config.max_age, maxBytes: config.max_bytes, maxMsgs: config.max_msgs, maxPerSubject: config.max_msgs_per_subject };
        expect({ name, limited: Object.values(limits).some((value) => value > 0) }).toEqual({ name, limited: true });
        if (name === client.subjects.eventsStream || name === client.subjects.commandsStream) expect({ name, discard: config.discard }).toEqual({ name, discard: 'new' });
      }
      expect((await client.jsm.streams.info(client.subjects.eventsStream)).config.max_age).toBe(0); // the log is never cut by age
    });

    it('given the streams exist, when they are ensured again, then nothing changes and nothing fails', async () => {
      const again = await connectTestClient(options);
      const info = await again.jsm.streams.info(again.subjects.commandsStream);
      expect(info.config.retention).toBe('workqueue');
      await again.close();
    });
  });

  describe('JetStream transport', () => {
    let app: INestMicroservice;

    beforeAll(async () => {
      app = await startMicroservice({ module: ProbeModule }, {
        messaging: options,
        connectionName: 'probe',
        consumers: [{ durable: 'probe-commands', stream: 'commands', filterSubject: client.subjects.commandsFor('orchestrator'), maxDeliver: 3 }],
      });
    });

    afterAll(async () => {
      await app.close();
    });

    const start = (taskId: string) => publisher.send(newMessage('StartOrchestration', taskId, { taskId }, origin()));

    const readDeadLetters = async () => {
      const consumer = await client.js.consumers.get(client.subjects.deadLettersStream);
      const records: DeadLetterRecord[] = [];
      const batch = await consumer.fetch({ max_messages: 100, expires: 1_000 });
      for await (const message of batch) {
        records.push(message.json<DeadLetterRecord>());
        const pending = batch.getPending();
        if (pending === 0) break;
      }
      return records;
    };

    it('given an invalid message between two valid ones, then it is dead-lettered with its reason and the next one is handled', async () => {
      const before = uuidv7();
      const after = uuidv7();
      await start(before);
      await client.js.publish(client.subjects.command('StartOrchestration'), JSON.stringify({ hello: 'world' }));
      await client.js.publish(
        client.subjects.command('StartOrchestration'),
        JSON.stringify(newMessage('StartOrchestration', 'x', { taskId: 'not-a-uuid' } as never, origin())),
      );
      await start(after);
      await eventually(async () => (seen.includes(after) ? true : undefined), 10_000, 'the message after the bad ones');
      expect(seen.indexOf(before)).toBeLessThan(seen.indexOf(after));
      const records = await eventually(async () => {
        const found = await readDeadLetters();
        return found.length >= 2 ? found : undefined;
      }, 10_000, 'two dead letters');
      expect(records.map((record) => record.reason)).toEqual([
        expect.stringMatching(/^invalid envelope: id: /),
        expect.stringMatching(/^invalid StartOrchestration: data\.taskId: Invalid UUID/),
      ]);
      expect(records[0]).toMatchObject({ consumer: 'probe-commands', payload: '{"hello":"world"}', deliveryCount: 1 });
    });

    it('given a handler that fails transiently twice, then the message is redelivered and handled on the third delivery', async () => {
      const taskId = uuidv7();
      behaviour.set(taskId, { transientFailures: 2 });
      await start(taskId);
      await eventually(async () => (seen.includes(taskId) ? true : undefined), 10_000, 'the retried message');
      expect(attempts.get(taskId)).toBe(3);
    });

    it('given a handler that always fails, then after max deliveries the message is dead-lettered with the last error', async () => {
      const taskId = uuidv7();
      behaviour.set(taskId, { alwaysFail: true });
      await start(taskId);
      const record = await eventually(async () => {
        const found = (await readDeadLetters()).find((item) => item.payload.includes(taskId));
        return found;
      }, 15_000, 'the dead letter');
      expect(record.reason).toBe('failed 3 deliveries; last error: the database is on fire');
      expect(record.deliveryCount).toBe(3);
      expect(attempts.get(taskId)).toBe(3);
      expect(seen).not.toContain(taskId);
    });

    it('given a handler that always fails and a dead letter that cannot be stored, then the message is kept and delivered again until its dead letter is stored', async () => {
      // given the dead-letter stream is gone, so no dead letter can be stored
      await client.jsm.streams.delete(client.subjects.deadLettersStream);
      const taskId = uuidv7();
      behaviour.set(taskId, { alwaysFail: true });

      // when the message fails past its 3 deliveries
      await start(taskId);
      await eventually(async () => ((attempts.get(taskId) ?? 0) >= 4 ? true : undefined), 15_000, 'deliveries past max_deliver');

      // then it is still delivered; once the stream is back, its dead letter is stored
      await ensureStreams(client.jsm, client.subjects, options);
      const record = await eventually(async () => (await readDeadLetters()).find((item) => item.payload.includes(taskId)), 15_000, 'the dead letter');
      expect(record.reason).toBe('failed 3 deliveries; last error: the database is on fire');
      expect(record.deliveryCount).toBeGreaterThan(4);
      expect(seen).not.toContain(taskId);
    }, 30_000);

    it('given a poison message, then it is dead-lettered at once without retries', async () => {
      const taskId = uuidv7();
      behaviour.set(taskId, { poison: true });
      await start(taskId);
      const record = await eventually(async () => (await readDeadLetters()).find((item) => item.payload.includes(taskId)), 10_000, 'the dead letter');
      expect(record.reason).toBe(`task ${taskId} can never be started`);
      expect(attempts.get(taskId)).toBe(1);
    });
  });
});
