import { Client } from 'pg';
import type { NatsClient } from '@app/messaging';
import { readStream } from './stream-dump';

/**
 * Every form a secret may take in stored text: itself, hex, and base64 (standard and URL
 * alphabets, padded or not) at each of the three byte offsets it can have inside a longer
 * encoded string — only the characters that depend on the secret alone. Written apart
 * from the runner's redactor, so the test does not share its blind spots.
 */
export function secretNeedles(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const needles = new Set([secret, bytes.toString('hex'), encodeURIComponent(secret)]);
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // base64 digit i holds bits 6i…6i+5: it depends on the secret alone when those lie within its bytes
    const stable = encoded.slice(Math.ceil((offset * 4) / 3), Math.floor(((offset + bytes.length) * 4) / 3));
    needles.add(stable);
    needles.add(stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...needles].filter((needle) => needle.length >= 8);
}

/** How many times any needle occurs in `text`. */
export function occurrences(text: string, needles: readonly string[]): number {
  return needles.reduce((count, needle) => count + text.split(needle).length - 1, 0);
}

/** Every message of every stream of a suite (payloads and headers), as one text per stream; work-queue leftovers read one by one. */
export async function streamTexts(client: NatsClient): Promise<Record<string, string>> {
  const { subjects } = client;
  const texts: Record<string, string> = {};
  for (const stream of [subjects.eventsStream, subjects.heartbeatsStream, subjects.logsStream, subjects.deadLettersStream, subjects.snapshotsStream]) {
    texts[stream] = (await readStream(client, stream)).map((message) => `${message.subject}\n${message.headers}\n${message.text}`).join('\n');
  }
  const commands = await client.jsm.streams.info(subjects.commandsStream);
  const left: string[] = [];
  for (let seq = commands.state.first_seq; seq <= commands.state.last_seq && commands.state.messages > 0; seq += 1) {
    const message = await client.jsm.streams.getMessage(subjects.commandsStream, { seq }).catch(() => null);
    if (message) left.push(message.string());
  }
  texts[subjects.commandsStream] = left.join('\n');
  return texts;
}

/** Every row of every table of a database, as JSON text per table. */
export async function databaseTexts(databaseUrl: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = (await client.query<{ name: string }>(`SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`)).rows;
    const texts: Record<string, string> = {};
    for (const { name } of tables) {
      const [schema, table] = name.split('.');
      const rows = (await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table}" t`)).rows;
      texts[name] = rows.map((row) => row.row).join('\n');
    }
    return texts;
  } finally {
    await client.end();
  }
}
