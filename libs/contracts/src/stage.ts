import { z } from 'zod';

/** The three stages, in the order a task passes through them (the seed's `stage_type` list). */
export const STAGE_TYPES = ['specification', 'implementation', 'qa'] as const;
export type StageType = (typeof STAGE_TYPES)[number];
export const stageTypeSchema = z.enum(STAGE_TYPES);

/** A stage row's status, as the seed's `orchestrator_stages.status` CHECK allows. */
export const STAGE_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** A task's status on the board; `waiting`: for a person (or, issue 19, a budget), holding no slot and no lease. */
export const TASK_STATUSES = ['created', 'queued', 'running', 'waiting', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The last heartbeat the runner sent for a task (`orch.hb.<taskId>`): which attempt, and when it was sent. */
export interface LastHeartbeat {
  stageId: string;
  attempt: number;
  /** the heartbeat envelope's `occurredAt` */
  sentAt: string;
}

/** The stage after `stage`, or null after QA. */
export function nextStageType(stage: StageType): StageType | null {
  const index = STAGE_TYPES.indexOf(stage);
  return STAGE_TYPES[index + 1] ?? null;
}

export const diffStatSchema = z.object({
  /** files changed */
  files: z.number().int().nonnegative(),
  insertions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  /** the task's branch the stage's work was committed on (`orch/<taskId>`) */
  branch: z.string().min(1).optional(),
  /** HEAD of the task's worktree when the stage started (a commit id) */
  fromCommit: z.string().min(1).optional(),
  /** HEAD after the runner committed the stage's work (equal to `fromCommit` when nothing changed) */
  toCommit: z.string().min(1).optional(),
});
export type DiffStat = z.infer<typeof diffStatSchema>;

/**
 * The change a stage made on the task's branch, as `git diff base..head` prints it (unified,
 * with the stat's renames), cut at a file boundary to STAGE_DIFF_MAX_BYTES.
 */
export const stageDiffSchema = z.object({
  /** HEAD of the task's worktree when the stage started */
  baseSha: z.string().min(1),
  /** HEAD after the runner committed the stage's work */
  headSha: z.string().min(1),
  /** the unified diff; the files past the limit are left out whole */
  patch: z.string(),
  /** whether files were left out to keep the patch under STAGE_DIFF_MAX_BYTES */
  truncated: z.boolean(),
});
export type StageDiff = z.infer<typeof stageDiffSchema>;

/** bytes (UTF-8) of a stage's diff kept in StageCompleted: with the 256 KiB answer it stays under NATS's 1 MiB */
export const STAGE_DIFF_MAX_BYTES = 256 * 1024;

/** What a stage is given to work on: built by the orchestrator from the stages before it. */
export const stageContextSchema = z.object({
  taskTitle: z.string(),
  taskDescription: z.string(),
  /** the specification stage's output; present from implementation on */
  specification: z.string().optional(),
  /** the implementation stage's output; present for QA */
  implementationSummary: z.string().optional(),
  /** what the implementation changed in the workspace; present for QA when known */
  diffStat: diffStatSchema.optional(),
  /**
   * QA's findings from the round before, or a person's comments on the work (request
   * changes): present on a rework of implementation, and on a specification round asked
   * for at the specification's approval
   */
  reviewFindings: z.array(z.string()).optional(),
  /** what a person asked for in a follow-up on the finished (or failed) task; present on its implementation round */
  followUp: z.string().optional(),
  /** the implementation's Claude session to continue (`claude --resume <id>`): present on a follow-up's implementation round */
  resumeSessionId: z.string().min(1).optional(),
});
export type StageContext = z.infer<typeof stageContextSchema>;

export const tokenUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheCreationInputTokens: z.number().int().nonnegative(),
  cacheReadInputTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

/** The agent CLI's final `result` line, as the runner read it. */
export const agentResultSchema = z.object({
  isError: z.boolean(),
  subtype: z.string(),
  /** US dollars */
  totalCostUsd: z.number().nonnegative(),
  usage: tokenUsageSchema,
  numTurns: z.number().int().nonnegative(),
  sessionId: z.string(),
  /** milliseconds, as the CLI measured the run */
  durationMs: z.number().nonnegative(),
  /** tools the CLI refused to run in its permission mode */
  permissionDenials: z.array(z.string()),
});
export type AgentResult = z.infer<typeof agentResultSchema>;

/** QA's judgement, read from the review output in the form the review prompt asks for. */
export const qaVerdictSchema = z.object({
  verdict: z.enum(['pass', 'fail']),
  findings: z.array(z.string()),
});
export type QaVerdict = z.infer<typeof qaVerdictSchema>;

/** The container (or local slot) a stage runs against. */
export const leaseRefSchema = z.object({
  leaseId: z.uuid(),
  poolId: z.string().min(1),
  slot: z.number().int().nonnegative(),
  port: z.number().int().min(1).max(65535),
  /** Docker container id, or `local-<slot>` for the local driver */
  containerId: z.string().min(1),
});
export type LeaseRef = z.infer<typeof leaseRefSchema>;

/** Where a project's forge takes pull requests: GitHub (or GitHub Enterprise at `apiBaseUrl`), or none. */
export const forgeSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('github'),
    /** the REST API's root, e.g. `https://ghe.example.com/api/v3`; null for github.com */
    apiBaseUrl: z.string().min(1).nullable(),
  }),
  z.object({ kind: z.literal('none') }),
]);
export type ForgeSpec = z.infer<typeof forgeSpecSchema>;

