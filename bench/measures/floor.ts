import { AckPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsClient } from '@app/messaging';
import { distribution, type Distribution } from '../stats';

/**
 * The floor: one JetStream publish (with its ack from the server), delivered to a durable
 * pull consumer, acknowledged (with the server's confirmation), one at a time.
 */
export async function measureFloor(client: NatsClient, rounds: number): Promise<Distribution> {
  const stream = `${client.subjects.streamPrefix}BENCH_FLOOR`;
  const subject = `${client.subjects.root}.bench.floor`;
  await client.jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Limits });
  await client.jsm.consumers.add(stream, { durable_name: 'floor', ack_policy: AckPolicy.Explicit });
  const consumer = await client.js.consumers.get(stream, 'floor');
  const messages = await consumer.consume({ max_messages: 1 });
  const iterator = messages[Symbol.asyncIterator]();
  const samples: number[] = [];
  try {
    for (let i = 0; i < rounds; i += 1) {
      const started = performance.now();
      await client.js.publish(subject, `floor ${i}`, { msgID: `floor-${i}` });
      const next = await iterator.next();
      if (next.done) throw new Error('the floor consumer stopped');
      await next.value.ackAck();
      samples.push(performance.now() - started);
    }
  } finally {
    messages.stop();
    await client.jsm.streams.delete(stream);
  }
  return distribution(samples.slice(Math.min(10, Math.floor(rounds / 10))));
}
