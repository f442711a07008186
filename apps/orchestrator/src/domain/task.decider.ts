import {
  commentAsFinding,
  contentRevision,
  decisionRefusal,
  deterministicId,
  draft,
  followUpRefusal,
  nextStageType,
  orchestrationIdFor,
  retryRefusal,
  startRefusal,
  type MessageOf,
  type NextStage,
  type StageContext,
  type StageType,
  type TimeOutCause,
  type WaitingFor,
} from '@app/contracts';
import { rejection, type AdmissionRequest, type Rejection, type TaskDraft, type TimeOut } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import { budgetOf, withinBudget } from './budget.decider';
import type { Admission } from './scheduler.state';
import { boundedContext } from './stage-context';
import { activeStage, currentStage, isEnded, isStageFailed, type StageState, type TaskState } from './task.state';

/**
 * The task aggregate's decider: each function takes what happened (a command, an event of
 * another aggregate, a timer) and the task's state, and returns the task's own events to
 * append to its subject, or a rejection. Pure.
 */

/** A stage's id: one per task, stage type and QA round; retries keep it. */
export function stageIdFor(orchestrationId: string, stageType: StageType, round: number): string {
  return deterministicId(orchestrationId, stageType, round);
}

const DISABLED = 'orchestration is disabled (ORCHESTRATOR_ENABLED=false)';

/** StartOrchestration → refused on the task's state, or let through to admission (the scheduler decides). */
export function decideStart(command: MessageOf<'StartOrchestration'>, task: TaskState, rules: OrchestrationRules): Rejection | AdmissionRequest {
  const { taskId } = command.data;
  if (!rules.enabled) return rejection(DISABLED);
  if (!task.exists) return rejection(`task ${taskId} does not exist`);
  if (task.deleted) return rejection(`task ${taskId} was deleted`);
  const refused = startRefusal(taskId, task.status);
  if (refused !== null) return rejection(refused);
  return { taskId, orchestrationId: orchestrationIdFor(command.id) };
}

/**
 * RetryStage → a failed task's failed stage goes back through admission (the same
 * orchestration); once admitted it runs again, then the stages after it.
 */
export function decideRetryStage(command: MessageOf<'RetryStage'>, task: TaskState, rules: OrchestrationRules): Rejection | AdmissionRequest {
  const { taskId, stageId } = command.data;
  if (!rules.enabled) return rejection(DISABLED);
  const stage = task.stages[stageId];
  if (!task.exists || !stage) return rejection(`stage ${stageId} does not exist`);
  const refused = retryRefusal(taskId, task.status);
  if (refused !== null || task.orchestrationId === null) return rejection(refused ?? `task ${taskId} was never started`);
  if (task.currentStageId !== stageId || !isStageFailed(stage)) return rejection(`stage ${stageId} is ${stage.status}, not the failed stage`);
  return { taskId, orchestrationId: task.orchestrationId, key: `retry:${stageId}:${stage.attempt}` };
}

/** An admitted task starts with its specification stage. */
export function decideAdmitted(event: MessageOf<'OrchestrationAdmitted'>, task: TaskState): TaskDraft[] {
  const { taskId, orchestrationId } = event.data;
  if (!task.exists || task.deleted) return [];
  const drafts: TaskDraft[] = [];
  const next = task.pendingStage;
  if (task.orchestrationId === orchestrationId && next !== null) {
    // admitted again after a wait (or for a follow-up of an ended task): the stage it was given runs
    if (isEnded(task)) drafts.push(draft('OrchestrationResumed', { taskId, orchestrationId, stageId: stageIdFor(orchestrationId, next.stageType, next.round) }));
    // the stage it stopped in, again (its budget raised), runs as its next attempt
    const current = currentStage(task);
    const again = current !== null && current.stageType === next.stageType && current.round === next.round;
    drafts.push(scheduleStage(taskId, orchestrationId, next.stageType, next.round, again ? current.attempt + 1 : 1, next.context));
    return drafts;
  }
  const stage = currentStage(task);
  if (task.orchestrationId === orchestrationId && stage !== null) {
    // admitted again after a RetryStage: the failed stage runs as its next attempt
    if (isEnded(task) && isStageFailed(stage)) {
      drafts.push(draft('OrchestrationResumed', { taskId, orchestrationId, stageId: stage.stageId }));
    } else if (!task.resumePending) {
      return [];
    }
    drafts.push(scheduleStage(taskId, orchestrationId, stage.stageType, stage.round, stage.attempt + 1, stage.context));
    return drafts;
  }
  if (task.orchestrationId !== orchestrationId) {
    if (task.status !== 'created') return [];
    drafts.push(draft('OrchestrationStarted', { taskId, orchestrationId }));
  }
  const context: StageContext = { taskTitle: task.title, taskDescription: task.description };
  drafts.push(scheduleStage(taskId, orchestrationId, 'specification', 0, 1, context));
  return drafts;
}

