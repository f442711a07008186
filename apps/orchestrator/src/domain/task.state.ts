import {
  DEFAULT_TASK_PRIORITY,
  isTaskEvent,
  type ApprovalPolicy,
  type DiffStat,
  type LeaseRef,
  type NextStage,
  type QaVerdict,
  type StageContext,
  type StageExecutors,
  type StageType,
  type TaskEvent,
  type TaskStatus,
  type WaitingFor,
  type WorkspaceSpec,
} from '@app/contracts';

/** `parked`: the model API's rate or usage limit ended the attempt; it runs again once the limit lifts, using no retry */
export type StageRunStatus = 'scheduled' | 'running' | 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'parked';

export interface StageState {
  stageId: string;
  stageType: StageType;
  round: number;
  attempt: number;
  status: StageRunStatus;
  context: StageContext;
  /** the lease the attempt runs on: the task's held lease from scheduling, else the one granted when it starts */
  lease: LeaseRef | null;
  output: string | null;
  diffStat: DiffStat | null;
  /** QA's verdict on the completed attempt (null for other stages, or QA without one) */
  verdict: QaVerdict | null;
  /** the CLI session the completed attempt ran in (from its result) */
  sessionId: string | null;
  /** when the running attempt is timed out (from StageStarted) */
  deadlineAt: string | null;
  /** when the attempt was scheduled (its StageScheduled's occurredAt): one no runner starts times out from here */
  scheduledAt: string;
  /** attempts of this stage (this round) the API's limits parked: they count against no retry */
  parks: number;
}

/** A retry waiting for its backoff to pass (from StageRetryScheduled). */
export interface PendingRetry {
  stageId: string;
  attempt: number;
  nextAttempt: number;
  retryAt: string;
  /** the StageRetryScheduled event, the cause of the retry's messages */
  eventId: string;
  correlationId: string;
}

/**
 * One task as the orchestrator sees it: folded from the events on its subject. A union by
 * status: a task no orchestration has touched has no orchestration id; one started (or
 * ended: cancelled while queued too) always has one.
 */
export type TaskState = NewTask | OrchestratedTask;

export interface NewTask extends TaskFacts {
  status: 'created';
  orchestrationId: null;
}

export interface OrchestratedTask extends TaskFacts {
  status: Exclude<TaskStatus, 'created' | 'queued'>;
  orchestrationId: string;
}

interface TaskFacts {
  taskId: string;
  exists: boolean;
  deleted: boolean;
  title: string;
  description: string;
  workspace: WorkspaceSpec;
  /** its place in the queue: 0 (lowest) to 9 */
  priority: number;
  /** the tasks it waits for before it is admitted */
  blockedBy: readonly string[];
  /** its pull request as last seen on the forge; null before one was opened */
  pullRequestState: 'open' | 'merged' | 'closed' | null;
  /** why its orchestration failed or was cancelled; null while it has not */
  endReason: string | null;
  /** when the task waits for a person (from TaskCreated; `auto` before issue 18) */
  approvalPolicy: ApprovalPolicy;
  /** the executor of each stage the task (or its project) names */
  stageExecutors: StageExecutors;
  /** what the task waits for while `status` is waiting */
  waitingFor: WaitingFor | null;
  /**
   * The stage to schedule once the task is admitted again: set when a wait ends with one
   * (TaskWaitEnded) or a follow-up is asked for (FollowUpRequested), cleared when it is scheduled.
   */
  pendingStage: NextStage | null;
  /** US dollars the task may spend in all (from TaskCreated, raised by TaskBudgetRaised); null: the orchestrator's default */
  budgetUsd: number | null;
  /** US dollars its runs cost so far (their results' total_cost_usd) */
  spentUsd: number;
  /** the budget the 80 % warning was given for (a raise allows the next) */
  budgetWarnedFor: number | null;
  /** the implementation's last CLI session (a follow-up resumes it) */
  implementationSessionId: string | null;
  /** rounds so far: QA reworks, and rounds a person asked for (request changes) */
  round: number;
  /** the stage the task is in, by id */
  currentStageId: string | null;
  stages: Record<string, StageState>;
  pendingRetry: PendingRetry | null;
  /** an OrchestrationResumed waits for its stage to be scheduled again */
  resumePending: boolean;
  /**
   * The lease the task keeps from one stage to the next: taken by the first attempt that
   * starts, given up when an attempt fails, times out or is cancelled (its container may be
   * the cause) and when the orchestration ends. Still set on an ended task until then, so
   * the end's reaction can release it.
   */
  heldLease: LeaseRef | null;
  /**
   * Envelope ids of the events folded in. An event stored twice (re-published without its
   * Nats-Msg-Id, or after the duplicate window) is folded once: a re-stored StageScheduled
   * of an earlier stage must not take the task back to it.
   */
  appliedEventIds: readonly string[];
}

