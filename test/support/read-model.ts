import { Client } from 'pg';
import type { MessagingOptions } from '@app/messaging';
import { rebuildProjection } from '../../apps/gateway/src/projection/projection-rebuild.module';
import { READ_MODEL_TABLES } from '../../apps/gateway/src/projection/projection-rebuild.service';
import { PROJECTION_NAME } from '../../apps/gateway/src/projection/projection.step';
import { createTestDatabase } from '../../libs/testing/src/database';
import { asApp } from '../../libs/testing/src/nats-accounts';

/** The dead letters the projection keeps, without their serial id (a rebuild renumbers them). */
const DEAD_LETTERS_QUERY = 'SELECT stream_sequence, consumer, subject, reason, payload, dead_at FROM dead_letters';

export interface ReadModelComparison {
  /** rows compared, live side */
  rows: number;
  /** the event sequence both sides were built up to */
  lastSequence: number;
  /** `<table>: only live|only rebuilt: <row>`, at most 5 per table */
  differences: string[];
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every row of the read model, as sorted JSON text per table. */
async function dumpReadModel(url: string): Promise<Map<string, string[]>> {
  return withClient(url, async (client) => {
    const dump = new Map<string, string[]>();
    const queries: Array<[string, string]> = [...READ_MODEL_TABLES.map((table): [string, string] => [table, `SELECT * FROM ${table}`]), ['dead_letters', DEAD_LETTERS_QUERY]];
    for (const [table, query] of queries) {
      const { rows } = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM (${query}) t`);
      dump.set(table, rows.map((row) => row.row).sort());
    }
    return dump;
  });
}

/** The live projection's checkpoint: the last event sequence it applied. */
export async function projectedSequence(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ last_sequence: string }>('SELECT last_sequence FROM projection_checkpoints WHERE name = $1', [PROJECTION_NAME]);
    return Number(rows[0]?.last_sequence ?? 0);
  });
}

/**
 * Rebuilds the read model from the log into a fresh database with the gateway's own
 * rebuild (`npm run projection:rebuild`), and compares it row by row with the live one.
 * Call it once the live projection has caught up with the log (see `projectedSequence`).
 */
export async function compareWithRebuild(live: { messaging: MessagingOptions; databaseUrl: string }, adminUrl?: string): Promise<ReadModelComparison> {
  let comparison: ReadModelComparison = { rows: 0, lastSequence: 0, differences: ['not compared'] };
  // an event appended meanwhile (a late pool report) moves the live side on: compare again
  for (let round = 0; round < 3; round += 1) {
    comparison = await compareOnce(live, adminUrl);
    if (comparison.differences.length === 0) break;
  }
  return comparison;
}

async function compareOnce(live: { messaging: MessagingOptions; databaseUrl: string }, adminUrl?: string): Promise<ReadModelComparison> {
  const scratch = await createTestDatabase('rebuild', adminUrl);
  try {
    const report = await rebuildProjection({ messaging: asApp(live.messaging, 'gateway', 'rebuild@test'), databaseUrl: scratch.url });
    const deadline = Date.now() + 10_000;
    while ((await projectedSequence(live.databaseUrl)) < report.lastSeq && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const [liveRows, rebuiltRows] = [await dumpReadModel(live.databaseUrl), await dumpReadModel(scratch.url)];
    const differences: string[] = [];
    let rows = 0;
    for (const [table, liveTable] of liveRows) {
      const rebuiltTable = new Set(rebuiltRows.get(table) ?? []);
      const liveSet = new Set(liveTable);
      rows += liveTable.length;
      const onlyLive = liveTable.filter((row) => !rebuiltTable.has(row)).map((row) => `${table}: only live: ${row}`);
      const onlyRebuilt = [...rebuiltTable].filter((row) => !liveSet.has(row)).map((row) => `${table}: only rebuilt: ${row}`);
      differences.push(...onlyLive.slice(0, 5), ...onlyRebuilt.slice(0, 5));
    }
    const projected = await projectedSequence(live.databaseUrl);
    if (projected !== report.lastSeq) differences.push(`checkpoints differ: live at #${projected}, rebuilt at #${report.lastSeq}`);
    return { rows, lastSequence: report.lastSeq, differences };
  } finally {
    await scratch.drop();
  }
}
