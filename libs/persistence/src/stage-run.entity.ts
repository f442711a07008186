import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { StageType } from '@app/contracts';
import { numberFromString } from './column.transformers';

/** How a stage run ended. */
/** How a stage run ended; `parked`: the model API's rate or usage limit ended it, and the stage runs again when it lifts. */
export const STAGE_RUN_OUTCOMES = ['completed', 'failed', 'timed_out', 'cancelled', 'parked'] as const;
export type StageRunOutcome = (typeof STAGE_RUN_OUTCOMES)[number];

/**
 * One attempt of one stage, kept after its task is deleted: the history the metrics
 * count (completions, failures, durations).
 */
@Entity({ name: 'stage_runs' })
@Check('stage_runs_stage_type_check', `stage_type IN ('specification', 'implementation', 'qa')`)
@Check('stage_runs_outcome_check', `outcome IN ('completed', 'failed', 'timed_out', 'cancelled', 'parked')`)
@Index('idx_stage_runs_type_outcome', ['stageType', 'outcome'])
export class StageRunEntity {
  @PrimaryColumn({ name: 'stage_id', type: 'uuid', primaryKeyConstraintName: 'stage_runs_pkey' })
  stageId!: string;

  /** 1 for the stage's first run, 2 for its first retry, … */
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'stage_runs_pkey' })
  attempt!: number;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  @Column({ name: 'stage_type', type: 'varchar', length: 20 })
  stageType!: StageType;

  /** null while the run is scheduled or running */
  @Column({ type: 'varchar', length: 20, nullable: true })
  outcome!: StageRunOutcome | null;

  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** milliseconds from StageStarted to the run's end; null for a run that never started */
  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  /** the agent CLI the run ran on; null for a run that never started */
  @Column({ type: 'varchar', length: 32, nullable: true })
  executor!: string | null;

  /** US dollars, as the agent CLI reported the run */
  @Column({ name: 'cost_usd', type: 'numeric', precision: 14, scale: 6, nullable: true, transformer: numberFromString })
  costUsd!: number | null;

  /** a parked run: when its stage was to run again (the limit's reset, or the backoff) */
  @Column({ name: 'resume_at', type: 'timestamptz', nullable: true })
  resumeAt!: Date | null;

  /** stream sequence of the last event applied to this row */
  @Column({ name: 'last_event_seq', type: 'bigint', default: 0, transformer: numberFromString })
  lastEventSeq!: number;
}
