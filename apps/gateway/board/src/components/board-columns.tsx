import { useMemo } from 'react';
import { useNow } from '../live/use-now';
import { COLUMNS, groupIntoColumns } from '../state/board.columns';
import { stagesByTask } from '../state/board.selectors';
import type { BoardState, StageRecord } from '../state/board.state';

const NO_STAGES: StageRecord[] = [];
import { TaskCardView } from './task-card';

/** The six columns; cards move between them as the updates arrive. */
export function BoardColumns({ state }: { state: BoardState }) {
  const now = useNow();
  const columns = useMemo(() => groupIntoColumns(Object.values(state.tasks)), [state.tasks]);
  // grouped once per change of the stages, not once per card on every tick of the clock
  const stages = useMemo(() => stagesByTask(state), [state.stages]);
  return (
    <section className="columns" aria-label="Tasks by stage">
      {COLUMNS.map(({ id, title }) => (
        <div className="column" key={id} data-testid={`column-${id}`}>
          <h2>
            {title} <span className="count">{columns[id].length}</span>
          </h2>
          <div className="column-cards">
            {columns[id].map((task) => (
              <TaskCardView key={task.id} task={task} stages={stages.get(task.id) ?? NO_STAGES} now={now} />
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}
