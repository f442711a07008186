import { z } from 'zod';
import { APPROVAL_DECISIONS, APPROVAL_GATES, APPROVAL_POLICIES, MAX_BLOCKERS, STAGE_TYPES, stageExecutorsSchema, TASK_PRIORITY_MAX, TASK_PRIORITY_MIN, TASK_STATUSES, type WaitingFor } from '@app/contracts';
import type { TaskEntity } from '@app/persistence';
import { isoTime, requestSchemas, requiredOr, responseSchemas } from './common.schemas';
import { BOARD_COLUMNS, type BoardColumn } from '../../services/board-columns';
import { absolutePath, branchName, lineText, proseText } from './text.rules';

const priority = z
  .number('must be a number')
  .int('must be a whole number')
  .min(TASK_PRIORITY_MIN, `must be at least ${TASK_PRIORITY_MIN}`)
  .max(TASK_PRIORITY_MAX, `must be at most ${TASK_PRIORITY_MAX}`)
  .meta({ description: `${TASK_PRIORITY_MIN} (lowest) to ${TASK_PRIORITY_MAX} (highest); the queue admits the highest first, FIFO within one, a waiting task rising one step per ORCHESTRATOR_PRIORITY_AGING_S` });
const blockedBy = z
  .array(z.uuid('must be a UUID'), 'must be an array of task ids')
  .max(MAX_BLOCKERS, `must name at most ${MAX_BLOCKERS} tasks`)
  .refine((list) => new Set(list).size === list.length, 'must not name a task twice')
  .meta({ description: 'tasks this one waits for: it is admitted once each is done (its pull request merged, when it has one), and fails if one fails or is cancelled' });

