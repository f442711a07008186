// The REST answers the board reads, as the gateway's OpenAPI document (/api/docs) describes them.
import type { ApiLimitKind, ApprovalDecision, ApprovalGate, ApprovalPolicy, DiffStat, ExecutorName, QaVerdict, StageStatus, StageType, TaskStatus } from '../contracts';

export interface TaskView {
  id: string;
  title: string;
  description: string;
  repoPath: string | null;
  baseBranch: string | null;
  projectId: string | null;
  /** 0 (lowest) to 9 */
  priority: number;
  /** the tasks it waits for */
  blockedBy: string[];
  /** the pull request opened from the task's branch once QA passed */
  pullRequestUrl: string | null;
  /** as the runner last saw it on the forge */
  pullRequestState: 'open' | 'merged' | 'closed' | null;
  status: TaskStatus;
  /** when the task waits for a person */
  approvalPolicy: ApprovalPolicy;
  /** while waiting: the gate and the revision a decision must name */
  waitingFor: WaitingFor | null;
  /** the decisions people made on it, oldest first */
  decisions: Array<{ decision: ApprovalDecision; by: string; gate: ApprovalGate; revision: string; comments: ReviewComment[]; at: string }>;
  orchestrationId: string | null;
  currentStage: StageType | null;
  queuePosition: number | null;
  failureReason: string | null;
  reworkCount: number;
  retryCount: number;
  /** US dollars over all stage runs */
  totalCostUsd: number;
  /** US dollars the task may spend; null: the orchestrator's default */
  budgetUsd: number | null;
  createdAt: string;
  updatedAt: string;
  /** when its first stage was scheduled; null before */
  startedAt: string | null;
  lastEventSeq: number;
}

export interface TaskPage {
  items: TaskView[];
  total: number;
  limit: number;
  offset: number;
  /** the projection checkpoint the page was read at */
  seq: number;
}

/** GET /api/tasks/columns: how many tasks each board column holds */
export interface ColumnCounts {
  columns: Record<BoardColumn, number>;
  /** the projection checkpoint the counts were read at */
  seq: number;
}

/** the board's columns, as GET /api/tasks filters by them */
export type BoardColumn = 'queued' | StageType | 'waiting' | 'done' | 'ended';

export interface StageView {
  id: string;
  taskId: string;
  orchestrationId: string | null;
  stageType: StageType;
  status: StageStatus;
  stageRound: number;
  attempt: number;
  retryCount: number | null;
  commandOutput: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
  /** the slot number */
  containerId: number | null;
  /** Docker container id, or local-<slot> */
  containerRef: string | null;
  port: number | null;
  startedAt: string | null;
  deadlineAt: string | null;
  completedAt: string | null;
  createdAt: string | null;
  /** the agent CLI the last attempt ran on; null before it started */
  executor: ExecutorName | null;
  /** the model it asked for; null = the executor's default */
  model: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
  numTurns: number | null;
  /** milliseconds, as the agent CLI measured the run */
  durationMs: number | null;
  diffStat: DiffStat | null;
  verdict: QaVerdict | null;
  /** the model API's limit the stage waits for; null when it waits for none */
  parkedLimit: ApiLimitKind | null;
  /** when a parked stage runs again */
  parkedUntil: string | null;
  lastEventSeq: number;
}

export interface SlotView {
  poolId: string;
  slot: number;
  port: number;
  containerId: string;
  driver: 'docker' | 'local';
  state: 'free' | 'leased' | 'resetting' | 'down';
  lease: { leaseId: string; taskId: string; stageId: string; attempt: number; expiresAt: string } | null;
}

export interface WaitingView {
  poolId: string;
  taskId: string;
  stageId: string;
  attempt: number;
  position: number;
}

export interface PoolView {
  slots: SlotView[];
  waiting: WaitingView[];
}

export interface CreateTaskRequest {
  title: string;
  description: string;
  repoPath: string | null;
  baseBranch: string | null;
  /** the project whose repository the task works in (instead of repoPath) */
  projectId: string | null;
  /** 0–9; null for the project's default (or 5) */
  priority: number | null;
  /** the tasks it waits for */
  blockedBy: string[];
}

/** A project: a repository by URL, as GET /api/projects lists it (the credential by reference only). */
export interface ProjectView {
  id: string;
  name: string;
  repositoryUrl: string;
  defaultBranch: string;
}

/** A field of a refused request and what is wrong with it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** Every error body the API answers. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  fields: FieldProblem[];
}

/** GET /api/tasks/:id/diff: the change a stage's latest completed run made on the task's branch. */
export interface StageDiffView {
  stage: StageType;
  stageId: string;
  round: number;
  attempt: number;
  baseSha: string;
  headSha: string;
  /** unified diff */
  diff: string;
  /** files past the runner's 256 KiB limit were left out */
  truncated: boolean;
}

/** A reviewer's comment, on a file and line of the diff or on the whole change. */
export interface ReviewComment {
  body: string;
  file?: string;
  line?: number;
}

export type ReviewDecision = 'approve' | 'request-changes' | 'reject';

/** POST /api/tasks/:id/decisions */
export interface DecisionRequest {
  decision: ReviewDecision;
  /** the revision the task waits on: a decision on another is refused (409) */
  revision: string;
  comments: ReviewComment[];
}

/** What a waiting task waits for (GET /api/tasks/:id `waitingFor`). */
export interface WaitingFor {
  kind: string;
  gate?: 'spec' | 'result';
  revision?: string;
  /** kind budget: the budget reached and what the task spent */
  budgetUsd?: number;
  spentUsd?: number;
}

/** GET /api/tasks/:id/webhooks */
export interface WebhookDeliveryView {
  id: string;
  event: string;
  target: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}
