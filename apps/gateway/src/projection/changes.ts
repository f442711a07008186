import { DEFAULT_TASK_PRIORITY, type OrchEvent, type PoolUpdate, type StageUpdate, type TaskUpdate } from '@app/contracts';

type Unsequenced<T> = Omit<T, 'seq' | 'cause' | 'at'>;

/**
 * A task's change. `reason: null` clears the reason an earlier start refusal or end left;
 * `onlyBeforeStart`: the change applies only to a task that has not started (a refused
 * start or retry changes nothing of a task that is running, queued or ended).
 */
export type TaskChange = { entity: 'task' } & Omit<Unsequenced<TaskUpdate>, 'reason'> & { reason?: string | null; onlyBeforeStart?: true };
/** A stage run's change (one attempt of a stage); `costUsd: null`: the attempt's cost is unknown (a failure without a result). */
export type StageChange = { entity: 'stage' } & Omit<Unsequenced<StageUpdate>, 'costUsd'> & { costUsd?: number | null };
/** A pool slot's or lease request's change. */
export type PoolChange = { entity: 'pool' } & Unsequenced<PoolUpdate>;

/** What an event changes of what the read side shows. */
export type Change = TaskChange | StageChange | PoolChange;

/**
 * What one event of the log changes, in the read side's terms: the one interpretation of
 * an event (which status, which reason — "cancelled: …", the timeout's own words — which
 * fields) that the projector's rows and the board's updates both take. Pure; every event
 * type is named, so a new one fails to compile here until it says what it changes.
 */
