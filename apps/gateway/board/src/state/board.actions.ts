import type { BoardColumn, ColumnCounts, StageView, TaskPage, TaskView } from '../api/api.types';
import type { MetricsSnapshot, PoolUpdate, StageUpdate, TaskUpdate } from '../contracts';
import type { ConnectionStatus } from './board.state';
import type { BoardSnapshot } from './snapshot.mapper';

/** An update of the event log, as the socket delivers it. */
export type LiveUpdate =
  | { name: 'stage-update'; payload: StageUpdate }
  | { name: 'task-update'; payload: TaskUpdate }
  | { name: 'pool-update'; payload: PoolUpdate };

export type BoardAction =
  | { type: 'loaded'; snapshot: BoardSnapshot }
  | { type: 'load-failed'; error: string }
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'update'; update: LiveUpdate }
  | { type: 'metrics'; snapshot: MetricsSnapshot }
  /** one task read again over REST (the task view opens it) */
  | { type: 'task-details'; task: TaskView; stages: StageView[] }
  /** a further page of one column, read on request */
  | { type: 'column-page'; column: BoardColumn; page: TaskPage }
  /** the columns' totals read again */
  | { type: 'column-counts'; counts: ColumnCounts };
