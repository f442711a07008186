import { newMessage, uuidv7, type OrchEvent } from '@app/contracts';
import { connectTestClient, dropTestStreams, testMessagingOptions } from '@app/testing';
import { AggregateStore, type Fold } from './aggregate-store';
import type { NatsClient } from './nats-client';
import { MessagePublisher } from './publisher';
import { SubjectReader } from './subject-reader';

/** Counts the queued tasks on the scheduler subject: enough state to see what was read. */
const countingFold = (every?: number): Fold<{ queued: string[] }> => ({
  initial: () => ({ queued: [] }),
  accepts: (event): event is OrchEvent => event.kind === 'event',
  evolve: (state, event) => (event.type === 'OrchestrationQueued' ? { queued: [...state.queued, event.data.taskId] } : state),
  ...(every === undefined ? {} : { snapshot: { name: 'scheduler', version: 1, every } }),
});

const queued = (position: number): OrchEvent => {
  const taskId = uuidv7();
  return newMessage('OrchestrationQueued', 'scheduler', { taskId, orchestrationId: uuidv7(), position }, { producer: 'spec', occurredAt: new Date().toISOString() }) as OrchEvent;
};

class CountingReader extends SubjectReader {
  readonly reads: number[] = [];
  override async read(subject: string, afterSeq = 0) {
    const result = await super.read(subject, afterSeq);
    this.reads.push(result.events.length);
    return result;
  }
}