/**
 * A stage ended well: the next stage gets its output as context; QA's verdict either
 * completes the task or sends it back to implementation with the findings. Under an
 * approval policy the task waits instead, after its specification or after QA passed.
 */
export function decideStageCompleted(event: MessageOf<'StageCompleted'>, task: TaskState, rules: OrchestrationRules): TaskDraft[] {
  const stage = activeStage(task, event.data.stageId, event.data.attempt);
  if (!stage || stage.status !== 'completed') return [];
  const { taskId, orchestrationId } = event.data;
  const at = event.data.completedAt;
  if (stage.stageType === 'specification' && task.approvalPolicy === 'approve-spec') {
    return [waiting(taskId, orchestrationId, { kind: 'approval', gate: 'spec', revision: contentRevision(event.data.output) }, at)];
  }
  if (stage.stageType === 'qa') {
    const verdict = event.data.verdict;
    if ((verdict === null || verdict.verdict === 'pass') && task.approvalPolicy === 'approve-result') {
      // the branch's commit after QA; with no git workspace, the QA attempt itself
      const revision = event.data.diffStat?.toCommit ?? deterministicId(stage.stageId, stage.attempt);
      return [waiting(taskId, orchestrationId, { kind: 'approval', gate: 'result', revision }, at)];
    }
    if (verdict === null || verdict.verdict === 'pass') {
      return [draft('OrchestrationCompleted', { taskId, orchestrationId, completedAt: at })];
    }
    if (task.round >= rules.maxRework) {
      const reason = `QA rejected the work ${task.round + 1} times; findings: ${verdict.findings.join('; ') || '(none given)'}`;
      return [draft('OrchestrationFailed', { taskId, orchestrationId, reason, failedAt: event.data.completedAt })];
    }
    const round = task.round + 1;
    const context: StageContext = { ...stage.context, reviewFindings: verdict.findings };
    delete context.implementationSummary;
    delete context.diffStat;
    return [
      draft('ReworkRequested', { taskId, orchestrationId, qaStageId: stage.stageId, round, findings: verdict.findings }),
      ...withinBudget(task, rules, { stageType: 'implementation', round, context }, [scheduleStage(taskId, orchestrationId, 'implementation', round, 1, context)], at),
    ];
  }
  const next = nextStageType(stage.stageType);
  if (next === null) return [];
  const context: StageContext = boundedContext(
    stage.stageType === 'specification'
      ? withSpecification(task, event.data.output)
      : {
          taskTitle: task.title,
          taskDescription: task.description,
          ...(stage.context.specification === undefined ? {} : { specification: stage.context.specification }),
          implementationSummary: event.data.output,
          ...(event.data.diffStat === null ? {} : { diffStat: event.data.diffStat }),
        },
  );
  return withinBudget(task, rules, { stageType: next, round: task.round, context }, [scheduleStage(taskId, orchestrationId, next, task.round, 1, context)], at);
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
): TaskDraft[] {
  const stage = activeStage(task, event.data.stageId, event.data.attempt);
  if (!stage || (stage.status !== 'failed' && stage.status !== 'timed_out')) return [];
  const { taskId, orchestrationId, stageType, attempt } = event.data;
  // a timeout says why itself: a lost heartbeat is not the stage's timeout passing
  const reason = event.type === 'StageFailed' ? event.data.reason : `${stageType} timed out: ${event.data.reason}`;
  const retryable = event.type === 'StageTimedOut' || event.data.retryable;
  // attempts a rate or usage limit parked used no retry
  const failures = attempt - stage.parks;
  if (!retryable || failures > rules.maxRetries) {
    const why = retryable ? `${stageType} failed ${failures} times; last: ${reason}` : `${stageType} failed: ${reason}`;
    return [draft('OrchestrationFailed', { taskId, orchestrationId, reason: why, failedAt: now.toISOString() })];
  }
  const delayMs = Math.min(rules.retryBackoffMaxMs, rules.retryBackoffBaseMs * 2 ** (failures - 1));
  return [nextAttemptScheduled(event.data, now, now.getTime() + delayMs)];
}

