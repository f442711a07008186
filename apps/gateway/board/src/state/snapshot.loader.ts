import type { ApiClient } from '../api/api.client';
import type { StageView, TaskPage, TaskView } from '../api/api.types';
import { COLUMNS, type ColumnId } from './board.columns';
import type { BoardSnapshot } from './snapshot.mapper';

/** the columns whose cards show their current stage's run: as many as run at once */
const RUNNING_COLUMNS: ReadonlySet<ColumnId> = new Set<ColumnId>(['specification', 'implementation', 'qa']);
/** requests for stages in flight at once */
const STAGE_READS_IN_FLIGHT = 4;

/**
 * The board over REST: the first page of every column with its total (the socket resumes
 * after the oldest checkpoint among them: an update the board already has is skipped, so
 * reading one twice is harmless), the stages of the running tasks, the pool and the metrics.
 */
export async function loadSnapshot(api: ApiClient): Promise<BoardSnapshot> {
  const pages = await Promise.all(COLUMNS.map(async ({ id }) => [id, await api.listColumn(id)] as const));
  const byColumn = Object.fromEntries(pages) as Record<ColumnId, TaskPage>;
  const tasks = pages.flatMap(([, page]) => page.items);
  const running = pages.flatMap(([id, page]) => (RUNNING_COLUMNS.has(id) ? page.items : []));
  const [stages, pool, metrics] = await Promise.all([stagesOf(api, running), api.pool(), api.metrics()]);
  return {
    seq: Math.min(...pages.map(([, page]) => page.seq)),
    tasks: uniqueById(tasks),
    stages,
    pool,
    metrics,
    columnTotals: Object.fromEntries(COLUMNS.map(({ id }) => [id, byColumn[id].total])) as Record<ColumnId, number>,
  };
}

/** a task that moved between two columns' reads is on both pages: the later read wins */
function uniqueById(tasks: TaskView[]): TaskView[] {
  const byId = new Map<string, TaskView>();
  for (const task of tasks) {
    const known = byId.get(task.id);
    if (!known || known.lastEventSeq < task.lastEventSeq) byId.set(task.id, task);
  }
  return [...byId.values()];
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
