import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** connection URL of the new database */
  url: string;
  name: string;
  /** terminates the database's connections and drops it */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database on the server of `TEST_DATABASE_ADMIN_URL`
 * (default: local Postgres as `postgres`), or of `adminUrl` (e.g. a private server's), so
 * each suite gets its own schema.
 */
export async function createTestDatabase(prefix = 'test', adminUrl: string = process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL): Promise<TestDatabase> {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(prefix)) {
    throw new Error(`createTestDatabase: prefix must be lower-case letters, digits and _, at most 40 (got "${prefix}")`);
  }
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdminClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

async function withAdminClient(adminUrl: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
