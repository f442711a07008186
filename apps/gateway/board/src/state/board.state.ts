import type { ColumnId } from './board.columns';
import type { ApiLimitKind, DiffStat, ExecutorName, MetricsSnapshot, QaVerdict, StageStatus, StageType, TaskStatus } from '../contracts';

/** The statuses an orchestration ends in. */
export const ENDED_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['done', 'failed', 'cancelled']);

/** The priority of a task created before priorities (the contracts' DEFAULT_TASK_PRIORITY). */
export const DEFAULT_PRIORITY = 5;

/** A task as the board shows it: the REST snapshot, kept current by the socket's updates. */
export interface TaskCard {
  id: string;
  title: string;
  description: string;
  repoPath: string | null;
  baseBranch: string | null;
  projectId: string | null;
  /** 0 (lowest) to 9 */
  priority: number;
  /** the tasks it waits for before it is admitted */
  blockedBy: string[];
  /** the pull request opened from the task's branch once QA passed */
  pullRequestUrl: string | null;
  pullRequestState: 'open' | 'merged' | 'closed' | null;
  status: TaskStatus;
  currentStage: StageType | null;
  /** 1 = next to be admitted; while queued */
  queuePosition: number | null;
  /** why it failed, was cancelled, or a start was refused */
  reason: string | null;
  reworkCount: number;
  retryCount: number;
  /** US dollars over all stage runs so far */
  costUsd: number;
  /** US dollars the task may spend; null: none of its own */
  budgetUsd: number | null;
  createdAt: string;
  /** when its orchestration began (its first stage was scheduled); null before */
  startedAt: string | null;
  /** when it reached done, failed or cancelled; null while it goes on */
  endedAt: string | null;
  /** the ORCH_EVENTS sequence of the last event applied to it */
  lastSeq: number;
}

export interface StageTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** One stage of a task (its latest attempt), for the timeline and the results. */
export interface StageRecord {
  id: string;
  taskId: string;
  stageType: StageType;
  status: StageStatus;
  /** 0 for the first pass, +1 for each QA rework */
  round: number;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  scheduledAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  container: { slot: number; port: number; containerId: string } | null;
  /** the agent CLI this attempt runs on and its model (null = the executor's default); null before it started */
  executor: { name: ExecutorName; model: string | null } | null;
  /** US dollars, this attempt */
  costUsd: number | null;
  tokens: StageTokens | null;
  /** milliseconds, as the agent CLI measured the run */
  durationMs: number | null;
  output: string | null;
  error: string | null;
  retryable: boolean | null;
  diffStat: DiffStat | null;
  verdict: QaVerdict | null;
  /** set while a retry waits: the attempt that runs next, and when */
  retryAt: string | null;
  /** set while the attempt is parked on the model API's rate or usage limit (its next run, at `retryAt`, uses no retry) */
  parkedLimit: ApiLimitKind | null;
  lastSeq: number;
}

/** A pool slot; `down` when its container was lost and not yet replaced, or the pool says so. */
export interface SlotRecord {
  poolId: string;
  slot: number;
  port: number | null;
  containerId: string | null;
  state: 'free' | 'leased' | 'resetting' | 'down';
  lease: { leaseId: string; taskId: string | null; stageId: string | null; attempt: number | null; expiresAt: string | null } | null;
  /** why it is down */
  reason: string | null;
}

/** A lease request waiting for a slot. */
export interface WaitingRecord {
  poolId: string;
  taskId: string;
  stageId: string;
  attempt: number;
  position: number;
}

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export type BoardUpdateName = 'stage-update' | 'task-update' | 'pool-update';

export interface BoardState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: string | null;
  connection: ConnectionStatus;
  /** the last ORCH_EVENTS sequence applied; the socket resumes after it */
  seq: number;
  /** the updates already applied at `seq` (one event may yield a stage- and a task-update) */
  appliedAtSeq: BoardUpdateName[];
  tasks: Record<string, TaskCard>;
  stages: Record<string, StageRecord>;
  slots: Record<string, SlotRecord>;
  waiting: WaitingRecord[];
  metrics: MetricsSnapshot | null;
  /**
   * how many tasks each column holds on the server: the board holds a page of each column
   * (more on request), so these are counted there and kept current by the moves it sees
   */
  columnTotals: Record<ColumnId, number>;
  /** tasks an update named that the board does not hold (not on a page it read): to be read */
  unknownTaskIds: string[];
}

export const NO_COLUMN_TOTALS: Record<ColumnId, number> = { queued: 0, specification: 0, implementation: 0, qa: 0, waiting: 0, done: 0, ended: 0 };

export const initialBoardState: BoardState = {
  phase: 'loading',
  loadError: null,
  connection: 'connecting',
  seq: 0,
  appliedAtSeq: [],
  tasks: {},
  stages: {},
  slots: {},
  waiting: [],
  metrics: null,
  columnTotals: NO_COLUMN_TOTALS,
  unknownTaskIds: [],
};

export const slotKey = (poolId: string, slot: number): string => `${poolId}#${slot}`;
