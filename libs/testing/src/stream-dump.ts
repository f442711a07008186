import { StreamReader, type DeadLetterRecord, type NatsClient } from '@app/messaging';

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
  const stored: StoredMessage[] = [];
  for await (const message of new StreamReader(client).range(stream, { filter })) {
    const headers = message.headers ? [...message.headers.keys()].map((key) => `${key}: ${message.headers?.values(key).join(',')}`).join('\n') : '';
    stored.push({ seq: message.seq, subject: message.subject, text: Buffer.from(message.data).toString('utf8'), headers });
  }
  return stored;
}

/** What ORCH_DLQ holds, each record parsed (a record that does not parse fails the caller). */
export async function readDeadLetters(client: NatsClient): Promise<DeadLetterRecord[]> {
  const stored = await readStream(client, client.subjects.deadLettersStream);
  return stored.map((message) => JSON.parse(message.text) as DeadLetterRecord);
}
