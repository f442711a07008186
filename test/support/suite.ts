import { Client } from 'pg';

/** Something a suite starts and must stop after it: stopped by `stop()`, else `close()`, else `end()`; or a step to run then. */
export type Stoppable = { stop(): unknown } | { close(): unknown } | { end(): unknown } | (() => unknown);

/** Hands a started thing to the suite to stop after its tests; returns the thing. */
export type Keep = <T extends Stoppable>(thing: T) => T;

/**
 * What a suite needs, started before its tests and stopped after them, the last kept first:
 * `start` hands each thing it starts (a system, a client, a step such as bringing a stopped
 * server back) to `keep`. What was kept before a failed start is stopped all the same.
 */
export function useSuite(start: (keep: Keep) => Promise<unknown>, startTimeoutMs = 60_000): void {
  const kept: Stoppable[] = [];
  beforeAll(async () => {
    kept.length = 0;
    await start((thing) => {
      kept.push(thing);
      return thing;
    });
  }, startTimeoutMs);
  afterAll(async () => {
    for (const thing of kept.splice(0).reverse()) await stopOne(thing);
  }, 60_000);
}

/** A Postgres client, connected. */
export async function connectPg(connectionString: string): Promise<Client> {
  const client = new Client({ connectionString });
  await client.connect();
  return client;
}

async function stopOne(thing: Stoppable): Promise<void> {
  if (typeof thing === 'function') await thing();
  else if ('stop' in thing) await thing.stop();
  else if ('close' in thing) await thing.close();
  else await thing.end();
}
