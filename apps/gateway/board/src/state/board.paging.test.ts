import { describe, expect, it } from 'vitest';
import type { StageView, TaskPage, TaskView } from '../api/api.types';
import type { ApiClient } from '../api/api.client';
import { OTHER_TASK, snapshot, TASK, taskUpdate, taskView } from '../testing/board.fixtures';
import { boardReducer } from './board.reducer';
import { initialBoardState, NO_COLUMN_TOTALS, type BoardState } from './board.state';
import { loadSnapshot } from './snapshot.loader';

const THIRD_TASK = '0193a5b0-0000-7000-8000-000000000003';

const page = (items: TaskView[], total: number, seq = 10): TaskPage => ({ items, total, limit: 50, offset: 0, seq });

/** a board that holds `tasks` out of the server's totals */
const board = (tasks: TaskView[], columnTotals: BoardState['columnTotals']): BoardState =>
  boardReducer(initialBoardState, { type: 'loaded', snapshot: snapshot({ seq: 10, tasks, columnTotals }) });

describe('a board bigger than what it holds', () => {
  it('given 10,000 done tasks of which it holds one page, when a held card finishes, then the totals move with it', () => {
    const given = board([taskView({ status: 'running', currentStage: 'qa' })], { ...NO_COLUMN_TOTALS, qa: 1, done: 10_000 });

    const state = boardReducer(given, { type: 'update', update: taskUpdate(11, { cause: 'OrchestrationCompleted', status: 'done' }) });

    expect(state.columnTotals).toMatchObject({ qa: 0, done: 10_001 });
    expect(state.unknownTaskIds).toEqual([]);
  });

  it('given a task beyond the pages it read, when an update names it, then it is to be read and the totals are left to the server', () => {
    const given = board([], { ...NO_COLUMN_TOTALS, queued: 300 });

    const state = boardReducer(given, { type: 'update', update: taskUpdate(11, { taskId: OTHER_TASK, status: 'running', currentStage: 'specification' }) });

    expect(state.tasks[OTHER_TASK]).toBeUndefined();
    expect(state.unknownTaskIds).toEqual([OTHER_TASK]);
    expect(state.columnTotals.queued).toBe(300);
  });

  it('given a task to be read, when its details arrive and then the counts, then it is on the board in its column and no longer to be read', () => {
    const given = boardReducer(board([], { ...NO_COLUMN_TOTALS, queued: 300 }), { type: 'update', update: taskUpdate(11, { taskId: OTHER_TASK, status: 'running' }) });

    const detailed = boardReducer(given, { type: 'task-details', task: taskView({ id: OTHER_TASK, status: 'running', currentStage: 'specification', lastEventSeq: 11 }), stages: [] });
    const counted = boardReducer(detailed, { type: 'column-counts', counts: { columns: { ...NO_COLUMN_TOTALS, queued: 299, specification: 1 }, seq: 11 } });

    expect(counted.tasks[OTHER_TASK]?.status).toBe('running');
    expect(counted.unknownTaskIds).toEqual([]);
    expect(counted.columnTotals).toMatchObject({ queued: 299, specification: 1 });
  });

  it('given a new task created live, then the queued total counts it; given a held card deleted, then its column counts one fewer', () => {
    const given = board([taskView({ id: OTHER_TASK, status: 'done' })], { ...NO_COLUMN_TOTALS, done: 40 });

    const created = boardReducer(given, { type: 'update', update: taskUpdate(11, { cause: 'TaskCreated', title: 'New', status: 'created' }) });
    const deleted = boardReducer(created, { type: 'update', update: taskUpdate(12, { taskId: OTHER_TASK, cause: 'TaskDeleted', status: 'deleted' }) });

    expect(created.columnTotals).toMatchObject({ queued: 1, done: 40 });
    expect(deleted.columnTotals).toMatchObject({ queued: 1, done: 39 });
    expect(deleted.unknownTaskIds).toEqual([]);
  });

  it('given a further page of a column, then its cards join and the column total is the page\'s; a card with later events is kept', () => {
    const given = boardReducer(board([taskView({ status: 'done', title: 'Held', lastEventSeq: 20 })], { ...NO_COLUMN_TOTALS, done: 2 }), {
      type: 'update',
      update: taskUpdate(21, { cause: 'TaskCreated', taskId: THIRD_TASK, title: 'Live', status: 'created' }),
    });

    const state = boardReducer(given, {
      type: 'column-page',
      column: 'done',
      page: page([taskView({ status: 'done', title: 'Stale copy', lastEventSeq: 5 }), taskView({ id: OTHER_TASK, status: 'done', title: 'Older' })], 3),
    });

    expect(state.tasks[TASK]?.title).toBe('Held');
    expect(state.tasks[OTHER_TASK]?.title).toBe('Older');
    expect(state.columnTotals.done).toBe(3);
  });
});

describe('the snapshot of a big board', () => {
  /** an ApiClient that answers each column with `pages`, counting the stage reads */
  function fakeApi(pages: Partial<Record<string, TaskPage>>): { api: ApiClient; stageReads: string[] } {
    const stageReads: string[] = [];
    const api = {
      listColumn: async (column: string) => pages[column] ?? page([], 0),
      stages: async (taskId: string): Promise<StageView[]> => {
        stageReads.push(taskId);
        return [];
      },
      pool: async () => ({ slots: [], waiting: [] }),
      metrics: async () => null,
    };
    return { api: api as unknown as ApiClient, stageReads };
  }

  it('given 10,000 done tasks and one running, then it reads one page per column, their totals, the oldest checkpoint, and stages of the running task only', async () => {
    const done = Array.from({ length: 50 }, (_, n) => taskView({ id: `0193a5b0-0000-7000-8000-${String(n + 100).padStart(12, '0')}`, status: 'done' }));
    const { api, stageReads } = fakeApi({
      done: page(done, 10_000, 12),
      qa: page([taskView({ id: OTHER_TASK, status: 'running', currentStage: 'qa' })], 1, 11),
    });

    const loaded = await loadSnapshot(api);

    expect(loaded.tasks).toHaveLength(51);
    expect(loaded.columnTotals).toEqual({ ...NO_COLUMN_TOTALS, done: 10_000, qa: 1 });
    expect(loaded.seq).toBe(10);
    expect(stageReads).toEqual([OTHER_TASK]);
  });

  it('given a task that moved between two columns\' reads, then the board holds it once, as the later read shows it', async () => {
    const { api } = fakeApi({
      queued: page([taskView({ status: 'queued', lastEventSeq: 3 })], 1),
      specification: page([taskView({ status: 'running', currentStage: 'specification', lastEventSeq: 4 })], 1),
    });

    const loaded = await loadSnapshot(api);

    expect(loaded.tasks).toEqual([expect.objectContaining({ id: TASK, status: 'running' })]);
  });
});