/**
 * A secret by reference, never the secret: `env:NAME` (a variable of the runner's
 * environment) or `file:/path` (a file on the runner's host) holding a token.
 */
export const CREDENTIAL_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/\S+)$/;
export const credentialRefSchema = z.string().regex(CREDENTIAL_REF_PATTERN);

/** A task's project repository by URL, copied from the project when the task was created. */
export const workspaceRemoteSchema = z.object({
  projectId: z.uuid(),
  /** `https://`, `ssh://`, `git@host:path` or `file://` */
  url: z.string().min(1),
  /** null for a remote that needs none */
  credentialRef: credentialRefSchema.nullable(),
  forge: forgeSpecSchema,
});
export type WorkspaceRemote = z.infer<typeof workspaceRemoteSchema>;

/** A task's git repository; absent for a task that works in a scratch directory. */
export const workspaceSpecSchema = z.object({
  repoPath: z.string().min(1).nullable(),
  baseBranch: z.string().min(1).nullable(),
  /** the project's remote: the runner works in a mirror of it and pushes the task's branch there (absent for a local `repoPath`) */
  remote: workspaceRemoteSchema.nullable().optional(),
});
export type WorkspaceSpec = z.infer<typeof workspaceSpecSchema>;

/**
 * When a task waits for a person: `auto` never; `approve-spec` after its specification,
 * before implementation; `approve-result` after QA passed, before the pull request or the end.
 */
export const APPROVAL_POLICIES = ['auto', 'approve-spec', 'approve-result'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];
export const approvalPolicySchema = z.enum(APPROVAL_POLICIES);

/** The two approval gates: after the specification, after QA. */
export const APPROVAL_GATES = ['spec', 'result'] as const;
export type ApprovalGate = (typeof APPROVAL_GATES)[number];

/** The stage a wait's end (or a follow-up) leads to once the task is admitted again. */
export const nextStageSchema = z.object({
  stageType: stageTypeSchema,
  /** its round (see StageScheduled) */
  round: z.number().int().nonnegative(),
  context: stageContextSchema,
});
export type NextStage = z.infer<typeof nextStageSchema>;

/**
 * What a waiting task waits for. `approval`: a person's decision on `revision` — for the
 * `spec` gate the specification's revision (sha256 of its text, hex), for `result` the
 * branch's commit after QA (or, with no git workspace, the QA attempt's id). A decision on
 * another revision is refused. Issue 19 adds `budget`.
 */
export const waitingForSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('approval'), gate: z.enum(APPROVAL_GATES), revision: z.string().min(1) }),
  /** the task's budget (US dollars, all its stages and rounds) is spent: it goes on with `next` once a person raises it */
  z.object({ kind: z.literal('budget'), budgetUsd: z.number().nonnegative(), spentUsd: z.number().nonnegative(), next: nextStageSchema }),
]);
export type WaitingFor = z.infer<typeof waitingForSchema>;

/** A person's decision at an approval gate. */
export const APPROVAL_DECISIONS = ['approve', 'request-changes', 'reject'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** A comment on the work, optionally on a file and line; it becomes one finding of the next round. */
export const reviewCommentSchema = z.object({
  body: z.string().min(1).max(20_000),
  /** a path in the repository */
  file: z.string().min(1).max(1_000).optional(),
  /** 1-based line of `file` */
  line: z.number().int().min(1).optional(),
});
export type ReviewComment = z.infer<typeof reviewCommentSchema>;

/** A comment as a finding: `path:line: body`, `path: body` or the body alone. */
export function commentAsFinding(comment: ReviewComment): string {
  if (comment.file === undefined) return comment.body;
  return comment.line === undefined ? `${comment.file}: ${comment.body}` : `${comment.file}:${comment.line}: ${comment.body}`;
}

