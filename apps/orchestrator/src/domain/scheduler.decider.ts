import { draft, type MessageOf } from '@app/contracts';
import type { AdmissionRequest, SchedulerDraft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import { isKnown, type SchedulerState } from './scheduler.state';

/**
 * The scheduler aggregate (the admission log): a task let through by the task decider is
 * admitted while fewer than the limit run and nobody waits, else queued behind the others.
 * One it already knows (admitted or queued) is decided on once.
 */
export function decideAdmission(request: AdmissionRequest, scheduler: SchedulerState, rules: OrchestrationRules): SchedulerDraft[] {
  const { taskId, orchestrationId, key } = request;
  if (isKnown(scheduler, taskId)) return [];
  if (scheduler.running.length < rules.maxConcurrent && scheduler.queue.length === 0) {
    return [draft('OrchestrationAdmitted', { taskId, orchestrationId }, key)];
  }
  return [draft('OrchestrationQueued', { taskId, orchestrationId, position: scheduler.queue.length + 1 }, key)];
}

/** Fills free slots from the head of the queue, in order. */
export function decideAdmissions(scheduler: SchedulerState, rules: OrchestrationRules): SchedulerDraft[] {
  const free = Math.max(0, rules.maxConcurrent - scheduler.running.length);
  return scheduler.queue.slice(0, free).map((entry) => draft('OrchestrationAdmitted', { ...entry }, entry.taskId));
}

/** A task that ended gives its slot back; the next in the queue may take it. */
export function decideRelease(
  event: MessageOf<'OrchestrationCompleted'> | MessageOf<'OrchestrationFailed'> | MessageOf<'OrchestrationCancelled'>,
  scheduler: SchedulerState,
  rules: OrchestrationRules,
): SchedulerDraft[] {
  const { taskId, orchestrationId } = event.data;
  if (!isKnown(scheduler, taskId)) return [];
  const outcome = event.type === 'OrchestrationCompleted' ? 'completed' : event.type === 'OrchestrationFailed' ? 'failed' : 'cancelled';
  const after: SchedulerState = {
    ...scheduler,
    running: scheduler.running.filter((entry) => entry.taskId !== taskId),
    queue: scheduler.queue.filter((entry) => entry.taskId !== taskId),
  };
  return [draft('OrchestrationReleased', { taskId, orchestrationId, outcome }), ...decideAdmissions(after, rules)];
}
