import { DEFAULT_TASK_PRIORITY, isSchedulerEvent, type SchedulerEvent } from '@app/contracts';
import { withSpend, type DaySpend } from './daily-budget.decider';

/** A task holding a slot. */
export interface Admission {
  taskId: string;
  orchestrationId: string;
  /** its project, whose own limit it counts against; null for a task of none */
  projectId: string | null;
}

/** A task waiting for a slot: what orders it (priority, then when it was queued) and what holds it back. */
export interface QueueEntry extends Admission {
  priority: number;
  /** ms since the epoch: the OrchestrationQueued's occurredAt (aging counts from it) */
  queuedAt: number;
  /** the blockers not done yet: it is not admitted before this is empty */
  waitingOn: string[];
}

/**
 * The admission log folded: who holds a slot, who waits, and each project's limit. Only
 * open work: a task leaves both lists when it is released, so the state (and the decision
 * over it) grows with what is queued and running, never with the history.
 */
export interface SchedulerState {
  running: Admission[];
  /** in the order the tasks were queued (FIFO); the decider orders it by priority */
  queue: QueueEntry[];
  /** each project's maxConcurrent as its latest start carried it; a project absent or null has no limit of its own */
  projectLimits: Record<string, number | null>;
  /** what the runs that ended on the latest UTC day cost, per project and in all (the daily budgets); a new day starts it over */
  daySpend: DaySpend;
  /** each credential a park paused, until when (ms since the epoch; the latest wins): no queued task is admitted on it before */
  pausedCredentials: Record<string, number>;
  /**
   * Envelope ids of the last MAX_RECENT_IDS events folded in: one stored again (re-published
   * without its Nats-Msg-Id, or after the duplicate window) is folded once — a re-stored
   * `OrchestrationAdmitted` after its release would otherwise hold a slot for ever.
   */
  recentIds: string[];
}

/** ids remembered: the subject grows for ever, and its state is snapshotted as JSON */
export const MAX_RECENT_IDS = 1_000;

export const initialSchedulerState: SchedulerState = { running: [], queue: [], projectLimits: {}, daySpend: { day: '1970-01-01', totalUsd: 0, byProject: {} }, pausedCredentials: {}, recentIds: [] };

/** How the admission log is folded: a snapshot every 100 decisions keeps a cold load short (its subject holds every admission ever). */
export const schedulerFold = {
  initial: () => initialSchedulerState,
  accepts: isSchedulerEvent,
  evolve: evolveScheduler,
  snapshot: { name: 'scheduler', version: 5, every: 100 },
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
      const entry: QueueEntry = {
        taskId,
        orchestrationId,
        projectId: event.data.projectId ?? null,
        priority: event.data.priority ?? DEFAULT_TASK_PRIORITY,
        queuedAt: Date.parse(event.occurredAt),
        waitingOn: event.data.waitingOn ?? [],
      };
      return { ...withProjectLimit(state, event.data), queue: [...state.queue, entry] };
    }
    case 'OrchestrationAdmitted': {
      const { taskId, orchestrationId } = event.data;
      const queued = state.queue.find((entry) => entry.taskId === taskId);
      const projectId = event.data.projectId ?? queued?.projectId ?? null;
      return {
        ...withProjectLimit(state, event.data),
        running: [...state.running.filter((entry) => entry.taskId !== taskId), { taskId, orchestrationId, projectId }],
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
    case 'OrchestrationUnblocked': {
      const { taskId, blockerId } = event.data;
      return {
        ...state,
        queue: state.queue.map((entry) => (entry.taskId === taskId ? { ...entry, waitingOn: entry.waitingOn.filter((id) => id !== blockerId) } : entry)),
      };
    }
    case 'StageCostRecorded': {
      const { projectId, costUsd, at } = event.data;
      return { ...state, daySpend: withSpend(state.daySpend, projectId, costUsd, new Date(at)) };
    }
    case 'CredentialPaused': {
      const { credential, until } = event.data;
      const at = Math.max(Date.parse(until), state.pausedCredentials[credential] ?? 0);
      return { ...state, pausedCredentials: { ...state.pausedCredentials, [credential]: at } };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** A start that names its project records the project's limit as it was then (the latest wins). */
function withProjectLimit(state: SchedulerState, data: { projectId?: string | null | undefined; projectMaxConcurrent?: number | null | undefined }): SchedulerState {
  if (!data.projectId || data.projectMaxConcurrent === undefined) return state;
  if (state.projectLimits[data.projectId] === data.projectMaxConcurrent) return state;
  return { ...state, projectLimits: { ...state.projectLimits, [data.projectId]: data.projectMaxConcurrent } };
}

export function isKnown(state: SchedulerState, taskId: string): boolean {
  return state.running.some((entry) => entry.taskId === taskId) || state.queue.some((entry) => entry.taskId === taskId);
}

/** Until when (ms since the epoch) `credential` is paused at `now`, or null when it is not. */
export function pausedUntil(state: SchedulerState, credential: string, now: number): number | null {
  const until = state.pausedCredentials[credential] ?? null;
  return until !== null && until > now ? until : null;
}

/** The queued tasks waiting for `blockerId`. */
export function dependentsOf(state: SchedulerState, blockerId: string): QueueEntry[] {
  return state.queue.filter((entry) => entry.waitingOn.includes(blockerId));
}
