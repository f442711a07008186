import { z } from 'zod';
import { agentLogEntrySchema, executorNameSchema, stageExecutorSchema, stageExecutorsSchema } from './executor';
import {
  APPROVAL_DECISIONS,
  agentResultSchema,
  approvalPolicySchema,
  credentialRefSchema,
  diffStatSchema,
  forgeSpecSchema,
  leaseRefSchema,
  nextStageSchema,
  qaVerdictSchema,
  reviewCommentSchema,
  stageContextSchema,
  stageDiffSchema,
  stageTypeSchema,
  waitingForSchema,
  workspaceSpecSchema,
} from './stage';

const taskId = z.uuid();
const stageId = z.uuid();
const isoTime = z.iso.datetime({ offset: true });
/** 1 for a stage's first run, 2 for its first retry, … */
const attempt = z.number().int().min(1);
/** who decided: the name of the API token the request carried (`default` for API_TOKEN, `anonymous` on an open gateway) */
const actor = z.string().min(1).max(100);

/** A task's priority in the queue: 0 (lowest) to 9 (highest). */
export const TASK_PRIORITY_MIN = 0;
export const TASK_PRIORITY_MAX = 9;
/** The priority of a task whose project names none (and of tasks created before priorities). */
export const DEFAULT_TASK_PRIORITY = 5;
/** At most this many tasks one task may be blocked by. */
export const MAX_BLOCKERS = 20;
const priority = z.number().int().min(TASK_PRIORITY_MIN).max(TASK_PRIORITY_MAX);
/** the tasks a task waits for: it is admitted once each is done (its pull request merged, when it has one) */
const blockedBy = z.array(taskId).max(MAX_BLOCKERS);

const stageRef = {
  taskId,
  orchestrationId: z.uuid(),
  stageId,
  stageType: stageTypeSchema,
  attempt,
};

/**
 * Why an attempt was timed out: its running deadline passed (`deadline`), the runner
 * stopped heartbeating (`heartbeat-lost`), no runner ever started it (`never-started`), or
 * the runner killed an agent that ran past the stage's timeout (`agent-timeout`).
 */
export const TIME_OUT_CAUSES = ['deadline', 'heartbeat-lost', 'never-started', 'agent-timeout'] as const;
export const timeOutCauseSchema = z.enum(TIME_OUT_CAUSES);
export type TimeOutCause = (typeof TIME_OUT_CAUSES)[number];

/**
 * The limits that park a stage instead of failing it: a rate limit (HTTP 429) or an
 * overload (HTTP 529) after the CLI's own retries, a subscription's usage limit — and the
 * stage's budget (`--max-budget-usd`, the CLI stopped itself cleanly once past it).
 */
export const API_LIMIT_KINDS = ['rate-limit', 'overloaded', 'usage-limit', 'budget'] as const;
export const apiLimitKindSchema = z.enum(API_LIMIT_KINDS);
export type ApiLimitKind = (typeof API_LIMIT_KINDS)[number];

/** A project as its events carry it: whole, so the last one alone describes it. */
const projectFields = {
  name: z.string().min(1).max(200),
  /** `https://`, `ssh://`, `git@host:path` or `file://` */
  repositoryUrl: z.string().min(1),
  defaultBranch: z.string().min(1),
  /** a shell command run in a task's worktree before its first stage; null for none */
  setupCommand: z.string().min(1).nullable(),
  /** a shell command that checks the work (tests, lint); null for none */
  checkCommand: z.string().min(1).nullable(),
  /** orchestrations of the project's tasks running at once, beside ORCHESTRATOR_MAX_CONCURRENT; null (or absent, before it existed) for no limit of its own */
  maxConcurrent: z.number().int().min(1).max(10_000).nullable().optional(),
  /** the priority of the project's tasks that name none; null (or absent) for DEFAULT_TASK_PRIORITY */
  defaultPriority: priority.nullable().optional(),
  /** US dollars the project's runs may spend in a UTC day, beside ORCHESTRATOR_DAILY_BUDGET_USD; null (or absent) for no cap of its own */
  dailyBudgetUsd: z.number().positive().max(1_000_000).nullable().optional(),
  /** the secret by reference (`env:NAME` or `file:/path` on the runner hosts), never the secret; null for none */
  credentialRef: credentialRefSchema.nullable(),
  forge: forgeSpecSchema,
  /** when its tasks wait for a person (a task may override it); absent on events before issue 18: `auto` */
  approvalPolicy: approvalPolicySchema.optional(),
  /** the executor and model of each stage of its tasks (a task may override a stage's); absent on events before issue 21: none named */
  stageExecutors: stageExecutorsSchema.optional(),
};

