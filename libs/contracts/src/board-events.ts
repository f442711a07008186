import type { AgentLogEntry, ExecutorName } from './executor';
import type { ApiLimitKind, EventType } from './messages';
import type { ApprovalDecision, ApprovalGate, ApprovalPolicy, DiffStat, QaVerdict, ReviewComment, StageStatus, StageType, TaskStatus, WaitingFor } from './stage';

/**
 * The gateway's Socket.IO namespace for the board. A public API, like the event names
 * below: changing it breaks every connected board.
 */
export const BOARD_NAMESPACE = '/board';

/** Socket.IO room names: the board-wide room, and one room per task. */
export const BOARD_ROOM = 'board';
export const taskRoom = (taskId: string): string => `task:${taskId}`;

/** Where an update comes from in the event log. */
interface Sequenced {
  /** the ORCH_EVENTS stream sequence of the event this update was derived from */
  seq: number;
  /** the event's type, e.g. `StageCompleted` */
  cause: EventType;
  /** when the event occurred, ISO 8601 */
  at: string;
}

/** A stage run changed: scheduled, started, finished, or waiting for a retry. */
export interface StageUpdate extends Sequenced {
  taskId: string;
  orchestrationId: string;
  stageId: string;
  stageType: StageType;
  /** 1 for the stage's first run, 2 for its first retry, … */
  attempt: number;
  status: StageStatus;
  /** 0 for the first pass, +1 for each QA rework */
  round?: number;
  startedAt?: string;
  /** when the stage is timed out if it has not finished */
  deadlineAt?: string;
  completedAt?: string;
  container?: { poolId: string; slot: number; port: number; containerId: string };
  /** the agent CLI the attempt runs on, and the model it asked for (null = the executor's default); from StageStarted */
  executor?: { name: ExecutorName; model: string | null };
  /** the agent's final text */
  output?: string;
  error?: string;
  /** whether running the stage again could succeed */
  retryable?: boolean;
  /** US dollars */
  costUsd?: number;
  tokens?: { input: number; output: number; cacheRead: number; cacheCreation: number };
  /** milliseconds, as the agent CLI measured the run */
  durationMs?: number;
  diffStat?: DiffStat | null;
  verdict?: QaVerdict | null;
  /** set when a retry is scheduled: the attempt that runs next, and when */
  nextAttempt?: number;
  retryAt?: string;
  /** set when the model API's rate or usage limit parked the attempt (StageParked): its next attempt, at `retryAt`, uses no retry */
  parkedLimit?: ApiLimitKind;
  /** with `parkedLimit`: the name (never the key) of the credential that met the limit */
  parkedCredential?: string;
}

/** A task changed: created, deleted, queued, admitted, moved to a stage, finished. */
export interface TaskUpdate extends Sequenced {
  taskId: string;
  /** absent when the event does not change the status (a rejection, a stage change) */
  status?: TaskStatus | 'deleted';
  orchestrationId?: string;
  title?: string;
  description?: string;
  repoPath?: string | null;
  baseBranch?: string | null;
  /** the project the task belongs to (TaskCreated) */
  projectId?: string | null;
  /** 0 (lowest) to 9 (TaskCreated, TaskQueueSettingsChanged) */
  priority?: number;
  /** the tasks it waits for (TaskCreated, TaskQueueSettingsChanged) */
  blockedBy?: string[];
  /** the pull request opened from the task's branch (TaskPullRequestOpened) */
  pullRequestUrl?: string;
  /** open (TaskPullRequestOpened), merged or closed (TaskPullRequestClosed) */
  pullRequestState?: 'open' | 'merged' | 'closed';
  /** 1 = next to be admitted; only with status `queued` */
  queuePosition?: number;
  currentStage?: StageType | null;
  /** why the task failed, was cancelled, or a start was refused */
  reason?: string;
  /** QA rework rounds so far */
  reworkCount?: number;
  /** what the task waits for (TaskWaiting), null once the wait ended */
  waitingFor?: WaitingFor | null;
  /** when the task waits for a person (TaskCreated) */
  approvalPolicy?: ApprovalPolicy;
  /** a decision a person made on it (TaskDecisionRecorded) */
  decision?: { decision: ApprovalDecision; by: string; gate: ApprovalGate; revision: string; comments: ReviewComment[]; at: string };
  /** US dollars the task may spend (TaskCreated, TaskBudgetRaised); null: the orchestrator's default */
  budgetUsd?: number | null;
}

