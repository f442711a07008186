import { startBullmqPipeline } from '../peers/bullmq.pipeline';
import { startPgBossPipeline } from '../peers/pg-boss.pipeline';
import type { PeerPipeline } from '../peers/stage-process';
import { distribution, type Distribution } from '../stats';

export interface PeerFigures {
  name: string;
  /** one task at a time, submit → QA done (the first, cold, left out) */
  single: Distribution;
  /** `tasks` submitted at once, the pipeline's concurrency as ours */
  tasks: number;
  tasksPerSecond: number;
  failed: number;
}

async function measurePeer(pipeline: PeerPipeline, singleTasks: number, batch: number): Promise<PeerFigures> {
  try {
    const single: number[] = [];
    for (let i = 0; i < singleTasks; i += 1) {
      const started = performance.now();
      await pipeline.runTask(`Single ${i}`);
      single.push(performance.now() - started);
    }
    let failed = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: batch }, (_, i) => pipeline.runTask(`Batch ${i}`).catch(() => (failed += 1))));
    const seconds = (performance.now() - started) / 1000;
    return { name: pipeline.name, single: distribution(single.slice(1)), tasks: batch, tasksPerSecond: batch / seconds, failed };
  } finally {
    await pipeline.stop();
  }
}

/**
 * The same three-stage pipeline on the job queues users would pick instead, each stage
 * spawning the same agent stand-in as a process, at the same concurrency as ours: BullMQ on
 * the local Redis, pg-boss on the same Postgres. One after the other, with our apps idle.
 */
export async function measurePeers(options: {
  cliPath: string;
  concurrency: number;
  singleTasks: number;
  batch: number;
  redisUrl: string;
  databaseUrl: string;
}): Promise<PeerFigures[]> {
  const { cliPath, concurrency } = options;
  const bullmq = await measurePeer(await startBullmqPipeline({ cliPath, concurrency, redisUrl: options.redisUrl }), options.singleTasks, options.batch);
  const pgBoss = await measurePeer(await startPgBossPipeline({ cliPath, concurrency, databaseUrl: options.databaseUrl }), options.singleTasks, options.batch);
  return [bullmq, pgBoss];
}