/**
 * What the scheduler orders and limits by, as the task and its project said when it was
 * started (absent on admissions decided before priorities: priority DEFAULT_TASK_PRIORITY,
 * no project).
 */
const queueFacts = {
  priority: priority.optional(),
  /** the task's project; null for a task of none */
  projectId: z.uuid().nullable().optional(),
  /** the project's maxConcurrent when the task was started: the latest one the scheduler saw is the project's limit */
  projectMaxConcurrent: z.number().int().min(1).nullable().optional(),
};

/** A slot that lost its container (down) or left the pool (removed). */
const slotLoss = z.object({
  poolId: z.string().min(1),
  slot: z.number().int().nonnegative(),
  /** the container that was lost or removed */
  containerId: z.string().min(1),
  reason: z.string().min(1),
});

/**
 * Every message type of the system: its kind, its current schema version and the schema
 * of its `data`. The type names are a public API (they are on the wire and in the log):
 * renaming one, or changing its data incompatibly, bumps `version` and adds an upcaster
 * in `upcasters.ts`.
 */
export const MESSAGE_CATALOGUE = {
  // ── commands from users (gateway → orchestrator) ──────────────────────────────
  StartOrchestration: {
    kind: 'command',
    version: 1,
    data: z.object({ taskId }),
  },
  CancelOrchestration: {
    kind: 'command',
    version: 1,
    data: z.object({ taskId, reason: z.string().min(1).max(500) }),
  },
  RetryStage: {
    kind: 'command',
    version: 1,
    data: z.object({ taskId, stageId }),
  },
  /** A person's decision on a waiting task's revision (POST /api/tasks/:id/decisions). */
  DecideApproval: {
    kind: 'command',
    version: 1,
    data: z.object({
      taskId,
      decision: z.enum(APPROVAL_DECISIONS),
      /** the revision decided on: must be the one the task waits on */
      revision: z.string().min(1).max(200),
      comments: z.array(reviewCommentSchema).max(200),
      by: actor,
    }),
  },
  /** A new budget for a task (POST /api/tasks/:id/budget), above what it spent. */
  RaiseTaskBudget: {
    kind: 'command',
    version: 1,
    data: z.object({ taskId, budgetUsd: z.number().positive().max(1_000_000), by: actor }),
  },
  /** One more change to a done or failed task (POST /api/tasks/:id/follow-ups). */
  RequestFollowUp: {
    kind: 'command',
    version: 1,
    data: z.object({ taskId, prompt: z.string().min(1).max(20_000), by: actor }),
  },
  // ── lease commands (orchestrator → pool-manager) ─────────────────────────────
  AcquireLease: {
    kind: 'command',
    version: 1,
    data: z.object({
      ...stageRef,
      /** seconds the lease lives unless renewed */
      ttlS: z.number().int().min(1),
    }),
  },
  RenewLease: {
    kind: 'command',
    version: 1,
    data: z.object({ leaseId: z.uuid(), poolId: z.string().min(1) }),
  },
  ReleaseLease: {
    kind: 'command',
    version: 1,
    data: z.object({ leaseId: z.uuid(), poolId: z.string().min(1), taskId, stageId }),
  },
  // ── run commands (orchestrator → runner) ─────────────────────────────────────
  RunStage: {
    kind: 'command',
    version: 1,
    data: z.object({
      ...stageRef,
      context: stageContextSchema,
      lease: leaseRefSchema,
      workspace: workspaceSpecSchema,
      /** seconds the stage may run before it is timed out */
      timeoutS: z.number().int().min(1),
      /** the task subject's last sequence when the run was ordered: `StageStarted` is appended against it */
      expectedTaskSequence: z.number().int().nonnegative(),
      /** US dollars the run may spend (passed to the CLI as `--max-budget-usd`): the stage's budget or what is left of the task's; absent or null: no limit */
      maxBudgetUsd: z.number().positive().nullable().optional(),
      /** the executor the task (or its project) names for this stage; absent: the runner's STAGE_EXECUTORS */
      executor: stageExecutorSchema.optional(),
      /** false: QA's pass opens no pull request (the task waits for approval of its result first); absent: it does */
      openPullRequest: z.boolean().optional(),
    }),
  },
  /** The task's result was approved: a runner opens its pull request from the pushed branch (see TaskPullRequestOpened). */
  OpenPullRequest: {
    kind: 'command',
    version: 1,
    data: z.object({
      taskId,
      orchestrationId: z.uuid(),
      workspace: workspaceSpecSchema,
      /** the approved QA stage's context: the pull request's text is made from it */
      context: stageContextSchema,
      verdict: qaVerdictSchema,
    }),
  },
  CancelRun: {
    kind: 'command',
    version: 1,
    data: z.object({ taskId, stageId, attempt, reason: z.string().min(1) }),
  },
  // ── task events ─────────────────────────────────────────────────────────────
  TaskCreated: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      title: z.string().min(1).max(200),
      description: z.string().max(20_000),
      ...workspaceSpecSchema.shape,
      /** when the task waits for a person; absent on events before issue 18: `auto` */
      approvalPolicy: approvalPolicySchema.optional(),
      /** US dollars the task may spend over all its stages and rounds; absent or null: the orchestrator's default (ORCHESTRATOR_TASK_BUDGET_USD, off unless set) */
      budgetUsd: z.number().positive().nullable().optional(),
      /** the executor of each stage: the project's, with the task's own over it; absent on events before issue 21: none named */
      stageExecutors: stageExecutorsSchema.optional(),
      /** absent on tasks created before priorities: DEFAULT_TASK_PRIORITY */
      priority: priority.optional(),
      /** absent on tasks created before dependencies: none */
      blockedBy: blockedBy.optional(),
    }),
  },
  /** A person raised a task's budget (POST /api/tasks/:id/budget): a task waiting for it goes on. */
  TaskBudgetRaised: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      /** US dollars before; null when the task had no budget of its own (the default applied) */
      previousBudgetUsd: z.number().nonnegative().nullable(),
      /** US dollars now */
      budgetUsd: z.number().positive(),
      /** by how much (US dollars) */
      raisedByUsd: z.number().nonnegative(),
      by: actor,
      at: isoTime,
    }),
  },
  /** A task spent 80 % of its budget (once per budget). */
  TaskBudgetWarning: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), budgetUsd: z.number().positive(), spentUsd: z.number().nonnegative(), at: isoTime }),
  },
  /** A task not started yet was given another priority or other blockers (both whole). */
  TaskQueueSettingsChanged: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, priority, blockedBy }),
  },
  TaskDeleted: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId }),
  },
  /** A pull request was opened (or found open) from the task's branch once QA passed. */
  TaskPullRequestOpened: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      /** the pull request's page on the forge */
      url: z.string().min(1),
      number: z.number().int().min(1),
      /** the task's branch (`orch/<taskId>`) and the branch it is to be merged into */
      head: z.string().min(1),
      base: z.string().min(1),
      /** false when an open pull request of the branch was updated rather than created */
      created: z.boolean(),
      openedAt: isoTime,
    }),
  },
  /** The task's pull request was merged or closed on the forge (seen by polling it). */
  TaskPullRequestClosed: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      url: z.string().min(1),
      number: z.number().int().min(1),
      /** merged, or closed without merging */
      state: z.enum(['merged', 'closed']),
      observedAt: isoTime,
    }),
  },
  // ── project events (on the project's own subject) ────────────────────────────
  ProjectCreated: {
    kind: 'event',
    version: 1,
    data: z.object({ projectId: z.uuid(), ...projectFields }),
  },
  ProjectUpdated: {
    kind: 'event',
    version: 1,
    data: z.object({ projectId: z.uuid(), ...projectFields }),
  },
  ProjectDeleted: {
    kind: 'event',
    version: 1,
    data: z.object({ projectId: z.uuid() }),
  },
  OrchestrationRejected: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, reason: z.string().min(1) }),
  },
  OrchestrationStarted: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid() }),
  },
  OrchestrationResumed: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      orchestrationId: z.uuid(),
      /** the failed stage that runs again, and the stages after it */
      stageId,
    }),
  },
  StageScheduled: {
    kind: 'event',
    version: 1,
    data: z.object({
      ...stageRef,
      /** 0 for the first pass through implementation/QA, +1 for each QA rework */
      round: z.number().int().nonnegative(),
      context: stageContextSchema,
    }),
  },
  StageStarted: {
    kind: 'event',
    /** 2: `executor` and `model` (version 1 is upcast as Claude Code with its configured model) */
    version: 2,
    data: z.object({
      ...stageRef,
      runnerId: z.string().min(1),
      /** the agent CLI the stage runs on */
      executor: executorNameSchema,
      /** the model the stage asked for; null = the executor's configured default */
      model: z.string().min(1).nullable(),
      lease: leaseRefSchema,
      startedAt: isoTime,
      /** when the orchestrator times the stage out if no result has arrived */
      deadlineAt: isoTime,
    }),
  },
  StageCompleted: {
    kind: 'event',
    version: 1,
    data: z.object({
      ...stageRef,
      /** the agent's final answer text (truncated to 256 KiB) */
      output: z.string(),
      result: agentResultSchema,
      diffStat: diffStatSchema.nullable(),
      /** the stage's change on the task's branch (absent for a scratch directory, and in events stored before it was recorded) */
      diff: stageDiffSchema.optional(),
      /** QA only */
      verdict: qaVerdictSchema.nullable(),
      completedAt: isoTime,
    }),
  },
  StageFailed: {
    kind: 'event',
    version: 1,
    data: z.object({
      ...stageRef,
      /** what went wrong, in words a person can act on */
      reason: z.string().min(1),
      /** whether running the stage again could succeed */
      retryable: z.boolean(),
      exitCode: z.number().int().nullable(),
      result: agentResultSchema.nullable(),
      failedAt: isoTime,
    }),
  },
  StageParked: {
    kind: 'event',
    version: 1,
    data: z.object({
      ...stageRef,
      /** which of the model API's limits ended the run: HTTP 429 or 529 after the CLI's own retries, or a subscription's usage limit */
      limit: apiLimitKindSchema,
      /** what the CLI said, in words a person can act on */
      reason: z.string().min(1),
      /** the name (never the secret) of the credential that met the limit */
      credential: z.string().min(1),
      /** when the limit lifts, as the CLI said; null when it did not say (the orchestrator backs off) */
      resetAt: isoTime.nullable(),
      result: agentResultSchema.nullable(),
      parkedAt: isoTime,
    }),
  },
  StageTimedOut: {
    kind: 'event',
    /** 2: `cause` added and `reason` required (version 1's are upcast, see upcasters.ts) */
    version: 2,
    data: z.object({
      ...stageRef,
      deadlineAt: isoTime,
      timedOutAt: isoTime,
      cause: timeOutCauseSchema,
      /** why, in words a person can act on */
      reason: z.string().min(1),
    }),
  },
  StageCancelled: {
    kind: 'event',
    version: 1,
    data: z.object({ ...stageRef, reason: z.string().min(1), cancelledAt: isoTime }),
  },
  StageRetryScheduled: {
    kind: 'event',
    version: 1,
    data: z.object({
      ...stageRef,
      /** the attempt that will run next */
      nextAttempt: attempt,
      /** milliseconds of backoff before the next attempt */
      delayMs: z.number().int().nonnegative(),
      retryAt: isoTime,
    }),
  },
  ReworkRequested: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      orchestrationId: z.uuid(),
      /** the QA stage whose verdict was `fail` */
      qaStageId: stageId,
      round: z.number().int().min(1),
      findings: z.array(z.string()),
    }),
  },
  /**
   * The task stopped to wait (for a person's decision; issue 19: for a budget): it gives up
   * its scheduler slot and its lease until the wait ends.
   */
  TaskWaiting: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), waitingFor: waitingForSchema, at: isoTime }),
  },
  /**
   * The wait ended: with `next`, the task queues for a slot again (at the back) and runs that
   * stage once admitted; with null, the orchestration ends (an event of its end follows).
   */
  TaskWaitEnded: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), by: actor, next: nextStageSchema.nullable(), at: isoTime }),
  },
  /** A person decided on a waiting task's revision. */
  TaskDecisionRecorded: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      orchestrationId: z.uuid(),
      decision: z.enum(APPROVAL_DECISIONS),
      by: actor,
      /** the specification's revision or the commit decided on */
      revision: z.string().min(1),
      gate: z.enum(['spec', 'result']),
      comments: z.array(reviewCommentSchema),
      at: isoTime,
    }),
  },
  /** A person asked a done or failed task for one more change: once admitted, `next` (an implementation round resuming its session) runs. */
  FollowUpRequested: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), prompt: z.string().min(1), by: actor, next: nextStageSchema, at: isoTime }),
  },
  OrchestrationCompleted: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), completedAt: isoTime }),
  },
  OrchestrationFailed: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), reason: z.string().min(1), failedAt: isoTime }),
  },
  OrchestrationCancelled: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), reason: z.string().min(1), cancelledAt: isoTime }),
  },
  RunHeartbeat: {
    kind: 'event',
    version: 1,
    data: z.object({ ...stageRef, runnerId: z.string().min(1), at: isoTime }),
  },
  // ── scheduler events (one subject: admission is serialised by the log) ─────────
  OrchestrationQueued: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      orchestrationId: z.uuid(),
      /** 1 = next to be admitted */
      position: z.number().int().min(1),
      ...queueFacts,
      /** the blockers not done when it was queued (absent: none); each leaves by OrchestrationUnblocked */
      waitingOn: blockedBy.optional(),
    }),
  },
  OrchestrationAdmitted: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), ...queueFacts }),
  },
  /**
   * A stage parked on the model API's rate or usage limit: no queued task is admitted on
   * `credential` before `until` (the reset, or the park's backoff). The latest `until` of a credential wins.
   */
  CredentialPaused: {
    kind: 'event',
    version: 1,
    data: z.object({
      /** the name (never the secret) of the credential that met the limit */
      credential: z.string().min(1),
      until: isoTime,
      /** the task whose stage parked (it keeps its slot and resumes first) */
      taskId,
      limit: apiLimitKindSchema,
    }),
  },
  /** A queued task's blocker is done (its pull request merged, when it has one): the task waits for one fewer. */
  OrchestrationUnblocked: {
    kind: 'event',
    version: 1,
    data: z.object({ taskId, orchestrationId: z.uuid(), blockerId: taskId }),
  },
  OrchestrationReleased: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      orchestrationId: z.uuid(),
      /** `waiting`: the task waits (for a person) and gives its slot up until it queues again */
      outcome: z.enum(['completed', 'failed', 'cancelled', 'withdrawn', 'waiting']),
    }),
  },
  /**
   * A run's cost counted against its UTC day (on the scheduler's subject, so every
   * orchestrator agrees on the day's spend per project and in all: the daily budgets).
   */
  StageCostRecorded: {
    kind: 'event',
    version: 1,
    data: z.object({
      taskId,
      /** the task's project; null for a task of none */
      projectId: z.uuid().nullable(),
      stageId: z.uuid(),
      attempt: z.number().int().min(1),
      /** US dollars (the run's total_cost_usd) */
      costUsd: z.number().nonnegative(),
      /** when the run ended: its UTC day is the one it counts against */
      at: isoTime,
    }),
  },
  // ── pool events ───────────────────────────────────────────────────────────────
  PoolSlotReady: {
    kind: 'event',
    version: 1,
    data: z.object({
      poolId: z.string().min(1),
      slot: z.number().int().nonnegative(),
      port: z.number().int().min(1).max(65535),
      containerId: z.string().min(1),
      driver: z.enum(['docker', 'local']),
    }),
  },
  LeaseQueued: {
    kind: 'event',
    version: 1,
    data: z.object({
      poolId: z.string().min(1),
      taskId,
      stageId,
      attempt,
      /** 1 = next to be granted */
      position: z.number().int().min(1),
      /** seconds the lease will live once granted */
      ttlS: z.number().int().min(1),
    }),
  },
  LeaseGranted: {
    kind: 'event',
    version: 1,
    data: z.object({
      ...leaseRefSchema.shape,
      taskId,
      stageId,
      attempt,
      expiresAt: isoTime,
      /** seconds each renewal extends the lease by (absent on leases granted before it was recorded) */
      ttlS: z.number().int().min(1).optional(),
    }),
  },
  LeaseRenewed: {
    kind: 'event',
    version: 1,
    data: z.object({
      leaseId: z.uuid(),
      poolId: z.string().min(1),
      expiresAt: isoTime,
      /** set when the lease was kept by its holder's last heartbeat (sent then) rather than by a RenewLease */
      heartbeatAt: isoTime.optional(),
      /** set when the lease was kept for a TTL after the pool-manager regained NATS (then): no renewal could be sent meanwhile */
      busBackAt: isoTime.optional(),
    }),
  },
  LeaseReleased: {
    kind: 'event',
    version: 1,
    data: z.object({ leaseId: z.uuid(), poolId: z.string().min(1), slot: z.number().int().nonnegative(), taskId, stageId }),
  },
  LeaseExpired: {
    kind: 'event',
    version: 1,
    data: z.object({ leaseId: z.uuid(), poolId: z.string().min(1), slot: z.number().int().nonnegative(), taskId, stageId }),
  },
  LeaseRevoked: {
    kind: 'event',
    version: 1,
    data: z.object({
      leaseId: z.uuid(),
      poolId: z.string().min(1),
      slot: z.number().int().nonnegative(),
      taskId,
      stageId,
      reason: z.string().min(1),
    }),
  },
  LeaseRequestRejected: {
    kind: 'event',
    version: 1,
    data: z.object({ poolId: z.string().min(1), taskId, stageId, attempt, reason: z.string().min(1) }),
  },
  /** A slot's container died, failed its health check or vanished: no lease until it is ready again. */
  PoolSlotDown: {
    kind: 'event',
    version: 1,
    data: slotLoss,
  },
  /** A slot left the pool (the pool was made smaller); its container is removed. */
  PoolSlotRemoved: {
    kind: 'event',
    version: 1,
    data: slotLoss,
  },
  /**
   * The whole pool as the pool-manager last decided it, for boards and metrics: every
   * slot's state, container, port and holder, and the utilisation. Published on its own
   * subject (`<root>.evt.pool.<poolId>.status`) after each change; the latest one wins.
   */
  PoolStatusReported: {
    kind: 'event',
    version: 1,
    data: z.object({
      poolId: z.string().min(1),
      driver: z.enum(['docker', 'local']),
      /** the pool subject's last stream sequence this status reflects */
      poolSequence: z.number().int().nonnegative(),
      slots: z.array(
        z.object({
          slot: z.number().int().nonnegative(),
          port: z.number().int().min(1).max(65535),
          containerId: z.string().min(1),
          /** free: ready for a lease; leased; resetting: after an expiry; down: being replaced */
          state: z.enum(['free', 'leased', 'resetting', 'down']),
          holder: z
            .object({ leaseId: z.uuid(), taskId, stageId, attempt, expiresAt: isoTime })
            .nullable(),
        }),
      ),
      /** slots in the pool */
      size: z.number().int().nonnegative(),
      /** slots under a lease */
      leased: z.number().int().nonnegative(),
      /** lease requests waiting for a slot */
      waiting: z.number().int().nonnegative(),
      /** leased / size, from 0 to 1 (0 for an empty pool) */
      utilisation: z.number().min(0).max(1),
      reportedAt: isoTime,
    }),
  },
  // ── agent output (ORCH_LOGS, never the event log) ──────────────────────────────
  RunOutputLogged: {
    kind: 'event',
    /** 2: each line carries `entries` (version 1 is upcast with none) */
    version: 2,
    data: z.object({
      taskId,
      stageId,
      attempt,
      lines: z.array(
        z.object({
          /** position of the line in the run's output, from 0 */
          index: z.number().int().nonnegative(),
          stream: z.enum(['stdout', 'stderr']),
          at: isoTime,
          /** the parsed stream-json line, or null for a line that is not JSON */
          json: z.record(z.string(), z.unknown()).nullable(),
          /** the raw line (secrets redacted) */
          text: z.string(),
          /** what the line said in the system's own terms, whichever CLI wrote it (its executor's reader); empty for stderr and lines of nothing typed */
          entries: z.array(agentLogEntrySchema),
        }),
      ),
    }),
  },
} as const satisfies Record<string, { kind: 'command' | 'event'; version: number; data: z.ZodType }>;

type Catalogue = typeof MESSAGE_CATALOGUE;
export type MessageType = keyof Catalogue;
export type CommandType = { [T in MessageType]: Catalogue[T]['kind'] extends 'command' ? T : never }[MessageType];
export type EventType = { [T in MessageType]: Catalogue[T]['kind'] extends 'event' ? T : never }[MessageType];
export type MessageData<T extends MessageType> = z.infer<Catalogue[T]['data']>;

export const MESSAGE_TYPES = Object.keys(MESSAGE_CATALOGUE) as MessageType[];

export function isMessageType(type: string): type is MessageType {
  return Object.prototype.hasOwnProperty.call(MESSAGE_CATALOGUE, type);
}