export const createTaskSchema = z
  .object({
    title: lineText(z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')),
    description: proseText(z.string('must be a string').max(20_000, 'must be at most 20000 characters')).default(''),
    /** the git repository the task works in, an absolute path; absent or null for a scratch directory */
    repoPath: absolutePath.nullable().default(null),
    /** a branch name by git check-ref-format's rules; for a project, its default branch when left out */
    baseBranch: branchName.nullable().default(null),
    /** the project the task belongs to: its repository by URL (instead of repoPath) */
    projectId: z.uuid('must be a UUID').nullable().default(null),
    /** US dollars the task may spend over all its stages and rounds; absent or null: the orchestrator's default (ORCHESTRATOR_TASK_BUDGET_USD, off unless set) */
    budgetUsd: z.number('must be a number').positive('must be above 0').max(1_000_000, 'must be at most 1000000').nullable().default(null),
    /** when the task waits for a person; absent or null: its project's policy, else auto */
    approvalPolicy: z.enum(APPROVAL_POLICIES, `must be one of ${APPROVAL_POLICIES.join(', ')}`).nullable().default(null),
    /** for a project, its defaultPriority when left out; else 5 */
    priority: priority.nullable().default(null),
    blockedBy: blockedBy.default([]),
    /** the executor and model of a stage, e.g. `{ "qa": { "executor": "codex", "model": null } }`, over the project's */
    stageExecutors: stageExecutorsSchema.default({}),
  })
  .strict()
  .refine((task) => task.projectId === null || task.repoPath === null, { path: ['repoPath'], message: 'must be left out for a task of a project (projectId)' })
  .register(requestSchemas, { id: 'CreateTaskRequest' });

/** A task not started yet gets another priority or other blockers (each left out stays as it is). */
export const updateTaskSchema = z
  .object({ priority: priority.optional(), blockedBy: blockedBy.optional() })
  .strict()
  .refine((update) => update.priority !== undefined || update.blockedBy !== undefined, { path: ['priority'], message: 'give priority or blockedBy' })
  .register(requestSchemas, { id: 'UpdateTaskRequest' });

/** words a search matches in a title; longer than any title, so longer than this is a mistake */
const SEARCH_MAX = 200;
const searchText = lineText(z.string('must be a string').trim().min(1, 'must not be empty').max(SEARCH_MAX, `must be at most ${SEARCH_MAX} characters`));

/** POST /api/tasks/:id/budget: the task's new budget, above what it has and what it spent */
export const raiseBudgetSchema = z
  .object({ budgetUsd: z.number(requiredOr('must be a number')).positive('must be above 0').max(1_000_000, 'must be at most 1000000') })
  .strict()
  .register(requestSchemas, { id: 'RaiseBudgetRequest' });

export const listTasksSchema = z
  .object({
    status: z.enum(TASK_STATUSES, `must be one of ${TASK_STATUSES.join(', ')}`).optional(),
    column: z.enum(BOARD_COLUMNS, `must be one of ${BOARD_COLUMNS.join(', ')}`).optional(),
    /** case-insensitive text the title contains */
    q: searchText.optional(),
    limit: z.coerce.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
    offset: z.coerce.number('must be a number').int('must be a whole number').min(0, 'must not be negative').default(0),
  })
  .strict()
  .register(requestSchemas, { id: 'ListTasksQuery' });

export const countTasksSchema = z
  .object({ q: searchText.optional() })
  .strict()
  .register(requestSchemas, { id: 'CountTasksQuery' });

export const reviewCommentRequestSchema = z
  .object({
    body: proseText(z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters')),
    /** a path in the repository the comment is about */
    file: lineText(z.string('must be a string').min(1, 'must not be empty').max(1_000, 'must be at most 1000 characters')).optional(),
    /** 1-based line of `file` */
    line: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').optional(),
  })
  .strict()
  .refine((comment) => comment.line === undefined || comment.file !== undefined, { path: ['file'], message: 'must be given with line' });

export const decisionRequestSchema = z
  .object({
    decision: z.enum(APPROVAL_DECISIONS, `must be one of ${APPROVAL_DECISIONS.join(', ')}`),
    /** the revision decided on: the task's waitingFor.revision */
    revision: lineText(z.string(requiredOr('must be a string')).min(1, 'must not be empty').max(200, 'must be at most 200 characters')),
    comments: z.array(reviewCommentRequestSchema, 'must be an array of comments').max(200, 'must hold at most 200 comments').default([]),
  })
  .strict()
  .refine((request) => request.decision !== 'request-changes' || request.comments.length > 0, { path: ['comments'], message: 'must hold at least one comment to request changes' })
  .register(requestSchemas, { id: 'DecisionRequest' });

export const followUpRequestSchema = z
  .object({ prompt: proseText(z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters')) })
  .strict()
  .register(requestSchemas, { id: 'FollowUpRequest' });

export const decisionReplySchema = z
  .object({
    taskId: z.uuid(),
    decision: z.enum(APPROVAL_DECISIONS),
    by: z.string().meta({ description: "the name of the request's API token (default for API_TOKEN, anonymous on an open gateway)" }),
    status: z.enum(['recorded', 'pending']).meta({ description: 'pending: sent, not yet decided on within GATEWAY_DECISION_WAIT_MS' }),
  })
  .register(responseSchemas, { id: 'DecisionReply' });
export type DecisionReply = z.infer<typeof decisionReplySchema>;

export const followUpReplySchema = z
  .object({ taskId: z.uuid(), by: z.string(), status: z.enum(['requested', 'pending']) })
  .register(responseSchemas, { id: 'FollowUpReply' });
export type FollowUpReply = z.infer<typeof followUpReplySchema>;

const decisionViewSchema = z.object({
  decision: z.enum(APPROVAL_DECISIONS),
  by: z.string(),
  gate: z.enum(APPROVAL_GATES),
  revision: z.string(),
  comments: z.array(z.object({ body: z.string(), file: z.string().optional(), line: z.number().int().optional() })),
  at: isoTime,
});

export const taskViewSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    repoPath: z.string().nullable(),
    baseBranch: z.string().nullable(),
    projectId: z.uuid().nullable(),
    priority: z.number().int().meta({ description: '0 (lowest) to 9 (highest)' }),
    blockedBy: z.array(z.uuid()).meta({ description: 'the tasks it waits for' }),
    pullRequestUrl: z.string().nullable().meta({ description: "the pull request opened from the task's branch once QA passed" }),
    pullRequestState: z.enum(['open', 'merged', 'closed']).nullable().meta({ description: 'as the runner last saw it on the forge' }),
    status: z.enum(TASK_STATUSES),
    approvalPolicy: z.enum(APPROVAL_POLICIES).meta({ description: 'when the task waits for a person' }),
    waitingFor: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('approval'), gate: z.enum(APPROVAL_GATES), revision: z.string() }),
        z.object({ kind: z.literal('budget'), budgetUsd: z.number(), spentUsd: z.number() }),
      ])
      .nullable()
      .meta({
        description:
          "while waiting: for approval, the gate and the revision a decision must name (the spec text's sha256, or the commit after QA); for a budget, the budget reached and what the task spent (POST /api/tasks/{id}/budget raises it)",
      }),
    decisions: z.array(decisionViewSchema).meta({ description: 'the decisions people made on it, oldest first' }),
    orchestrationId: z.uuid().nullable(),
    currentStage: z.enum(STAGE_TYPES).nullable(),
    queuePosition: z.number().int().nullable().meta({ description: '1 = next to be admitted; while queued' }),
    failureReason: z.string().nullable(),
    reworkCount: z.number().int(),
    retryCount: z.number().int(),
    totalCostUsd: z.number().meta({ description: 'US dollars over all stage runs' }),
    budgetUsd: z.number().nullable().meta({ description: "US dollars the task may spend; null: the orchestrator's default, if any" }),
    createdAt: isoTime,
    updatedAt: isoTime,
    startedAt: isoTime.nullable().meta({ description: 'when its first stage was scheduled; null before' }),
    lastEventSeq: z.number().int().meta({ description: 'ORCH_EVENTS sequence of the last event applied to the task' }),
  })
  .register(responseSchemas, { id: 'Task' });
