import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { numberFromString } from './column.transformers';

/** What a pool slot can be, as the pool events tell it. */
export const POOL_SLOT_STATES = ['free', 'leased', 'resetting', 'down'] as const;
export type PoolSlotState = (typeof POOL_SLOT_STATES)[number];

/** One slot of a pool (a container, or a port and a directory), and who holds it. */
@Entity({ name: 'pool_slots' })
@Check('pool_slots_state_check', `state IN ('free', 'leased', 'resetting', 'down')`)
export class PoolSlotEntity {
  @PrimaryColumn({ name: 'pool_id', type: 'varchar', length: 100, primaryKeyConstraintName: 'pool_slots_pkey' })
  poolId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pool_slots_pkey' })
  slot!: number;

  @Column({ type: 'integer' })
  port!: number;

  /** Docker container id, or `local-<slot>` for the local driver */
  @Column({ name: 'container_id', type: 'text' })
  containerId!: string;

  @Column({ type: 'varchar', length: 20 })
  driver!: 'docker' | 'local';

  @Column({ type: 'varchar', length: 20, default: 'free' })
  state!: PoolSlotState;

  @Column({ name: 'lease_id', type: 'uuid', nullable: true })
  leaseId!: string | null;

  @Column({ name: 'task_id', type: 'uuid', nullable: true })
  taskId!: string | null;

  @Column({ name: 'stage_id', type: 'uuid', nullable: true })
  stageId!: string | null;

  @Column({ type: 'integer', nullable: true })
  attempt!: number | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** stream sequence of the last event applied to this row */
  @Column({ name: 'last_event_seq', type: 'bigint', default: 0, transformer: numberFromString })
  lastEventSeq!: number;
}