/**
 * The model API's limit parked the stage: it runs again as its next attempt once the limit
 * lifts — at the reset time the CLI named, else after a backoff that doubles with each park
 * of the stage — and that attempt uses no retry (`decideStageFailed` counts attempts less parks).
 */
export function decideStageParked(event: MessageOf<'StageParked'>, task: TaskState, rules: OrchestrationRules, now: Date): TaskDraft[] {
  const stage = activeStage(task, event.data.stageId, event.data.attempt);
  if (!stage || stage.status !== 'parked') return [];
  const { resetAt, limit, taskId, orchestrationId, stageType, parkedAt } = event.data;
  if (limit === 'budget') {
    // the CLI stopped at --max-budget-usd: the task's budget is spent (it waits for a raise), or the stage's cap (it fails)
    const budget = budgetOf(task, rules);
    if (budget === null || task.spentUsd < budget) {
      const reason = `${stageType} reached its cap of $${rules.stageBudgetUsd ?? '?'} a run (ORCHESTRATOR_STAGE_BUDGET_USD)`;
      return [draft('OrchestrationFailed', { taskId, orchestrationId, reason, failedAt: parkedAt })];
    }
    return withinBudget(task, rules, { stageType, round: stage.round, context: stage.context }, [], parkedAt);
  }
  const backoffMs = Math.min(rules.parkBackoffMaxMs, rules.parkBackoffBaseMs * 2 ** (stage.parks - 1));
  const resumeAt = resetAt !== null && Date.parse(resetAt) > now.getTime() ? Date.parse(resetAt) : now.getTime() + backoffMs;
  return [nextAttemptScheduled(event.data, now, resumeAt)];
}

/** The attempt after `ref`'s, due at `dueAt` (ms since the epoch). */
function nextAttemptScheduled(ref: StageRef, now: Date, dueAt: number): TaskDraft {
  const { taskId, orchestrationId, stageId, stageType, attempt } = ref;
  return draft('StageRetryScheduled', {
    taskId,
    orchestrationId,
    stageId,
    stageType,
    attempt,
    nextAttempt: attempt + 1,
    delayMs: dueAt - now.getTime(),
    retryAt: new Date(dueAt).toISOString(),
  });
}

type StageRef = Pick<MessageOf<'StageParked'>['data'], 'taskId' | 'orchestrationId' | 'stageId' | 'stageType' | 'attempt'>;

/** The backoff (or a parked stage's wait for its limit) has passed: the stage runs again as its next attempt. */
export function decideRetryDue(task: TaskState, now: Date): TaskDraft[] {
  const retry = task.pendingRetry;
  if (retry === null || Date.parse(retry.retryAt) > now.getTime()) return [];
  const stage = activeStage(task, retry.stageId, retry.attempt);
  if (!stage || !(isStageFailed(stage) || stage.status === 'parked') || task.orchestrationId === null) return [];
  return [scheduleStage(task.taskId, task.orchestrationId, stage.stageType, stage.round, retry.nextAttempt, stage.context)];
}

