import { describe, expect, it } from 'vitest';
import { logBatch, OTHER_TASK, TASK } from '../testing/board.fixtures';
import { initialLogState, logReducer, runKey, type LogAction, type LogState } from './log.state';

const reduce = (actions: LogAction[], state: LogState = initialLogState): LogState => actions.reduce(logReducer, state);
const indexes = (state: LogState, attempt = 1): number[] => Object.values(state.runs).find((run) => run.attempt === attempt)?.lines.map((line) => line.index) ?? [];

describe('logReducer', () => {
  it('given the watched task, then its batches are kept per run in line order, each once', () => {
    const state = reduce([
      { type: 'watch', taskId: TASK },
      { type: 'batch', batch: logBatch(5, [{ index: 0 }, { index: 1 }]) },
      { type: 'batch', batch: logBatch(7, [{ index: 2 }]) },
      { type: 'batch', batch: logBatch(7, [{ index: 2 }]) },
      { type: 'batch', batch: logBatch(6, [{ index: 1 }]) },
      { type: 'batch', batch: logBatch(9, [{ index: 0 }], { attempt: 2 }) },
    ]);
    expect(indexes(state)).toEqual([0, 1, 2]);
    expect(indexes(state, 2)).toEqual([0]);
    expect(state.logSeq).toBe(9);
    expect(Object.keys(state.runs)).toHaveLength(2);
  });

  it('given a batch of another task, then it is ignored; given another task watched, then the log starts afresh', () => {
    const state = reduce([
      { type: 'watch', taskId: TASK },
      { type: 'batch', batch: logBatch(1, [{ index: 0 }]) },
      { type: 'batch', batch: logBatch(2, [{ index: 0 }], { taskId: OTHER_TASK }) },
    ]);
    expect(Object.keys(state.runs)).toEqual([runKey(logBatch(1, []).stageId, 1)]);
    expect(reduce([{ type: 'watch', taskId: TASK }], state)).toBe(state);
    expect(reduce([{ type: 'watch', taskId: OTHER_TASK }], state)).toEqual({ taskId: OTHER_TASK, logSeq: null, runs: {} });
  });
});