/** A pool slot or lease changed. */
export interface PoolUpdate extends Sequenced {
  poolId: string;
  /** absent for a lease request that waits for a slot or was refused */
  slot?: number;
  port?: number;
  containerId?: string;
  driver?: 'docker' | 'local';
  /**
   * What happened to the slot: `free` (ready, no lease), `leased`, `released` (its lease
   * ended; the slot keeps its status: free unless it is down), `resetting` (a lease expired
   * on it; free again once ready), `down` (its container is being replaced), `removed` (it
   * left the pool); for a lease request, `waiting` or `rejected`.
   */
  state: 'free' | 'leased' | 'released' | 'resetting' | 'down' | 'removed' | 'waiting' | 'rejected';
  leaseId?: string;
  taskId?: string;
  stageId?: string;
  attempt?: number;
  leaseExpiresAt?: string;
  /** place among the waiting requests, 1 = next */
  position?: number;
  reason?: string;
}

/** A batch of agent output lines of one stage run. */
export interface LogBatch {
  /** the ORCH_LOGS stream sequence of the batch (a sequence of its own, not ORCH_EVENTS') */
  seq: number;
  taskId: string;
  stageId: string;
  attempt: number;
  lines: Array<{
    /** position of the line in the run's output, from 0 */
    index: number;
    stream: 'stdout' | 'stderr';
    at: string;
    /** the parsed stream-json line, or null for a line that is not JSON */
    json: Record<string, unknown> | null;
    text: string;
    /** the line in the system's own terms (text, tool call, tool result, usage, result), whichever CLI wrote it */
    entries: AgentLogEntry[];
  }>;
}

/** The seed's key metrics, as a snapshot (the latest replaces the one before; never replayed). */
export interface MetricsSnapshot {
  /** the projection's last applied ORCH_EVENTS sequence when the snapshot was taken */
  seq: number;
  activeOrchestrations: number;
  queueDepth: number;
  stages: Record<StageType, { completed: number; failed: number; cancelled: number; averageDurationMs: number | null }>;
  /** completed ÷ (completed + failed) over all stage runs; null before the first */
  stageCompletionRate: number | null;
  containers: { total: number; leased: number; utilization: number };
  deadLetters: number;
  projection: { lastApplied: number; lag: number | null };
  /** the credentials dispatch is paused on (a stage parked on the model API's rate or usage limit), until when: queued tasks wait for it */
  pausedCredentials: Array<{ credential: string; until: string }>;
}

/** The client asks the server to resend what it missed: it cannot be replayed (too old or too much). */
export interface ResyncRequired {
  reason: string;
  /** subscribe again with this `afterSeq` after reloading the state over REST */
  seq: number;
}

/**
 * What the server sends, by event name. The names are a public API (the browser board
 * listens for them); renaming one is a breaking change. Every update but `metrics` carries
 * its stream sequence: a client remembers the last one it applied and sends it back when
 * it reconnects, and ignores any update at or below it.
 */
export interface BoardServerEvents {
  'stage-update': (update: StageUpdate) => void;
  'task-update': (update: TaskUpdate) => void;
  'pool-update': (update: PoolUpdate) => void;
  log: (batch: LogBatch) => void;
  metrics: (snapshot: MetricsSnapshot) => void;
  resync: (notice: ResyncRequired) => void;
}

/**
 * A refused handshake (no or a wrong `auth.token` while API_TOKEN is set): the client's
 * `connect_error` has the message `unauthorized` and this as its `data`.
 */
export interface BoardHandshakeRefusal {
  statusCode: 401;
  message: string;
}

/** What the client sends after every (re)connect: the rooms it wants and where it left off. */
export interface SubscribeRequest {
  /** join the board-wide room: every task's updates, the pool and the metrics */
  board?: boolean;
  /** join these tasks' rooms: their updates and their agent logs */
  taskIds?: string[];
  /** the last ORCH_EVENTS sequence applied; absent = live updates only, 0 = from the beginning */
  afterSeq?: number;
  /** the last ORCH_LOGS sequence applied, for `log`; absent = live lines only */
  afterLogSeq?: number;
}

export type SubscribeReply =
  | { ok: true; /** the events sequence the replay reached */ seq: number; /** the logs sequence the replay reached */ logSeq: number }
  | { ok: false; error: string };

export interface BoardClientEvents {
  subscribe: (request: SubscribeRequest, reply: (result: SubscribeReply) => void) => void;
}

/** The board event names, e.g. for a typed `switch`. */
export type BoardEventName = keyof BoardServerEvents;
