import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';
import { PEER_STAGES, runPeerStage, type PeerPipeline, type PeerStage } from './stage-process';

interface StageJob {
  taskId: string;
  stage: PeerStage;
  context: string;
}

/**
 * The three-stage pipeline on pg-boss (the same Postgres): one queue of stage jobs with
 * LISTEN/NOTIFY on, `concurrency` local workers each fetching one job at a time and polling
 * every 0.5 s as well (its least; with NOTIFY alone most workers sleep out its 30 s default
 * backstop and 100 tasks took 46 s instead of 1.2 s), a finished
 * stage sends the next. A task counts as done when its QA job's handler returns (pg-boss has
 * no in-process completion event; its own UPDATE of the job follows, which flatters it by
 * one round trip). The schema is its own and dropped at the end.
 */
export async function startPgBossPipeline(options: { cliPath: string; concurrency: number; databaseUrl: string }): Promise<PeerPipeline> {
  const schema = `bench_pgboss_${randomUUID().slice(0, 8)}`;
  const boss = new PgBoss({ connectionString: options.databaseUrl, schema, useListenNotify: true, max: options.concurrency + 5 });
  boss.on('error', () => undefined);
  await boss.start();
  const name = 'stages';
  await boss.createQueue(name, { notify: true });
  const waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  await boss.work<StageJob>(name, { localConcurrency: options.concurrency, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 }, async ([job]) => {
    if (job === undefined) return;
    const { taskId, stage, context } = job.data;
    try {
      const output = await runPeerStage(options.cliPath, stage, context);
      const next = PEER_STAGES[PEER_STAGES.indexOf(stage) + 1];
      if (next !== undefined) await boss.send(name, { taskId, stage: next, context: output });
      else queueMicrotask(() => settle(taskId));
    } catch (error) {
      waiting.get(taskId)?.reject(error instanceof Error ? error : new Error(String(error)));
      waiting.delete(taskId);
      throw error;
    }
  });
  const settle = (taskId: string) => {
    waiting.get(taskId)?.resolve();
    waiting.delete(taskId);
  };
  return {
    name: 'pg-boss',
    runTask: (title) =>
      new Promise<void>((resolve, reject) => {
        const taskId = randomUUID();
        waiting.set(taskId, { resolve, reject });
        boss.send(name, { taskId, stage: 'specification', context: title }).catch(reject);
      }),
    stop: async () => {
      await boss.stop({ graceful: true, timeout: 10_000 });
      const client = new Client({ connectionString: options.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
    },
  };
}
