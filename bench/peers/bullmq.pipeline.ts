import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { PEER_STAGES, runPeerStage, type PeerPipeline, type PeerStage } from './stage-process';

interface StageJob {
  taskId: string;
  stage: PeerStage;
  context: string;
}

/**
 * The three-stage pipeline on BullMQ (Redis), as its guide chains jobs: one queue of stage
 * jobs, a worker with `concurrency` slots spawns the agent for each, and a finished stage
 * adds the next one. A task is done when the worker reports its QA job completed.
 */
export async function startBullmqPipeline(options: { cliPath: string; concurrency: number; redisUrl: string }): Promise<PeerPipeline> {
  const { hostname, port } = new URL(options.redisUrl);
  const connection = { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null };
  const name = `bench-stages-${randomUUID().slice(0, 8)}`;
  const queue = new Queue<StageJob>(name, { connection, defaultJobOptions: { removeOnComplete: 1_000, removeOnFail: 1_000 } });
  const waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const worker = new Worker<StageJob>(
    name,
    async (job: Job<StageJob>) => {
      const output = await runPeerStage(options.cliPath, job.data.stage, job.data.context);
      const next = PEER_STAGES[PEER_STAGES.indexOf(job.data.stage) + 1];
      if (next !== undefined) await queue.add(next, { taskId: job.data.taskId, stage: next, context: output });
    },
    { connection, concurrency: options.concurrency },
  );
  worker.on('completed', (job) => {
    if (job.data.stage !== 'qa') return;
    waiting.get(job.data.taskId)?.resolve();
    waiting.delete(job.data.taskId);
  });
  worker.on('failed', (job, error) => {
    if (job === undefined) return;
    waiting.get(job.data.taskId)?.reject(error);
    waiting.delete(job.data.taskId);
  });
  await worker.waitUntilReady();
  return {
    name: 'BullMQ',
    runTask: (title) =>
      new Promise<void>((resolve, reject) => {
        const taskId = randomUUID();
        waiting.set(taskId, { resolve, reject });
        queue.add('specification', { taskId, stage: 'specification', context: title }).catch(reject);
      }),
    stop: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}
