import type { BoardColumn } from '../api/api.types';
import type { TaskCard } from './board.state';

export type ColumnId = BoardColumn;

export const COLUMNS: ReadonlyArray<{ id: ColumnId; title: string }> = [
  { id: 'queued', title: 'Queued' },
  { id: 'specification', title: 'Specification' },
  { id: 'implementation', title: 'Implementation' },
  { id: 'qa', title: 'QA' },
  { id: 'waiting', title: 'Waiting for approval' },
  { id: 'done', title: 'Done' },
  { id: 'ended', title: 'Failed / Cancelled' },
];

/** Where a card stands: not started or waiting for admission, in its stage, waiting for a person, or finished. */
export function columnOf(task: TaskCard): ColumnId {
  switch (task.status) {
    case 'created':
    case 'queued':
      return 'queued';
    case 'running':
      return task.currentStage ?? 'specification';
    case 'waiting':
      return 'waiting';
    case 'done':
      return 'done';
    case 'failed':
    case 'cancelled':
      return 'ended';
    default: {
      const unknownStatus: never = task.status;
      return unknownStatus;
    }
  }
}

/**
 * The cards of each column: the queue in its order, then tasks not started (newest
 * first); elsewhere the most recently started or finished first.
 */
export function groupIntoColumns(tasks: Iterable<TaskCard>): Record<ColumnId, TaskCard[]> {
  const columns: Record<ColumnId, TaskCard[]> = { queued: [], specification: [], implementation: [], qa: [], waiting: [], done: [], ended: [] };
  for (const task of tasks) columns[columnOf(task)].push(task);
  columns.queued.sort((a, b) => queueRank(a) - queueRank(b) || b.createdAt.localeCompare(a.createdAt));
  for (const id of ['specification', 'implementation', 'qa', 'done', 'ended'] as const) columns[id].sort((a, b) => latest(b).localeCompare(latest(a)));
  // the longest waiting first, as the server orders the column
  columns.waiting.sort((a, b) => latest(a).localeCompare(latest(b)));
  return columns;
}

const queueRank = (task: TaskCard): number => (task.status === 'queued' ? (task.queuePosition ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER);
const latest = (task: TaskCard): string => task.endedAt ?? task.startedAt ?? task.createdAt;