export function initialTaskState(taskId: string): NewTask {
  return {
    taskId,
    exists: false,
    deleted: false,
    title: '',
    description: '',
    workspace: { repoPath: null, baseBranch: null },
    priority: DEFAULT_TASK_PRIORITY,
    blockedBy: [],
    pullRequestState: null,
    endReason: null,
    approvalPolicy: 'auto',
    stageExecutors: {},
    waitingFor: null,
    pendingStage: null,
    implementationSessionId: null,
    budgetUsd: null,
    spentUsd: 0,
    budgetWarnedFor: null,
    status: 'created',
    orchestrationId: null,
    round: 0,
    currentStageId: null,
    stages: {},
    pendingRetry: null,
    resumePending: false,
    heldLease: null,
    appliedEventIds: [],
  };
}

export function currentStage(state: TaskState): StageState | null {
  return state.currentStageId === null ? null : (state.stages[state.currentStageId] ?? null);
}

/** How the task's subject is folded (the aggregate store's `Fold`). */
export function taskFold(taskId: string) {
  return { initial: () => initialTaskState(taskId), accepts: isTaskEvent, evolve: evolveTask };
}

/** Folds one event of the task's subject into its state, once per envelope id. Pure. */
export function evolveTask(state: TaskState, event: TaskEvent): TaskState {
  if (state.appliedEventIds.includes(event.id)) return state;
  return { ...applyTaskEvent(state, event), appliedEventIds: [...state.appliedEventIds, event.id] };
}