/** The running attempt's deadline passed, or its runner went silent: it is timed out. */
export function decideDeadline(task: TaskState, stageId: string, attempt: number, now: Date, why: TimeOut): TaskDraft[] {
  const stage = activeStage(task, stageId, attempt);
  if (!stage || stage.status !== 'running' || task.orchestrationId === null) return [];
  return [timedOut(task.taskId, task.orchestrationId, stage, stage.deadlineAt ?? now.toISOString(), now, why)];
}

/** When an attempt no runner has started times out: its stage's timeout after it was scheduled (ms since the epoch). */
export function startDeadlineOf(stage: StageState, rules: OrchestrationRules): number {
  return Date.parse(stage.scheduledAt) + rules.stageTimeoutS[stage.stageType] * 1000;
}

/**
 * An attempt scheduled but never started (its lease never granted, its RunStage lost, no
 * runner took it) times out like a running one once its stage's timeout has passed.
 */
export function decideStartDeadline(task: TaskState, stageId: string, attempt: number, now: Date, rules: OrchestrationRules): TaskDraft[] {
  const stage = activeStage(task, stageId, attempt);
  if (!stage || stage.status !== 'scheduled' || task.orchestrationId === null) return [];
  const deadline = startDeadlineOf(stage, rules);
  if (now.getTime() < deadline) return [];
  const reason = `no runner started the attempt within the stage's ${rules.stageTimeoutS[stage.stageType]} s`;
  return [timedOut(task.taskId, task.orchestrationId, stage, new Date(deadline).toISOString(), now, { cause: 'never-started', reason })];
}

function timedOut(taskId: string, orchestrationId: string, stage: StageState, deadlineAt: string, now: Date, why: { cause: TimeOutCause; reason: string }): TaskDraft {
  const { stageId, stageType, attempt } = stage;
  return draft('StageTimedOut', { taskId, orchestrationId, stageId, stageType, attempt, deadlineAt, timedOutAt: now.toISOString(), cause: why.cause, reason: why.reason });
}

