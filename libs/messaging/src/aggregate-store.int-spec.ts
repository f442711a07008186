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
});
