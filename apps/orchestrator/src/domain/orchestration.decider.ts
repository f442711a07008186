import {
  deterministicId,
  nextStageType,
  orchestrationIdFor,
  SCHEDULER_AGGREGATE,
  type LeaseRef,
  type MessageOf,
  type OrchEvent,
  type StageContext,
  type StageType,
} from '@app/contracts';
import { draft, type Draft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import { isKnown, type Admission, type SchedulerState } from './scheduler.state';
import { boundedContext } from './stage-context';
import { currentStage, type StageState, type TaskState } from './task.state';

/** A stage's id: one per task, stage type and QA round; retries keep it. */
export function stageIdFor(orchestrationId: string, stageType: StageType, round: number): string {
  return deterministicId(orchestrationId, stageType, round);
}

/**
 * StartOrchestration → an admission decision on the scheduler subject (or a rejection on
 * the task's): admitted while fewer than the limit run, else queued behind the others.
 */
export function decideStart(
  command: MessageOf<'StartOrchestration'>,
  task: TaskState,
  scheduler: SchedulerState,
  rules: OrchestrationRules,
): Draft[] {
  const { taskId } = command.data;
  const reject = (reason: string) => [draft('OrchestrationRejected', taskId, { taskId, reason })];
  if (!rules.enabled) return reject('orchestration is disabled (ORCHESTRATOR_ENABLED=false)');
  if (!task.exists) return reject(`task ${taskId} does not exist`);
  if (task.deleted) return reject(`task ${taskId} was deleted`);
  if (isKnown(scheduler, taskId)) return [];
  if (task.status !== 'created') return reject(`task ${taskId} is already ${task.status}`);
  const orchestrationId = orchestrationIdFor(command.id);
  if (scheduler.running.length < rules.maxConcurrent && scheduler.queue.length === 0) {
    return [draft('OrchestrationAdmitted', SCHEDULER_AGGREGATE, { taskId, orchestrationId })];
  }
  return [
    draft('OrchestrationQueued', SCHEDULER_AGGREGATE, { taskId, orchestrationId, position: scheduler.queue.length + 1 }),
  ];
}

/** Fills free slots from the head of the queue, in order. */
export function decideAdmissions(scheduler: SchedulerState, rules: OrchestrationRules): Draft[] {
  const free = Math.max(0, rules.maxConcurrent - scheduler.running.length);
  return scheduler.queue
    .slice(0, free)
    .map((entry) => draft('OrchestrationAdmitted', SCHEDULER_AGGREGATE, { ...entry }, entry.taskId));
}

/** A task that ended gives its slot back; the next in the queue may take it. */
export function decideRelease(
  event: MessageOf<'OrchestrationCompleted'> | MessageOf<'OrchestrationFailed'> | MessageOf<'OrchestrationCancelled'>,
  scheduler: SchedulerState,
  rules: OrchestrationRules,
): Draft[] {
  const { taskId, orchestrationId } = event.data;
  if (!isKnown(scheduler, taskId)) return [];
  const outcome = event.type === 'OrchestrationCompleted' ? 'completed' : event.type === 'OrchestrationFailed' ? 'failed' : 'cancelled';
  const after: SchedulerState = {
    ...scheduler,
    running: scheduler.running.filter((entry) => entry.taskId !== taskId),
    queue: scheduler.queue.filter((entry) => entry.taskId !== taskId),
  };
  return [draft('OrchestrationReleased', SCHEDULER_AGGREGATE, { taskId, orchestrationId, outcome }), ...decideAdmissions(after, rules)];
}

/** An admitted task starts with its specification stage. */
export function decideAdmitted(event: MessageOf<'OrchestrationAdmitted'>, task: TaskState): Draft[] {
  const { taskId, orchestrationId } = event.data;
  if (!task.exists || task.deleted) return [];
  const drafts: Draft[] = [];
  const stage = currentStage(task);
  if (task.orchestrationId === orchestrationId && stage !== null) {
    // admitted again after a RetryStage: the failed stage runs as its next attempt
    if (isEnded(task) && isStageFailed(stage)) {
      drafts.push(draft('OrchestrationResumed', taskId, { taskId, orchestrationId, stageId: stage.stageId }));
    } else if (!task.resumePending) {
      return [];
    }
    drafts.push(scheduleStage(taskId, orchestrationId, stage.stageType, stage.round, stage.attempt + 1, stage.context));
    return drafts;
  }
  if (task.orchestrationId !== orchestrationId) {
    if (task.status !== 'created') return [];
    drafts.push(draft('OrchestrationStarted', taskId, { taskId, orchestrationId }));
  }
  const context: StageContext = { taskTitle: task.title, taskDescription: task.description };
  drafts.push(scheduleStage(taskId, orchestrationId, 'specification', 0, 1, context));
  return drafts;
}

/**
 * A stage ended well: the next stage gets its output as context; QA's verdict either
 * completes the task or sends it back to implementation with the findings.
 */
export function decideStageCompleted(event: MessageOf<'StageCompleted'>, task: TaskState, rules: OrchestrationRules): Draft[] {
  const stage = activeStage(task, event.data.stageId, event.data.attempt);
  if (!stage || stage.status !== 'completed') return [];
  const { taskId, orchestrationId } = event.data;
  if (stage.stageType === 'qa') {
    const verdict = event.data.verdict;
    if (verdict === null || verdict.verdict === 'pass') {
      return [draft('OrchestrationCompleted', taskId, { taskId, orchestrationId, completedAt: event.data.completedAt })];
    }
    if (task.round >= rules.maxRework) {
      const reason = `QA rejected the work ${task.round + 1} times; findings: ${verdict.findings.join('; ') || '(none given)'}`;
      return [draft('OrchestrationFailed', taskId, { taskId, orchestrationId, reason, failedAt: event.data.completedAt })];
    }
    const round = task.round + 1;
    const context: StageContext = { ...stage.context, reviewFindings: verdict.findings };
    delete context.implementationSummary;
    delete context.diffStat;
    return [
      draft('ReworkRequested', taskId, { taskId, orchestrationId, qaStageId: stage.stageId, round, findings: verdict.findings }),
      scheduleStage(taskId, orchestrationId, 'implementation', round, 1, context),
    ];
  }
  const next = nextStageType(stage.stageType);
  if (next === null) return [];
  const context: StageContext = boundedContext(
    stage.stageType === 'specification'
      ? { taskTitle: task.title, taskDescription: task.description, specification: event.data.output }
      : {
          taskTitle: task.title,
          taskDescription: task.description,
          ...(stage.context.specification === undefined ? {} : { specification: stage.context.specification }),
          implementationSummary: event.data.output,
          ...(event.data.diffStat === null ? {} : { diffStat: event.data.diffStat }),
        },
  );
  return [scheduleStage(taskId, orchestrationId, next, task.round, 1, context)];
}

/**
 * A stage failed or timed out: retried with exponential backoff while retries remain and
 * a retry could help; otherwise the task fails with the stage's reason.
 */
export function decideStageFailed(
  event: MessageOf<'StageFailed'> | MessageOf<'StageTimedOut'>,
  task: TaskState,
  rules: OrchestrationRules,
  now: Date,
): Draft[] {
  const stage = activeStage(task, event.data.stageId, event.data.attempt);
  if (!stage || (stage.status !== 'failed' && stage.status !== 'timed_out')) return [];
  const { taskId, orchestrationId, stageId, stageType, attempt } = event.data;
  const reason =
    event.type === 'StageFailed'
      ? event.data.reason
      : `${stageType} timed out after ${rules.stageTimeoutS[stageType]} s`;
  const retryable = event.type === 'StageTimedOut' || event.data.retryable;
  if (!retryable || attempt > rules.maxRetries) {
    const why = retryable ? `${stageType} failed ${attempt} times; last: ${reason}` : `${stageType} failed: ${reason}`;
    return [draft('OrchestrationFailed', taskId, { taskId, orchestrationId, reason: why, failedAt: now.toISOString() })];
  }
  const delayMs = Math.min(rules.retryBackoffMaxMs, rules.retryBackoffBaseMs * 2 ** (attempt - 1));
  return [
    draft('StageRetryScheduled', taskId, {
      taskId,
      orchestrationId,
      stageId,
      stageType,
      attempt,
      nextAttempt: attempt + 1,
      delayMs,
      retryAt: new Date(now.getTime() + delayMs).toISOString(),
    }),
  ];
}

/** The backoff has passed: the stage runs again as its next attempt. */
export function decideRetryDue(task: TaskState, now: Date): Draft[] {
  const retry = task.pendingRetry;
  if (retry === null || Date.parse(retry.retryAt) > now.getTime()) return [];
  const stage = activeStage(task, retry.stageId, retry.attempt);
  if (!stage || !isStageFailed(stage) || task.orchestrationId === null) return [];
  return [scheduleStage(task.taskId, task.orchestrationId, stage.stageType, stage.round, retry.nextAttempt, stage.context)];
}

/** The running attempt's deadline passed, or its runner went silent: it is timed out. */
export function decideDeadline(task: TaskState, stageId: string, attempt: number, now: Date, reason: string): Draft[] {
  const stage = activeStage(task, stageId, attempt);
  if (!stage || stage.status !== 'running' || task.orchestrationId === null) return [];
  return [
    draft('StageTimedOut', task.taskId, {
      taskId: task.taskId,
      orchestrationId: task.orchestrationId,
      stageId,
      stageType: stage.stageType,
      attempt,
      deadlineAt: stage.deadlineAt ?? now.toISOString(),
      timedOutAt: now.toISOString(),
      reason,
    }),
  ];
}

/** When an attempt no runner has started times out: its stage's timeout after it was scheduled (ms since the epoch). */
export function startDeadlineOf(stage: StageState, rules: OrchestrationRules): number {
  return Date.parse(stage.scheduledAt) + rules.stageTimeoutS[stage.stageType] * 1000;
}

/**
 * An attempt scheduled but never started (its lease never granted, its RunStage lost, no
 * runner took it) times out like a running one once its stage's timeout has passed.
 */
export function decideStartDeadline(task: TaskState, stageId: string, attempt: number, now: Date, rules: OrchestrationRules): Draft[] {
  const stage = activeStage(task, stageId, attempt);
  if (!stage || stage.status !== 'scheduled' || task.orchestrationId === null) return [];
  const deadline = startDeadlineOf(stage, rules);
  if (now.getTime() < deadline) return [];
  return [
    draft('StageTimedOut', task.taskId, {
      taskId: task.taskId,
      orchestrationId: task.orchestrationId,
      stageId,
      stageType: stage.stageType,
      attempt,
      deadlineAt: new Date(deadline).toISOString(),
      timedOutAt: now.toISOString(),
      reason: `no runner started the attempt within the stage's ${rules.stageTimeoutS[stage.stageType]} s`,
    }),
  ];
}

/** The container under a running attempt was revoked or its lease expired: the attempt failed. */
export function decideLeaseLost(event: MessageOf<'LeaseRevoked'> | MessageOf<'LeaseExpired'>, task: TaskState, now: Date): Draft[] {
  const stage = currentStage(task);
  // running on it, or about to: a stage scheduled on the task's held lease
  const onIt = stage?.status === 'running' || stage?.status === 'scheduled';
  if (!stage || !onIt || stage.lease?.leaseId !== event.data.leaseId || task.status !== 'running') return [];
  const why = event.type === 'LeaseRevoked' ? `its container was lost (${event.data.reason})` : 'its lease expired';
  return [
    draft('StageFailed', task.taskId, {
      taskId: task.taskId,
      orchestrationId: task.orchestrationId ?? '',
      stageId: stage.stageId,
      stageType: stage.stageType,
      attempt: stage.attempt,
      reason: `${stage.stageType} stopped: ${why}`,
      retryable: true,
      exitCode: null,
      result: null,
      failedAt: now.toISOString(),
    }),
  ];
}

/**
 * CancelOrchestration → the current attempt is cancelled and the orchestration ends; a
 * queued task simply leaves the queue. Its slot then goes to the next in line.
 */
export function decideCancel(command: MessageOf<'CancelOrchestration'>, task: TaskState, queued: Admission | null, now: Date): Draft[] {
  const { taskId, reason } = command.data;
  if (!task.exists) return [draft('OrchestrationRejected', taskId, { taskId, reason: `task ${taskId} does not exist` })];
  if (isEnded(task) && task.status !== 'created') return [];
  const orchestrationId = task.status === 'running' ? task.orchestrationId : (queued?.orchestrationId ?? null);
  if (orchestrationId === null) return [draft('OrchestrationRejected', taskId, { taskId, reason: `task ${taskId} is not running or queued` })];
  const drafts: Draft[] = [];
  const stage = currentStage(task);
  if (task.status === 'running' && stage && (stage.status === 'scheduled' || stage.status === 'running')) {
    const { stageId, stageType, attempt } = stage;
    drafts.push(draft('StageCancelled', taskId, { taskId, orchestrationId, stageId, stageType, attempt, reason, cancelledAt: now.toISOString() }));
  }
  drafts.push(draft('OrchestrationCancelled', taskId, { taskId, orchestrationId, reason, cancelledAt: now.toISOString() }));
  return drafts;
}

/**
 * RetryStage → a failed task's failed stage goes back through admission (the same
 * orchestration); once admitted it runs again, then the stages after it.
 */
export function decideRetryStage(command: MessageOf<'RetryStage'>, task: TaskState, scheduler: SchedulerState, rules: OrchestrationRules): Draft[] {
  const { taskId, stageId } = command.data;
  const reject = (reason: string) => [draft('OrchestrationRejected', taskId, { taskId, reason })];
  if (!rules.enabled) return reject('orchestration is disabled (ORCHESTRATOR_ENABLED=false)');
  const stage = task.stages[stageId];
  if (!task.exists || !stage) return reject(`stage ${stageId} does not exist`);
  if (isKnown(scheduler, taskId)) return [];
  if (!isEnded(task) || task.status === 'created' || task.status === 'done') return reject(`task ${taskId} is ${task.status}; only a failed or cancelled task's stage can be retried`);
  if (task.currentStageId !== stageId || !isStageFailed(stage)) return reject(`stage ${stageId} is ${stage.status}, not the failed stage`);
  const orchestrationId = task.orchestrationId ?? '';
  if (scheduler.running.length < rules.maxConcurrent && scheduler.queue.length === 0) {
    return [draft('OrchestrationAdmitted', SCHEDULER_AGGREGATE, { taskId, orchestrationId }, `retry:${stageId}:${stage.attempt}`)];
  }
  return [draft('OrchestrationQueued', SCHEDULER_AGGREGATE, { taskId, orchestrationId, position: scheduler.queue.length + 1 }, `retry:${stageId}:${stage.attempt}`)];
}

/**
 * The saga's commands: what each stored event asks of the pool and the runner. Ids are
 * derived from the event, so handling it again sends nothing new.
 */
export function reactToEvent(event: OrchEvent, task: TaskState, taskSequence: number, rules: OrchestrationRules): Draft[] {
  switch (event.type) {
    case 'StageScheduled': {
      const stage = activeStage(task, event.data.stageId, event.data.attempt);
      if (!stage || stage.status !== 'scheduled') return [];
      const { taskId, orchestrationId, stageId, stageType, attempt } = event.data;
      // a task keeps its container from stage to stage: the next stage runs on it at once
      if (stage.lease) return [runStage(task, stage, stage.lease, taskSequence, rules)];
      return [draft('AcquireLease', taskId, { taskId, orchestrationId, stageId, stageType, attempt, ttlS: rules.leaseTtlS })];
    }
    case 'LeaseGranted': {
      const { taskId, stageId, attempt } = event.data;
      const lease = {
        leaseId: event.data.leaseId,
        poolId: event.data.poolId,
        slot: event.data.slot,
        port: event.data.port,
        containerId: event.data.containerId,
      };
      const stage = activeStage(task, stageId, attempt);
      if (!stage || stage.status !== 'scheduled' || task.status !== 'running' || (stage.lease && stage.lease.leaseId !== lease.leaseId)) {
        return [draft('ReleaseLease', taskId, { leaseId: lease.leaseId, poolId: lease.poolId, taskId, stageId })];
      }
      return [runStage(task, stage, lease, taskSequence, rules)];
    }
    case 'StageCompleted':
    case 'StageFailed':
    case 'StageTimedOut':
    case 'StageCancelled': {
      const { taskId, stageId, attempt } = event.data;
      const stage = task.stages[stageId];
      const drafts: Draft[] = [];
      if (event.type !== 'StageCompleted') {
        const reason = event.type === 'StageCancelled' ? event.data.reason : event.type === 'StageTimedOut' ? (event.data.reason ?? 'timed out') : event.data.reason;
        drafts.push(draft('CancelRun', taskId, { taskId, stageId, attempt, reason }));
      }
      // a completed stage's lease stays with the task for its next stage; one that ended badly is given up
      if (event.type !== 'StageCompleted' && stage?.lease && stage.attempt === attempt) {
        drafts.push(draft('ReleaseLease', taskId, { leaseId: stage.lease.leaseId, poolId: stage.lease.poolId, taskId, stageId }));
      }
      return drafts;
    }
    case 'OrchestrationCompleted':
    case 'OrchestrationFailed':
    case 'OrchestrationCancelled': {
      const lease = task.status === 'running' ? null : task.heldLease;
      if (!lease) return [];
      const { taskId } = event.data;
      const stageId = task.currentStageId ?? event.data.orchestrationId;
      return [draft('ReleaseLease', taskId, { leaseId: lease.leaseId, poolId: lease.poolId, taskId, stageId })];
    }
    case 'RunHeartbeat': {
      const stage = activeStage(task, event.data.stageId, event.data.attempt);
      if (!stage?.lease || stage.status !== 'running') return [];
      return [draft('RenewLease', event.data.taskId, { leaseId: stage.lease.leaseId, poolId: stage.lease.poolId }, event.id)];
    }
    default:
      return [];
  }
}

function runStage(task: TaskState, stage: StageState, lease: LeaseRef, taskSequence: number, rules: OrchestrationRules): Draft {
  return draft('RunStage', task.taskId, {
    taskId: task.taskId,
    orchestrationId: task.orchestrationId ?? task.taskId,
    stageId: stage.stageId,
    stageType: stage.stageType,
    attempt: stage.attempt,
    context: stage.context,
    lease,
    workspace: task.workspace,
    timeoutS: rules.stageTimeoutS[stage.stageType],
    expectedTaskSequence: taskSequence,
  });
}

function scheduleStage(
  taskId: string,
  orchestrationId: string,
  stageType: StageType,
  round: number,
  attempt: number,
  context: StageContext,
): Draft {
  const stageId = stageIdFor(orchestrationId, stageType, round);
  return draft('StageScheduled', taskId, { taskId, orchestrationId, stageId, stageType, attempt, round, context }, `${stageId}:${attempt}`);
}

function isEnded(task: TaskState): boolean {
  return task.status !== 'running';
}

function isStageFailed(stage: StageState): boolean {
  return stage.status === 'failed' || stage.status === 'timed_out' || stage.status === 'cancelled';
}

/** The task's current stage, if it is `stageId` at `attempt` and the task still runs. */
function activeStage(task: TaskState, stageId: string, attempt: number): StageState | null {
  const stage = currentStage(task);
  if (!stage || stage.stageId !== stageId || stage.attempt !== attempt || task.status !== 'running') return null;
  return stage;
}