function applyTaskEvent(state: TaskState, event: TaskEvent): TaskState {
  switch (event.type) {
    case 'TaskCreated':
      return {
        ...state,
        exists: true,
        title: event.data.title,
        description: event.data.description,
        workspace: { repoPath: event.data.repoPath, baseBranch: event.data.baseBranch, remote: event.data.remote ?? null },
        priority: event.data.priority ?? DEFAULT_TASK_PRIORITY,
        blockedBy: event.data.blockedBy ?? [],
        approvalPolicy: event.data.approvalPolicy ?? 'auto',
        budgetUsd: event.data.budgetUsd ?? null,
        stageExecutors: event.data.stageExecutors ?? {},
      };
    case 'TaskBudgetRaised':
      return { ...state, budgetUsd: event.data.budgetUsd };
    case 'TaskBudgetWarning':
      return { ...state, budgetWarnedFor: event.data.budgetUsd };
    case 'TaskQueueSettingsChanged':
      return { ...state, priority: event.data.priority, blockedBy: event.data.blockedBy };
    case 'TaskPullRequestOpened':
      return { ...state, pullRequestState: 'open' };
    case 'TaskPullRequestClosed':
      return { ...state, pullRequestState: event.data.state };
    case 'TaskDeleted':
      return { ...state, deleted: true };
    case 'OrchestrationStarted':
      return { ...state, status: 'running', orchestrationId: event.data.orchestrationId, round: 0, currentStageId: null, heldLease: null, endReason: null };
    case 'OrchestrationResumed':
      return { ...state, status: 'running', orchestrationId: event.data.orchestrationId, resumePending: true, heldLease: null, endReason: null };
    case 'StageScheduled': {
      const { stageId, stageType, round, attempt, context } = event.data;
      // the next stage runs on the lease the task holds, if it still holds one
      const lease = state.status === 'running' ? state.heldLease : null;
      const parks = state.stages[stageId]?.parks ?? 0;
      const stage: StageState = { stageId, stageType, round, attempt, status: 'scheduled', context, lease, output: null, diffStat: null, verdict: null, sessionId: null, deadlineAt: null, scheduledAt: event.occurredAt, parks };
      return { ...state, round, currentStageId: stageId, stages: { ...state.stages, [stageId]: stage }, pendingRetry: null, resumePending: false, pendingStage: null };
    }
    case 'StageStarted': {
      const started = updateAttempt(state, event.data.stageId, event.data.attempt, {
        status: 'running',
        lease: event.data.lease,
        deadlineAt: event.data.deadlineAt,
      });
      return started === state ? state : { ...started, heldLease: event.data.lease };
    }
    case 'StageRetryScheduled': {
      const { stageId, attempt, nextAttempt, retryAt } = event.data;
      return { ...state, pendingRetry: { stageId, attempt, nextAttempt, retryAt, eventId: event.id, correlationId: event.correlationId } };
    }
    case 'StageCompleted': {
      const completed = updateAttempt(state, event.data.stageId, event.data.attempt, {
        status: 'completed',
        output: event.data.output,
        diffStat: event.data.diffStat,
        verdict: event.data.verdict,
        sessionId: event.data.result.sessionId || null,
      });
      const session = event.data.stageType === 'implementation' && event.data.result.sessionId ? event.data.result.sessionId : null;
      const spent = spending(completed, event.data.result.totalCostUsd);
      return completed === state || session === null ? spent : { ...spent, implementationSessionId: session };
    }
    case 'TaskWaiting':
      // the held lease stays set until the wait's reaction has released it (see heldLease)
      return { ...state, status: 'waiting', orchestrationId: event.data.orchestrationId, waitingFor: event.data.waitingFor };
    case 'TaskWaitEnded': {
      // with a next stage the orchestration goes on (queued for a slot); without, its end follows
      const ended = { ...state, waitingFor: null, heldLease: null, pendingStage: event.data.next };
      return event.data.next === null ? ended : { ...ended, status: 'running', orchestrationId: event.data.orchestrationId };
    }
    case 'FollowUpRequested':
      return { ...state, pendingStage: event.data.next };
    case 'StageFailed':
      return spending(giveUpLease(state, updateAttempt(state, event.data.stageId, event.data.attempt, { status: 'failed' })), event.data.result?.totalCostUsd ?? 0);
    case 'StageParked': {
      const parked = state.stages[event.data.stageId];
      const after = giveUpLease(state, updateAttempt(state, event.data.stageId, event.data.attempt, { status: 'parked', parks: (parked?.parks ?? 0) + 1 }));
      return spending(after, event.data.result?.totalCostUsd ?? 0);
    }
    case 'StageTimedOut':
      return giveUpLease(state, updateAttempt(state, event.data.stageId, event.data.attempt, { status: 'timed_out' }));
    case 'StageCancelled':
      return giveUpLease(state, updateAttempt(state, event.data.stageId, event.data.attempt, { status: 'cancelled' }));
    case 'OrchestrationCompleted':
      return { ...state, ...ENDED, status: 'done', orchestrationId: state.orchestrationId ?? event.data.orchestrationId };
    case 'OrchestrationFailed':
      return { ...state, ...ENDED, status: 'failed', orchestrationId: state.orchestrationId ?? event.data.orchestrationId, endReason: event.data.reason };
    case 'OrchestrationCancelled':
      return { ...state, ...ENDED, status: 'cancelled', orchestrationId: state.orchestrationId ?? event.data.orchestrationId, endReason: event.data.reason };
    case 'OrchestrationRejected':
    case 'ReworkRequested':
    case 'TaskDecisionRecorded':
      // a refusal changes nothing; a rework's StageScheduled (or a decision's TaskWaitEnded), which follows it, does
      return state;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** What an orchestration's end clears: no retry, wait or next stage is pending any more. */
const ENDED = { pendingRetry: null, waitingFor: null, pendingStage: null } as const;

/** A run's cost added to what the task spent. */
function spending(state: TaskState, costUsd: number): TaskState {
  return costUsd === 0 ? state : { ...state, spentUsd: state.spentUsd + costUsd };
}

/** An attempt that ended badly gives the task's lease up (its reaction releases it). */
function giveUpLease(before: TaskState, after: TaskState): TaskState {
  return after === before ? before : { ...after, heldLease: null };
}

function updateAttempt(state: TaskState, stageId: string, attempt: number, patch: Partial<StageState>): TaskState {
  const stage = state.stages[stageId];
  if (!stage || stage.attempt !== attempt) return state;
  return { ...state, stages: { ...state.stages, [stageId]: { ...stage, ...patch } } };
}

/** Whether no stage of the task runs: it ended, waits, or never started. */
export function isEnded(task: TaskState): boolean {
  return task.status !== 'running';
}

/**
 * Whether the task, as it is now, holds no scheduler slot: it waits, or it ended with
 * nothing more to run. A late copy of its wait or its end must not release a slot it took
 * since (after the wait, or for a follow-up).
 */
export function holdsNoSlot(task: TaskState): boolean {
  return task.status === 'waiting' || (isEnded(task) && task.status !== 'created' && task.pendingStage === null);
}

export function isStageFailed(stage: StageState): boolean {
  return stage.status === 'failed' || stage.status === 'timed_out' || stage.status === 'cancelled';
}

/** The task's current stage, if it is `stageId` at `attempt` and the task still runs. */
export function activeStage(task: TaskState, stageId: string, attempt: number): StageState | null {
  const stage = currentStage(task);
  if (!stage || stage.stageId !== stageId || stage.attempt !== attempt || task.status !== 'running') return null;
  return stage;
}
