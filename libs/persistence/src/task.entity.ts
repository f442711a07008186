import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { APPROVAL_POLICIES, STAGE_TYPES, TASK_STATUSES, type ApprovalDecision, type ApprovalPolicy, type ReviewComment, type StageType, type TaskStatus, type WaitingFor } from '@app/contracts';
import { sqlIn } from './check.expressions';
import { numberFromString } from './column.transformers';

/** A task on the board and, from `orchestration_id` on, its projected orchestration state. */
@Entity({ name: 'tasks' })
@Check('tasks_status_check', sqlIn('status', TASK_STATUSES))
@Check('tasks_current_stage_check', sqlIn('current_stage', STAGE_TYPES))
@Check('tasks_approval_policy_check', sqlIn('approval_policy', APPROVAL_POLICIES))
@Check('tasks_priority_range', 'priority BETWEEN 0 AND 9')
@Index('idx_tasks_status_created_at', ['status', 'createdAt'])
export class TaskEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** the git repository the task works in; null for a scratch directory */
  @Column({ name: 'repo_path', type: 'text', nullable: true })
  repoPath!: string | null;

  @Column({ name: 'base_branch', type: 'varchar', length: 255, nullable: true })
  baseBranch!: string | null;

  /** the project the task belongs to; null for a local repository or a scratch directory */
  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId!: string | null;

  /** the pull request opened from the task's branch once QA passed */
  @Column({ name: 'pull_request_url', type: 'text', nullable: true })
  pullRequestUrl!: string | null;

  /** open, merged or closed, as the runner last saw it on the forge; null without a pull request */
  @Column({ name: 'pull_request_state', type: 'varchar', length: 10, nullable: true })
  pullRequestState!: 'open' | 'merged' | 'closed' | null;

  /** its place in the queue: 0 (lowest) to 9 */
  @Column({ type: 'smallint', default: 5 })
  priority!: number;

  /** the tasks it waits for: admitted once each is done (its pull request merged, when it has one) */
  @Column({ name: 'blocked_by', type: 'uuid', array: true, default: () => "'{}'" })
  blockedBy!: string[];

  @Column({ type: 'varchar', length: 20, default: 'created' })
  status!: TaskStatus;

  /** when the task waits for a person: its own, or its project's when it named none */
  @Column({ name: 'approval_policy', type: 'varchar', length: 20, default: 'auto' })
  approvalPolicy!: ApprovalPolicy;

  /** what the task waits for while `status` is waiting */
  @Column({ name: 'waiting_for', type: 'jsonb', nullable: true })
  waitingFor!: WaitingFor | null;

  /** the decisions people made on it, oldest first */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  decisions!: TaskDecision[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'orchestration_id', type: 'uuid', nullable: true })
  orchestrationId!: string | null;

  @Column({ name: 'current_stage', type: 'varchar', length: 20, nullable: true })
  currentStage!: StageType | null;

  /** place in the scheduler's queue while `status` is queued */
  @Column({ name: 'queue_position', type: 'integer', nullable: true })
  queuePosition!: number | null;

  /** stream sequence of the event that put the task in the queue; orders the queue */
  @Column({ name: 'queued_seq', type: 'bigint', nullable: true, transformer: numberFromString })
  queuedSeq!: number | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** how many times QA sent the work back to implementation */
  @Column({ name: 'rework_count', type: 'integer', default: 0 })
  reworkCount!: number;

  @Column({ name: 'retry_count', type: 'integer', default: 0 })
  retryCount!: number;

  /** US dollars, summed over the task's stage runs */
  /** US dollars the task may spend (its own, or raised); null: the orchestrator's default */
  @Column({ name: 'budget_usd', type: 'numeric', precision: 14, scale: 6, nullable: true, transformer: numberFromString })
  budgetUsd!: number | null;

  @Column({ name: 'total_cost_usd', type: 'numeric', precision: 14, scale: 6, default: 0, transformer: numberFromString })
  totalCostUsd!: number;

  /** stream sequence of the last event applied to this row */
  @Column({ name: 'last_event_seq', type: 'bigint', default: 0, transformer: numberFromString })
  lastEventSeq!: number;
}

/** A decision as the read model keeps it (from TaskDecisionRecorded). */
export interface TaskDecision {
  decision: ApprovalDecision;
  by: string;
  gate: 'spec' | 'result';
  revision: string;
  comments: ReviewComment[];
  at: string;
}
