import type { ApiClient } from '../api/api.client';
import type { StageView, TaskView } from '../api/api.types';
import type { BoardSnapshot } from './snapshot.mapper';

/** pages of 200 tasks the board reads at most */
const MAX_PAGES = 5;
/** requests for stages in flight at once */
const STAGE_READS_IN_FLIGHT = 4;

/**
 * The board over REST: the tasks (the first page's checkpoint is where the socket
 * resumes), the stages of every task that was started, the pool and the metrics.
 */
export async function loadSnapshot(api: ApiClient): Promise<BoardSnapshot> {
  const first = await api.listTasks();
  const tasks = [...first.items];
  for (let page = 1; page < MAX_PAGES && tasks.length < first.total; page++) {
    const next = await api.listTasks(tasks.length);
    if (next.items.length === 0) break;
    tasks.push(...next.items);
  }
  const [stages, pool, metrics] = await Promise.all([stagesOf(api, tasks.filter((task) => task.status !== 'created')), api.pool(), api.metrics()]);
  return { seq: first.seq, tasks, stages, pool, metrics };
}

async function stagesOf(api: ApiClient, tasks: TaskView[]): Promise<StageView[]> {
  const stages: StageView[] = [];
  const pending = [...tasks];
  const worker = async (): Promise<void> => {
    for (let task = pending.shift(); task !== undefined; task = pending.shift()) stages.push(...(await api.stages(task.id)));
  };
  await Promise.all(Array.from({ length: STAGE_READS_IN_FLIGHT }, worker));
  return stages;
}
