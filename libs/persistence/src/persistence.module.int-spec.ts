import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { DataSource } from 'typeorm';
import { runMigrations } from './migrate';
import { PersistenceModule } from './persistence.module';
import { StageEntity } from './stage.entity';
import { TaskEntity } from './task.entity';

describe('PersistenceModule', () => {
  let database: TestDatabase;
  let app: INestApplicationContext;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('persistence');
    await runMigrations(database.url);
    const moduleRef = await Test.createTestingModule({ imports: [PersistenceModule.forRoot(database.url)] }).compile();
    app = await moduleRef.init();
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('given the module, when the app starts, then it provides an initialised DataSource', () => {
    expect(dataSource.isInitialized).toBe(true);
  });

  it('given a task and a stage, when saved and read back, then NUMERIC and BIGINT read as numbers and JSONB as objects', async () => {
    const tasks = dataSource.getRepository(TaskEntity);
    const stages = dataSource.getRepository(StageEntity);
    const task = await tasks.save(tasks.create({ title: 'Add a health check', totalCostUsd: 1.234567, lastEventSeq: 9_007_199_254 }));

    await stages.save(
      stages.create({
        taskId: task.id,
        stageType: 'qa',
        costUsd: 0.5,
        diffStat: { files: 2, insertions: 10, deletions: 3 },
        verdict: { verdict: 'fail', findings: ['no test'] },
        lastEventSeq: 42,
      }),
    );

    const readTask = await tasks.findOneByOrFail({ id: task.id });
    expect(readTask).toMatchObject({ status: 'created', description: '', totalCostUsd: 1.234567, lastEventSeq: 9_007_199_254, reworkCount: 0 });
    const readStage = await stages.findOneByOrFail({ taskId: task.id });
    expect(readStage).toMatchObject({
      status: 'pending',
      stageContext: {},
      costUsd: 0.5,
      inputTokens: null,
      diffStat: { files: 2, insertions: 10, deletions: 3 },
      verdict: { verdict: 'fail', findings: ['no test'] },
      lastEventSeq: 42,
      attempt: 1,
    });
  });

  it('given the running app, when it closes, then the DataSource is destroyed', async () => {
    await app.close();

    expect(dataSource.isInitialized).toBe(false);
  });
});
