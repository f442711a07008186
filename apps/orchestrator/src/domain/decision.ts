import type { CommandType, DraftOf, SchedulerEventType, TaskEventType, TimeOutCause } from '@app/contracts';

/** What the task decider writes to the task's subject. */
export type TaskDraft = DraftOf<TaskEventType>;
/** What the scheduler decider writes to the admission log. */
export type SchedulerDraft = DraftOf<SchedulerEventType>;
/** What the saga asks of the pool and the runner. */
export type CommandDraft = DraftOf<CommandType>;

/** Why a timer times out a running attempt. */
export interface TimeOut {
  cause: Extract<TimeOutCause, 'deadline' | 'heartbeat-lost'>;
  reason: string;
}

/** A command refused on the task's state: written to the task's subject as `OrchestrationRejected`. */
export interface Rejection {
  rejected: string;
}

export function rejection(reason: string): Rejection {
  return { rejected: reason };
}

export function isRejection(outcome: object): outcome is Rejection {
  return 'rejected' in outcome;
}

/** A task the task decider lets through to admission; the scheduler decider admits or queues it. */
export interface AdmissionRequest {
  taskId: string;
  orchestrationId: string;
  /** tells a retry's admission from the first (part of the derived id) */
  key?: string;
  /** what the scheduler orders and limits it by; absent: DEFAULT_TASK_PRIORITY, no project, no blockers */
  queue?: QueueFacts;
}

/** A task's place in the queue as its own state and its project say at its start. */
export interface QueueFacts {
  priority: number;
  projectId: string | null;
  /** the project's maxConcurrent now; null for none */
  projectMaxConcurrent: number | null;
  /** its blockers not done yet */
  waitingOn: string[];
}
