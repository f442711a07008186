import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { NatsClient, type MessagingOptions } from '@app/messaging';
import { testCredentials } from './nats-accounts';

/**
 * Messaging options private to one test suite: its own subject root and stream prefix on
 * the run's NATS server, so suites never see each other's messages. They connect as the
 * harness's `test` user; an app of the suite connects as its own (`asApp`).
 */
export function testMessagingOptions(app = 'test', natsUrl: string = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'): MessagingOptions {
  const suffix = randomBytes(4).toString('hex');
  return {
    natsUrl,
    subjectRoot: `t${suffix}`,
    streamPrefix: `T${suffix}_`,
    producer: `${app}@${hostname()}:${process.pid}`,
    logsMaxAgeS: 3600,
    eventsMaxMessages: 10_000_000,
    heartbeatsMaxAgeS: 600,
    logsMaxBytes: 64 * 1024 * 1024,
    heartbeatsMaxBytes: 16 * 1024 * 1024,
    snapshotsMaxBytes: 16 * 1024 * 1024,
    deadLettersMaxBytes: 16 * 1024 * 1024,
    aggregateCacheMaxBytes: 128 * 1024 * 1024,
    replicas: 1,
    credentials: testCredentials('test'),
    updatesStreams: true,
  };
}

/** Connects a client for a suite's own checks (creating its streams). */
export function connectTestClient(options: MessagingOptions): Promise<NatsClient> {
  return NatsClient.connect(options, 'test-client');
}

/** Deletes the suite's streams (and so their consumers) and closes the client. */
export async function dropTestStreams(client: NatsClient): Promise<void> {
  const { subjects } = client;
  for (const stream of [subjects.eventsStream, subjects.commandsStream, subjects.logsStream, subjects.deadLettersStream, subjects.snapshotsStream, subjects.heartbeatsStream]) {
    await client.jsm.streams.delete(stream).catch(() => false);
  }
  await client.close();
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
