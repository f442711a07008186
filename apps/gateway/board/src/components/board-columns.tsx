import { useMemo, useState } from 'react';
import { useApi } from '../api/api.context';
import { useNow } from '../live/use-now';
import type { BoardAction } from '../state/board.actions';
import { COLUMNS, groupIntoColumns, type ColumnId } from '../state/board.columns';
import { stagesByTask } from '../state/board.selectors';
import type { BoardState, StageRecord } from '../state/board.state';
import { TaskCardView } from './task-card';

const NO_STAGES: StageRecord[] = [];

interface Props {
  state: BoardState;
  dispatch: (action: BoardAction) => void;
}

/**
 * The six columns; cards move between them as the updates arrive. Each column holds a page
 * of its cards, its count is the server's, and "Show more" reads its next page.
 */
export function BoardColumns({ state, dispatch }: Props) {
  const now = useNow();
  const columns = useMemo(() => groupIntoColumns(Object.values(state.tasks)), [state.tasks]);
  // grouped once per change of the stages, not once per card on every tick of the clock
  const stages = useMemo(() => stagesByTask(state), [state.stages]);
  return (
    <section className="columns" aria-label="Tasks by stage">
      {COLUMNS.map(({ id, title }) => {
        const total = Math.max(state.columnTotals[id], columns[id].length);
        return (
          <div className="column" key={id} data-testid={`column-${id}`}>
            <h2>
              {title} <span className="count">{total}</span>
            </h2>
            <div className="column-cards">
              {columns[id].map((task) => (
                <TaskCardView key={task.id} task={task} stages={stages.get(task.id) ?? NO_STAGES} now={now} />
              ))}
            </div>
            {columns[id].length < total && <ShowMore column={id} held={columns[id].length} hidden={total - columns[id].length} dispatch={dispatch} />}
          </div>
        );
      })}
    </section>
  );
}

function ShowMore({ column, held, hidden, dispatch }: { column: ColumnId; held: number; hidden: number; dispatch: Props['dispatch'] }) {
  const { api } = useApi();
  const [reading, setReading] = useState(false);
  const more = (): void => {
    setReading(true);
    api
      .listColumn(column, held)
      .then((page) => dispatch({ type: 'column-page', column, page }))
      .catch(() => undefined)
      .finally(() => setReading(false));
  };
  return (
    <button type="button" className="show-more" data-testid={`show-more-${column}`} disabled={reading} onClick={more}>
      {reading ? 'Reading…' : `Show more (${hidden} not shown)`}
    </button>
  );
}
