import { describe, expect, it } from 'vitest';
import { at, OTHER_TASK, snapshot, taskView } from '../testing/board.fixtures';
import { columnOf, groupIntoColumns } from './board.columns';
import { boardReducer } from './board.reducer';
import { elapsedMs } from './board.selectors';
import { initialBoardState, type TaskCard } from './board.state';

const cards = (...views: Array<Parameters<typeof taskView>[0]>): TaskCard[] =>
  Object.values(boardReducer(initialBoardState, { type: 'loaded', snapshot: snapshot({ tasks: views.map((view) => taskView(view)) }) }).tasks);

describe('columns', () => {
  it.each([
    [{ status: 'created' as const }, 'queued'],
    [{ status: 'queued' as const, queuePosition: 1 }, 'queued'],
    [{ status: 'running' as const, currentStage: null }, 'specification'],
    [{ status: 'running' as const, currentStage: 'implementation' as const }, 'implementation'],
    [{ status: 'running' as const, currentStage: 'qa' as const }, 'qa'],
    [{ status: 'waiting' as const, currentStage: null }, 'waiting'],
    [{ status: 'done' as const }, 'done'],
    [{ status: 'failed' as const, currentStage: 'qa' as const }, 'ended'],
    [{ status: 'cancelled' as const }, 'ended'],
  ])('given a task %o, then it is in the %s column', (fields, column) => {
    const [card] = cards(fields);
    expect(card && columnOf(card)).toBe(column);
  });

  it('given queued and new tasks, then the queue comes first in its order', () => {
    const columns = groupIntoColumns(cards({ status: 'created', createdAt: at(9) }, { id: OTHER_TASK, status: 'queued', queuePosition: 1, createdAt: at(1) }));
    expect(columns.queued.map((card) => card.status)).toEqual(['queued', 'created']);
  });

  it('given a running and a finished task, then the elapsed time runs for the one and stops for the other', () => {
    const [card] = cards({ status: 'running' });
    const running = { ...(card as TaskCard), startedAt: at(0), endedAt: null };
    expect(elapsedMs(running, Date.parse(at(30)))).toBe(30_000);
    expect(elapsedMs({ ...running, endedAt: at(12) }, Date.parse(at(30)))).toBe(12_000);
    expect(elapsedMs({ ...running, startedAt: null }, Date.parse(at(30)))).toBeNull();
  });
});
