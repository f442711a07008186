import { isSchedulerEvent, type SchedulerEvent } from '@app/contracts';

export interface Admission {
  taskId: string;
  orchestrationId: string;
}

/** The admission log folded: who holds a slot, who waits, in order. */
export interface SchedulerState {
  running: Admission[];
  queue: Admission[];
  /**
   * Envelope ids of the last MAX_RECENT_IDS events folded in: one stored again (re-published
   * without its Nats-Msg-Id, or after the duplicate window) is folded once — a re-stored
   * `OrchestrationAdmitted` after its release would otherwise hold a slot for ever.
   */
  recentIds: string[];
}

/** ids remembered: the subject grows for ever, and its state is snapshotted as JSON */
export const MAX_RECENT_IDS = 1_000;

export const initialSchedulerState: SchedulerState = { running: [], queue: [], recentIds: [] };

/** How the admission log is folded: a snapshot every 100 decisions keeps a cold load short (its subject holds every admission ever). */
export const schedulerFold = {
  initial: () => initialSchedulerState,
  accepts: isSchedulerEvent,
  evolve: evolveScheduler,
  snapshot: { name: 'scheduler', version: 2, every: 100 },
};

export function evolveScheduler(state: SchedulerState, event: SchedulerEvent): SchedulerState {
  if (state.recentIds.includes(event.id)) return state;
  const next = applySchedulerEvent(state, event);
  const recentIds = state.recentIds.length >= MAX_RECENT_IDS ? [...state.recentIds.slice(1 - MAX_RECENT_IDS), event.id] : [...state.recentIds, event.id];
  return { ...next, recentIds };
}

function applySchedulerEvent(state: SchedulerState, event: SchedulerEvent): SchedulerState {
  switch (event.type) {
    case 'OrchestrationQueued': {
      const { taskId, orchestrationId } = event.data;
      if (isKnown(state, taskId)) return state;
      return { ...state, queue: [...state.queue, { taskId, orchestrationId }] };
    }
    case 'OrchestrationAdmitted': {
      const { taskId, orchestrationId } = event.data;
      return {
        ...state,
        running: [...state.running.filter((entry) => entry.taskId !== taskId), { taskId, orchestrationId }],
        queue: state.queue.filter((entry) => entry.taskId !== taskId),
      };
    }
    case 'OrchestrationReleased': {
      const { taskId } = event.data;
      return {
        ...state,
        running: state.running.filter((entry) => entry.taskId !== taskId),
        queue: state.queue.filter((entry) => entry.taskId !== taskId),
      };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export function isKnown(state: SchedulerState, taskId: string): boolean {
  return state.running.some((entry) => entry.taskId === taskId) || state.queue.some((entry) => entry.taskId === taskId);
}
