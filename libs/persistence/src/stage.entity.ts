import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { STAGE_STATUSES, STAGE_TYPES, type ApiLimitKind, type DiffStat, type ExecutorName, type QaVerdict, type StageContext, type StageDiff, type StageStatus, type StageType } from '@app/contracts';
import { sqlIn } from './check.expressions';
import { numberFromString } from './column.transformers';
import { TaskEntity } from './task.entity';

/**
 * One run of one stage of a task: the seed's `orchestrator_stages` columns (nullable where
 * the seed left them nullable), then what the read model projects from the run's events.
 */
@Entity({ name: 'orchestrator_stages' })
@Check('orchestrator_stages_stage_type_check', sqlIn('stage_type', STAGE_TYPES))
@Check('orchestrator_stages_status_check', sqlIn('status', STAGE_STATUSES))
@Index('idx_orchestrator_task_stages', ['taskId', 'stageType'])
@Index('idx_orchestrator_status', ['status'])
@Index('idx_orchestrator_running', ['status'], { where: `status = 'running'` })
export class StageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'task_id', type: 'uuid' })
  @ForeignKey(() => TaskEntity, { name: 'orchestrator_stages_task_id_fkey', onDelete: 'CASCADE' })
  taskId!: string;

  @Column({ name: 'stage_type', type: 'varchar', length: 20 })
  stageType!: StageType;

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status!: StageStatus;

  /** `{}` (the seed's default) until the orchestrator writes the stage's context */
  @Column({ name: 'stage_context', type: 'jsonb', nullable: true, default: {} })
  stageContext!: StageContext | Record<string, never> | null;

  @Column({ name: 'command_output', type: 'text', nullable: true })
  commandOutput!: string | null;

  /** the seed's container number; `containerRef` names the container itself */
  @Column({ name: 'container_id', type: 'integer', nullable: true })
  containerId!: number | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'retry_count', type: 'integer', nullable: true, default: 0 })
  retryCount!: number | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', nullable: true })
  createdAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt!: Date | null;

  @Column({ name: 'orchestration_id', type: 'uuid', nullable: true })
  orchestrationId!: string | null;

  @Column({ name: 'stage_round', type: 'integer', default: 0 })
  stageRound!: number;

  /** 1 for the stage's first run, 2 for its first retry, … */
  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  /** Docker container id, or `local-<slot>` for the local driver */
  @Column({ name: 'container_ref', type: 'text', nullable: true })
  containerRef!: string | null;

  @Column({ type: 'integer', nullable: true })
  port!: number | null;

  @Column({ name: 'lease_id', type: 'uuid', nullable: true })
  leaseId!: string | null;

  /** the agent CLI the stage's last attempt ran on (`claude-code`, `codex`); null before it started */
  @Column({ type: 'varchar', length: 32, nullable: true })
  executor!: ExecutorName | null;

  /** the model that attempt asked for; null = the executor's configured default */
  @Column({ type: 'text', nullable: true })
  model!: string | null;

  /** US dollars, as the agent CLI reported the run */
  @Column({ name: 'cost_usd', type: 'numeric', precision: 14, scale: 6, nullable: true, transformer: numberFromString })
  costUsd!: number | null;

  @Column({ name: 'input_tokens', type: 'integer', nullable: true })
  inputTokens!: number | null;

  @Column({ name: 'output_tokens', type: 'integer', nullable: true })
  outputTokens!: number | null;

  @Column({ name: 'cache_read_tokens', type: 'integer', nullable: true })
  cacheReadTokens!: number | null;

  @Column({ name: 'cache_creation_tokens', type: 'integer', nullable: true })
  cacheCreationTokens!: number | null;

  @Column({ name: 'num_turns', type: 'integer', nullable: true })
  numTurns!: number | null;

  @Column({ name: 'session_id', type: 'text', nullable: true })
  sessionId!: string | null;

  /** milliseconds, as the agent CLI measured the run */
  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'diff_stat', type: 'jsonb', nullable: true })
  diffStat!: DiffStat | null;

  /** the run's diff on the task's branch (size-limited, see StageDiff); null before it was recorded. Read only when asked for (up to 256 KiB a row). */
  @Column({ name: 'stage_diff', type: 'jsonb', nullable: true, select: false })
  stageDiff!: StageDiff | null;

  /** QA's verdict; null for the other stages */
  @Column({ type: 'jsonb', nullable: true })
  verdict!: QaVerdict | null;

  @Column({ type: 'boolean', nullable: true })
  retryable!: boolean | null;

  /** when the stage's timeout fires */
  @Column({ name: 'deadline_at', type: 'timestamptz', nullable: true })
  deadlineAt!: Date | null;

  /** the model API's limit the stage waits for (`rate-limit`, `overloaded`, `usage-limit`); null when it waits for none */
  @Column({ name: 'parked_limit', type: 'varchar', length: 20, nullable: true })
  parkedLimit!: ApiLimitKind | null;

  /** when a parked stage runs again */
  @Column({ name: 'parked_until', type: 'timestamptz', nullable: true })
  parkedUntil!: Date | null;

  /** with `parkedLimit`: the name (never the key) of the credential that met the limit */
  @Column({ name: 'parked_credential', type: 'varchar', length: 100, nullable: true })
  parkedCredential!: string | null;

  /** stream sequence of the last event applied to this row */
  @Column({ name: 'last_event_seq', type: 'bigint', default: 0, transformer: numberFromString })
  lastEventSeq!: number;
}
