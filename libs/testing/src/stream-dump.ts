import { DeliverPolicy } from '@nats-io/jetstream';
import type { DeadLetterRecord, NatsClient } from '@app/messaging';

export interface StoredMessage {
  seq: number;
  subject: string;
  /** the payload as text */
  text: string;
  /** every header value, joined, as text */
  headers: string;
}

/** Every message a stream holds (optionally below one subject filter), raw, in order. */
export async function readStream(client: NatsClient, stream: string, filter?: string): Promise<StoredMessage[]> {
  const info = await client.jsm.streams.info(stream);
  if (info.state.messages === 0) return [];
  const consumer = await client.js.consumers.get(stream, { ...(filter ? { filter_subjects: filter } : {}), deliver_policy: DeliverPolicy.All });
  if ((await consumer.info(false)).num_pending === 0) return [];
  const stored: StoredMessage[] = [];
  const messages = await consumer.consume({ max_messages: 512 });
  try {
    for await (const message of messages) {
      const headers = message.headers ? [...message.headers.keys()].map((key) => `${key}: ${message.headers?.values(key).join(',')}`).join('\n') : '';
      stored.push({ seq: message.seq, subject: message.subject, text: message.string(), headers });
      if (message.seq >= info.state.last_seq || message.info.pending === 0) break;
    }
  } finally {
    messages.stop();
  }
  return stored;
}

/** What ORCH_DLQ holds, each record parsed (a record that does not parse fails the caller). */
export async function readDeadLetters(client: NatsClient): Promise<DeadLetterRecord[]> {
  const stored = await readStream(client, client.subjects.deadLettersStream);
  return stored.map((message) => JSON.parse(message.text) as DeadLetterRecord);
}