export function changesOf(event: OrchEvent): Change[] {
  const task = (taskId: string, fields: Omit<TaskChange, 'entity' | 'taskId'>): TaskChange => ({ entity: 'task', taskId, ...fields });
  const stage = (fields: Omit<StageChange, 'entity'>): StageChange => ({ entity: 'stage', ...fields });
  const pool = (fields: Omit<PoolChange, 'entity'>): PoolChange => ({ entity: 'pool', ...fields });

  switch (event.type) {
    case 'TaskCreated': {
      const { taskId, title, description, repoPath, baseBranch, remote, budgetUsd, approvalPolicy } = event.data;
      const queue = { priority: event.data.priority ?? DEFAULT_TASK_PRIORITY, blockedBy: event.data.blockedBy ?? [] };
      return [task(taskId, { status: 'created', title, description, repoPath, baseBranch, projectId: remote?.projectId ?? null, budgetUsd: budgetUsd ?? null, approvalPolicy: approvalPolicy ?? 'auto', ...queue })];
    }
    case 'TaskQueueSettingsChanged':
      return [task(event.data.taskId, { priority: event.data.priority, blockedBy: event.data.blockedBy })];
    case 'TaskBudgetRaised':
      return [task(event.data.taskId, { budgetUsd: event.data.budgetUsd })];
    case 'TaskBudgetWarning':
      // told by a webhook; the card shows spent / budget already
      return [];
    case 'TaskPullRequestOpened':
      return [task(event.data.taskId, { pullRequestUrl: event.data.url, pullRequestState: 'open' })];
    case 'TaskPullRequestClosed':
      return [task(event.data.taskId, { pullRequestUrl: event.data.url, pullRequestState: event.data.state })];
    case 'TaskDeleted':
      return [task(event.data.taskId, { status: 'deleted' })];
    case 'OrchestrationRejected':
      return [task(event.data.taskId, { reason: event.data.reason, onlyBeforeStart: true })];
    case 'OrchestrationQueued':
      return [task(event.data.taskId, { status: 'queued', orchestrationId: event.data.orchestrationId, queuePosition: event.data.position })];
    case 'OrchestrationAdmitted':
    case 'OrchestrationStarted':
    case 'OrchestrationResumed':
      // a start refused before (its reason kept while the task had not started) is no failure of this run
      return [task(event.data.taskId, { status: 'running', orchestrationId: event.data.orchestrationId, reason: null })];
    case 'ReworkRequested':
      return [task(event.data.taskId, { reworkCount: event.data.round })];
    case 'OrchestrationCompleted':
      return [task(event.data.taskId, { status: 'done', orchestrationId: event.data.orchestrationId, currentStage: null, reason: null })];
    case 'OrchestrationFailed':
      return [task(event.data.taskId, { status: 'failed', orchestrationId: event.data.orchestrationId, reason: event.data.reason })];
    case 'OrchestrationCancelled':
      return [task(event.data.taskId, { status: 'cancelled', orchestrationId: event.data.orchestrationId, reason: event.data.reason })];
    case 'StageScheduled': {
      const { taskId, orchestrationId, stageId, stageType, attempt, round } = event.data;
      return [stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'pending', round }), task(taskId, { currentStage: stageType })];
    }
    case 'StageStarted': {
      const { taskId, orchestrationId, stageId, stageType, attempt, startedAt, deadlineAt, lease, executor, model } = event.data;
      const container = { poolId: lease.poolId, slot: lease.slot, port: lease.port, containerId: lease.containerId };
      return [stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'running', startedAt, deadlineAt, container, executor: { name: executor, model } })];
    }
    case 'StageCompleted': {
      const { taskId, orchestrationId, stageId, stageType, attempt, output, result, diffStat, verdict, completedAt } = event.data;
      const { usage } = result;
      const tokens = { input: usage.inputTokens, output: usage.outputTokens, cacheRead: usage.cacheReadInputTokens, cacheCreation: usage.cacheCreationInputTokens };
      return [
        stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'completed', completedAt, output, costUsd: result.totalCostUsd, tokens, durationMs: result.durationMs, diffStat, verdict }),
      ];
    }
    case 'StageFailed':
    case 'StageTimedOut':
    case 'StageCancelled':
      return [stage(stageEndOf(event))];
    case 'StageParked': {
      // not failed: the stage waits (pending) for the limit to lift, its next attempt due when the orchestrator says (StageRetryScheduled)
      const { taskId, orchestrationId, stageId, stageType, attempt, limit, reason, parkedAt, result, credential } = event.data;
      return [stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'pending', error: reason, completedAt: parkedAt, parkedLimit: limit, parkedCredential: credential, costUsd: result?.totalCostUsd ?? null })];
    }
    case 'StageRetryScheduled': {
      const { taskId, orchestrationId, stageId, stageType, attempt, nextAttempt, retryAt } = event.data;
      return [stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'failed', nextAttempt, retryAt })];
    }
    case 'PoolSlotReady': {
      const { poolId, slot, port, containerId, driver } = event.data;
      return [pool({ poolId, slot, port, containerId, driver, state: 'free' })];
    }
    case 'LeaseQueued': {
      const { poolId, taskId, stageId, attempt, position } = event.data;
      return [pool({ poolId, state: 'waiting', taskId, stageId, attempt, position })];
    }
    case 'LeaseGranted': {
      const { poolId, slot, port, containerId, leaseId, taskId, stageId, attempt, expiresAt } = event.data;
      return [pool({ poolId, slot, port, containerId, state: 'leased', leaseId, taskId, stageId, attempt, leaseExpiresAt: expiresAt })];
    }
    case 'LeaseRenewed':
      return [pool({ poolId: event.data.poolId, state: 'leased', leaseId: event.data.leaseId, leaseExpiresAt: event.data.expiresAt })];
    case 'PoolSlotDown':
    case 'PoolSlotRemoved': {
      const { poolId, slot, containerId, reason } = event.data;
      return [pool({ poolId, slot, containerId, state: event.type === 'PoolSlotDown' ? 'down' : 'removed', reason })];
    }
    case 'LeaseReleased': {
      const { poolId, slot, leaseId, taskId, stageId } = event.data;
      return [pool({ poolId, slot, state: 'released', leaseId, taskId, stageId })];
    }
    case 'LeaseExpired': {
      const { poolId, slot, leaseId, taskId, stageId } = event.data;
      return [pool({ poolId, slot, state: 'resetting', leaseId, taskId, stageId })];
    }
    case 'LeaseRevoked': {
      const { poolId, slot, leaseId, taskId, stageId, reason } = event.data;
      return [pool({ poolId, slot, state: 'released', leaseId, taskId, stageId, reason })];
    }
    case 'LeaseRequestRejected': {
      const { poolId, taskId, stageId, attempt, reason } = event.data;
      return [pool({ poolId, state: 'rejected', taskId, stageId, attempt, reason })];
    }
    case 'ProjectCreated':
    case 'ProjectUpdated':
    case 'ProjectDeleted':
      // a project is a row of its own (project.projector), not a task, stage or slot
      return [];
    case 'TaskWaiting':
      // waiting holds no slot: the task is in no stage and in no queue until the wait ends
      return [task(event.data.taskId, { status: 'waiting', orchestrationId: event.data.orchestrationId, waitingFor: event.data.waitingFor, currentStage: null })];
    case 'TaskWaitEnded':
      // with a next stage the task queues again (its OrchestrationQueued or Admitted follows); without, its end follows
      return [task(event.data.taskId, event.data.next === null ? { waitingFor: null } : { status: 'queued', waitingFor: null })];
    case 'TaskDecisionRecorded': {
      const { taskId, decision, by, gate, revision, comments, at } = event.data;
      return [task(taskId, { decision: { decision, by, gate, revision, comments, at } })];
    }
    case 'FollowUpRequested':
      return [task(event.data.taskId, { status: 'queued', orchestrationId: event.data.orchestrationId, reason: null })];
    case 'OrchestrationReleased':
    case 'OrchestrationUnblocked':
    case 'StageCostRecorded':
    case 'CredentialPaused':
    case 'RunHeartbeat':
    case 'RunOutputLogged':
    case 'PoolStatusReported':
      // a released slot, a blocker done (the blocker's own row shows it), a run's cost on its day (the stage's row has it), a credential paused (the parked stage's row shows it), a heartbeat, output (ORCH_LOGS carries the lines), the pool's own report (the pool changes say it already): nothing the read side shows
      return [];
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** An attempt's end other than success. */
export type BadRunEnd = Extract<OrchEvent, { type: 'StageFailed' | 'StageTimedOut' | 'StageCancelled' }>;

/** What an attempt's bad end changes of its stage run. */
export type StageEnd = Omit<StageChange, 'entity'> & { status: 'failed'; error: string; retryable: boolean; completedAt: string };

/** The stage run's change for a failed, timed-out or cancelled attempt: "failed: the reason", the timeout's words, `cancelled: …`. Pure. */
function stageEndOf(event: BadRunEnd): StageEnd {
  const { taskId, orchestrationId, stageId, stageType, attempt } = event.data;
  const ref = { taskId, orchestrationId, stageId, stageType, attempt, status: 'failed' as const };
  switch (event.type) {
    case 'StageFailed':
      return { ...ref, error: event.data.reason, retryable: event.data.retryable, completedAt: event.data.failedAt, costUsd: event.data.result?.totalCostUsd ?? null };
    case 'StageTimedOut':
      return { ...ref, error: event.data.reason, retryable: true, completedAt: event.data.timedOutAt };
    case 'StageCancelled':
      return { ...ref, error: `cancelled: ${event.data.reason}`, retryable: false, completedAt: event.data.cancelledAt };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
