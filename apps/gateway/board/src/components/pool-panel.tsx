import { taskHref } from '../live/use-route';
import { slotsInOrder } from '../state/board.selectors';
import type { BoardState, SlotRecord } from '../state/board.state';

/** Each slot of the pool (free, leased to which task, down) and the lease requests waiting. */
export function PoolPanel({ state }: { state: BoardState }) {
  const slots = slotsInOrder(state);
  return (
    <section className="panel" aria-labelledby="pool-title" data-testid="pool">
      <h2 id="pool-title">Pool</h2>
      {slots.length === 0 ? <p className="muted">No slot has reported yet.</p> : null}
      <ul className="slots">
        {slots.map((slot) => (
          <li key={`${slot.poolId}#${slot.slot}`} className={`slot slot-${slot.state}`} data-testid="slot" data-state={slot.state}>
            <span className="slot-name">
              slot {slot.slot}
              {slot.port === null ? '' : ` · :${slot.port}`}
            </span>
            <SlotState slot={slot} title={(taskId) => state.tasks[taskId]?.title ?? taskId.slice(0, 8)} />
          </li>
        ))}
      </ul>
      {state.waiting.length > 0 && (
        <p className="muted">
          {state.waiting.length} waiting for a slot:{' '}
          {state.waiting.map((entry) => (
            <a key={`${entry.stageId}#${entry.attempt}`} href={taskHref(entry.taskId)}>
              #{entry.position} {state.tasks[entry.taskId]?.title ?? entry.taskId.slice(0, 8)}{' '}
            </a>
          ))}
        </p>
      )}
    </section>
  );
}

function SlotState({ slot, title }: { slot: SlotRecord; title: (taskId: string) => string }) {
  switch (slot.state) {
    case 'free':
      return <span className="slot-state">free</span>;
    case 'leased':
      return (
        <span className="slot-state">
          leased
          {slot.lease?.taskId ? (
            <>
              {' → '}
              <a href={taskHref(slot.lease.taskId)}>{title(slot.lease.taskId)}</a>
            </>
          ) : null}
        </span>
      );
    case 'resetting':
      return <span className="slot-state">resetting</span>;
    case 'down':
      return <span className="slot-state">unhealthy{slot.reason ? `: ${slot.reason}` : ''}</span>;
    default: {
      const unknownState: never = slot.state;
      return unknownState;
    }
  }
}