/** The container under a running attempt was revoked or its lease expired: the attempt failed. */
export function decideLeaseLost(event: MessageOf<'LeaseRevoked'> | MessageOf<'LeaseExpired'>, task: TaskState, now: Date): TaskDraft[] {
  const stage = currentStage(task);
  // running on it, or about to: a stage scheduled on the task's held lease
  const onIt = stage?.status === 'running' || stage?.status === 'scheduled';
  if (!stage || !onIt || stage.lease?.leaseId !== event.data.leaseId || task.status !== 'running') return [];
  const why = event.type === 'LeaseRevoked' ? `its container was lost (${event.data.reason})` : 'its lease expired';
  return [
    draft('StageFailed', {
      taskId: task.taskId,
      orchestrationId: task.orchestrationId,
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
 * queued or waiting task simply ends (and leaves the queue). Its slot then goes to the next in line.
 */
export function decideCancel(command: MessageOf<'CancelOrchestration'>, task: TaskState, queued: Pick<Admission, 'orchestrationId'> | null, now: Date): TaskDraft[] | Rejection {
  const { taskId, reason } = command.data;
  if (!task.exists) return rejection(`task ${taskId} does not exist`);
  // a waiting task, and an ended one whose follow-up waits for a slot, can be cancelled too
  const open = task.status === 'created' || task.status === 'waiting' || task.pendingStage !== null;
  if (isEnded(task) && !open) return [];
  const orchestrationId = task.status === 'running' || task.status === 'waiting' || task.pendingStage !== null ? task.orchestrationId : (queued?.orchestrationId ?? null);
  if (orchestrationId === null) return rejection(`task ${taskId} is not running or queued`);
  const drafts: TaskDraft[] = [];
  const stage = currentStage(task);
  if (task.status === 'running' && stage && (stage.status === 'scheduled' || stage.status === 'running')) {
    const { stageId, stageType, attempt } = stage;
    drafts.push(draft('StageCancelled', { taskId, orchestrationId, stageId, stageType, attempt, reason, cancelledAt: now.toISOString() }));
  }
  drafts.push(draft('OrchestrationCancelled', { taskId, orchestrationId, reason, cancelledAt: now.toISOString() }));
  return drafts;
}

/**
 * DecideApproval → the decision is recorded and the wait ends: approve lets the task go on
 * (after the specification: queued for implementation; after QA: done); request changes
 * queues a new round with the comments as its findings (a specification round at the spec
 * gate, implementation at the result gate), counted against ORCHESTRATOR_MAX_REWORK; reject
 * ends the task as failed (its branch is kept). Refused unless the task waits for approval
 * on exactly `revision`.
 */
export function decideApproval(command: MessageOf<'DecideApproval'>, task: TaskState, rules: OrchestrationRules, now: Date): TaskDraft[] | Rejection {
  const { taskId, decision, revision, comments, by } = command.data;
  if (!task.exists) return rejection(`task ${taskId} does not exist`);
  const refused = decisionRefusal(taskId, task.status, task.waitingFor, revision);
  const waitingFor = task.waitingFor;
  if (refused !== null || waitingFor?.kind !== 'approval' || task.orchestrationId === null) return rejection(refused ?? `task ${taskId} is not waiting for approval`);
  const { orchestrationId } = task;
  const { gate } = waitingFor;
  const at = now.toISOString();
  const recorded = draft('TaskDecisionRecorded', { taskId, orchestrationId, decision, by, revision, gate, comments, at });
  const end = (next: NextStage | null) => draft('TaskWaitEnded', { taskId, orchestrationId, by, next, at });
  const specification = latestOutput(task, 'specification');
  if (decision === 'approve') {
    if (gate === 'result') return [recorded, end(null), draft('OrchestrationCompleted', { taskId, orchestrationId, completedAt: at })];
    return [recorded, end({ stageType: 'implementation', round: task.round, context: boundedContext(withSpecification(task, specification ?? '')) })];
  }
  const said = comments.map(commentAsFinding);
  if (decision === 'reject') {
    const reason = `rejected by ${by} at the ${gate === 'spec' ? 'specification' : 'result'} approval${said.length > 0 ? `: ${said.join('; ')}` : ''}`;
    return [recorded, end(null), draft('OrchestrationFailed', { taskId, orchestrationId, reason, failedAt: at })];
  }
  const findings = said.length > 0 ? said : [`${by} requested changes without a comment`];
  if (task.round >= rules.maxRework) {
    const reason = `changes requested by ${by} after ${task.round} rework rounds, the most ORCHESTRATOR_MAX_REWORK (${rules.maxRework}) allows; findings: ${findings.join('; ')}`;
    return [recorded, end(null), draft('OrchestrationFailed', { taskId, orchestrationId, reason, failedAt: at })];
  }
  const round = task.round + 1;
  if (gate === 'spec') {
    const context = boundedContext({ ...withSpecification(task, specification ?? ''), reviewFindings: findings });
    return [recorded, end({ stageType: 'specification', round, context })];
  }
  const context = boundedContext({ ...withSpecification(task, specification ?? ''), reviewFindings: findings });
  const qaStageId = task.currentStageId ?? stageIdFor(orchestrationId, 'qa', task.round);
  return [recorded, draft('ReworkRequested', { taskId, orchestrationId, qaStageId, round, findings }), end({ stageType: 'implementation', round, context })];
}

/**
 * RequestFollowUp → a done or failed task gets a new implementation round with the prompt,
 * resuming the implementation's CLI session; once admitted it runs, then QA (and its gate).
 */
export function decideFollowUp(command: MessageOf<'RequestFollowUp'>, task: TaskState, now: Date): TaskDraft[] | Rejection {
  const { taskId, prompt, by } = command.data;
  if (!task.exists) return rejection(`task ${taskId} does not exist`);
  if (task.deleted) return rejection(`task ${taskId} was deleted`);
  const refused = followUpRefusal(taskId, task.status);
  if (refused !== null || task.orchestrationId === null) return rejection(refused ?? `task ${taskId} was never started`);
  if (task.pendingStage !== null) return rejection(`task ${taskId} has a follow-up waiting for a slot already`);
  const specification = latestOutput(task, 'specification');
  const context: StageContext = {
    ...boundedContext(withSpecification(task, specification ?? '')),
    followUp: prompt,
    ...(task.implementationSessionId === null ? {} : { resumeSessionId: task.implementationSessionId }),
  };
  const next: NextStage = { stageType: 'implementation', round: task.round + 1, context };
  return [draft('FollowUpRequested', { taskId, orchestrationId: task.orchestrationId, prompt, by, next, at: now.toISOString() })];
}

/** A wait that ended with a next stage, or a follow-up: the task goes through admission again (at the back of the queue). */
export function admissionAfter(event: MessageOf<'TaskWaitEnded'> | MessageOf<'FollowUpRequested'>): AdmissionRequest | null {
  if (event.data.next === null) return null;
  return { taskId: event.data.taskId, orchestrationId: event.data.orchestrationId, key: `resume:${event.id}` };
}

function waiting(taskId: string, orchestrationId: string, waitingFor: WaitingFor, at: string): TaskDraft {
  return draft('TaskWaiting', { taskId, orchestrationId, waitingFor, at });
}

/** The task, with the specification when there is one: an implementation round's context. */
function withSpecification(task: TaskState, specification: string): StageContext {
  const context: StageContext = { taskTitle: task.title, taskDescription: task.description };
  return specification === '' ? context : { ...context, specification };
}

/** The output of the last completed attempt of `stageType` (the latest round's). */
function latestOutput(task: TaskState, stageType: StageType): string | null {
  const completed = Object.values(task.stages).filter((stage) => stage.stageType === stageType && stage.status === 'completed');
  const latest = completed.reduce<StageState | null>((best, stage) => (best === null || stage.round > best.round ? stage : best), null);
  return latest?.output ?? null;
}

function scheduleStage(
  taskId: string,
  orchestrationId: string,
  stageType: StageType,
  round: number,
  attempt: number,
  context: StageContext,
): TaskDraft {
  const stageId = stageIdFor(orchestrationId, stageType, round);
  return draft('StageScheduled', { taskId, orchestrationId, stageId, stageType, attempt, round, context }, `${stageId}:${attempt}`);
}

/** How a blocker stands for the tasks waiting for it. */
export type BlockerStanding = { kind: 'open' } | { kind: 'done' } | { kind: 'broken'; reason: string };

/**
 * A blocker is done when its orchestration completed and its pull request, if it opened
 * one (or, approved under approve-result on a forge, is about to), was merged; broken when it failed, was cancelled or deleted, or its pull request was
 * closed without merging; open otherwise (not started, queued, running, its PR open).
 */
export function blockerStanding(blocker: TaskState): BlockerStanding {
  const broken = (why: string): BlockerStanding => ({ kind: 'broken', reason: `blocked by task ${blocker.taskId}, which ${why}` });
  if (!blocker.exists) return broken('does not exist');
  if (blocker.deleted) return broken('was deleted');
  if (blocker.pullRequestState === 'closed') return broken('had its pull request closed without merging');
  if (blocker.status === 'failed') return broken(`failed: ${blocker.endReason ?? 'no reason given'}`);
  if (blocker.status === 'cancelled') return broken(`was cancelled: ${blocker.endReason ?? 'no reason given'}`);
  // approved under approve-result: its pull request is being opened (OpenPullRequest) and counts as open
  const pullRequestComing = blocker.approvalPolicy === 'approve-result' && blocker.pullRequestState === null && blocker.workspace.remote?.forge.kind === 'github';
  if (blocker.status === 'done' && blocker.pullRequestState !== 'open' && !pullRequestComing) return { kind: 'done' };
  return { kind: 'open' };
}

/**
 * A blocker of a task that was started (queued, or being started) broke: the task fails with
 * the blocker's reason, never having run. Its release then gives its place in the queue up.
 */
export function decideBlockerBroken(task: TaskState, orchestrationId: string, reason: string, now: Date): TaskDraft[] {
  if (!task.exists || task.status !== 'created') return [];
  return [draft('OrchestrationFailed', { taskId: task.taskId, orchestrationId, reason, failedAt: now.toISOString() })];
}
