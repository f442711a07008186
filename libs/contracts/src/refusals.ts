import type { TaskStatus, WaitingFor } from './stage';

/**
 * The refusal rules a user's command meets, in one place: the orchestrator decides on them
 * (its task decider) and the gateway answers the obvious cases at once from its projection
 * with the same words. Each returns why the command is refused, or null.
 */

/** The statuses of a task whose orchestration ended. */
export const ENDED_TASK_STATUSES = ['done', 'failed', 'cancelled'] as const satisfies readonly TaskStatus[];

export function isEndedStatus(status: TaskStatus): boolean {
  return (ENDED_TASK_STATUSES as readonly TaskStatus[]).includes(status);
}

/** StartOrchestration: only a new task can be started. */
export function startRefusal(taskId: string, status: TaskStatus): string | null {
  return status === 'created' ? null : `task ${taskId} is already ${status}; only a new task can be started`;
}

/** RetryStage: a stage can be retried once its task has failed or was cancelled. */
export function retryRefusal(taskId: string, status: TaskStatus): string | null {
  return status === 'failed' || status === 'cancelled' ? null : `task ${taskId} is ${status}; only a failed or cancelled task's stage can be retried`;
}

/** DecideApproval: only a task waiting for approval, and only on the revision it waits on. */
export function decisionRefusal(taskId: string, status: TaskStatus, waitingFor: WaitingFor | null, revision: string): string | null {
  if (status !== 'waiting' || waitingFor?.kind !== 'approval') return `task ${taskId} is ${status}, not waiting for approval`;
  if (waitingFor.revision !== revision) return `revision ${revision} is not the one task ${taskId} waits on (${waitingFor.revision}): reload it and decide again`;
  return null;
}

/** RequestFollowUp: only a done or failed task takes a follow-up. */
export function followUpRefusal(taskId: string, status: TaskStatus): string | null {
  return status === 'done' || status === 'failed' ? null : `task ${taskId} is ${status}; only a done or failed task takes a follow-up`;
}
