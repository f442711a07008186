import { BOARD_ROOM, taskRoom, type OrchEvent, type PoolUpdate, type StageUpdate, type TaskUpdate } from '@app/contracts';
import { changesOf, type Change } from '../projection/changes';

/** One socket event the board receives for a log event, with the rooms it goes to. */
export type BoardUpdate =
  | { name: 'stage-update'; rooms: string[]; payload: StageUpdate }
  | { name: 'task-update'; rooms: string[]; payload: TaskUpdate }
  | { name: 'pool-update'; rooms: string[]; payload: PoolUpdate };

/**
 * What the board is told about one event of the log: its changes (`changesOf`, the same
 * the projector writes), each with the event's sequence, type and time, to the rooms that
 * watch it. A pure function of the event and its sequence, so a replay yields exactly what
 * the live fan-out sent.
 */
export function toBoardUpdates(seq: number, event: OrchEvent): BoardUpdate[] {
  const base = { seq, cause: event.type, at: event.occurredAt };
  return changesOf(event).map((change) => boardUpdate(base, change));
}

function boardUpdate(base: Pick<TaskUpdate, 'seq' | 'cause' | 'at'>, change: Change): BoardUpdate {
  switch (change.entity) {
    case 'task': {
      // what the board does not show: a cleared reason (its reducer clears it on a start), the projector's guard
      const { entity: _entity, reason, onlyBeforeStart: _onlyBeforeStart, ...fields } = change;
      return { name: 'task-update', rooms: [BOARD_ROOM, taskRoom(change.taskId)], payload: { ...base, ...fields, ...(reason == null ? {} : { reason }) } };
    }
    case 'stage': {
      const { entity: _entity, costUsd, ...fields } = change;
      return { name: 'stage-update', rooms: [BOARD_ROOM, taskRoom(change.taskId)], payload: { ...base, ...fields, ...(costUsd == null ? {} : { costUsd }) } };
    }
    case 'pool': {
      const { entity: _entity, ...fields } = change;
      return { name: 'pool-update', rooms: [BOARD_ROOM], payload: { ...base, ...fields } };
    }
    default: {
      const _exhaustive: never = change;
      return _exhaustive;
    }
  }
}
