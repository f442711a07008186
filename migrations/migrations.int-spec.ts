import { STAGE_STATUSES, STAGE_TYPES, TASK_STATUSES } from '@app/contracts';
import { createDataSource, runMigrations } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import type { DataSource } from 'typeorm';

const APP_TABLES = ['dead_letters', 'orchestrator_stages', 'projection_checkpoints', 'tasks'];
const CHECK_VIOLATION = '23514';

describe('migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let ranFirst: string[];

  beforeAll(async () => {
    database = await createTestDatabase('migrations');
    ranFirst = await runMigrations(database.url);
    dataSource = await createDataSource(database.url).initialize();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  const insertTask = async (values: { status?: string; currentStage?: string } = {}): Promise<string> => {
    const rows: Array<{ id: string }> = await dataSource.query(
      `INSERT INTO tasks (title, status, current_stage) VALUES ('a task', COALESCE($1, 'created'), $2) RETURNING id`,
      [values.status ?? null, values.currentStage ?? null],
    );
    return rows[0]!.id;
  };
  const insertStage = (taskId: string, stageType: string, status?: string): Promise<Array<Record<string, unknown>>> =>
    dataSource.query(
      status === undefined
        ? `INSERT INTO orchestrator_stages (task_id, stage_type) VALUES ($1, $2) RETURNING *`
        : `INSERT INTO orchestrator_stages (task_id, stage_type, status) VALUES ($1, $2, $3) RETURNING *`,
      status === undefined ? [taskId, stageType] : [taskId, stageType, status],
    );
  const tableExists = async (name: string): Promise<boolean> =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = $1`, [name])) as Array<{ n: number }>)[0]?.n === 1;
  const tables = async (): Promise<string[]> => {
    const rows: Array<{ tablename: string }> = await dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY tablename`,
      [APP_TABLES],
    );
    return rows.map((row) => row.tablename);
  };

  it('given a fresh database, when the migrations run, then all run in order and create the tables', async () => {
    expect(ranFirst).toEqual(['InitialSchema1732406400000', 'ProjectionSupport1732406400001', 'PoolAndMetrics1732406400002', 'ProjectedEvents1732406400003', 'Projects1732406400004', 'StageDiffsAndWebhooks1732406400018', 'Approval1732406400019', 'StageExecutors1732406400021', 'QueueSettings1732406400022', 'ParkedStages1732406400023', 'ParkedCredentials1732406400024', 'DailyBudgets1732406400025']);
    expect(await tables()).toEqual(APP_TABLES);
  });

  it('given the migrated schema, then the seed indexes exist as the seed defines them, the partial one included', async () => {
    const rows: Array<{ indexname: string; indexdef: string }> = await dataSource.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orchestrator_stages' AND indexname LIKE 'idx_%' ORDER BY indexname`,
    );
    expect(rows).toEqual([
      { indexname: 'idx_orchestrator_running', indexdef: expect.stringMatching(/\(status\) WHERE \(\(status\)::text = 'running'::text\)$/) },
      { indexname: 'idx_orchestrator_status', indexdef: expect.stringMatching(/btree \(status\)$/) },
      { indexname: 'idx_orchestrator_task_stages', indexdef: expect.stringMatching(/btree \(task_id, stage_type\)$/) },
    ]);
  });

  it('given a task, when a stage with stage_type deploy is inserted, then a check violation rejects it', async () => {
    const taskId = await insertTask();

    await expect(insertStage(taskId, 'deploy')).rejects.toMatchObject({ driverError: { code: CHECK_VIOLATION } });
  });

  it('given a task, when a stage with status cancelled is inserted, then a check violation rejects it', async () => {
    const taskId = await insertTask();

    await expect(insertStage(taskId, 'qa', 'cancelled')).rejects.toMatchObject({ driverError: { code: CHECK_VIOLATION } });
  });

  it('given the contracts, when every stage type, stage status and task status is written, then the checks accept them all', async () => {
    for (const status of TASK_STATUSES) await insertTask({ status });
    for (const currentStage of STAGE_TYPES) await insertTask({ currentStage });
    const taskId = await insertTask();
    for (const stageType of STAGE_TYPES) {
      for (const status of STAGE_STATUSES) await insertStage(taskId, stageType, status);
    }

    await expect(insertTask({ currentStage: 'deploy' })).rejects.toMatchObject({ driverError: { code: CHECK_VIOLATION } });
  });

  it('given a task, when a stage is inserted with only task and type, then it gets the seed defaults', async () => {
    const taskId = await insertTask();

    const [stage] = await insertStage(taskId, 'specification');

    expect(stage).toMatchObject({ status: 'pending', retry_count: 0, stage_context: {}, stage_round: 0, attempt: 1, last_event_seq: '0' });
  });

  it('given a task with stages, when the task is deleted, then its stages are deleted with it', async () => {
    const taskId = await insertTask();
    await insertStage(taskId, 'specification');
    await insertStage(taskId, 'implementation');

    await dataSource.query(`DELETE FROM tasks WHERE id = $1`, [taskId]);

    const rows: Array<{ count: string }> = await dataSource.query(`SELECT count(*) FROM orchestrator_stages WHERE task_id = $1`, [taskId]);
    expect(rows[0]!.count).toBe('0');
  });

  it('given the migrated schema, when TypeORM compares it with the entities, then it finds nothing to change', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();

    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('given the migrated schema, when the migrations run again, then none runs', async () => {
    expect(await runMigrations(database.url)).toEqual([]);
  });

  it('given the migrated schema, when every migration is reverted, then no table of theirs is left', async () => {
    await dataSource.undoLastMigration();
    const dailyColumns: Array<{ column_name: string }> = await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'projects' AND column_name = 'daily_budget_usd'`);
    expect(dailyColumns).toEqual([]);
    await dataSource.undoLastMigration();
    expect(await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE column_name = 'parked_credential'`)).toEqual([]);
    await dataSource.undoLastMigration();
    const parkedColumns: Array<{ column_name: string }> = await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE column_name IN ('parked_limit', 'parked_until', 'resume_at', 'budget_usd')`);
    expect(parkedColumns).toEqual([]);
    await dataSource.undoLastMigration();
    const queueColumns: Array<{ column_name: string }> = await dataSource.query(
      `SELECT column_name FROM information_schema.columns WHERE (table_name = 'tasks' AND column_name IN ('priority', 'blocked_by')) OR (table_name = 'projects' AND column_name IN ('max_concurrent', 'default_priority'))`,
    );
    expect(queueColumns).toEqual([]);
    await dataSource.undoLastMigration();
    const executorColumns: unknown[] = await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_name IN ('orchestrator_stages', 'stage_runs', 'projects') AND column_name IN ('executor', 'model', 'stage_executors')`);
    expect(executorColumns).toEqual([]);
    await dataSource.undoLastMigration();
    const approvalColumns: unknown[] = await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_name IN ('tasks', 'projects') AND column_name IN ('approval_policy', 'waiting_for', 'decisions')`);
    expect(approvalColumns).toEqual([]);
    await dataSource.undoLastMigration();
    expect(await tableExists('webhook_deliveries')).toBe(false);
    await dataSource.undoLastMigration();
    expect(await tableExists('projects')).toBe(false);
    await dataSource.undoLastMigration();
    expect(await tableExists('projected_events')).toBe(false);
    await dataSource.undoLastMigration();
    expect(await tables()).toEqual(['dead_letters', 'orchestrator_stages', 'projection_checkpoints', 'tasks']);
    await dataSource.undoLastMigration();
    expect(await tables()).toEqual(['orchestrator_stages', 'tasks']);

    await dataSource.undoLastMigration();

    expect(await tables()).toEqual([]);
    const applied: Array<{ name: string }> = await dataSource.query(`SELECT name FROM migrations`);
    expect(applied).toEqual([]);
  });
});