export type TaskView = z.infer<typeof taskViewSchema>;

export const taskPageSchema = z
  .object({
    items: z.array(taskViewSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    seq: z.number().int().meta({ description: 'the projection checkpoint the page was read at: subscribe to the socket with afterSeq = seq' }),
  })
  .register(responseSchemas, { id: 'TaskPage' });
export type TaskPage = z.infer<typeof taskPageSchema>;

export const columnCountsSchema = z
  .object({
    columns: z.object(Object.fromEntries(BOARD_COLUMNS.map((column) => [column, z.number().int()])) as Record<BoardColumn, z.ZodNumber>),
    seq: z.number().int().meta({ description: 'the projection checkpoint the counts were read at' }),
  })
  .register(responseSchemas, { id: 'TaskColumnCounts' });
export type ColumnCounts = z.infer<typeof columnCountsSchema>;

/** What a task waits for, as people see it: a budget wait without the stage it goes on with (internal). */
function waitingView(waitingFor: WaitingFor | null): TaskView['waitingFor'] {
  if (waitingFor?.kind !== 'budget') return waitingFor;
  return { kind: 'budget', budgetUsd: waitingFor.budgetUsd, spentUsd: waitingFor.spentUsd };
}

export function toTaskView(task: TaskEntity, startedAt: Date | null = null): TaskView {
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    repoPath: task.repoPath,
    baseBranch: task.baseBranch,
    projectId: task.projectId,
    priority: task.priority,
    blockedBy: task.blockedBy,
    pullRequestUrl: task.pullRequestUrl,
    pullRequestState: task.pullRequestState,
    status: task.status,
    approvalPolicy: task.approvalPolicy,
    waitingFor: waitingView(task.waitingFor),
    decisions: task.decisions,
    orchestrationId: task.orchestrationId,
    budgetUsd: task.budgetUsd,
    currentStage: task.currentStage,
    queuePosition: task.queuePosition,
    failureReason: task.failureReason,
    reworkCount: task.reworkCount,
    retryCount: task.retryCount,
    totalCostUsd: task.totalCostUsd,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
    startedAt: startedAt?.toISOString() ?? null,
    lastEventSeq: task.lastEventSeq,
  };
}
