import { describe, expect, it } from 'vitest';
import { fullRun, snapshot, stageIdOf, TASK } from '../testing/board.fixtures';
import { boardReducer } from './board.reducer';
import { stagesByTask, stagesOf } from './board.selectors';
import { initialBoardState, type BoardState } from './board.state';

describe('stagesByTask', () => {
  it('given a task run through its three stages, then its group holds them in the order they ran, as stagesOf lists them', () => {
    let state: BoardState = boardReducer(initialBoardState, { type: 'loaded', snapshot: snapshot() });
    for (const update of fullRun(1)) state = boardReducer(state, { type: 'update', update });

    const grouped = stagesByTask(state).get(TASK) ?? [];

    expect(grouped.map((stage) => stage.id)).toEqual([stageIdOf(1), stageIdOf(2), stageIdOf(3)]);
    expect(grouped).toEqual(stagesOf(state, TASK));
  });
});
