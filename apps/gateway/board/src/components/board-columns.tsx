import { useNow } from '../live/use-now';
import { COLUMNS, groupIntoColumns } from '../state/board.columns';
import { stagesOf } from '../state/board.selectors';
import type { BoardState } from '../state/board.state';
import { TaskCardView } from './task-card';

/** The six columns; cards move between them as the updates arrive. */
export function BoardColumns({ state }: { state: BoardState }) {
  const now = useNow();
  const columns = groupIntoColumns(Object.values(state.tasks));
  return (
    <section className="columns" aria-label="Tasks by stage">
      {COLUMNS.map(({ id, title }) => (
        <div className="column" key={id} data-testid={`column-${id}`}>
          <h2>
            {title} <span className="count">{columns[id].length}</span>
          </h2>
          <div className="column-cards">
            {columns[id].map((task) => (
              <TaskCardView key={task.id} task={task} stages={stagesOf(state, task.id)} now={now} />
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}
