import { isSchedulerEvent, isTaskEvent, sealDraft, type OrchEvent, type OrchMessage } from '@app/contracts';
import { factory, ids } from '@app/testing';
import type { OrchestrationRules } from './orchestration.config';
import type { TaskDraft } from './decision';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from './scheduler.state';
import { evolveTask, initialTaskState, type TaskState } from './task.state';

/** What the decider specs share: the rules, the clock, and the aggregates folded from given events. */
export const rules: OrchestrationRules = {
  enabled: true,
  maxConcurrent: 2,
  priorityAgingS: 300,
  maxRetries: 2,
  maxRework: 1,
  stageTimeoutS: { specification: 1800, implementation: 3600, qa: 1800 },
  leaseTtlS: 120,
  retryBackoffBaseMs: 1_000,
  retryBackoffMaxMs: 5_000,
  parkBackoffBaseMs: 60_000,
  parkBackoffMaxMs: 600_000,
  credential: 'default',
  taskBudgetUsd: null,
  stageBudgetUsd: null,
  dailyBudgetUsd: null,
};
export const now = new Date('2026-11-24T10:00:00.000Z');

export const givenTask = (...events: OrchEvent[]): TaskState => events.filter(isTaskEvent).reduce(evolveTask, initialTaskState(ids.task(1)));
export const givenScheduler = (...events: OrchEvent[]): SchedulerState => events.filter(isSchedulerEvent).reduce(evolveScheduler, initialSchedulerState);
export const types = (drafts: ReadonlyArray<{ type: string }>) => drafts.map((item) => item.type);

/** The task's own drafts, stored: sealed as caused by `cause`, as the service appends them. */
export const stored = (cause: Pick<OrchMessage, 'id' | 'correlationId'>, drafts: TaskDraft[]) =>
  drafts.map((item) => sealDraft(cause, ids.task(1), item, { producer: 'spec', occurredAt: now.toISOString() }));

/** A task that went through admission and is running `stageType`. */
export const running = (stageType: 'specification' | 'implementation' | 'qa' = 'specification', attempt = 1) => [
  factory.taskCreated(),
  factory.orchestrationStarted(),
  factory.stageScheduled({ stageType, attempt }),
  factory.stageStarted({ stageType, attempt }),
];
