import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '@app/testing';

const NEW_TABLES = ['lease_requests', 'pool_slots', 'stage_runs'];

describe('the read model schema (migration PoolAndMetrics1732406400002)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('gateway_schema');
    await runMigrations(database.url);
    dataSource = await createDataSource(database.url).initialize();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  const tables = async (): Promise<string[]> => {
    const rows: Array<{ tablename: string }> = await dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY tablename`,
      [NEW_TABLES],
    );
    return rows.map((row) => row.tablename);
  };

  it('given the migrated schema, when TypeORM compares it with the entities, then it finds nothing to change', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();

    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    expect(await tables()).toEqual(NEW_TABLES);
  });

  it('given a slot, when a state outside free, leased, resetting, down is written, then a check violation refuses it', async () => {
    await expect(
      dataSource.query(`INSERT INTO pool_slots (pool_id, slot, port, container_id, driver, state, updated_at) VALUES ('p', 0, 8081, 'c', 'local', 'exploded', NOW())`),
    ).rejects.toMatchObject({ driverError: { code: '23514' } });
  });

  it('given the migrated schema, when the migration is reverted (after the ones made since), then its tables and the queued_seq column are gone', async () => {
    await dataSource.undoLastMigration(); // DailyBudgets1732406400025
    await dataSource.undoLastMigration(); // ParkedCredentials1732406400024
    await dataSource.undoLastMigration(); // ParkedStages1732406400023
    await dataSource.undoLastMigration(); // QueueSettings1732406400022
    await dataSource.undoLastMigration(); // StageExecutors1732406400021
    await dataSource.undoLastMigration(); // Approval1732406400019
    await dataSource.undoLastMigration(); // StageDiffsAndWebhooks1732406400018
    await dataSource.undoLastMigration(); // Projects1732406400004
    await dataSource.undoLastMigration(); // ProjectedEvents1732406400003
    await dataSource.undoLastMigration();

    expect(await tables()).toEqual([]);
    const columns: Array<{ column_name: string }> = await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'tasks' AND column_name = 'queued_seq'`);
    expect(columns).toEqual([]);
  });
});
