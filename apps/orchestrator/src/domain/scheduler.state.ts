import type { OrchEvent } from '@app/contracts';

export interface Admission {
  taskId: string;
  orchestrationId: string;
}

/** The admission log folded: who holds a slot, who waits, in order. */
export interface SchedulerState {
  running: Admission[];
  queue: Admission[];
}

export const initialSchedulerState: SchedulerState = { running: [], queue: [] };

export function evolveScheduler(state: SchedulerState, event: OrchEvent): SchedulerState {
  switch (event.type) {
    case 'OrchestrationQueued': {
      const { taskId, orchestrationId } = event.data;
      if (isKnown(state, taskId)) return state;
      return { ...state, queue: [...state.queue, { taskId, orchestrationId }] };
    }
    case 'OrchestrationAdmitted': {
      const { taskId, orchestrationId } = event.data;
      return {
        running: [...state.running.filter((entry) => entry.taskId !== taskId), { taskId, orchestrationId }],
        queue: state.queue.filter((entry) => entry.taskId !== taskId),
      };
    }
    case 'OrchestrationReleased': {
      const { taskId } = event.data;
      return {
        running: state.running.filter((entry) => entry.taskId !== taskId),
        queue: state.queue.filter((entry) => entry.taskId !== taskId),
      };
    }
    default:
      return state;
  }
}

export function isKnown(state: SchedulerState, taskId: string): boolean {
  return state.running.some((entry) => entry.taskId === taskId) || state.queue.some((entry) => entry.taskId === taskId);
}