describe('AggregateStore against the real JetStream', () => {
  let client: NatsClient;

  beforeAll(async () => {
    client = await connectTestClient(testMessagingOptions('aggregate-store'));
  });

  afterAll(async () => {
    await dropTestStreams(client);
  });

  const store = (reader = new SubjectReader(client)) => new AggregateStore(reader, new MessagePublisher(client), client);

  it('given another writer appended meanwhile, when a decision is appended, then it is re-decided on the new state, not blindly retried', async () => {
    const subject = client.subjects.scheduler;
    const mine = store();
    const theirs = store();
    await mine.load(subject, countingFold());
    await theirs.decide(subject, countingFold(), () => [queued(1)]);
    const seenLengths: number[] = [];
    const { state } = await mine.decide(subject, countingFold(), (current) => {
      seenLengths.push(current.queued.length);
      return [queued(current.queued.length + 1)];
    });
    expect(seenLengths).toEqual([1]);
    expect(state.queued).toHaveLength(2);
  });

  it('given a decision holding an event of another subject, when it is appended on the scheduler, then it is refused and nothing is written', async () => {
    const subject = client.subjects.scheduler;
    const writer = store();
    const before = await writer.load(subject, countingFold());
    const taskId = uuidv7();
    const elsewhere = newMessage('TaskDeleted', taskId, { taskId }, { producer: 'spec', occurredAt: new Date().toISOString() });
    await expect(writer.decide(subject, countingFold(), () => [queued(99), elsewhere])).rejects.toThrow(`TaskDeleted for ${taskId} belongs on ${client.subjects.task(taskId)}, not on ${subject}`);
    expect((await store().load(subject, countingFold())).lastSeq).toBe(before.lastSeq);
  });

  it('given a decision presumed at the subject\'s last sequence, when it is appended, then it is stored without a read; given another writer since, then it is re-decided on the re-read state', async () => {
    const own = await connectTestClient(testMessagingOptions('aggregate-presumed'));
    const store = (reader = new SubjectReader(own)) => new AggregateStore(reader, new MessagePublisher(own), own);
    const subject = own.subjects.scheduler;
    const { lastSeq } = await store().load(subject, countingFold());
    const reader = new CountingReader(own);
    const presuming = store(reader);
    const asked: number[] = [];
    const first = await presuming.append(subject, countingFold(), { lastSeq, events: [queued(1)] }, (current) => {
      asked.push(current.queued.length);
      return [queued(current.queued.length + 1)];
    });
    expect(first.stored).toHaveLength(1);
    expect(first.lastSeq).toBeGreaterThan(lastSeq);
    expect(asked).toEqual([]);
    expect(reader.reads).toEqual([]);

    await store().decide(subject, countingFold(), (current) => [queued(current.queued.length + 1)]);
    const stale = queued(100);
    const { taskId } = stale.type === 'OrchestrationQueued' ? stale.data : { taskId: '' };
    const second = await presuming.append(subject, countingFold(), { lastSeq: first.lastSeq, events: [stale] }, () => {
      asked.push(1);
      return [];
    });
    expect(asked).toEqual([1]);
    expect(second).toMatchObject({ lastSeq: first.lastSeq + 1, appended: [], stored: [] });
    expect((await store().load(subject, countingFold())).state.queued).toHaveLength(2);
    expect((await store().load(subject, countingFold())).state.queued).not.toContain(taskId);
    await dropTestStreams(own);
  });

  it('given a snapshot every 5 appends, when a new store loads cold, then it reads the snapshot and only the tail', async () => {
    const writer = store();
    for (let i = 0; i < 12; i += 1) await writer.decide(client.subjects.scheduler, countingFold(5), (current) => [queued(current.queued.length + 1)]);
    const reader = new CountingReader(client);
    const cold = store(reader);
    const { state } = await cold.load(client.subjects.scheduler, countingFold(5));
    const full = await store().load(client.subjects.scheduler, countingFold());
    expect(state.queued).toEqual(full.state.queued);
    expect(full.state.queued).toHaveLength(14);
    // the writer snapshotted after its 5th and 10th appends (2 events were already there): 2 left to read
    expect(reader.reads).toEqual([2]);
  });

  describe('given a cache bounded to 8 KiB of state', () => {
    let bounded: NatsClient;

    beforeAll(async () => {
      bounded = await connectTestClient({ ...testMessagingOptions('aggregate-cache'), aggregateCacheMaxBytes: 8 * 1024 });
    });

    afterAll(async () => {
      await dropTestStreams(bounded);
    });

    /** Keeps the task's description: a state as big as the description. */
    const describing: Fold<{ description: string }> = { initial: () => ({ description: '' }), accepts: (event): event is OrchEvent => event.kind === 'event', evolve: (state, event) => (event.type === 'TaskCreated' ? { description: event.data.description } : state) };
    const createTask = async (descriptionBytes: number): Promise<string> => {
      const taskId = uuidv7();
      const created = newMessage('TaskCreated', taskId, { taskId, title: 'Big', description: 'x'.repeat(descriptionBytes), repoPath: null, baseBranch: null }, { producer: 'spec', occurredAt: new Date().toISOString() }) as OrchEvent;
      await new MessagePublisher(bounded).append(created, 0);
      return bounded.subjects.task(taskId);
    };

    it('when a big aggregate is loaded, then the least recently used ones are evicted by bytes, and one bigger than the bound is not kept', async () => {
      const reader = new CountingReader(bounded);
      const cache = new AggregateStore(reader, new MessagePublisher(bounded), bounded);
      const small = [await createTask(1_000), await createTask(1_000), await createTask(1_000)];
      for (const subject of small) await cache.load(subject, describing);
      expect(cache.cacheUsage().entries).toBe(3);

      const big = await createTask(6_000);
      await cache.load(big, describing);
      expect(cache.cacheUsage()).toEqual({ entries: 3, bytes: expect.any(Number) });
      expect(cache.cacheUsage().bytes).toBeLessThanOrEqual(8 * 1024);

      reader.reads.length = 0;
      await cache.load(small[0] ?? '', describing); // evicted: read from the log again
      await cache.load(big, describing); // kept: nothing new to read
      expect(reader.reads).toEqual([1, 0]);

      const huge = await createTask(10_000);
      await cache.load(huge, describing);
      reader.reads.length = 0;
      const again = await cache.load(huge, describing);
      expect(again.state.description).toHaveLength(10_000);
      expect(reader.reads).toEqual([1]); // never kept: read whole again
      expect(cache.cacheUsage().bytes).toBeLessThanOrEqual(8 * 1024);
    });
  });
});
