import { createDataSource } from './data-source';

/** The database at `url` could not be reached (or refused the connection). */
export class DatabaseUnreachable extends Error {
  override readonly name = 'DatabaseUnreachable';

  constructor(url: string, options: { cause: unknown }) {
    super(`cannot connect to ${redactPassword(url)}: ${describe(options.cause)}`, options);
  }
}

/** Serialises migration runs across processes (apps booting together, `npm run migrate`). */
const MIGRATION_LOCK_KEY = 'orchestrator-manager:migrations';

/**
 * Runs the pending migrations against `url`, all in one transaction, and returns the names
 * of those it ran (none when the schema is up to date). Throws DatabaseUnreachable when it
 * cannot connect.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource(url);
  try {
    await dataSource.initialize();
  } catch (cause) {
    throw new DatabaseUnreachable(url, { cause });
  }
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_KEY]);
    const migrations = await dataSource.runMigrations({ transaction: 'all' });
    return migrations.map((migration) => migration.name);
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

/** `url` with its password, if any, replaced by `***`, for messages and logs. */
export function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
