import { draft, type MessageOf } from '@app/contracts';
import type { AdmissionRequest, SchedulerDraft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import { isKnown, type SchedulerState } from './scheduler.state';
import { holdsNoSlot, type TaskState } from './task.state';

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

/** The events after which a task holds no slot: its end, or a wait. */
export type SlotReleasingEvent = MessageOf<'OrchestrationCompleted'> | MessageOf<'OrchestrationFailed'> | MessageOf<'OrchestrationCancelled'> | MessageOf<'TaskWaiting'>;

const OUTCOMES = {
  OrchestrationCompleted: 'completed',
  OrchestrationFailed: 'failed',
  OrchestrationCancelled: 'cancelled',
  TaskWaiting: 'waiting',
} as const satisfies Record<SlotReleasingEvent['type'], MessageOf<'OrchestrationReleased'>['data']['outcome']>;

/**
 * A task that ended, or waits (for a person), gives its slot back; the next in the queue
 * may take it. A waiting task queues again, at the back, when its wait ends.
 */
export function decideRelease(event: SlotReleasingEvent, task: TaskState, scheduler: SchedulerState, rules: OrchestrationRules): SchedulerDraft[] {
  const { taskId, orchestrationId } = event.data;
  if (!holdsNoSlot(task)) return [];
  const outcome = OUTCOMES[event.type];
  if (!isKnown(scheduler, taskId)) {
    // a task that ends while it waits held no slot, but its runner keeps its workspace until the end is recorded here
    return event.type === 'TaskWaiting' ? [] : [draft('OrchestrationReleased', { taskId, orchestrationId, outcome })];
  }
  const after: SchedulerState = {
    ...scheduler,
    running: scheduler.running.filter((entry) => entry.taskId !== taskId),
    queue: scheduler.queue.filter((entry) => entry.taskId !== taskId),
  };
  return [draft('OrchestrationReleased', { taskId, orchestrationId, outcome }), ...decideAdmissions(after, rules)];
}
