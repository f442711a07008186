import type { OrchEvent } from './envelope';
import type { EventType } from './messages';

/**
 * The events of one task's subject, `<root>.evt.task.<taskId>`: what the task aggregate
 * folds. A new task event goes here, and then fails to compile in every switch over the
 * task's events until it is handled (each ends in `const _exhaustive: never`).
 */
export const TASK_EVENT_TYPES = [
  'TaskCreated',
  'TaskDeleted',
  'TaskPullRequestOpened',
  'TaskPullRequestClosed',
  'TaskBudgetRaised',
  'TaskBudgetWarning',
  'TaskQueueSettingsChanged',
  'OrchestrationRejected',
  'OrchestrationStarted',
  'OrchestrationResumed',
  'StageScheduled',
  'StageStarted',
  'StageCompleted',
  'StageFailed',
  'StageTimedOut',
  'StageCancelled',
  'StageParked',
  'StageRetryScheduled',
  'ReworkRequested',
  'TaskWaiting',
  'TaskWaitEnded',
  'TaskDecisionRecorded',
  'FollowUpRequested',
  'OrchestrationCompleted',
  'OrchestrationFailed',
  'OrchestrationCancelled',
] as const satisfies readonly EventType[];
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];
export type TaskEvent = Extract<OrchEvent, { type: TaskEventType }>;

/** The events of the admission log, `<root>.evt.scheduler`. */
export const SCHEDULER_EVENT_TYPES = ['OrchestrationQueued', 'OrchestrationAdmitted', 'OrchestrationReleased', 'OrchestrationUnblocked', 'CredentialPaused', 'StageCostRecorded'] as const satisfies readonly EventType[];
export type SchedulerEventType = (typeof SCHEDULER_EVENT_TYPES)[number];
export type SchedulerEvent = Extract<OrchEvent, { type: SchedulerEventType }>;

/** The events that end an orchestration (and a stage's attempt, respectively). */
export const ORCHESTRATION_END_EVENT_TYPES = ['OrchestrationCompleted', 'OrchestrationFailed', 'OrchestrationCancelled'] as const satisfies readonly TaskEventType[];
export const TERMINAL_STAGE_EVENTS = ['StageCompleted', 'StageFailed', 'StageTimedOut', 'StageCancelled', 'StageParked'] as const satisfies readonly TaskEventType[];

const TASK_EVENT_TYPE_SET: ReadonlySet<string> = new Set(TASK_EVENT_TYPES);
const SCHEDULER_EVENT_TYPE_SET: ReadonlySet<string> = new Set(SCHEDULER_EVENT_TYPES);

export function isTaskEvent(event: OrchEvent): event is TaskEvent {
  return TASK_EVENT_TYPE_SET.has(event.type);
}

export function isSchedulerEvent(event: OrchEvent): event is SchedulerEvent {
  return SCHEDULER_EVENT_TYPE_SET.has(event.type);
}
