import type { BoardAction } from '../state/board.actions';
import type { BoardState } from '../state/board.state';
import { BoardColumns } from './board-columns';
import { CreateTaskForm } from './create-task-form';
import { PoolPanel } from './pool-panel';

/** The board: the columns of cards, the form for a new task, the pool. */
export function BoardPage({ state, dispatch }: { state: BoardState; dispatch: (action: BoardAction) => void }) {
  return (
    <main className="board-layout">
      <div className="board-main">
        {state.phase === 'loading' && (
          <p className="muted loading" data-testid="loading">
            Loading the board…
          </p>
        )}
        {state.phase === 'ready' && Object.keys(state.tasks).length === 0 && (
          <p className="empty" data-testid="empty">
            No tasks yet. Create one with the form; it appears here and moves through the columns as it runs.
          </p>
        )}
        {state.phase !== 'loading' && <BoardColumns state={state} dispatch={dispatch} />}
      </div>
      <aside className="board-side">
        <CreateTaskForm />
        <PoolPanel state={state} />
      </aside>
    </main>
  );
}
